"""Request examples of the OpenAPI document, sent as they stand by tests-e2e/test_api_examples.py
(which puts in a real product id, and amounts that fit that product)."""

ORDER_CREATE = {"product_id": 1, "amount": 120, "term_months": 12, "purpose": "采购数控机床及原材料，扩大产能",
                "credit_authorization": {"version": 1}, "contact_name": "王建国", "contact_phone": "13912345678"}
ACCEPT = {"remark": "材料齐全，已安排客户经理对接"}
GRANT = {"amount": 100, "rate": 3.85, "term_months": 12}
DISBURSE = {"amount": 100, "disbursed_on": "2026-11-30", "repayment_method": "equal_installment", "renewal": False}
TERMINATE = {"reason": "企业近半年纳税异常，暂不符合授信条件"}
WITHDRAW = {"remark": "已通过其他渠道解决资金需求"}
URGE = {"message": "该企业为市重点扶持项目，请于 2 个工作日内受理并反馈进展"}
NEED_CREATE = {"amount": 200, "term_months": 12, "purpose": "支付新签订单的原材料款",
               "guarantee_methods": ["credit", "guarantee"], "valid_days": 30, "credit_authorization": {"version": 1}}
CLAIM = {"product_id": 1}
RETURN = {"reason": "申请材料不全，请补充后重新提交", "items": ["营业执照副本", "近一年财务报表"]}
RESUBMIT = {"note": "已补充营业执照副本和 2025 年度财务报表"}
VISIT_CREATE = {"uscc": "91411002MA45XC001Y", "enterprise_name": "许昌魏都制造有限公司", "visited_on": "2026-11-30",
                "visitors": "市发改委 王强、魏都区金融办 李娜",
                "findings": "企业新签订单 300 万元，原材料采购资金缺口约 200 万元，希望申请信用贷款"}
PUSH_CREATE = {"institution_ids": [1], "note": "该企业为县重点培育企业，订单充足，请优先对接"}
PUSH_ACCEPT = {"product_id": 1}
PUSH_DECLINE = {"reason": "企业所属行业暂不在本行授信支持范围内"}
