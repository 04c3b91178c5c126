"""loan-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

from flask import request
from flask_smorest import Blueprint

from xyd_common.api_docs import errors
from xyd_common.errors import ValidationFailed
from xyd_common.spreadsheets import SPREADSHEET_RESPONSES
from xyd_common.tokens import current_identity, require_auth

from . import business_date as dates
from . import examples, exports, queries, services, statistics
from .schemas import (
    BusinessDateAnswerSchema,
    BusinessDateSchema,
    ImportResultSchema,
    LoanExportArgs,
    LoanListArgs,
    LoanPageSchema,
    LoanSchema,
    LoanStatsArgs,
    LoanStatsExportArgs,
    LoanStatsSchema,
    RepaymentSchema,
    WriteOffSchema,
    business_date_answer,
)

loans = Blueprint("loans", __name__, url_prefix="/api/v1/loans", description="贷后管理")
admin = Blueprint("loan_admin", __name__, url_prefix="/api/v1/admin/loans", description="贷后管理（平台管理）")

ALL_ROLES = ("admin", "institution", "government", "enterprise")
CSV_UPLOAD = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary",
             "description": "UTF-8 CSV，表头 order_no,paid_on,principal,interest,reference"}}}


@loans.get("")
@errors("enterprise_unverified")
@require_auth(*ALL_ROLES)
@loans.arguments(LoanListArgs, location="query")
@loans.response(200, LoanPageSchema)
def list_loans(args):
    """贷款列表：机构看本机构的，企业看本企业的（须已认证），政府看本区域及下级区域的，管理员看全部；按放款日倒序"""
    return queries.list_loans(current_identity(), args)


@loans.get("/export")
@errors("export_too_large")
@require_auth("government", "admin", "institution")
@loans.arguments(LoanExportArgs, location="query")
@loans.doc(responses=SPREADSHEET_RESPONSES)
def export_loans(args):
    """导出贷款（筛选条件同贷款列表；政府：本区域及下级，机构：本机构）；超过 100 万笔 → 422 export_too_large"""
    return exports.export_loans(current_identity(), args)


@loans.get("/stats")
@require_auth("government", "admin", "institution")
@loans.arguments(LoanStatsArgs, location="query")
@loans.response(200, LoanStatsSchema)
def loan_stats(args):
    """贷款统计（按放款日筛选；政府：本区域及下级；管理员：全部或指定区域、机构；机构：仅本机构）：笔数、金额、余额、
    首贷、续贷、加权平均利率、申请到放款平均天数、逾期与不良余额、不良率、核销；可按日、周、月或下级行政区分组"""
    return statistics.loan_stats(current_identity(), args)


@loans.get("/stats/export")
@require_auth("government", "admin", "institution")
@loans.arguments(LoanStatsExportArgs, location="query")
@loans.doc(responses=SPREADSHEET_RESPONSES)
def export_loan_stats(args):
    """导出贷款统计（同 /loans/stats 的筛选、范围与分组）：分组、汇总两个工作表（csv 只含第一个）"""
    return exports.export_stats(current_identity(), args)


@loans.post("/repayments/import")
@require_auth("institution")
@loans.doc(requestBody={"required": True, "content": {"multipart/form-data": {
    "schema": CSV_UPLOAD, "example": examples.REPAYMENT_IMPORT, "encoding": {"file": {"contentType": "text/csv"}}}}})
@loans.response(200, ImportResultSchema)
def import_repayments():
    """批量导入还款（机构，CSV）：逐行登记，按还款流水号幂等；出错的行逐行报告，不影响其他行"""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed({"file": ["请上传 CSV 文件（字段名 file）"]})
    return services.import_repayments(current_identity(), upload.read())


@loans.get("/<int:loan_id>")
@errors("enterprise_unverified")
@require_auth(*ALL_ROLES)
@loans.response(200, LoanSchema)
def get_loan(loan_id):
    """贷款详情：含还款计划与各期还款情况（按业务日期判断逾期）"""
    return queries.loan_details(current_identity(), loan_id)


@loans.post("/<int:loan_id>/repayments")
@errors("overpayment", "duplicate_reference", "invalid_transition")
@require_auth("institution")
@loans.arguments(RepaymentSchema, example=examples.REPAYMENT)
@loans.response(201, LoanSchema)
@loans.alt_response(200, schema=LoanSchema, description="同一流水号、同一内容的重复提交：不重复入账")
def record_repayment(body, loan_id):
    """登记还款（机构，本机构的贷款）：本金、利息分别冲抵最早未还期次；超过应还 → 422 overpayment"""
    loan, new = services.record_repayment(current_identity(), loan_id, body)
    return queries.present(loan), 201 if new else 200


@loans.post("/<int:loan_id>/write-off")
@errors("invalid_transition")
@require_auth("institution")
@loans.arguments(WriteOffSchema, example=examples.WRITE_OFF)
@loans.response(200, LoanSchema)
def write_off(body, loan_id):
    """核销（机构，仅不良贷款）：核销金额为未还本金"""
    return queries.present(services.write_off(current_identity(), loan_id, body["reason"]))


@admin.get("/business-date")
@require_auth("admin")
@admin.response(200, BusinessDateAnswerSchema)
def get_business_date():
    """贷后业务日期（未启用调整时为北京时间当日）"""
    return business_date_answer()


@admin.put("/business-date")
@require_auth("admin")
@admin.arguments(BusinessDateSchema, example=examples.BUSINESS_DATE)
@admin.response(200, BusinessDateAnswerSchema)
def move_business_date(body):
    """调整贷后业务日期（仅 LOAN_BUSINESS_DATE_ENABLED 时；只能向后），并立即按新日期执行贷款分类"""
    dates.move_business_date(body["date"])
    services.age_loans()
    return business_date_answer()
