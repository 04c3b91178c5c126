"""auth-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

import marshmallow as ma
from flask import current_app, request
from flask_smorest import Blueprint

from xyd_common.api_docs import errors
from xyd_common.audit import request_actor
from xyd_common.errors import ApiError, ValidationFailed, flatten_errors
from xyd_common.tokens import current_identity, require_auth, require_service
from xyd_common.uploads import attachment_response

from . import admin, applications, examples, services, verification
from .audit import Actor
from .passwords import password_policy
from .schemas import (
    AuditLogListArgs,
    AuditLogPageSchema,
    ChangePasswordSchema,
    GovernmentUserCreateSchema,
    InstitutionApplicationCreateSchema,
    InstitutionApplicationDecisionSchema,
    InstitutionApplicationListArgs,
    InstitutionApplicationPageSchema,
    InstitutionApplicationRejectSchema,
    InstitutionApplicationSchema,
    InstitutionApplicationStatusArgs,
    InstitutionApplicationStatusSchema,
    InstitutionCreateSchema,
    InstitutionListArgs,
    InstitutionListSchema,
    InstitutionPageSchema,
    InstitutionSchema,
    InstitutionUpdateSchema,
    InternalUserListArgs,
    InternalUserPageSchema,
    LoginLogListArgs,
    LoginLogPageSchema,
    LoginSchema,
    ManagedUserSchema,
    MeSchema,
    PasswordPolicyArgs,
    PasswordPolicySchema,
    ProfileUpdateSchema,
    RefreshSchema,
    RegionCreateSchema,
    RegionListSchema,
    RegionSchema,
    RegisterSchema,
    ResetPasswordSchema,
    ServiceTokenRequestSchema,
    ServiceTokenSchema,
    SmsCodeRequestSchema,
    SmsCodeSentSchema,
    StaffUserCreateSchema,
    TokenPairSchema,
    UserListArgs,
    UserPageSchema,
    UserSchema,
    VerificationFormSchema,
    VerificationListArgs,
    VerificationPageSchema,
    VerificationRejectSchema,
    VerificationSchema,
)

auth = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录、注册、令牌与个人中心")
regions = Blueprint("regions", __name__, url_prefix="/api/v1/regions", description="行政区")
admin_bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="平台管理（管理员）")
applications_bp = Blueprint("institution_applications", __name__, url_prefix="/api/v1/institution-applications",
                            description="金融机构申请入驻（公开）")
internal = Blueprint("internal", __name__, url_prefix="/internal", description="服务间接口（需服务令牌）")


def actor() -> Actor:
    """The caller as the use cases see it: identity (when logged in), IP, user agent."""
    return request_actor(current_identity())


# --- login, tokens, accounts -----------------------------------------------------------------------

@auth.post("/sms-codes")
@errors("throttled")
@auth.arguments(SmsCodeRequestSchema, example=examples.SMS_CODE_REQUEST)
@auth.response(202, SmsCodeSentSchema)
def request_sms_code(body):
    """发送短信验证码（无论手机号是否注册，应答相同）"""
    return services.request_sms_code(body["phone"], body["purpose"], request.remote_addr)


@auth.post("/login")
@errors("invalid_credentials", "account_locked")
@auth.arguments(LoginSchema, example=examples.LOGIN)
@auth.response(200, TokenPairSchema)
def login(body):
    """手机号 + 密码 + 短信验证码登录"""
    return services.login(body["phone"], body["password"], body["sms_code"], actor())


@auth.post("/register")
@errors("invalid_sms_code", "weak_password", "phone_registered", "enterprise_registered")
@auth.arguments(RegisterSchema, example=examples.REGISTER)
@auth.response(201, UserSchema)
def register(body):
    """企业（含个体工商户）注册"""
    return services.register_enterprise(body, actor())


@auth.post("/refresh")
@errors("unauthorized")
@auth.arguments(RefreshSchema, example=examples.REFRESH)
@auth.response(200, TokenPairSchema)
def refresh(body):
    """用刷新令牌换取新的令牌对（旧刷新令牌随即失效）"""
    return services.refresh(body["refresh_token"])


@auth.post("/logout")
@require_auth()
@auth.response(204)
def logout():
    """退出登录：本会话的令牌立即失效"""
    services.logout(current_identity().session_id)


@auth.get("/me")
@require_auth()
@auth.response(200, MeSchema)
def me():
    """个人中心"""
    return services.get_user(current_identity().user_id)


@auth.patch("/me")
@require_auth()
@auth.arguments(ProfileUpdateSchema, example=examples.PROFILE_UPDATE)
@auth.response(200, MeSchema)
def update_me(body):
    """修改个人信息"""
    return services.update_profile(current_identity().user_id, body)


@auth.post("/password")
@errors("wrong_password", "weak_password", "account_locked")
@require_auth()
@auth.arguments(ChangePasswordSchema, example=examples.CHANGE_PASSWORD)
@auth.response(200, TokenPairSchema)
def change_password(body):
    """修改密码：返回新的令牌对，其他会话全部失效"""
    return services.change_password(current_identity().user_id, body["old_password"], body["new_password"],
                                    actor())


@auth.get("/password-policy")
@auth.arguments(PasswordPolicyArgs, location="query")
@auth.response(200, PasswordPolicySchema)
def get_password_policy(args):
    """密码要求（公开）：新密码须满足的长度与强度。

    强度由 zxcvbn 估计（0–4 分）：机构、政府与管理员用户至少 3 分，企业用户至少 2 分；常见密码
    （如 password1）、键盘顺序、重复字符、年份日期以及本人手机号、姓名、企业或机构名称都会降低评分。
    不满足时修改、重设密码与注册均答 422 `weak_password`。"""
    return password_policy(args["role"])


@auth.post("/password/reset")
@errors("invalid_sms_code", "weak_password")
@auth.arguments(ResetPasswordSchema, example=examples.RESET_PASSWORD)
@auth.response(204)
def reset_password(body):
    """忘记密码：凭短信验证码重设，所有会话失效"""
    services.reset_password_with_sms(body["phone"], body["sms_code"], body["new_password"], actor())


# --- enterprise verification (企业认证) ---------------------------------------------------------------

VERIFICATION_UPLOAD = {
    "type": "object",
    "required": ["legal_representative", "licence"],
    "properties": {
        "legal_representative": {"type": "string", "description": "法定代表人姓名"},
        "applicant_is_legal_representative": {
            "type": "boolean", "description": "申请人是否为法定代表人（不填时按联系人姓名与法定代表人是否一致判断）"},
        "licence": {"type": "string", "format": "binary", "description": "营业执照（JPEG、PNG 或 PDF，不超过 5 MB）"},
        "authorization_letter": {"type": "string", "format": "binary",
                                 "description": "授权委托书（申请人不是法定代表人时必传）"},
        "uscc": {"type": "string", "description": "改为认证另一统一社会信用代码（仅未通过的账户）"},
        "enterprise_name": {"type": "string"},
        "region_code": {"type": "string"},
    },
}


def _verification_form() -> tuple[dict, list[verification.Upload]]:
    # The files make this body larger than other requests may be: the limit is raised for it alone.
    file_limit = current_app.config["VERIFICATION_FILE_MAX_BYTES"]
    request.max_content_length = 2 * file_limit + 256 * 1024
    if request.mimetype != "multipart/form-data":
        raise ApiError(400, "bad_request", "请以 multipart/form-data 提交认证资料与文件")
    try:
        form = VerificationFormSchema().load(request.form.to_dict())
    except ma.ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc
    uploads = [verification.Upload("licence", _file_bytes("licence", file_limit))]
    if "authorization_letter" in request.files:
        uploads.append(verification.Upload("authorization_letter", _file_bytes("authorization_letter", file_limit)))
    return form, uploads


def _file_bytes(field: str, limit: int) -> bytes:
    storage = request.files.get(field)
    # One byte past the limit tells a file that is too large without reading all of it.
    return storage.read(limit + 1) if storage is not None else b""


@auth.post("/enterprise-verification")
@errors("verification_pending", "already_verified", "enterprise_registered")
@require_auth("enterprise")
@auth.doc(requestBody={"required": True, "content": {"multipart/form-data": {
    "schema": VERIFICATION_UPLOAD, "example": examples.VERIFICATION_UPLOAD,
    "encoding": {"licence": {"contentType": "image/jpeg, image/png, application/pdf"},
                 "authorization_letter": {"contentType": "image/jpeg, image/png, application/pdf"}}}}})
@auth.response(201, VerificationSchema)
def submit_verification():
    """提交企业认证：法定代表人、营业执照（及授权委托书），自动预核验后等待审核"""
    form, uploads = _verification_form()
    return verification.submit(current_identity().user_id, form, uploads, actor())


@auth.get("/enterprise-verification")
@require_auth("enterprise")
@auth.response(200, VerificationSchema)
def my_verification():
    """本企业最近一次认证申请及其状态（未通过时含原因）"""
    return verification.latest_for_user(current_identity().user_id)


@admin_bp.get("/enterprise-verifications")
@require_auth("admin", "government")
@admin_bp.arguments(VerificationListArgs, location="query")
@admin_bp.response(200, VerificationPageSchema)
def list_verifications(args):
    """企业认证审核列表（管理员：全部；政府用户：登记信息在本辖区及下级的企业）"""
    return verification.list_requests(current_identity(), args)


@admin_bp.get("/enterprise-verifications/<int:request_id>")
@require_auth("admin", "government")
@admin_bp.response(200, VerificationSchema)
def get_verification(request_id):
    """认证申请详情（含预核验结果）"""
    return verification.get_request(current_identity(), request_id)


@admin_bp.get("/enterprise-verifications/<int:request_id>/files/<any(licence, authorization_letter):kind>")
@require_auth("admin", "government")
@admin_bp.doc(responses={"200": {"description": "文件内容", "content": {
    "image/jpeg": {}, "image/png": {}, "application/pdf": {}}}})
def verification_document(request_id, kind):
    """认证材料（营业执照、授权委托书）"""
    row, content = verification.get_document(current_identity(), request_id, kind)
    # A download, never shown on the platform's origin (a PDF may carry JavaScript): xyd_common.uploads.
    return attachment_response(content, row.content_type, f"{kind}-{request_id}")


@admin_bp.post("/enterprise-verifications/<int:request_id>/approve")
@errors("invalid_transition", "enterprise_registered")
@require_auth("admin", "government")
@admin_bp.response(200, VerificationSchema)
def approve_verification(request_id):
    """通过认证：该账户成为此统一社会信用代码的企业账户，其他账户的认领随即关闭"""
    return verification.approve(current_identity(), request_id, actor())


@admin_bp.post("/enterprise-verifications/<int:request_id>/reject")
@errors("invalid_transition")
@require_auth("admin", "government")
@admin_bp.arguments(VerificationRejectSchema, example=examples.VERIFICATION_REJECT)
@admin_bp.response(200, VerificationSchema)
def reject_verification(body, request_id):
    """驳回认证（须填写原因，申请人将收到通知）"""
    return verification.reject(current_identity(), request_id, body["reason"], actor())


# --- institutions applying to join (申请入驻) ----------------------------------------------------------

@applications_bp.post("")
@errors("invalid_sms_code", "institution_exists", "throttled")
@applications_bp.arguments(InstitutionApplicationCreateSchema, example=examples.INSTITUTION_APPLICATION)
@applications_bp.response(201, InstitutionApplicationSchema)
def submit_institution_application(body):
    """金融机构申请入驻（公开，无需登录）

    先以 `POST /auth/sms-codes {phone: 联系人手机号, purpose: "apply"}` 获取验证码；每次提交都会用掉验证码。
    不论该统一社会信用代码是否已有他人申请，应答相同（审核通过其中一份时，其余自动驳回）；同一手机号重复提交
    返回其待审核的申请。已入驻的机构 409 `institution_exists`。提交与验证码一样按客户端 IP 限流（429 `throttled`）。"""
    return applications.submit(body, actor())


@applications_bp.get("/status")
@errors("not_found", "throttled")
@applications_bp.arguments(InstitutionApplicationStatusArgs, location="query")
@applications_bp.response(200, InstitutionApplicationStatusSchema)
def institution_application_status(args):
    """查询入驻申请进度（公开）：统一社会信用代码 + 发送到申请联系人手机号的验证码（用途 apply）

    未找到申请与验证码错误的应答相同（404），不向他人透露是否有人申请。错误次数按查询方（客户端 IP）计，
    一小时内超过 APPLICATION_STATUS_GUESSES_PER_HOUR 次 429 `throttled`，不会使申请人的验证码失效。"""
    return applications.status_of(args["uscc"], args["sms_code"], request.remote_addr)


@admin_bp.get("/institution-applications")
@require_auth("admin", "government")
@admin_bp.arguments(InstitutionApplicationListArgs, location="query")
@admin_bp.response(200, InstitutionApplicationPageSchema)
def list_institution_applications(args):
    """入驻申请审核列表（管理员：全部；政府用户：本辖区及下级）"""
    return applications.list_applications(current_identity(), args)


@admin_bp.get("/institution-applications/<int:application_id>")
@require_auth("admin", "government")
@admin_bp.response(200, InstitutionApplicationSchema)
def get_institution_application(application_id):
    """入驻申请详情"""
    return applications.get_application(current_identity(), application_id)


@admin_bp.post("/institution-applications/<int:application_id>/approve")
@require_auth("admin", "government")
@errors("invalid_transition", "phone_in_use")
@admin_bp.response(200, InstitutionApplicationDecisionSchema)
def approve_institution_application(application_id):
    """通过入驻申请：同一事务内创建机构及其管理员（联系人手机号，初始密码，首次登录须修改）

    联系人手机号已有平台账号时 409 `phone_in_use`，什么都不创建。申请人收到短信通知。"""
    return applications.approve(current_identity(), application_id, actor())


@admin_bp.post("/institution-applications/<int:application_id>/reject")
@require_auth("admin", "government")
@errors("invalid_transition")
@admin_bp.arguments(InstitutionApplicationRejectSchema, example=examples.INSTITUTION_APPLICATION_REJECT)
@admin_bp.response(200, InstitutionApplicationSchema)
def reject_institution_application(body, application_id):
    """驳回入驻申请（须填写原因，申请人收到短信通知）"""
    return applications.reject(current_identity(), application_id, body["reason"].strip(), actor())


# --- regions ---------------------------------------------------------------------------------------

@regions.get("")
@regions.response(200, RegionListSchema)
def list_regions():
    """全部行政区（含上级代码），供门户选择器使用"""
    return {"items": admin.list_regions()}


@admin_bp.post("/regions")
@errors("duplicate_region")
@require_auth("admin")
@admin_bp.arguments(RegionCreateSchema, example=examples.REGION_CREATE)
@admin_bp.response(201, RegionSchema)
def create_region(body):
    """新增行政区"""
    return admin.create_region(body, actor())


# --- institutions ----------------------------------------------------------------------------------

@admin_bp.post("/institutions")
@errors("duplicate_institution")
@require_auth("admin")
@admin_bp.arguments(InstitutionCreateSchema, example=examples.INSTITUTION_CREATE)
@admin_bp.response(201, InstitutionSchema)
def create_institution(body):
    """新增机构"""
    return admin.create_institution(body, actor())


@admin_bp.get("/institutions")
@require_auth("admin")
@admin_bp.arguments(InstitutionListArgs, location="query")
@admin_bp.response(200, InstitutionPageSchema)
def list_institutions(args):
    """机构列表（按行政区、类型、状态筛选，按名称搜索）"""
    return admin.list_institutions(args)


@admin_bp.get("/institutions/<int:institution_id>")
@require_auth("admin")
@admin_bp.response(200, InstitutionSchema)
def get_institution(institution_id):
    """机构详情"""
    return admin.get_institution(institution_id)


@admin_bp.patch("/institutions/<int:institution_id>")
@errors("duplicate_institution")
@require_auth("admin")
@admin_bp.arguments(InstitutionUpdateSchema, example=examples.INSTITUTION_UPDATE)
@admin_bp.response(200, InstitutionSchema)
def update_institution(body, institution_id):
    """编辑机构"""
    return admin.update_institution(institution_id, body, actor())


@admin_bp.post("/institutions/<int:institution_id>/disable")
@require_auth("admin")
@admin_bp.response(200, InstitutionSchema)
def disable_institution(institution_id):
    """停用机构：其用户立即下线，其产品从金融超市下架"""
    return admin.set_institution_status(institution_id, "disabled", actor())


@admin_bp.post("/institutions/<int:institution_id>/enable")
@require_auth("admin")
@admin_bp.response(200, InstitutionSchema)
def enable_institution(institution_id):
    """启用机构"""
    return admin.set_institution_status(institution_id, "active", actor())


@admin_bp.post("/institutions/<int:institution_id>/users")
@errors("phone_registered")
@require_auth("admin")
@admin_bp.arguments(StaffUserCreateSchema, example=examples.STAFF_USER_CREATE)
@admin_bp.response(201, ManagedUserSchema)
def create_institution_user(body, institution_id):
    """新增机构管理员（初始密码，首次登录须修改）"""
    return admin.create_institution_user(institution_id, body, actor())


# --- users and logs --------------------------------------------------------------------------------

@admin_bp.post("/government-users")
@errors("phone_registered")
@require_auth("admin")
@admin_bp.arguments(GovernmentUserCreateSchema, example=examples.GOVERNMENT_USER_CREATE)
@admin_bp.response(201, ManagedUserSchema)
def create_government_user(body):
    """新增政府部门用户（绑定行政区，初始密码）"""
    return admin.create_government_user(body, actor())


@admin_bp.get("/users")
@require_auth("admin")
@admin_bp.arguments(UserListArgs, location="query")
@admin_bp.response(200, UserPageSchema)
def list_users(args):
    """用户列表"""
    return admin.list_users(args)


@admin_bp.post("/users/<int:user_id>/disable")
@errors("invalid_target")
@require_auth("admin")
@admin_bp.response(200, ManagedUserSchema)
def disable_user(user_id):
    """停用用户：其会话立即失效"""
    return admin.set_user_status(user_id, "disabled", actor())


@admin_bp.post("/users/<int:user_id>/enable")
@errors("invalid_target")
@require_auth("admin")
@admin_bp.response(200, ManagedUserSchema)
def enable_user(user_id):
    """启用用户"""
    return admin.set_user_status(user_id, "active", actor())


@admin_bp.post("/users/<int:user_id>/reset-password")
@errors("invalid_target")
@require_auth("admin")
@admin_bp.response(200, ManagedUserSchema)
def reset_user_password(user_id):
    """重置为初始密码（须在下次登录时修改），会话失效；不能重置自己的密码（请用修改密码）"""
    return admin.reset_user_password(user_id, actor())


@admin_bp.get("/audit-logs")
@require_auth("admin")
@admin_bp.arguments(AuditLogListArgs, location="query")
@admin_bp.response(200, AuditLogPageSchema)
def audit_logs(args):
    """操作审计日志"""
    return admin.list_audit_logs(args)


@admin_bp.get("/login-logs")
@require_auth("admin")
@admin_bp.arguments(LoginLogListArgs, location="query")
@admin_bp.response(200, LoginLogPageSchema)
def login_logs(args):
    """登录日志"""
    return admin.list_login_logs(args)


# --- internal --------------------------------------------------------------------------------------

@internal.post("/service-tokens")
@internal.arguments(ServiceTokenRequestSchema)
@internal.response(200, ServiceTokenSchema)
def service_token(body):
    """服务令牌：服务凭 SERVICE_TOKEN_SECRET 换取短期 JWT"""
    return services.issue_service_token(body["service"], body["secret"])


@internal.get("/users/<int:user_id>")
@require_service
@internal.response(200, UserSchema)
def internal_user(user_id):
    """按 id 查询用户（服务间）"""
    return services.get_user(user_id)


@internal.get("/users")
@require_service
@internal.arguments(InternalUserListArgs, location="query")
@internal.response(200, InternalUserPageSchema)
def internal_users(args):
    """全部用户（服务间：其他服务初次部署或恢复后载入用户副本；与 auth.user_created 事件同形；按 id 翻页）"""
    return services.users_after(args.get("after"))


@internal.get("/institutions")
@require_service
@internal.response(200, InstitutionListSchema)
def internal_institutions():
    """全部机构（服务间：其他服务初次部署时载入机构副本）"""
    return {"items": admin.all_institutions()}
