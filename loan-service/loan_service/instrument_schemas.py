"""What the government instruments take in and give out (funds, claims, subsidy programmes and
applications; also the source of their part of the OpenAPI document)."""

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from xyd_common.audit import AuditLogSchema
from xyd_common.pagination import PageArgsSchema, page_schema
from xyd_common.schemas import ExactNumber, StrictSchema
from xyd_common.validators import RegionCode

from . import funds, subsidies
from .instrument_models import APPLICATION_STATUSES, CLAIM_STATUSES, FUND_STATUSES, PROGRAM_STATUSES
from .schemas import AMOUNT_LIMIT, EXPORT_FORMAT, Amount, StrippedString

# auth-service's institution types (institution.* events carry one of them).
INSTITUTION_TYPES = ("bank", "guarantee", "microloan", "leasing", "insurance", "other")
POSITIVE = validate.Range(min=Decimal("0.0001"), max=AMOUNT_LIMIT)
PERCENT = validate.Range(min=Decimal("0.01"), max=Decimal(100))


def Percent(**kwargs) -> ExactNumber:  # noqa: N802 - a field factory, read like a field class
    return ExactNumber(2, **kwargs)


class Name(StrippedString):
    def __init__(self, **kwargs):
        super().__init__(required=True, validate=validate.Length(min=2, max=200), **kwargs)


class Reason(StrictSchema):
    reason = StrippedString(required=True, validate=validate.Length(min=2, max=500),
                            metadata={"description": "驳回原因"})


class Payment(StrictSchema):
    paid_on = ma.fields.Date(required=True, metadata={"description": "拨付日期（不晚于业务日期）"})
    reference = StrippedString(required=True, validate=validate.Length(min=1, max=64),
                               metadata={"description": "拨付凭证号"})


# --- funds -------------------------------------------------------------------------------------------

class FundCreateSchema(StrictSchema):
    name = Name(metadata={"description": "资金池名称"})
    region_code = RegionCode(required=True, metadata={"description": "所属区域（本区域或下级区域）"})
    budget = Amount(required=True, validate=POSITIVE, metadata={"description": "资金规模（万元）"})
    share_percent = Percent(required=True, validate=PERCENT, metadata={"description": "分担比例（%，损失本金的）"})
    cap_per_loan = Amount(required=True, validate=POSITIVE, metadata={"description": "单笔贷款补偿上限（万元）"})
    institution_types = ma.fields.List(ma.fields.String(validate=validate.OneOf(INSTITUTION_TYPES)), required=True,
                                       validate=validate.Length(min=1, max=len(INSTITUTION_TYPES)),
                                       metadata={"description": "覆盖的机构类型"})
    whitelisted_only = ma.fields.Boolean(load_default=False, metadata={"description": "仅覆盖放款时在白名单内的企业"})
    loans_from = ma.fields.Date(required=True, metadata={"description": "覆盖的放款日期起"})
    loans_to = ma.fields.Date(required=True, metadata={"description": "覆盖的放款日期止"})
    claims_until = ma.fields.Date(required=True, metadata={"description": "代偿申请截止日期"})


class TopUpSchema(StrictSchema):
    amount = Amount(required=True, validate=POSITIVE, metadata={"description": "追加金额（万元）"})
    note = StrippedString(load_default=None, allow_none=True, validate=validate.Length(max=500))


class FundListArgs(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(FUND_STATUSES))
    region_code = RegionCode()


class FundSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    region_code = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(FUND_STATUSES)})
    budget = Amount()
    approved = Amount(metadata={"description": "已核准、尚未拨付（万元）"})
    paid = Amount(metadata={"description": "已拨付（万元）"})
    available = Amount(metadata={"description": "可用余额 = 资金规模 − 已核准 − 已拨付（万元）"})
    share_percent = Percent()
    cap_per_loan = Amount()
    institution_types = ma.fields.List(ma.fields.String(metadata={"enum": list(INSTITUTION_TYPES)}))
    whitelisted_only = ma.fields.Boolean()
    loans_from = ma.fields.Date()
    loans_to = ma.fields.Date()
    claims_until = ma.fields.Date()
    created_at = ma.fields.DateTime()


FundPageSchema = page_schema(FundSchema, "FundPage")


# --- claims ------------------------------------------------------------------------------------------

class ClaimFormSchema(StrictSchema):
    """The text fields of the multipart claim (the files come as `evidence`)."""

    loan_id = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    loss_principal = Amount(required=True, validate=POSITIVE,
                            metadata={"description": "损失本金（万元，不超过贷款未还本金）"})
    note = StrippedString(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ClaimApproveSchema(StrictSchema):
    amount = Amount(required=True, validate=POSITIVE, metadata={
        "description": "核准金额（万元）：不超过 分担比例×损失本金、单笔上限减去该贷款在本资金池已核准的、"
                       "可用余额 三者的最小值"})


class ClaimListArgs(PageArgsSchema):
    fund_id = ma.fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    loan_id = ma.fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    status = ma.fields.String(validate=validate.OneOf(CLAIM_STATUSES))


class ClaimFileSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()


class ClaimSchema(ma.Schema):
    id = ma.fields.Integer()
    fund_id = ma.fields.Integer()
    fund_name = ma.fields.String(attribute="fund.name", metadata={"description": "资金池名称"})
    loan_id = ma.fields.Integer()
    order_no = ma.fields.String(attribute="loan.order_no", metadata={"description": "贷款的订单号"})
    enterprise_name = ma.fields.String(attribute="loan.enterprise_name", metadata={"description": "借款企业"})
    institution_id = ma.fields.Integer()
    institution_name = ma.fields.String(attribute="loan.institution_name", metadata={"description": "申请机构"})
    loss_principal = Amount()
    note = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": list(CLAIM_STATUSES)})
    approved_amount = Amount(allow_none=True)
    paid_on = ma.fields.Date(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    files = ma.fields.List(ma.fields.Nested(ClaimFileSchema))


ClaimPageSchema = page_schema(ClaimSchema, "ClaimPage")


class ClaimLimitsSchema(ma.Schema):
    share = Amount(metadata={"description": "分担比例 × 损失本金（万元）"})
    cap_left = Amount(metadata={"description": "单笔补偿上限减去本资金池已为该笔贷款核准的（万元）"})
    available = Amount(metadata={"description": "资金池可用余额（万元）"})
    approvable = Amount(metadata={"description": "可核准上限：以上三者的最小值，不小于 0（万元）"})


class ClaimDetailSchema(ClaimSchema):
    """One claim, and for one awaiting its decision what bounds its approval now (the server's figures:
    the page shows them instead of working them out again)."""

    limits = ma.fields.Nested(ClaimLimitsSchema, allow_none=True, metadata={
        "description": "待审核的申请此刻的核准上限及其构成；已处理的申请为 null"})

    @ma.pre_dump
    def with_limits(self, claim, **_kwargs):
        # A plain attribute on the loaded row, for this answer only (it is no column).
        claim.limits = funds.open_claim_limits(claim)
        return claim


# --- subsidies ---------------------------------------------------------------------------------------

class ProgramCreateSchema(StrictSchema):
    name = Name(metadata={"description": "贴息项目名称"})
    region_code = RegionCode(required=True, metadata={"description": "所属区域（本区域或下级区域）"})
    rate_points = Percent(load_default=None, allow_none=True,
                          validate=validate.Range(min=Decimal("0.01"), max=Decimal(36)),
                          metadata={"description": "按年化百分点贴息（与 share_percent 二选一）"})
    share_percent = Percent(load_default=None, allow_none=True, validate=PERCENT,
                            metadata={"description": "按已付利息的百分比贴息（与 rate_points 二选一）"})
    first_loan_only = ma.fields.Boolean(load_default=False, metadata={"description": "仅限首贷"})
    whitelisted_only = ma.fields.Boolean(load_default=False, metadata={"description": "仅限申请时在白名单内的企业"})
    cap_per_enterprise = Amount(required=True, validate=POSITIVE, metadata={"description": "每户贴息上限（万元）"})
    budget = Amount(required=True, validate=POSITIVE, metadata={"description": "项目预算（万元）"})
    loans_from = ma.fields.Date(required=True)
    loans_to = ma.fields.Date(required=True)
    apply_until = ma.fields.Date(required=True, metadata={"description": "申请截止日期"})


class ProgramListArgs(PageArgsSchema):
    region_code = RegionCode()
    status = ma.fields.String(validate=validate.OneOf(PROGRAM_STATUSES),
                              metadata={"description": "open 受理中（未过申请截止日期），ended 已截止"})


class ProgramSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    region_code = ma.fields.String()
    rate_points = Percent(allow_none=True)
    share_percent = Percent(allow_none=True)
    first_loan_only = ma.fields.Boolean()
    whitelisted_only = ma.fields.Boolean()
    cap_per_enterprise = Amount()
    budget = Amount()
    approved = Amount(metadata={"description": "已核准、尚未拨付（万元）"})
    paid = Amount()
    available = Amount(metadata={"description": "剩余预算 = 预算 − 已核准 − 已拨付（万元）"})
    loans_from = ma.fields.Date()
    loans_to = ma.fields.Date()
    apply_until = ma.fields.Date()
    status = ma.fields.Function(lambda program: subsidies.program_status(program), metadata={
        "type": "string", "enum": list(PROGRAM_STATUSES),
        "description": "open 受理中，ended 已截止（业务日期已过申请截止日期）"})
    created_at = ma.fields.DateTime()


ProgramPageSchema = page_schema(ProgramSchema, "SubsidyProgramPage")


class ApplicationCreateSchema(StrictSchema):
    loan_id = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=2**63 - 1),
                                metadata={"description": "本企业的贷款"})


class ApplicationApproveSchema(StrictSchema):
    amount = Amount(load_default=None, allow_none=True, validate=POSITIVE,
                    metadata={"description": "核准金额（万元），默认测算金额；不超过测算金额与剩余预算"})


class ApplicationListArgs(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(APPLICATION_STATUSES))
    loan_id = ma.fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))


class ApplicationSchema(ma.Schema):
    id = ma.fields.Integer()
    program_id = ma.fields.Integer()
    program_name = ma.fields.String(attribute="program.name", metadata={"description": "贴息项目名称"})
    loan_id = ma.fields.Integer()
    order_no = ma.fields.String(attribute="loan.order_no", metadata={"description": "贷款的订单号"})
    enterprise_uscc = ma.fields.String()
    enterprise_name = ma.fields.String(attribute="loan.enterprise_name", metadata={"description": "申请企业"})
    institution_name = ma.fields.String(attribute="loan.institution_name", metadata={"description": "放款机构"})
    status = ma.fields.String(metadata={"enum": list(APPLICATION_STATUSES)})
    interest_paid = Amount(metadata={"description": "申请时该贷款已付利息（万元，申请后不再变化）"})
    computed_amount = Amount(metadata={"description": "按项目规则测算的贴息金额（万元）"})
    calculation = ma.fields.Function(lambda application: subsidies.calculation(application), metadata={
        "type": "string",
        "description": "测算过程（中文），如“已付利息 0.3333 万元 × 50%，四舍五入至 0.0001 万元 = 0.1667 万元”"})
    approved_amount = Amount(allow_none=True)
    paid_on = ma.fields.Date(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


ApplicationPageSchema = page_schema(ApplicationSchema, "SubsidyApplicationPage")


# --- the figures (风险补偿与贴息统计) -----------------------------------------------------------------

class FiguresArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    region_code = RegionCode(metadata={
        "description": "只统计该区域及下级区域设立的资金池与贴息项目（政府用户：本区域或下级区域）；"
                       "默认：政府用户为本区域、下级及上级区域的（上级的只读），管理员为全部"})


class FiguresExportArgs(FiguresArgs):
    format = ma.fields.String(**EXPORT_FORMAT)


class ClaimCountsSchema(ma.Schema):
    submitted = ma.fields.Integer(metadata={"description": "待审核（笔）"})
    approved = ma.fields.Integer(metadata={"description": "已核准、尚未拨付（笔）"})
    rejected = ma.fields.Integer(metadata={"description": "已驳回（笔）"})
    paid = ma.fields.Integer(metadata={"description": "已拨付（笔）"})
    withdrawn = ma.fields.Integer(metadata={"description": "贷款结清后自动撤回（笔）"})


COUNTED = "计入的申请：调用方管理的资金池（项目）的全部申请；上级区域的（只读），仅本区域贷款的申请"


class FundFiguresSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    region_code = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(FUND_STATUSES)})
    budget = Amount(metadata={"description": "资金规模（万元）"})
    approved = Amount(metadata={"description": "已核准、尚未拨付（万元）"})
    paid = Amount(metadata={"description": "已拨付（万元）"})
    available = Amount(metadata={"description": "可用余额 = 资金规模 − 已核准 − 已拨付（万元）"})
    claims = ma.fields.Nested(ClaimCountsSchema, metadata={"description": f"代偿申请按状态的笔数。{COUNTED}"})


class InstitutionClaimsSchema(ma.Schema):
    institution_id = ma.fields.Integer()
    institution_name = ma.fields.String()
    claims = ma.fields.Integer(metadata={"description": "代偿申请笔数（各状态）"})
    approved_amount = Amount(metadata={"description": "已核准、尚未拨付（万元）"})
    paid_amount = Amount(metadata={"description": "已拨付（万元）"})


class ApplicationCountsSchema(ma.Schema):
    submitted = ma.fields.Integer(metadata={"description": "待审核（笔）"})
    approved = ma.fields.Integer(metadata={"description": "已核准、尚未拨付（笔）"})
    rejected = ma.fields.Integer(metadata={"description": "已驳回（笔）"})
    paid = ma.fields.Integer(metadata={"description": "已拨付（笔）"})


class ProgramFiguresSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    region_code = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(PROGRAM_STATUSES),
                                        "description": "open 受理中，ended 已截止（业务日期已过申请截止日期）"})
    budget = Amount(metadata={"description": "预算（万元）"})
    approved = Amount(metadata={"description": "已核准、尚未拨付（万元）"})
    paid = Amount(metadata={"description": "已拨付（万元）"})
    left = Amount(metadata={"description": "剩余预算 = 预算 − 已核准 − 已拨付（万元）"})
    applications = ma.fields.Nested(ApplicationCountsSchema,
                                    metadata={"description": f"贴息申请按状态的笔数。{COUNTED}"})


class FiguresTotalsSchema(ma.Schema):
    fund_budget = Amount(metadata={"description": "资金池资金规模合计（万元）"})
    fund_approved = Amount(metadata={"description": "资金池已核准、尚未拨付合计（万元）"})
    fund_paid = Amount(metadata={"description": "资金池已拨付合计（万元）"})
    fund_available = Amount(metadata={"description": "资金池可用余额合计（万元）"})
    claims_open = ma.fields.Integer(metadata={"description": "待审核的代偿申请（笔）"})
    subsidy_budget = Amount(metadata={"description": "贴息项目预算合计（万元）"})
    subsidy_approved = Amount(metadata={"description": "贴息已核准、尚未拨付合计（万元）"})
    subsidy_paid = Amount(metadata={"description": "贴息已拨付合计（万元）"})
    applications_open = ma.fields.Integer(metadata={"description": "待审核的贴息申请（笔）"})


class InstrumentFiguresSchema(ma.Schema):
    region_code = ma.fields.String(allow_none=True, metadata={"description": "请求的区域；未指定时为 null"})
    business_date = ma.fields.Date(metadata={"description": "判断贴息项目是否已截止的业务日期"})
    funds = ma.fields.List(ma.fields.Nested(FundFiguresSchema), metadata={"description": "资金池，新设立的在前"})
    claims_by_institution = ma.fields.List(ma.fields.Nested(InstitutionClaimsSchema), metadata={
        "description": "以上资金池的代偿申请按申请机构汇总，笔数多的在前"})
    programs = ma.fields.List(ma.fields.Nested(ProgramFiguresSchema),
                              metadata={"description": "贴息项目，新设立的在前"})
    totals = ma.fields.Nested(FiguresTotalsSchema)


# --- the audit log -----------------------------------------------------------------------------------

class AuditLogArgs(PageArgsSchema):
    action = ma.fields.String(validate=validate.Length(max=60))
    target_type = ma.fields.String(validate=validate.OneOf(("fund", "claim", "subsidy_program",
                                                            "subsidy_application")))
    target_id = ma.fields.String(validate=validate.Length(max=40))


AuditLogPageSchema = page_schema(AuditLogSchema, "LoanAuditLogPage")
