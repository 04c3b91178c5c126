"""Request examples of the OpenAPI document, sent as they stand by tests-e2e/test_api_examples.py."""

PRODUCT_CREATE = {
    "name": "科创信用贷", "category": "loan", "guarantee_methods": ["credit"],
    "repayment_methods": ["equal_installment", "interest_first"], "amount_min": 10, "amount_max": 300,
    "term_min_months": 6, "term_max_months": 36, "rate_min": 3.45, "rate_max": 5.8,
    "target_customers": "许昌市内纳税信用 B 级以上的科技型中小企业",
    "requirements": "成立满 2 年；近 12 个月纳税正常；企业及实际控制人无不良信用记录",
    "features": "纯信用、随借随还，最快 3 个工作日放款",
    "description": "面向科技型中小企业的纯信用贷款，依托纳税与信用数据综合授信。",
    "featured": True, "whitelist_only": False, "region_codes": ["411000"],
}
PRODUCT_UPDATE = {"rate_min": 3.3, "features": "纯信用、随借随还，最快 2 个工作日放款"}
POLICY_CREATE = {
    "title": "许昌市首贷企业贷款贴息政策", "issuer": "许昌市财政局",
    "body": "对首次获得银行贷款的小微企业，按实际支付利息的 50% 给予贴息。\n\n申请时间：贷款发放后一年内。",
    "region_code": "411000", "published_on": "2026-12-01", "valid_until": "2027-12-31",
    "tags": {"industries": ["通用设备制造业"], "whitelisted_only": False, "first_loan_only": True},
    "links": [],
}
POLICY_UPDATE = {"valid_until": "2028-06-30"}
