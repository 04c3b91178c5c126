"""Chinese names of the platform's codes that more than one service shows to people (notices, SMS,
spreadsheets). The codes themselves are the contract's; the web app keeps its own copy for pages."""

RISK_LEVEL_NAMES = {"none": "无风险", "low": "低风险", "medium": "中风险", "high": "高风险", "unknown": "未知"}
# credit-service's risk indicators (risk.INDICATOR_LEVELS).
RISK_TAG_NAMES = {
    "dishonest_debtor": "失信被执行人", "equity_frozen": "股权冻结", "license_revoked": "吊销营业执照",
    "consumption_restricted": "限制高消费", "administrative_penalty": "行政处罚",
    "abnormal_operation": "经营异常", "tax_arrears": "欠税", "litigation": "涉诉",
}
