"""A credit record on the wire: what credit-service answers for `GET /credit/enterprises/{uscc}` and what
order-service passes on, unchanged, as `credit_record` in order details.

Both services document the same shape from these schemas, so a client reads one type in either place.
The enumerations are the contract's; which indicator weighs how much stays credit-service's business
(`credit_service.risk`). The schemas only dump: credit-service builds the record, order-service relays
the JSON it received (`Relayed`)."""

import marshmallow as ma

from .schemas import ExactNumber

# loan_default: the platform's own record of a loan that became non-performing (loan-service's
# loan.non_performing), authority 信易贷平台.
RECORD_CATEGORIES = ("administrative_license", "administrative_penalty", "dishonest_debtor",
                     "abnormal_operation", "tax_arrears", "commendation", "loan_default")
TAX_CREDIT_RATINGS = ("A", "B", "M", "C", "D")
RISK_INDICATORS = ("dishonest_debtor", "equity_frozen", "license_revoked", "consumption_restricted",
                   "administrative_penalty", "abnormal_operation", "tax_arrears", "litigation", "loan_default")
FLAG_LEVELS = ("low", "medium", "high")
RISK_LEVELS = ("none", *FLAG_LEVELS)  # weakest first
HIDDEN_REASONS = ("disputed_upheld", "expired", "repaired")


class EnterpriseSchema(ma.Schema):
    uscc = ma.fields.String()
    name = ma.fields.String()
    legal_representative = ma.fields.String(allow_none=True)
    registered_capital = ExactNumber(4, allow_none=True, metadata={"description": "注册资本（万元）"})
    established_on = ma.fields.Date(allow_none=True)
    status = ma.fields.String(allow_none=True, metadata={"description": "登记状态"})
    industry = ma.fields.String(allow_none=True)
    region_code = ma.fields.String(allow_none=True)


class RecordSummarySchema(ma.Schema):
    """What names a record (a dispute shows which record it is about)."""

    id = ma.fields.Integer()
    category = ma.fields.String(metadata={"enum": list(RECORD_CATEGORIES)})
    title = ma.fields.String()
    authority = ma.fields.String(allow_none=True)
    decided_on = ma.fields.Date()


class RecordSchema(RecordSummarySchema):
    content = ma.fields.String(allow_none=True)
    publish_until = ma.fields.Date(allow_none=True, metadata={"description": "公示截止日期"})
    repaired_on = ma.fields.Date(allow_none=True, metadata={"description": "信用修复日期"})
    disputed = ma.fields.Boolean(metadata={"description": "有待处理的异议"})
    visible_to_institutions = ma.fields.Boolean(metadata={"description": "金融机构是否可见"})
    hidden_reason = ma.fields.String(allow_none=True, metadata={
        "enum": [*HIDDEN_REASONS, None],
        "description": "不向金融机构展示的原因：异议成立、公示期满、信用修复"})
    dispute_note = ma.fields.String(allow_none=True, metadata={"description": "异议成立时的更正说明"})


class FlagSchema(ma.Schema):
    indicator = ma.fields.String(metadata={"enum": list(RISK_INDICATORS)})
    level = ma.fields.String(metadata={"enum": list(FLAG_LEVELS),
                                       "description": "该标记的风险等级（未单独指定时为指标的默认等级）"})
    source = ma.fields.String()
    detected_on = ma.fields.Date()
    active = ma.fields.Boolean()


class CreditRiskSchema(ma.Schema):
    level = ma.fields.String(metadata={"enum": list(RISK_LEVELS),
                                       "description": "风险等级：有效标记中最高者，无则 none"})
    tags = ma.fields.List(ma.fields.String(metadata={"enum": list(RISK_INDICATORS)}),
                          metadata={"description": "有效风险标记的指标，严重者在前"})
    flags = ma.fields.List(ma.fields.Nested(FlagSchema))


class WhitelistEntrySchema(ma.Schema):
    batch = ma.fields.String()
    region_code = ma.fields.String(allow_none=True)
    listed_on = ma.fields.Date()
    valid_until = ma.fields.Date(allow_none=True)


class CreditRecordSchema(ma.Schema):
    enterprise = ma.fields.Nested(EnterpriseSchema)
    tax_credit_rating = ma.fields.String(allow_none=True, metadata={"enum": [*TAX_CREDIT_RATINGS, None],
                                                                    "description": "纳税信用等级"})
    records = ma.fields.List(ma.fields.Nested(RecordSchema))
    whitelisted = ma.fields.Boolean(metadata={"description": "今天（北京时间）是否在有效的白名单中"})
    whitelist_entries = ma.fields.List(ma.fields.Nested(WhitelistEntrySchema))
    risk = ma.fields.Nested(CreditRiskSchema)


class Relayed(ma.fields.Nested):
    """Another service's JSON answer passed on as received, typed by `nested` in the OpenAPI document
    (dumping it through the schema again would choke on dates that are already strings)."""

    def __init__(self, nested, **kwargs):
        super().__init__(nested, dump_only=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value
