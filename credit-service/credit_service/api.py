"""credit-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

import marshmallow as ma
from flask import g, request
from flask_smorest import Blueprint

from xyd_common.api_docs import errors
from xyd_common.credit_record import CreditRecordSchema, EnterpriseSchema
from xyd_common.errors import ApiError, ValidationFailed, flatten_errors
from xyd_common.pagination import PageArgsSchema
from xyd_common.tokens import current_identity, require_auth, require_service, require_verified_enterprise

from . import consent, disputes, examples, imports, services
from .schemas import (
    AccessLogListArgs,
    AccessLogPageSchema,
    AuthorizationItemSchema,
    AuthorizationPageSchema,
    AuthorizationTextCreateSchema,
    AuthorizationTextPageSchema,
    AuthorizationTextSchema,
    CreditRecordArgs,
    DisputeCreateSchema,
    DisputeDecisionSchema,
    DisputeListArgs,
    DisputePageSchema,
    DisputeSchema,
    ImportBatchDocSchema,
    ImportBatchSchema,
    ImportResultSchema,
    InternalRecordArgs,
    InternalRiskArgs,
    OwnAccessLogPageSchema,
    RiskStateSchema,
    WhitelistListArgs,
    WhitelistPageSchema,
)

credit = Blueprint("credit", __name__, url_prefix="/api/v1/credit",
                   description="企业信用：信用记录、信易贷白名单、风险监控、数据导入")
internal = Blueprint("internal", __name__, url_prefix="/internal/credit", description="服务间接口（需服务令牌）")
admin = Blueprint("credit_admin", __name__, url_prefix="/api/v1/admin/credit", description="信用数据管理（管理员）")

CSV_UPLOAD = {
    "type": "object",
    "properties": {kind: {"type": "string", "format": "binary", "description": f"{label} CSV（UTF-8，含表头）"}
                   for kind, label in imports.KIND_LABELS.items()},
}


def _import_scope() -> str | None:
    """Admins import for the whole platform; a government user for its region and below."""
    identity = current_identity()
    if identity.role == "government":
        return identity.region_code or "-"  # a government account without a region covers nothing
    return None


@credit.post("/imports")
@require_auth("admin", "government")
@credit.doc(requestBody={"required": True, "content": {
    "application/json": {"schema": ImportBatchDocSchema, "example": examples.IMPORT_BATCH},
    "multipart/form-data": {"schema": CSV_UPLOAD, "example": examples.IMPORT_CSV_FILES,
                            "encoding": {kind: {"contentType": "text/csv"} for kind in imports.KINDS}},
}})
@credit.response(200, ImportResultSchema)
def import_credit_data():
    """导入信用数据：JSON 批量数据，或每类一个 CSV 文件（multipart）；按主键幂等更新，逐行报告错误"""
    if request.mimetype == "multipart/form-data":
        return imports.import_csv_files(_uploaded_files(), _import_scope())
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "bad_request", "请求体应为 JSON，或以 multipart/form-data 上传 CSV 文件")
    try:
        batch = ImportBatchSchema().load(body)
    except ma.ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc
    return imports.import_batch(batch, _import_scope())


def _uploaded_files() -> dict[str, bytes]:
    """{kind: bytes}: a file's kind is its form field's name, or else its file name (enterprises.csv)."""
    files, errors = {}, {}
    for field, storage in request.files.items(multi=True):
        kind = field if field in imports.KINDS else imports.kind_of_file(storage.filename or "")
        if kind is None:
            errors[field] = [f"无法判断文件类型，字段名应为 {' / '.join(imports.KINDS)} 之一"]
        elif kind in files:
            errors[field] = [f"{kind} 只能上传一个文件"]
        else:
            files[kind] = storage.read()
    if not files and not errors:
        errors["_schema"] = ["请上传至少一个 CSV 文件"]
    if errors:
        raise ValidationFailed(errors)
    return files


@credit.get("/enterprises/<uscc>")
@errors("enterprise_unverified")
@require_auth()
@credit.arguments(CreditRecordArgs, location="query")
@credit.response(200, CreditRecordSchema)
def get_credit_record(args, uscc):
    """企业信用记录：管理员可查全部；政府用户查本辖区；机构仅查通过订单授权本机构的企业；企业仅查自身。每次查阅均记录日志"""
    return services.view_credit_record(current_identity(), uscc, args.get("order_id"), g.get("request_id"))


@credit.get("/me")
@errors("enterprise_unverified")
@require_auth("enterprise")
@credit.response(200, CreditRecordSchema)
def my_credit_record():
    """本企业的信用记录（须完成企业认证）"""
    return services.own_credit_record(current_identity(), g.get("request_id"))


@credit.get("/me/access-logs")
@errors("enterprise_unverified")
@require_auth("enterprise")
@credit.arguments(PageArgsSchema, location="query")
@credit.response(200, OwnAccessLogPageSchema)
def my_access_log(args):
    """本企业信用记录的查阅记录：哪家机构（角色）、因哪笔订单、出于何种目的、何时查阅、是否获准"""
    return services.own_access_log(current_identity(), args)


@credit.get("/me/authorizations")
@errors("enterprise_unverified")
@require_auth("enterprise")
@credit.arguments(PageArgsSchema, location="query")
@credit.response(200, AuthorizationPageSchema)
def my_authorizations(args):
    """本企业的信用查询授权：订单、机构、授权书版本、状态（有效、贷后、已结束、已撤回）与截止时间"""
    return consent.enterprise_authorizations(require_verified_enterprise(current_identity()), args)


@credit.post("/me/authorizations/<authorization_id>/revoke")
@errors("enterprise_unverified", "already_revoked", "authorization_ended")
@require_auth("enterprise")
@credit.response(200, AuthorizationItemSchema)
def revoke_authorization(authorization_id):
    """撤回授权：该机构立即不能再查阅本企业信用记录；未放款的订单随之撤回"""
    identity = current_identity()
    return consent.revoke(require_verified_enterprise(identity), authorization_id, identity.user_id)


@credit.post("/me/disputes")
@errors("enterprise_unverified", "dispute_open")
@require_auth("enterprise")
@credit.arguments(DisputeCreateSchema, example=examples.DISPUTE_CREATE)
@credit.response(201, DisputeSchema)
def open_dispute(body):
    """对本企业的一条信用记录提出异议"""
    return disputes.open_dispute(current_identity(), body)


@credit.get("/me/disputes")
@errors("enterprise_unverified")
@require_auth("enterprise")
@credit.arguments(DisputeListArgs, location="query")
@credit.response(200, DisputePageSchema)
def my_disputes(args):
    """本企业提出的异议及处理结果"""
    return disputes.own_disputes(current_identity(), args)


@credit.get("/disputes")
@require_auth("admin", "government")
@credit.arguments(DisputeListArgs, location="query")
@credit.response(200, DisputePageSchema)
def list_disputes(args):
    """异议处理列表（管理员：全部；政府用户：本辖区及下级的企业）"""
    return disputes.list_disputes(current_identity(), args)


@credit.post("/disputes/<int:dispute_id>/decide")
@errors("invalid_transition")
@require_auth("admin", "government")
@credit.arguments(DisputeDecisionSchema, example=examples.DISPUTE_DECISION)
@credit.response(200, DisputeSchema)
def decide_dispute(body, dispute_id):
    """处理异议：uphold 异议成立（记录不再向金融机构展示），reject 驳回（须说明理由）"""
    return disputes.decide(current_identity(), dispute_id, body)


@credit.get("/authorization-text")
@credit.response(200, AuthorizationTextSchema)
def authorization_text():
    """现行信用信息查询授权书（公开：申请融资前须阅读并同意）"""
    return consent.current_text()


@admin.get("/authorization-texts")
@require_auth("admin")
@admin.arguments(PageArgsSchema, location="query")
@admin.response(200, AuthorizationTextPageSchema, example=examples.AUTHORIZATION_TEXT_PAGE)
def authorization_text_history(args):
    """授权书的全部版本（最新在前）：每份授权记录都指明其所依据的版本"""
    return consent.text_history(args)


@admin.post("/authorization-texts")
@require_auth("admin")
@admin.arguments(AuthorizationTextCreateSchema, example=examples.AUTHORIZATION_TEXT)
@admin.response(201, AuthorizationTextSchema)
def publish_authorization_text(body):
    """发布新版授权书（旧版本永久保留；此后的申请须同意新版本）"""
    return consent.publish_text(body, current_identity().subject)


@credit.get("/whitelist")
@require_auth("institution", "government", "admin")
@credit.arguments(WhitelistListArgs, location="query")
@credit.response(200, WhitelistPageSchema)
def whitelist(args):
    """信易贷企业白名单：按区域（含下级）、关键词、批次筛选；机构用户看到的统一社会信用代码部分隐藏"""
    return services.whitelist_page(current_identity(), args)


@credit.get("/access-logs")
@require_auth("admin")
@credit.arguments(AccessLogListArgs, location="query")
@credit.response(200, AccessLogPageSchema)
def access_logs(args):
    """信用记录查阅日志（管理员）"""
    return services.access_log_page(args)


# --- internal --------------------------------------------------------------------------------------

def _calling_service() -> str:
    subject = current_identity().subject
    return subject.removeprefix("service:")


@internal.get("/enterprises/<uscc>")
@require_service
@internal.arguments(InternalRecordArgs, location="query")
@internal.response(200, CreditRecordSchema)
def internal_credit_record(args, uscc):
    """企业信用记录（供订单服务嵌入订单详情；viewer_* 与 order_id 记入查阅日志）"""
    return services.service_credit_record(_calling_service(), uscc, args, g.get("request_id"))


@internal.get("/enterprises/<uscc>/registration")
@require_service
@internal.response(200, EnterpriseSchema)
def internal_registration(uscc):
    """企业登记信息（供认证服务预核验企业认证申请：名称、法定代表人、所在地区）"""
    return services.registration(uscc)


@internal.get("/risk")
@require_service
@internal.arguments(InternalRiskArgs, location="query")
@internal.response(200, RiskStateSchema(many=True))
def internal_risk(args):
    """多个企业当前的风险等级、风险标签与白名单状态（供订单服务对账）"""
    return services.risk_states(args["uscc"])
