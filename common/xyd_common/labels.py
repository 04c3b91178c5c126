"""Chinese names of the platform's codes that more than one service shows to people (notices, SMS,
spreadsheets). The codes themselves are the contract's; the web app keeps its own copy for pages."""

RISK_LEVEL_NAMES = {"none": "无风险", "low": "低风险", "medium": "中风险", "high": "高风险", "unknown": "未知"}
# credit-service's risk indicators (risk.INDICATOR_LEVELS).
RISK_TAG_NAMES = {
    "dishonest_debtor": "失信被执行人", "equity_frozen": "股权冻结", "license_revoked": "吊销营业执照",
    "consumption_restricted": "限制高消费", "administrative_penalty": "行政处罚",
    "abnormal_operation": "经营异常", "tax_arrears": "欠税", "litigation": "涉诉", "loan_default": "贷款不良",
}
# Products' repayment methods (还款方式): product-service offers them, order-service checks the one a
# disbursement names, loan-service builds the schedule by it.
REPAYMENT_METHOD_NAMES = {
    "equal_installment": "等额本息", "equal_principal": "等额本金", "interest_first": "先息后本",
    "bullet": "到期一次还本付息", "flexible": "灵活还款",
}
REPAYMENT_METHODS = tuple(REPAYMENT_METHOD_NAMES)
