"""auth-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

from flask import request
from flask_smorest import Blueprint

from xyd_common.tokens import current_identity, require_auth, require_service

from . import admin, services
from .audit import Actor
from .passwords import password_policy
from .schemas import (
    AuditLogListArgs,
    AuditLogPageSchema,
    ChangePasswordSchema,
    GovernmentUserCreateSchema,
    InstitutionCreateSchema,
    InstitutionListArgs,
    InstitutionListSchema,
    InstitutionPageSchema,
    InstitutionSchema,
    InstitutionUpdateSchema,
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
)

auth = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录、注册、令牌与个人中心")
regions = Blueprint("regions", __name__, url_prefix="/api/v1/regions", description="行政区")
admin_bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="平台管理（管理员）")
internal = Blueprint("internal", __name__, url_prefix="/internal", description="服务间接口（需服务令牌）")


def actor() -> Actor:
    """The caller as the use cases see it: identity (when logged in), IP, user agent."""
    identity = current_identity()
    return Actor(identity.user_id if identity else None, identity.role if identity else None,
                 request.remote_addr, request.headers.get("User-Agent"))


# --- login, tokens, accounts -----------------------------------------------------------------------

@auth.post("/sms-codes")
@auth.arguments(SmsCodeRequestSchema)
@auth.response(202, SmsCodeSentSchema)
def request_sms_code(body):
    """发送短信验证码（无论手机号是否注册，应答相同）"""
    return services.request_sms_code(body["phone"], body["purpose"], request.remote_addr)


@auth.post("/login")
@auth.arguments(LoginSchema)
@auth.response(200, TokenPairSchema)
def login(body):
    """手机号 + 密码 + 短信验证码登录"""
    return services.login(body["phone"], body["password"], body["sms_code"], actor())


@auth.post("/register")
@auth.arguments(RegisterSchema)
@auth.response(201, UserSchema)
def register(body):
    """企业（含个体工商户）注册"""
    return services.register_enterprise(body, actor())


@auth.post("/refresh")
@auth.arguments(RefreshSchema)
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
@auth.arguments(ProfileUpdateSchema)
@auth.response(200, MeSchema)
def update_me(body):
    """修改个人信息"""
    return services.update_profile(current_identity().user_id, body)


@auth.post("/password")
@require_auth()
@auth.arguments(ChangePasswordSchema)
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
@auth.arguments(ResetPasswordSchema)
@auth.response(204)
def reset_password(body):
    """忘记密码：凭短信验证码重设，所有会话失效"""
    services.reset_password_with_sms(body["phone"], body["sms_code"], body["new_password"], actor())


# --- regions ---------------------------------------------------------------------------------------

@regions.get("")
@regions.response(200, RegionListSchema)
def list_regions():
    """全部行政区（含上级代码），供门户选择器使用"""
    return {"items": admin.list_regions()}


@admin_bp.post("/regions")
@require_auth("admin")
@admin_bp.arguments(RegionCreateSchema)
@admin_bp.response(201, RegionSchema)
def create_region(body):
    """新增行政区"""
    return admin.create_region(body, actor())


# --- institutions ----------------------------------------------------------------------------------

@admin_bp.post("/institutions")
@require_auth("admin")
@admin_bp.arguments(InstitutionCreateSchema)
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
@require_auth("admin")
@admin_bp.arguments(InstitutionUpdateSchema)
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
@require_auth("admin")
@admin_bp.arguments(StaffUserCreateSchema)
@admin_bp.response(201, ManagedUserSchema)
def create_institution_user(body, institution_id):
    """新增机构管理员（初始密码，首次登录须修改）"""
    return admin.create_institution_user(institution_id, body, actor())


# --- users and logs --------------------------------------------------------------------------------

@admin_bp.post("/government-users")
@require_auth("admin")
@admin_bp.arguments(GovernmentUserCreateSchema)
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
@require_auth("admin")
@admin_bp.response(200, ManagedUserSchema)
def disable_user(user_id):
    """停用用户：其会话立即失效"""
    return admin.set_user_status(user_id, "disabled", actor())


@admin_bp.post("/users/<int:user_id>/enable")
@require_auth("admin")
@admin_bp.response(200, ManagedUserSchema)
def enable_user(user_id):
    """启用用户"""
    return admin.set_user_status(user_id, "active", actor())


@admin_bp.post("/users/<int:user_id>/reset-password")
@require_auth("admin")
@admin_bp.response(200, ManagedUserSchema)
def reset_user_password(user_id):
    """重置为初始密码（须在下次登录时修改），会话失效"""
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


@internal.get("/institutions")
@require_service
@internal.response(200, InstitutionListSchema)
def internal_institutions():
    """全部机构（服务间：其他服务初次部署时载入机构副本）"""
    return {"items": admin.all_institutions()}
