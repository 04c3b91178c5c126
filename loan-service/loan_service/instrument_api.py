"""HTTP endpoints of the government instruments: risk compensation funds and their claims, interest
subsidy programmes and their applications, and the instruments' audit log. Parse, call a use case,
serialize; the token check sits right under the route."""

import marshmallow as ma
from flask import current_app, request
from flask_smorest import Blueprint

from xyd_common.api_docs import errors
from xyd_common.audit import request_actor
from xyd_common.errors import ApiError, ValidationFailed, flatten_errors
from xyd_common.pagination import SortKey, paginate
from xyd_common.spreadsheets import SPREADSHEET_RESPONSES
from xyd_common.tokens import current_identity, require_auth
from xyd_common.uploads import attachment_response

from . import examples, funds, instrument_figures, subsidies
from .instrument_models import AuditLog
from .instrument_schemas import (
    ApplicationApproveSchema,
    ApplicationCreateSchema,
    ApplicationListArgs,
    ApplicationPageSchema,
    ApplicationSchema,
    AuditLogArgs,
    AuditLogPageSchema,
    ClaimApproveSchema,
    ClaimDetailSchema,
    ClaimFormSchema,
    ClaimListArgs,
    ClaimPageSchema,
    FiguresArgs,
    FiguresExportArgs,
    FundCreateSchema,
    FundListArgs,
    FundPageSchema,
    FundSchema,
    InstrumentFiguresSchema,
    Payment,
    ProgramCreateSchema,
    ProgramListArgs,
    ProgramPageSchema,
    ProgramSchema,
    Reason,
    TopUpSchema,
)
from .models import db

fund_bp = Blueprint("funds", __name__, url_prefix="/api/v1/funds", description="风险补偿资金池")
claim_bp = Blueprint("claims", __name__, url_prefix="/api/v1/claims", description="代偿申请")
program_bp = Blueprint("subsidy_programs", __name__, url_prefix="/api/v1/subsidy-programs", description="贴息项目")
application_bp = Blueprint("subsidy_applications", __name__, url_prefix="/api/v1/subsidy-applications",
                           description="贴息申请")
figures_bp = Blueprint("instrument_figures", __name__, url_prefix="/api/v1/instruments",
                       description="风险补偿与贴息统计")
audit_bp = Blueprint("loan_audit", __name__, url_prefix="/api/v1/admin/loans", description="贷后管理（平台管理）")

MANAGERS = ("government", "admin")
FUND_READERS = ("government", "admin", "institution")
PROGRAM_READERS = ("government", "admin", "enterprise")


def _actor():
    return request_actor(current_identity())


# --- funds -------------------------------------------------------------------------------------------

@fund_bp.post("")
@require_auth(*MANAGERS)
@fund_bp.arguments(FundCreateSchema, example=examples.FUND)
@fund_bp.response(201, FundSchema)
def create_fund(body):
    """设立风险补偿资金池（政府：本区域或下级区域；管理员）"""
    return funds.create_fund(current_identity(), _actor(), body)


@fund_bp.get("")
@require_auth(*FUND_READERS)
@fund_bp.arguments(FundListArgs, location="query")
@fund_bp.response(200, FundPageSchema)
def list_funds(args):
    """资金池列表：政府看本区域、下级区域及上级区域的（上级的只读），机构看全部，管理员看全部"""
    return funds.list_funds(current_identity(), args)


@fund_bp.get("/<int:fund_id>")
@require_auth(*FUND_READERS)
@fund_bp.response(200, FundSchema)
def get_fund(fund_id):
    """资金池详情：资金规模、已核准（未拨付）、已拨付、可用余额"""
    return funds.get_fund(current_identity(), fund_id)


@fund_bp.post("/<int:fund_id>/top-up")
@errors("invalid_transition")
@require_auth(*MANAGERS)
@fund_bp.arguments(TopUpSchema, example=examples.TOP_UP)
@fund_bp.response(200, FundSchema)
def top_up(body, fund_id):
    """追加资金（管理方）"""
    return funds.top_up(current_identity(), _actor(), fund_id, body)


@fund_bp.post("/<int:fund_id>/close")
@errors("invalid_transition")
@require_auth(*MANAGERS)
@fund_bp.response(200, FundSchema)
def close_fund(fund_id):
    """关闭资金池（管理方）：不再受理、核准代偿；已核准的仍可拨付"""
    return funds.close_fund(current_identity(), _actor(), fund_id)


CLAIM_UPLOAD = {"type": "object", "required": ["loan_id", "loss_principal", "evidence"], "properties": {
    "loan_id": {"type": "integer", "description": "本机构的不良或已核销贷款"},
    "loss_principal": {"type": "number", "description": "损失本金（万元，不超过未还本金，最多 4 位小数）"},
    "note": {"type": "string", "description": "说明"},
    "evidence": {"type": "array", "items": {"type": "string", "format": "binary"},
                 "description": "证明材料（JPEG、PNG 或 PDF，每个不超过 5 MB，最多 10 个）"}}}


def _claim_form() -> tuple[dict, list[funds.Evidence]]:
    limit = current_app.config["LOAN_EVIDENCE_FILE_MAX_BYTES"]
    # The files make this body larger than other requests may be: the limit is raised for it alone.
    request.max_content_length = current_app.config["LOAN_EVIDENCE_MAX_FILES"] * limit + 256 * 1024
    if request.mimetype != "multipart/form-data":
        raise ApiError(400, "bad_request", "请以 multipart/form-data 提交代偿申请与证明材料")
    try:
        form = ClaimFormSchema().load(request.form.to_dict())
    except ma.ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc
    # One byte past the limit tells a file that is too large without reading all of it.
    files = [funds.Evidence(storage.filename or "evidence", storage.read(limit + 1))
             for storage in request.files.getlist("evidence")]
    return form, files


@fund_bp.post("/<int:fund_id>/claims")
@errors("claim_exists", "not_covered", "invalid_transition")
@require_auth("institution")
@fund_bp.doc(requestBody={"required": True, "content": {"multipart/form-data": {
    "schema": CLAIM_UPLOAD, "example": examples.CLAIM_UPLOAD,
    "encoding": {"evidence": {"contentType": "image/jpeg, image/png, application/pdf"}}}}})
@fund_bp.response(201, ClaimDetailSchema)
def submit_claim(fund_id):
    """申请代偿（机构，本机构的不良或已核销贷款）：同一贷款在同一资金池只能有一笔未结申请"""
    form, files = _claim_form()
    return funds.submit_claim(current_identity(), _actor(), fund_id, form, files)


# --- claims ------------------------------------------------------------------------------------------

@claim_bp.get("")
@require_auth(*FUND_READERS)
@claim_bp.arguments(ClaimListArgs, location="query")
@claim_bp.response(200, ClaimPageSchema)
def list_claims(args):
    """代偿申请列表：机构看本机构的，政府看本区域资金池（及上级资金池，只读）的，管理员看全部"""
    return funds.list_claims(current_identity(), args)


@claim_bp.get("/<int:claim_id>")
@require_auth(*FUND_READERS)
@claim_bp.response(200, ClaimDetailSchema)
def get_claim(claim_id):
    """代偿申请详情（含证明材料清单）"""
    return funds.get_claim(current_identity(), claim_id)


@claim_bp.get("/<int:claim_id>/files/<int:file_id>")
@require_auth(*FUND_READERS)
@claim_bp.doc(responses={"200": {"description": "文件内容", "content": {
    "image/jpeg": {}, "image/png": {}, "application/pdf": {}}}})
def claim_file(claim_id, file_id):
    """代偿证明材料（下载）"""
    row, content = funds.claim_file(current_identity(), claim_id, file_id)
    # A download, never shown on the platform's origin (a PDF may carry JavaScript): xyd_common.uploads.
    return attachment_response(content, row.content_type, f"claim-{claim_id}-{file_id}")


@claim_bp.post("/<int:claim_id>/approve")
@errors("over_fund_limit", "invalid_transition")
@require_auth(*MANAGERS)
@claim_bp.arguments(ClaimApproveSchema, example=examples.CLAIM_APPROVE)
@claim_bp.response(200, ClaimDetailSchema)
def approve_claim(body, claim_id):
    """核准代偿（管理方）：金额不超过 分担比例×损失本金、单笔上限余额、资金池可用余额 的最小值"""
    return funds.approve_claim(current_identity(), _actor(), claim_id, body["amount"])


@claim_bp.post("/<int:claim_id>/reject")
@errors("invalid_transition")
@require_auth(*MANAGERS)
@claim_bp.arguments(Reason, example=examples.REJECT)
@claim_bp.response(200, ClaimDetailSchema)
def reject_claim(body, claim_id):
    """驳回代偿申请（管理方，须填写原因）"""
    return funds.reject_claim(current_identity(), _actor(), claim_id, body["reason"])


@claim_bp.post("/<int:claim_id>/pay")
@errors("invalid_transition")
@require_auth(*MANAGERS)
@claim_bp.arguments(Payment, example=examples.PAYMENT)
@claim_bp.response(200, ClaimDetailSchema)
def pay_claim(body, claim_id):
    """拨付代偿（管理方，已核准的申请）"""
    return funds.pay_claim(current_identity(), _actor(), claim_id, body)


# --- subsidy programmes and applications -------------------------------------------------------------

@program_bp.post("")
@require_auth(*MANAGERS)
@program_bp.arguments(ProgramCreateSchema, example=examples.PROGRAM)
@program_bp.response(201, ProgramSchema)
def create_program(body):
    """设立贴息项目（政府：本区域或下级区域；管理员）：rate_points 与 share_percent 二选一"""
    return subsidies.create_program(current_identity(), _actor(), body)


@program_bp.get("")
@require_auth(*PROGRAM_READERS)
@program_bp.arguments(ProgramListArgs, location="query")
@program_bp.response(200, ProgramPageSchema)
def list_programs(args):
    """贴息项目列表：政府看本区域、下级及上级区域的，企业看全部，管理员看全部"""
    return subsidies.list_programs(current_identity(), args)


@program_bp.get("/<int:program_id>")
@require_auth(*PROGRAM_READERS)
@program_bp.response(200, ProgramSchema)
def get_program(program_id):
    """贴息项目详情：预算、已核准、已拨付、剩余预算"""
    return subsidies.get_program(current_identity(), program_id)


@program_bp.post("/<int:program_id>/applications")
@errors("subsidy_exists", "not_eligible", "enterprise_unverified")
@require_auth("enterprise")
@program_bp.arguments(ApplicationCreateSchema, example=examples.APPLICATION)
@program_bp.response(201, ApplicationSchema)
def apply(body, program_id):
    """申请贴息（企业，本企业的贷款）：按申请时已付利息测算贴息金额"""
    return subsidies.apply(current_identity(), _actor(), program_id, body["loan_id"])


@program_bp.get("/<int:program_id>/applications")
@require_auth(*MANAGERS)
@program_bp.arguments(ApplicationListArgs, location="query")
@program_bp.response(200, ApplicationPageSchema)
def program_applications(args, program_id):
    """贴息项目的申请列表（政府、管理员）"""
    return subsidies.list_applications(current_identity(), args, program_id)


@application_bp.get("")
@errors("enterprise_unverified")
@require_auth(*PROGRAM_READERS)
@application_bp.arguments(ApplicationListArgs, location="query")
@application_bp.response(200, ApplicationPageSchema)
def list_applications(args):
    """贴息申请列表：企业看本企业的，政府看本区域项目（及上级项目，只读）的，管理员看全部"""
    return subsidies.list_applications(current_identity(), args)


@application_bp.get("/<int:application_id>")
@errors("enterprise_unverified")
@require_auth(*PROGRAM_READERS)
@application_bp.response(200, ApplicationSchema)
def get_application(application_id):
    """贴息申请详情"""
    return subsidies.get_application(current_identity(), application_id)


@application_bp.post("/<int:application_id>/approve")
@errors("over_budget", "invalid_transition")
@require_auth(*MANAGERS)
@application_bp.arguments(ApplicationApproveSchema, example=examples.APPLICATION_APPROVE)
@application_bp.response(200, ApplicationSchema)
def approve_application(body, application_id):
    """核准贴息（管理方）：默认测算金额；超过测算金额或项目剩余预算 → 422 over_budget"""
    return subsidies.approve(current_identity(), _actor(), application_id, body.get("amount"))


@application_bp.post("/<int:application_id>/reject")
@errors("invalid_transition")
@require_auth(*MANAGERS)
@application_bp.arguments(Reason, example=examples.REJECT)
@application_bp.response(200, ApplicationSchema)
def reject_application(body, application_id):
    """驳回贴息申请（管理方，须填写原因）"""
    return subsidies.reject(current_identity(), _actor(), application_id, body["reason"])


@application_bp.post("/<int:application_id>/pay")
@errors("invalid_transition")
@require_auth(*MANAGERS)
@application_bp.arguments(Payment, example=examples.PAYMENT)
@application_bp.response(200, ApplicationSchema)
def pay_application(body, application_id):
    """拨付贴息（管理方，已核准的申请）"""
    return subsidies.pay(current_identity(), _actor(), application_id, body)


# --- the figures -------------------------------------------------------------------------------------

@figures_bp.get("/figures")
@require_auth(*MANAGERS)
@figures_bp.arguments(FiguresArgs, location="query")
@figures_bp.response(200, InstrumentFiguresSchema)
def figures(args):
    """风险补偿与贴息统计（政府：本区域、下级及上级区域的资金池与贴息项目，上级的只读；管理员：全部）：各资金池的
    资金规模、已核准、已拨付、可用余额与代偿申请按状态的笔数，代偿按机构汇总，各贴息项目的预算、已核准、已拨付、
    剩余预算与申请按状态的笔数，以及合计"""
    return instrument_figures.instrument_figures(current_identity(), args)


@figures_bp.get("/figures/export")
@require_auth(*MANAGERS)
@figures_bp.arguments(FiguresExportArgs, location="query")
@figures_bp.doc(responses=SPREADSHEET_RESPONSES)
def export_figures(args):
    """导出风险补偿与贴息统计（范围同 /instruments/figures）：资金池、代偿（按机构）、贴息项目三个工作表
    （csv 只含第一个）"""
    return instrument_figures.export_figures(current_identity(), args)


# --- the audit log -----------------------------------------------------------------------------------

@audit_bp.get("/audit-logs")
@require_auth("admin")
@audit_bp.arguments(AuditLogArgs, location="query")
@audit_bp.response(200, AuditLogPageSchema)
def audit_logs(args):
    """风险补偿与贴息的操作日志（管理员）：设立、追加、关闭、申请、核准、驳回、拨付、撤回"""
    stmt = db.select(AuditLog)
    for key in ("action", "target_type", "target_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(AuditLog, key) == args[key])
    return paginate(db.session, stmt, [SortKey(AuditLog.id, descending=True)], args)
