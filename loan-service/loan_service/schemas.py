"""What loan-service takes in and gives out (also the source of its OpenAPI document)."""

from decimal import Decimal

import marshmallow as ma
from flask import current_app
from marshmallow import validate

from xyd_common.figures import GROUPINGS
from xyd_common.pagination import PageArgsSchema, page_schema
from xyd_common.schemas import ExactNumber, StrictSchema
from xyd_common.validators import RegionCode

from .business_date import business_date
from .models import BUCKETS, STATUSES

AMOUNT_LIMIT = Decimal("100000000")  # 万元, as order-service: far above any loan, inside NUMERIC(14, 4)


def Amount(**kwargs) -> ExactNumber:  # noqa: N802 - a field factory, read like a field class
    return ExactNumber(4, **kwargs)


class StrippedString(ma.fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


# --- requests ------------------------------------------------------------------------------------------

class RepaymentSchema(StrictSchema):
    paid_on = ma.fields.Date(required=True, metadata={"description": "还款日（不晚于业务日期、不早于放款日）"})
    principal = Amount(required=True, validate=validate.Range(min=0, max=AMOUNT_LIMIT),
                       metadata={"description": "归还本金（万元），依次冲抵最早未还期次的本金"})
    interest = Amount(required=True, validate=validate.Range(min=0, max=AMOUNT_LIMIT),
                      metadata={"description": "归还利息（万元），依次冲抵最早未还期次的利息"})
    reference = StrippedString(required=True, validate=validate.Length(min=1, max=64),
                               metadata={"description": "还款流水号：同一机构内唯一，重复提交同一笔不会重复入账"})


class WriteOffSchema(StrictSchema):
    reason = StrippedString(required=True, validate=validate.Length(min=2, max=500),
                            metadata={"description": "核销原因"})


class BusinessDateSchema(StrictSchema):
    date = ma.fields.Date(required=True, metadata={"description": "新的业务日期（只能向后调整）"})


class LoanFilters(ma.Schema):
    """What a loan list and its export filter by."""

    class Meta:
        unknown = ma.EXCLUDE

    status = ma.fields.String(validate=validate.OneOf(STATUSES))
    overdue_bucket = ma.fields.String(validate=validate.OneOf(BUCKETS))
    q = ma.fields.String(validate=validate.Length(max=100),
                         metadata={"description": "订单号、统一社会信用代码或企业名称"})
    region_code = RegionCode()


class LoanListArgs(PageArgsSchema, LoanFilters):
    pass


EXPORT_FORMAT = {"load_default": "xlsx", "validate": validate.OneOf(("xlsx", "csv")),
                 "metadata": {"description": "xlsx（默认）或 csv（UTF-8，带 BOM）"}}


class LoanExportArgs(LoanFilters):
    format = ma.fields.String(**EXPORT_FORMAT)


class LoanStatsArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    region_code = RegionCode(metadata={"description": "本区域及下级区域；默认：政府用户为其所辖区域，其他为全部"})
    institution_id = ma.fields.Integer(strict=False, metadata={
        "description": "只统计该机构的贷款（机构用户只能是本机构，默认即本机构）"})
    date_from = ma.fields.Date(data_key="from", metadata={"description": "放款日起（含）"})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "放款日止（含）"})
    group_by = ma.fields.String(validate=validate.OneOf(GROUPINGS), metadata={
        "description": "另按组统计：day 按日、week 按周（周一起）、month 按月（均按放款日）、"
                       "region 按下一级行政区（本级贷款单列）"})


class LoanStatsExportArgs(LoanStatsArgs):
    format = ma.fields.String(**EXPORT_FORMAT)


# --- answers ---------------------------------------------------------------------------------------

class InstalmentSchema(ma.Schema):
    no = ma.fields.Integer()
    due_on = ma.fields.Date()
    principal = Amount()
    interest = Amount()
    paid_principal = Amount()
    paid_interest = Amount()
    status = ma.fields.String(attribute="shown_status", metadata={"enum": ["due", "partly_paid", "paid", "overdue"]})


class LoanSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    order_no = ma.fields.String()
    enterprise_uscc = ma.fields.String()
    enterprise_name = ma.fields.String()
    institution_id = ma.fields.Integer()
    institution_name = ma.fields.String()
    institution_type = ma.fields.String(allow_none=True)
    product_id = ma.fields.Integer()
    region_code = ma.fields.String()
    principal = Amount()
    rate = ExactNumber(2)
    term_months = ma.fields.Integer()
    repayment_method = ma.fields.String()
    disbursed_on = ma.fields.Date()
    submitted_at = ma.fields.DateTime(allow_none=True)
    whitelisted = ma.fields.Boolean()
    first_loan = ma.fields.Boolean()
    renewal = ma.fields.Boolean()
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    outstanding_principal = Amount()
    days_past_due = ma.fields.Integer()
    overdue_bucket = ma.fields.String(metadata={"enum": list(BUCKETS)})
    next_due_on = ma.fields.Date(allow_none=True, metadata={"description": "最早未还清期次的到期日"})
    next_due_amount = Amount(allow_none=True, metadata={"description": "该期未还本息（万元）"})
    settled_on = ma.fields.Date(allow_none=True)
    written_off_amount = Amount(allow_none=True)
    schedule = ma.fields.List(ma.fields.Nested(InstalmentSchema))


LoanPageSchema = page_schema(LoanSchema, "LoanPage")


class LoanFiguresSchema(ma.Schema):
    loans = ma.fields.Integer(metadata={"description": "贷款笔数"})
    principal = Amount(metadata={"description": "放款金额合计（万元）"})
    outstanding = Amount(metadata={"description": "贷款余额（万元）：正常、逾期、不良贷款的未还本金，截至业务日期"})
    first_loans = ma.fields.Integer(metadata={"description": "首贷笔数（该企业在平台的第一笔贷款）"})
    first_loan_principal = Amount(metadata={"description": "首贷金额（万元）"})
    renewals = ma.fields.Integer(metadata={"description": "续贷笔数"})
    avg_rate = ExactNumber(4, allow_none=True, metadata={
        "description": "按放款金额加权的平均年利率（%，4 位小数）；无贷款时为 null"})
    avg_days_apply_to_disburse = ExactNumber(1, allow_none=True, metadata={
        "description": "从申请到放款的平均天数（有申请时间的贷款）；无此类贷款时为 null"})
    overdue_outstanding = Amount(metadata={"description": "逾期贷款余额（万元，逾期与不良贷款的未还本金）"})
    npl_outstanding = Amount(metadata={"description": "不良贷款余额（万元）"})
    npl_ratio = ExactNumber(4, allow_none=True, metadata={
        "description": "不良率：不良贷款余额 ÷ 贷款余额（小数，4 位）；余额为 0 时为 null"})
    written_off = Amount(metadata={"description": "核销金额（万元）"})


class LoanStatsGroupSchema(LoanFiguresSchema):
    key = ma.fields.String(metadata={"description": "日期（YYYY-MM-DD；按周为周一）、月份（YYYY-MM）或行政区代码"})
    name = ma.fields.String(metadata={"description": "组名，如“2026年11月”“魏都区”"})


class LoanStatsSchema(LoanFiguresSchema):
    region_code = ma.fields.String(allow_none=True)
    institution_id = ma.fields.Integer(allow_none=True)
    date_from = ma.fields.Date(data_key="from", allow_none=True)
    date_to = ma.fields.Date(data_key="to", allow_none=True)
    business_date = ma.fields.Date(metadata={"description": "余额截至的业务日期"})
    group_by = ma.fields.String(metadata={"enum": list(GROUPINGS), "description": "请求了 group_by 时才有"})
    groups = ma.fields.List(ma.fields.Nested(LoanStatsGroupSchema), metadata={
        "description": "各组的同样统计（请求了 group_by 时才有），按时间或区域代码排序"})


class ImportErrorSchema(ma.Schema):
    index = ma.fields.Integer(metadata={"description": "数据行序号（从 0 起）"})
    line = ma.fields.Integer(metadata={"description": "文件中的行号（表头为第 1 行）"})
    message = ma.fields.String()


class ImportResultSchema(ma.Schema):
    imported = ma.fields.Integer()
    errors = ma.fields.List(ma.fields.Nested(ImportErrorSchema))


class BusinessDateAnswerSchema(ma.Schema):
    business_date = ma.fields.Date()
    enabled = ma.fields.Boolean(metadata={"description": "LOAN_BUSINESS_DATE_ENABLED：是否允许管理员调整"})


def business_date_answer() -> dict:
    return {"business_date": business_date(), "enabled": current_app.config["LOAN_BUSINESS_DATE_ENABLED"]}
