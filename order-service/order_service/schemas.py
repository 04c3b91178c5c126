"""What order-service takes in and gives out (also the source of its OpenAPI document)."""

from decimal import Decimal

import marshmallow as ma
from flask import current_app
from marshmallow import validate

from xyd_common.credit_record import CreditRecordSchema, Relayed
from xyd_common.labels import REPAYMENT_METHODS
from xyd_common.pagination import PageArgsSchema, page_schema
from xyd_common.schemas import Derived, ExactNumber, StrictSchema
from xyd_common.validators import Phone, RegionCode, Uscc

from .consent import credit_access_until
from .models import RISK_LEVELS
from .states import STATUSES
from .statistics import GROUPINGS

AMOUNT_LIMIT = Decimal("100000000")  # 万元, as product-service: far above any loan, inside NUMERIC(14, 4)
TERM_RANGE = validate.Range(min=1, max=360, error="期限应在 1 到 360 个月之间")
AMOUNT_RANGE = validate.Range(min=0, min_inclusive=False, max=AMOUNT_LIMIT,
                              error=f"金额应大于 0 且不超过 {AMOUNT_LIMIT} 万元")
RATE_RANGE = validate.Range(min=0, min_inclusive=False, max=36, error="年利率应大于 0% 且不超过 36%")


def Amount(**kwargs) -> ExactNumber:  # noqa: N802 - a field factory, read like a field class
    return ExactNumber(4, **kwargs)


def RateField(**kwargs) -> ExactNumber:  # noqa: N802
    return ExactNumber(2, **kwargs)


def _text(max_length: int, min_length: int = 1, **kwargs) -> ma.fields.String:
    return ma.fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


class StrippedString(ma.fields.String):
    """A string with surrounding blanks removed, so "   " is as empty as ""."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


# --- requests ------------------------------------------------------------------------------------------

class ConsentSchema(StrictSchema):
    version = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class OrderCreateSchema(StrictSchema):
    product_id = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    amount = Amount(required=True, validate=AMOUNT_RANGE, metadata={"description": "申请金额（万元）"})
    term_months = ma.fields.Integer(required=True, strict=True, validate=TERM_RANGE,
                                    metadata={"description": "申请期限（月）"})
    purpose = StrippedString(required=True, validate=validate.Length(min=2, max=500),
                             metadata={"description": "资金用途"})
    # The consent (授权书) the applicant accepted: the version it read. The older `credit_authorized:
    # true` (JSON true only) still means "the current version". Neither: credit_authorization_required.
    credit_authorization = ma.fields.Nested(ConsentSchema, load_default=None, allow_none=True, metadata={
        "description": "同意的信用信息查询授权书版本（GET /credit/authorization-text）"})
    credit_authorized = ma.fields.Boolean(load_default=False, truthy={True}, falsy={False}, metadata={
        "description": "（已弃用，等同于同意现行版本授权书）授权本订单的受理机构查询本企业信用记录",
        "deprecated": True})
    contact_name = StrippedString(load_default=None, allow_none=True, validate=validate.Length(max=50))
    contact_phone = Phone(load_default=None, allow_none=True)


class IdempotencyHeaders(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key", load_default=None,
        validate=[validate.Length(min=1, max=100),
                  validate.Regexp(r"^[\x21-\x7e]+$", error="只能包含可见的 ASCII 字符")],
        metadata={"description": "幂等键：同一键与同一请求体只创建一个订单"})


class RemarkSchema(StrictSchema):
    remark = StrippedString(load_default=None, allow_none=True, validate=validate.Length(max=500),
                            metadata={"description": "备注"})


class UrgeSchema(StrictSchema):
    message = StrippedString(required=True, validate=validate.Length(min=2, max=500),
                             metadata={"description": "督办意见（发给受理机构）"})


class TerminateSchema(StrictSchema):
    reason = StrippedString(required=True,
                            validate=validate.Length(min=2, max=500, error="请填写终止原因（2 到 500 字）"),
                            metadata={"description": "终止原因"})


class ReturnSchema(StrictSchema):
    reason = StrippedString(required=True,
                            validate=validate.Length(min=2, max=200, error="请填写退回原因（2 到 200 字）"),
                            metadata={"description": "退回原因"})
    items = ma.fields.List(StrippedString(validate=validate.Length(min=1, max=50, error="每项材料 1 到 50 字")),
                           required=True,
                           validate=validate.Length(min=1, max=10, error="请列出 1 到 10 项需补充的材料"),
                           metadata={"description": "需补充的材料，如“营业执照副本”"})


class ResubmitSchema(StrictSchema):
    note = StrippedString(load_default=None, allow_none=True, validate=validate.Length(max=500),
                          metadata={"description": "补正说明（给受理机构）"})


class GrantSchema(StrictSchema):
    amount = Amount(required=True, validate=AMOUNT_RANGE, metadata={"description": "授信金额（万元），不超过申请金额"})
    rate = RateField(required=True, validate=RATE_RANGE, metadata={"description": "年利率（%）"})
    term_months = ma.fields.Integer(required=True, strict=True, validate=TERM_RANGE,
                                    metadata={"description": "授信期限（月）"})


class DisburseSchema(StrictSchema):
    amount = Amount(required=True, validate=AMOUNT_RANGE, metadata={"description": "放款金额（万元），不超过授信金额"})
    disbursed_on = ma.fields.Date(required=True, metadata={"description": "放款日期（北京时间），不晚于今天"})
    repayment_method = ma.fields.String(load_default=None, validate=validate.OneOf(REPAYMENT_METHODS), metadata={
        "description": "还款方式：须为产品提供的还款方式之一（默认产品的第一种）；"
                       "其他 → 422 repayment_method_not_offered"})
    renewal = ma.fields.Boolean(load_default=False, truthy={True}, falsy={False},
                                metadata={"description": "是否为续贷（JSON true/false，默认否）"})


class OrderFilters(ma.Schema):
    """The filters of the order list, which its export takes too."""

    class Meta:
        unknown = ma.EXCLUDE

    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    risk_level = ma.fields.String(validate=validate.OneOf(RISK_LEVELS))
    accept_overdue = ma.fields.Boolean()
    overdue = ma.fields.Boolean(metadata={"description": "true：超过受理期限仍未受理的订单（同 accept_overdue）"})
    whitelisted = ma.fields.Boolean(metadata={"description": "申请企业是否在信易贷白名单中"})
    product_id = ma.fields.Integer(validate=validate.Range(min=1))
    region_code = RegionCode(metadata={"description": "该区域及其下级区域的订单（须在本人可见范围内）"})
    date_from = ma.fields.Date(data_key="from", metadata={"description": "申请日期起（北京时间，含）"})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "申请日期止（北京时间，含）"})
    q = _text(50, metadata={"description": "订单号（XC 开头，可只输前几位）、统一社会信用代码或企业名称"})


EXPORT_FORMAT = ma.fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv")),
                                metadata={"description": "xlsx（默认）或 csv（UTF-8，带 BOM）"})


class OrderListArgs(PageArgsSchema, OrderFilters):
    pass


class OrderExportArgs(OrderFilters):
    format = EXPORT_FORMAT


class StatsArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    region_code = RegionCode(metadata={"description": "默认：政府用户为其所辖区域，管理员为全部"})
    date_from = ma.fields.Date(data_key="from", metadata={"description": "申请日期起（北京时间，含）"})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "申请日期止（北京时间，含）"})


class StatsQueryArgs(StatsArgs):
    group_by = ma.fields.String(validate=validate.OneOf(GROUPINGS), metadata={
        "description": "另按组统计：day 按日、week 按周（周一起）、month 按月、region 按下一级行政区（本级订单单列）"})


class StatsExportArgs(StatsQueryArgs):
    format = EXPORT_FORMAT


# --- responses -----------------------------------------------------------------------------------------

class RiskSchema(ma.Schema):
    level = ma.fields.String(metadata={"enum": list(RISK_LEVELS),
                                       "description": "风险等级（信用数据暂不可得时为 unknown）"})
    tags = ma.fields.List(ma.fields.String(), metadata={"description": "风险标签（中文）"})


class AcceptedConsentSchema(ma.Schema):
    version = ma.fields.Integer(allow_none=True, metadata={"description": "授权书版本"})
    accepted_at = ma.fields.DateTime(allow_none=True, metadata={"description": "同意时间"})


class OrderSchema(ma.Schema):
    id = ma.fields.Integer()
    order_no = ma.fields.String(metadata={"description": "订单号"})
    status = ma.fields.String(metadata={"enum": list(STATUSES), "description": "订单状态"})
    source = ma.fields.String(metadata={"enum": ["application", "need", "push"],
                                        "description": "application 企业申请；need 机构受理融资需求生成；"
                                                       "push 机构接受政府推送的融资需求（推荐清单）生成"})
    product_id = ma.fields.Integer()
    product_name = ma.fields.String()
    institution_id = ma.fields.Integer()
    institution_name = ma.fields.String()
    enterprise_uscc = ma.fields.String()
    enterprise_name = ma.fields.String()
    region_code = ma.fields.String(metadata={"description": "申请企业所在行政区"})
    amount = Amount(metadata={"description": "申请金额（万元）"})
    term_months = ma.fields.Integer()
    purpose = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    accept_deadline = ma.fields.Date(metadata={"description": "受理截止日（北京时间，含当日）"})
    accept_overdue = ma.fields.Boolean(metadata={"description": "是否已超过受理期限仍未受理"})
    accepted_at = ma.fields.DateTime(allow_none=True)
    granted_amount = Amount(allow_none=True)
    granted_rate = RateField(allow_none=True)
    granted_term_months = ma.fields.Integer(allow_none=True)
    disbursed_amount = Amount(allow_none=True)
    disbursed_on = ma.fields.Date(allow_none=True)
    repayment_method = ma.fields.String(allow_none=True, metadata={
        "enum": [*REPAYMENT_METHODS, None], "description": "放款时选定的还款方式（未放款为 null）"})
    renewal = ma.fields.Boolean(allow_none=True, metadata={"description": "是否为续贷（未放款为 null）"})
    reason = ma.fields.String(allow_none=True, metadata={"description": "终止原因"})
    return_reason = ma.fields.String(allow_none=True, metadata={"description": "退回补正的原因（最近一次退回）"})
    return_items = ma.fields.List(ma.fields.String(), allow_none=True,
                                  metadata={"description": "退回补正时要求补充的材料（最近一次退回）"})
    returned_at = ma.fields.DateTime(allow_none=True, metadata={"description": "最近一次退回补正的时间"})
    risk = Derived(RiskSchema, lambda order: {"level": order.risk_level, "tags": list(order.risk_tags or [])},
                   metadata={"description": "风险等级与标签"})
    whitelisted = ma.fields.Boolean(metadata={"description": "是否在信易贷白名单"})


class HistorySchema(ma.Schema):
    from_status = ma.fields.String(allow_none=True, metadata={"enum": [*STATUSES, None]})
    to_status = ma.fields.String(metadata={"enum": list(STATUSES)})
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String(metadata={"description": "操作人角色：enterprise、institution、government、admin 或 "
                                                          "system（系统自动，如超期、授权撤回）"})
    remark = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()


class OrderDetailSchema(OrderSchema):
    applicant_user_id = ma.fields.Integer()
    contact_name = ma.fields.String(allow_none=True)
    contact_phone = ma.fields.String(allow_none=True)
    credit_authorized = ma.fields.Boolean()
    credit_authorized_at = ma.fields.DateTime()
    credit_authorization = Derived(AcceptedConsentSchema, lambda order: {
        "version": order.credit_authorization_version, "accepted_at": order.credit_authorized_at},
        metadata={"description": "申请人同意的授权书版本与时间"})
    credit_access_until = ma.fields.Method("_access_until", allow_none=True, metadata={
        "type": "string", "format": "date-time",
        "description": "受理机构可查阅该企业信用记录的截止时间（订单办理中为 null）"})

    def _access_until(self, order):
        until = credit_access_until(order, current_app.config["CREDIT_POST_LOAN_ACCESS_DAYS"])
        return until.isoformat() if until else None
    history = ma.fields.List(ma.fields.Nested(HistorySchema))
    credit_record = Relayed(CreditRecordSchema, allow_none=True,
                            metadata={"description": "信用记录（同 GET /credit/enterprises/{uscc}）"})
    credit_record_error = ma.fields.String(
        allow_none=True, metadata={"description": "信用记录不可得时的原因，此时 credit_record 为 null"})


class OrderPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OrderSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    next_cursor = ma.fields.String(allow_none=True)
    total_is_estimate = ma.fields.Boolean()


class InstitutionStatsSchema(ma.Schema):
    institution_id = ma.fields.Integer()
    institution_name = ma.fields.String()
    orders = ma.fields.Integer(metadata={"description": "订单数"})
    accepted = ma.fields.Integer(metadata={"description": "已受理的订单数（含其后已授信、放款或终止的）"})
    overdue = ma.fields.Integer(metadata={"description": "超期未受理的订单数"})
    requested_amount = Amount()
    granted_amount = Amount(metadata={"description": "授信金额合计（已授信及已放款的订单）"})
    disbursed_amount = Amount()
    average_hours_to_accept = ma.fields.Float(allow_none=True, metadata={"description": "平均受理时长（小时）"})


class StatsTotalsSchema(ma.Schema):
    total = ma.fields.Integer(metadata={"description": "订单总数"})
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                               metadata={"description": "各状态订单数（七种状态都在，含待补正 returned）"})
    requested_amount = Amount(metadata={"description": "申请金额合计（万元）"})
    granted_amount = Amount(metadata={"description": "授信金额合计（已授信及已放款的订单）"})
    disbursed_amount = Amount(metadata={"description": "放款金额合计"})
    overdue = ma.fields.Integer(metadata={"description": "被标记为超期未受理的订单数（含其后已办理的）"})


class StatsGroupSchema(StatsTotalsSchema):
    key = ma.fields.String(metadata={"description": "日期（YYYY-MM-DD；按周为周一）、月份（YYYY-MM）或行政区代码"})
    name = ma.fields.String(metadata={"description": "组名，如“2026年11月”“魏都区”"})


class StatsSchema(StatsTotalsSchema):
    region_code = ma.fields.String(allow_none=True)
    visits = ma.fields.Integer(metadata={"description": "走访次数（走访日期在统计期内）"})
    needs_posted = ma.fields.Integer(metadata={"description": "发布的融资需求数"})
    needs_pushed = ma.fields.Integer(metadata={"description": "被推送（推荐清单）的融资需求数（推送时间在统计期内）"})
    pushes_accepted = ma.fields.Integer(metadata={"description": "推送中机构已接受的"})
    pushes_declined = ma.fields.Integer(metadata={"description": "推送中机构已拒绝的"})
    pushes_overdue = ma.fields.Integer(metadata={"description": "推送中曾超期未答复的（含其后已答复的）"})
    credit_loan_share = ExactNumber(4, allow_none=True, metadata={
        "description": "信用贷款占比：产品担保方式仅为信用的放款金额 ÷ 放款金额（0–1，4 位小数；无放款为 null）"})
    date_from = ma.fields.Date(data_key="from", allow_none=True)
    date_to = ma.fields.Date(data_key="to", allow_none=True)
    institutions = ma.fields.List(ma.fields.Nested(InstitutionStatsSchema))
    group_by = ma.fields.String(metadata={"enum": list(GROUPINGS), "description": "请求了 group_by 时才有"})
    groups = ma.fields.List(ma.fields.Nested(StatsGroupSchema),
                            metadata={"description": "各组的同样统计（请求了 group_by 时才有），按时间或区域代码排序"})


# --- financing needs (融资需求) ---------------------------------------------------------------------------

GUARANTEE_METHODS = ("credit", "guarantee", "mortgage", "pledge")
NEED_STATUSES = ("open", "claimed", "expired", "cancelled")


class NeedCreateSchema(StrictSchema):
    amount = Amount(required=True, validate=AMOUNT_RANGE, metadata={"description": "需要的金额（万元）"})
    term_months = ma.fields.Integer(required=True, strict=True, validate=TERM_RANGE)
    purpose = StrippedString(required=True, validate=validate.Length(min=2, max=500))
    guarantee_methods = ma.fields.List(ma.fields.String(validate=validate.OneOf(GUARANTEE_METHODS)),
                                       load_default=list, validate=validate.Length(max=4),
                                       metadata={"description": "可接受的担保方式"})
    valid_days = ma.fields.Integer(load_default=30, strict=True, validate=validate.Range(min=1, max=90),
                                   metadata={"description": "有效天数（1–90，默认 30）"})
    credit_authorization = ma.fields.Nested(ConsentSchema, required=True, metadata={
        "description": "同意的信用信息查询授权书版本：覆盖抢单机构，并允许服务本地区的机构看到风险等级与白名单状态"})


class NeedRiskSchema(ma.Schema):
    level = ma.fields.String(metadata={"enum": ["none", "low", "medium", "high", "unknown"]})
    tags = ma.fields.List(ma.fields.String())


class NeedSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(NEED_STATUSES)})
    enterprise_uscc = ma.fields.String()
    enterprise_name = ma.fields.String()
    region_code = ma.fields.String()
    amount = Amount()
    term_months = ma.fields.Integer()
    purpose = ma.fields.String()
    guarantee_methods = ma.fields.List(ma.fields.String())
    expires_at = ma.fields.DateTime()
    order_id = ma.fields.Integer(allow_none=True)
    institution_id = ma.fields.Integer(allow_none=True)
    institution_name = ma.fields.String(allow_none=True, metadata={"description": "抢单机构（列表中给出）"})
    order_no = ma.fields.String(allow_none=True, metadata={"description": "抢单生成的订单号（列表中给出）"})
    claimed_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    risk = ma.fields.Nested(NeedRiskSchema, metadata={"description": "企业风险等级（不含信用记录）"})
    whitelisted = ma.fields.Boolean()


class PostedNeedSchema(NeedSchema):
    matches = ma.fields.List(ma.fields.Dict(), metadata={"description": "最匹配的 5 个产品（同智能匹配）"})


class NeedListArgs(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(NEED_STATUSES))
    region_code = RegionCode()
    amount_min = Amount(validate=validate.Range(min=0, max=AMOUNT_LIMIT))
    amount_max = Amount(validate=validate.Range(min=0, max=AMOUNT_LIMIT))


class ClaimSchema(StrictSchema):
    product_id = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


NeedPageSchema = page_schema(NeedSchema, "NeedPage")


# --- 推荐清单 (pushes) -------------------------------------------------------------------------------------

PUSH_STATUSES = ("pending", "accepted", "declined", "overdue")


class PushCreateSchema(StrictSchema):
    institution_ids = ma.fields.List(
        ma.fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1)), required=True,
        validate=validate.Length(min=1, max=20, error="请选择 1 到 20 家机构"),
        metadata={"description": "推送给哪些机构（须已入驻、启用，且有服务该企业所在地区的在售产品）"})
    note = StrippedString(load_default=None, allow_none=True, validate=validate.Length(max=500),
                          metadata={"description": "推荐说明"})


class PushAcceptSchema(StrictSchema):
    product_id = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1),
                                   metadata={"description": "用本机构哪个在售产品受理"})


class PushDeclineSchema(StrictSchema):
    reason = StrippedString(required=True, validate=validate.Length(min=2, max=500),
                            metadata={"description": "不予受理的原因"})


class PushListArgs(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(PUSH_STATUSES))


class PushSchema(ma.Schema):
    id = ma.fields.Integer()
    need_id = ma.fields.Integer()
    institution_id = ma.fields.Integer()
    institution_name = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(PUSH_STATUSES),
                                        "description": "pending 待答复；accepted 已接受；declined 已拒绝；"
                                                       "overdue 超期未答复（仍可答复）"})
    due_on = ma.fields.Date(metadata={"description": "答复截止日（北京时间，含当日）"})
    note = ma.fields.String(allow_none=True)
    pushed_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)
    answered_in_time = ma.fields.Boolean(allow_none=True, metadata={"description": "是否在截止日前答复"})
    reason = ma.fields.String(allow_none=True, metadata={"description": "拒绝的原因"})
    product_id = ma.fields.Integer(allow_none=True)
    order_id = ma.fields.Integer(allow_none=True, metadata={"description": "接受后生成的订单"})
    need = ma.fields.Nested(NeedSchema, metadata={"description": "推送的融资需求（列表中给出）"})
    credit_record = Relayed(CreditRecordSchema, allow_none=True, metadata={
        "description": "企业信用记录（仅机构、依需求的授权书，推送后至拒绝前可见；同 GET /credit/enterprises/{uscc}）"})
    credit_record_error = ma.fields.String(allow_none=True, metadata={"description": "信用记录不可得时的原因"})


class PushBatchSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PushSchema), metadata={"description": "每家机构一条推送"})


PushPageSchema = page_schema(PushSchema, "PushPage")


class ScorecardSchema(ma.Schema):
    institution_id = ma.fields.Integer()
    institution_name = ma.fields.String()
    received = ma.fields.Integer(metadata={"description": "收到的申请（含抢单生成的订单）"})
    accepted = ma.fields.Integer()
    accepted_in_time_rate = ma.fields.Float(allow_none=True, metadata={"description": "按期受理率（0–1）"})
    avg_hours_to_accept = ma.fields.Float(allow_none=True)
    p90_hours_to_accept = ma.fields.Float(allow_none=True)
    terminated = ma.fields.Integer()
    urged = ma.fields.Integer(metadata={"description": "被督办次数"})
    granted_count = ma.fields.Integer()
    granted_amount = Amount()
    disbursed_count = ma.fields.Integer()
    disbursed_amount = Amount()
    needs_claimed = ma.fields.Integer()
    overdue_open = ma.fields.Integer(metadata={"description": "超期仍未受理"})
    npl_ratio = ExactNumber(4, allow_none=True, metadata={
        "description": "不良率：不良贷款余额 ÷ 贷款余额（0–1，4 位小数；据贷款服务的 loan.* 事件；无余额为 null）"})
    avg_rate = RateField(allow_none=True, metadata={
        "description": "已放款订单按放款金额加权的平均年利率（%；无放款为 null）"})
    returned = ma.fields.Integer(metadata={"description": "退回补正、等待企业补正的订单数"})
    pushes_received = ma.fields.Integer(metadata={"description": "收到的推送（推荐清单，推送时间在统计期内）"})
    pushes_answered_in_time_rate = ExactNumber(4, allow_none=True, metadata={
        "description": "推送按期答复率：截止日前接受或拒绝的 ÷ 收到的推送（0–1，4 位小数；无推送为 null）"})
    claims = ma.fields.Integer(metadata={"description": "就这些订单的贷款向风险补偿资金池提出的代偿申请数"})


class ScorecardPageSchema(ma.Schema):
    region_code = ma.fields.String(allow_none=True)
    date_from = ma.fields.Date(data_key="from", allow_none=True)
    date_to = ma.fields.Date(data_key="to", allow_none=True)
    items = ma.fields.List(ma.fields.Nested(ScorecardSchema))


class PortalFiguresSchema(ma.Schema):
    institutions = ma.fields.Integer(metadata={"description": "已入驻（启用中）的金融机构数", "example": 18})
    active_products = ma.fields.Integer(metadata={"description": "金融超市在售产品数", "example": 64})
    orders = ma.fields.Integer(metadata={"description": "融资申请（订单）总数", "example": 1532})
    granted_amount = Amount(metadata={"description": "累计授信金额（万元）", "example": 86420.5})
    disbursed_amount = Amount(metadata={"description": "累计放款金额（万元）", "example": 71235})


class InternalPageArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    after = ma.fields.String(validate=validate.Length(max=40), metadata={"description": "上一页的 next_cursor"})


class InternalDisbursedPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Dict(), metadata={"description": "order.disbursed 的 data"})
    next_cursor = ma.fields.String(allow_none=True)


# --- 走访 (visits) -------------------------------------------------------------------------------------------

class VisitCreateSchema(StrictSchema):
    uscc = Uscc(required=True, metadata={"description": "被走访企业的统一社会信用代码"})
    enterprise_name = StrippedString(required=True, validate=validate.Length(min=2, max=200))
    region_code = RegionCode(load_default=None, allow_none=True, metadata={
        "description": "企业所在行政区（平台已认证的企业以其注册地为准；不填为登记人所辖区域）"})
    visited_on = ma.fields.Date(required=True, metadata={"description": "走访日期（北京时间），不晚于今天"})
    visitors = StrippedString(required=True, validate=validate.Length(min=2, max=200),
                              metadata={"description": "走访人员"})
    findings = StrippedString(required=True, validate=validate.Length(min=2, max=2000),
                              metadata={"description": "走访情况：经营状况、融资需求、存在困难等"})


class VisitSchema(ma.Schema):
    id = ma.fields.Integer()
    uscc = ma.fields.String()
    enterprise_name = ma.fields.String()
    region_code = ma.fields.String()
    visited_on = ma.fields.Date()
    visitors = ma.fields.String()
    findings = ma.fields.String()
    recorded_by = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class VisitFilters(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    region_code = RegionCode(metadata={"description": "该区域及其下级区域（须在本人可见范围内）"})
    date_from = ma.fields.Date(data_key="from", metadata={"description": "走访日期起（含）"})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "走访日期止（含）"})
    q = _text(50, metadata={"description": "统一社会信用代码或企业名称"})


class VisitListArgs(PageArgsSchema, VisitFilters):
    pass


class VisitExportArgs(VisitFilters):
    format = EXPORT_FORMAT


VisitPageSchema = page_schema(VisitSchema, "VisitPage")
