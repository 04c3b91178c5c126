"""What credit-service takes in and gives out (also the source of its OpenAPI document).

Imported rows are checked one by one with the `*Row` schemas, so a bad row is reported with its index
while the good ones are still imported."""

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from xyd_common.credit_record import (
    FLAG_LEVELS,
    RECORD_CATEGORIES,
    RISK_INDICATORS,
    RISK_LEVELS,
    TAX_CREDIT_RATINGS,
    RecordSummarySchema,
)
from xyd_common.pagination import PageArgsSchema, page_schema
from xyd_common.schemas import ExactNumber, StrictSchema
from xyd_common.validators import RegionCode, Uscc

# 万元: far above any registered capital; NUMERIC(18, 4) holds values below it (so the bound is exclusive).
CAPITAL_LIMIT = Decimal("100000000000000")
ORDER_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,36}$", error="订单编号格式不正确")


class Text(ma.fields.String):
    """Trimmed text of at most `max_length` characters; blank is missing (None, or an error when the
    field is required)."""

    default_error_messages = {"too_long": "长度不能超过 {max}"}

    def __init__(self, max_length: int, **kwargs):
        self.max_length = max_length
        if not kwargs.get("required"):
            kwargs.setdefault("allow_none", True)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            if self.required:
                raise self.make_error("required")
            return None
        if len(text) > self.max_length:
            raise self.make_error("too_long", max=self.max_length)
        return text


class Choice(ma.fields.String):
    """One of `choices`, compared without surrounding blanks (and upper-cased when `upper`)."""

    def __init__(self, choices, upper: bool = False, **kwargs):
        self.upper = upper
        super().__init__(validate=validate.OneOf(choices), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        return text.upper() if self.upper else text


# --- imported rows -----------------------------------------------------------------------------------

class EnterpriseRow(StrictSchema):
    uscc = Uscc(required=True)
    name = Text(200, required=True)
    legal_representative = Text(50)
    registered_capital = ExactNumber(4, allow_none=True,
                                     validate=validate.Range(min=0, max=CAPITAL_LIMIT, max_inclusive=False,
                                                             error="注册资本数值不合理"))
    established_on = ma.fields.Date(allow_none=True)
    status = Text(20)
    industry = Text(100)
    region_code = RegionCode(allow_none=True)
    tax_credit_rating = Choice(TAX_CREDIT_RATINGS, upper=True, allow_none=True)


# loan_default records and flags are the platform's own (loan_defaults.py), never imported.
IMPORTED_CATEGORIES = tuple(c for c in RECORD_CATEGORIES if c != "loan_default")
IMPORTED_INDICATORS = tuple(i for i in RISK_INDICATORS if i != "loan_default")


class RecordRow(StrictSchema):
    uscc = Uscc(required=True)
    category = Choice(IMPORTED_CATEGORIES, required=True)
    title = Text(200, required=True)
    authority = Text(200)
    decided_on = ma.fields.Date(required=True)
    content = Text(5000)
    publish_until = ma.fields.Date(allow_none=True,
                                   metadata={"description": "公示截止日期；不填时行政处罚为决定日期后3年"})
    repaired_on = ma.fields.Date(allow_none=True, metadata={"description": "信用修复日期"})


class WhitelistRow(StrictSchema):
    uscc = Uscc(required=True)
    batch = Text(50, required=True)
    region_code = RegionCode(allow_none=True)
    listed_on = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(allow_none=True)

    @ma.validates_schema
    def valid_after_listing(self, data, **kwargs):
        if data.get("valid_until") and data.get("listed_on") and data["valid_until"] < data["listed_on"]:
            raise ma.ValidationError("有效期不能早于列入日期", "valid_until")


class RiskFlagRow(StrictSchema):
    uscc = Uscc(required=True)
    indicator = Choice(IMPORTED_INDICATORS, required=True)
    level = Choice(FLAG_LEVELS, allow_none=True)
    source = Text(100, required=True)
    detected_on = ma.fields.Date(required=True)
    # JSON true/false only; CSV cells are turned into booleans before they get here.
    active = ma.fields.Boolean(load_default=True, truthy={True}, falsy={False})


class ImportBatchSchema(StrictSchema):
    """The rows of each kind are checked one by one by the import (a bad row does not reject the batch)."""

    enterprises = ma.fields.List(ma.fields.Raw(), load_default=list, metadata={"description": "企业登记信息"})
    records = ma.fields.List(ma.fields.Raw(), load_default=list, metadata={"description": "信用记录"})
    whitelist = ma.fields.List(ma.fields.Raw(), load_default=list, metadata={"description": "白名单"})
    risk_flags = ma.fields.List(ma.fields.Raw(), load_default=list, metadata={"description": "风险标记"})


class ImportBatchDocSchema(ImportBatchSchema):
    """The import batch as documented: the same fields, each row typed by the schema that checks it."""

    enterprises = ma.fields.List(ma.fields.Nested(EnterpriseRow), metadata={"description": "企业登记信息"})
    records = ma.fields.List(ma.fields.Nested(RecordRow), metadata={"description": "信用记录"})
    whitelist = ma.fields.List(ma.fields.Nested(WhitelistRow), metadata={"description": "白名单"})
    risk_flags = ma.fields.List(ma.fields.Nested(RiskFlagRow), metadata={"description": "风险标记"})


class ImportCountsSchema(ma.Schema):
    enterprises = ma.fields.Integer()
    records = ma.fields.Integer()
    whitelist = ma.fields.Integer()
    risk_flags = ma.fields.Integer()


class ImportErrorSchema(ma.Schema):
    kind = ma.fields.String()
    index = ma.fields.Integer(allow_none=True, metadata={"description": "该类数据中的第几行（从 0 开始）"})
    line = ma.fields.Integer(metadata={"description": "CSV 文件中的行号（表头为第 1 行）"})
    message = ma.fields.String()
    errors = ma.fields.Dict(metadata={"description": "字段错误：{字段: [原因]}"})


class ImportResultSchema(ma.Schema):
    imported = ma.fields.Nested(ImportCountsSchema, metadata={"description": "校验通过并已写入（或本已一致）的行数"})
    changed = ma.fields.Nested(ImportCountsSchema, metadata={"description": "其中新增或内容有变化的行数"})
    errors = ma.fields.List(ma.fields.Nested(ImportErrorSchema))


# --- credit records ----------------------------------------------------------------------------------

# The record's own shape is shared with order-service, which relays it in order details.


class CreditRecordArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    order_id = ma.fields.String(validate=ORDER_ID, metadata={"description": "查阅所依据的订单（记入查阅日志）"})


# --- whitelist ---------------------------------------------------------------------------------------

class WhitelistListArgs(PageArgsSchema):
    region_code = RegionCode(metadata={"description": "该区域及其下级区域"})
    q = ma.fields.String(validate=validate.Length(max=50), metadata={"description": "按企业名称或统一社会信用代码搜索"})
    batch = ma.fields.String(validate=validate.Length(max=50))
    include_expired = ma.fields.Boolean(load_default=False, metadata={"description": "包含已过期的条目"})


class WhitelistItemSchema(ma.Schema):
    uscc = ma.fields.String(metadata={"description": "机构用户仅在该企业向本机构申请过时可见完整代码"})
    masked = ma.fields.Boolean(metadata={"description": (
        "uscc 是否部分隐藏：机构用户只能看到曾通过订单授权本机构的企业的完整统一社会信用代码，"
        "其余以 * 遮盖中间位；政府与管理员用户总是看到完整代码（false）")})
    enterprise_name = ma.fields.String()
    region_code = ma.fields.String(allow_none=True)
    industry = ma.fields.String(allow_none=True)
    batch = ma.fields.String()
    listed_on = ma.fields.Date()
    valid_until = ma.fields.Date(allow_none=True)


# --- access logs -------------------------------------------------------------------------------------

class AccessLogListArgs(PageArgsSchema):
    uscc = ma.fields.String(validate=validate.Length(max=18))
    viewer_id = ma.fields.String(validate=validate.Length(max=64))
    viewer_role = ma.fields.String(validate=validate.OneOf(("admin", "institution", "government", "enterprise",
                                                            "service")))
    institution_id = ma.fields.Integer(validate=validate.Range(min=1))
    order_id = ma.fields.String(validate=ORDER_ID)
    granted = ma.fields.Boolean()
    from_ = ma.fields.Date(data_key="from", metadata={"description": "起始日期（北京时间，含）"})
    to = ma.fields.Date(metadata={"description": "截止日期（北京时间，含）"})


class AccessLogSchema(ma.Schema):
    id = ma.fields.Integer()
    viewer_id = ma.fields.String()
    viewer_role = ma.fields.String()
    institution_id = ma.fields.Integer(allow_none=True)
    uscc = ma.fields.String()
    order_id = ma.fields.String(allow_none=True)
    granted = ma.fields.Boolean(metadata={"description": "false：无权查阅（已答 404）"})
    via = ma.fields.String(metadata={"description": "api，或代为查询的服务"})
    viewed_at = ma.fields.DateTime()


# --- internal ----------------------------------------------------------------------------------------

class InternalRecordArgs(CreditRecordArgs):
    viewer_id = ma.fields.String(validate=validate.Length(max=64), metadata={"description": "代为查阅的用户"})
    viewer_role = ma.fields.String(validate=validate.OneOf(("admin", "institution", "government", "enterprise")))
    viewer_institution_id = ma.fields.Integer(validate=validate.Range(min=1))


class InternalRiskArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    uscc = ma.fields.List(Uscc(), required=True,
                          validate=validate.Length(min=1, max=200, error="一次查询 1 到 200 个统一社会信用代码"))


class RiskStateSchema(ma.Schema):
    uscc = ma.fields.String()
    level = ma.fields.String(metadata={"enum": list(RISK_LEVELS)})
    tags = ma.fields.List(ma.fields.String())
    whitelisted = ma.fields.Boolean()
    known = ma.fields.Boolean(metadata={"description": "信用服务是否有该企业的数据"})


WhitelistPageSchema = page_schema(WhitelistItemSchema, "WhitelistPage")
AccessLogPageSchema = page_schema(AccessLogSchema, "AccessLogPage")


# --- consent (授权书) -------------------------------------------------------------------------------------

DATA_CATEGORIES = ("registration", "tax_credit_rating", "credit_records", "whitelist", "risk_flags")


class AuthorizationTextSchema(ma.Schema):
    version = ma.fields.Integer()
    text = ma.fields.String()
    data_categories = ma.fields.List(ma.fields.String(metadata={"enum": list(DATA_CATEGORIES)}))
    purpose = ma.fields.String()
    valid_days = ma.fields.Integer(metadata={"description": "授权自提交起的有效天数（订单办结后另有贷后期限）"})
    digest = ma.fields.String(metadata={"description": "授权书全文的 SHA-256"})
    published_at = ma.fields.DateTime()


AuthorizationTextPageSchema = page_schema(AuthorizationTextSchema, "AuthorizationTextPage")


class AuthorizationTextCreateSchema(StrictSchema):
    text = ma.fields.String(required=True, validate=validate.Length(min=20, max=20000))
    data_categories = ma.fields.List(ma.fields.String(validate=validate.OneOf(DATA_CATEGORIES)), required=True,
                                     validate=validate.Length(min=1))
    purpose = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))
    valid_days = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=3650))


class AuthorizationItemSchema(ma.Schema):
    id = ma.fields.String(metadata={"description": "授权编号（即订单编号）"})
    order_id = ma.fields.String()
    order_no = ma.fields.String(allow_none=True)
    institution_id = ma.fields.Integer()
    institution_name = ma.fields.String(allow_none=True)
    version = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(metadata={"enum": ["active", "post_loan", "ended", "revoked"]})
    accepted_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime(allow_none=True)


class OwnAccessLogSchema(ma.Schema):
    institution_id = ma.fields.Integer(allow_none=True)
    institution_name = ma.fields.String(allow_none=True)
    viewer_role = ma.fields.String()
    order_id = ma.fields.String(allow_none=True)
    purpose = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()
    granted = ma.fields.Boolean()


# --- disputes (异议) --------------------------------------------------------------------------------------

class DisputeCreateSchema(StrictSchema):
    record_id = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    reason = ma.fields.String(required=True, validate=validate.Length(min=5, max=2000))
    contact = ma.fields.String(required=True, validate=validate.Length(min=2, max=100))


class DisputedRecordSchema(RecordSummarySchema):
    """The record a dispute is about, with what it says and its dates: what the reviewer decides on."""

    content = ma.fields.String(allow_none=True)
    publish_until = ma.fields.Date(allow_none=True, metadata={"description": "公示截止日期"})
    repaired_on = ma.fields.Date(allow_none=True, metadata={"description": "信用修复日期"})


class DisputeSchema(ma.Schema):
    id = ma.fields.Integer()
    record_id = ma.fields.Integer()
    uscc = ma.fields.String()
    enterprise_name = ma.fields.String(allow_none=True, attribute="record.enterprise.name")
    reason = ma.fields.String()
    contact = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["open", "upheld", "rejected"]})
    note = ma.fields.String(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    record = ma.fields.Nested(DisputedRecordSchema)


class DisputeListArgs(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(("open", "upheld", "rejected")))


class DisputeDecisionSchema(StrictSchema):
    decision = ma.fields.String(required=True, validate=validate.OneOf(("uphold", "reject")))
    note = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @ma.validates_schema
    def _note_for_reject(self, data, **kwargs):
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            raise ma.ValidationError("驳回异议须说明理由", "note")


AuthorizationPageSchema = page_schema(AuthorizationItemSchema, "AuthorizationPage")
OwnAccessLogPageSchema = page_schema(OwnAccessLogSchema, "OwnAccessLogPage")
DisputePageSchema = page_schema(DisputeSchema, "DisputePage")
