"""Request examples of the OpenAPI document, sent as they stand by tests-e2e/test_api_examples.py
(which puts in a real product id, and amounts that fit that product)."""

ORDER_CREATE = {"product_id": 1, "amount": 120, "term_months": 12, "purpose": "采购数控机床及原材料，扩大产能",
                "credit_authorization": {"version": 1}, "contact_name": "王建国", "contact_phone": "13912345678"}
ACCEPT = {"remark": "材料齐全，已安排客户经理对接"}
GRANT = {"amount": 100, "rate": 3.85, "term_months": 12}
DISBURSE = {"amount": 100, "disbursed_on": "2026-11-30"}
TERMINATE = {"reason": "企业近半年纳税异常，暂不符合授信条件"}
WITHDRAW = {"remark": "已通过其他渠道解决资金需求"}
URGE = {"message": "该企业为市重点扶持项目，请于 2 个工作日内受理并反馈进展"}
NEED_CREATE = {"amount": 200, "term_months": 12, "purpose": "支付新签订单的原材料款",
               "guarantee_methods": ["credit", "guarantee"], "valid_days": 30, "credit_authorization": {"version": 1}}
CLAIM = {"product_id": 1}
