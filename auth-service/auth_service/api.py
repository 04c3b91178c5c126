"""auth-service HTTP endpoints: parse, call a use case, serialize."""

from flask import request
from flask_smorest import Blueprint

from xyd_common.tokens import current_identity, require_auth, require_service

from . import services
from .schemas import (
    LoginSchema,
    MeSchema,
    ProfileUpdateSchema,
    RefreshSchema,
    ServiceTokenRequestSchema,
    ServiceTokenSchema,
    SmsCodeRequestSchema,
    SmsCodeSentSchema,
    TokenPairSchema,
    UserSchema,
)

auth = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录、令牌与个人中心")
internal = Blueprint("internal", __name__, url_prefix="/internal", description="服务间接口（需服务令牌）")


@auth.post("/sms-codes")
@auth.arguments(SmsCodeRequestSchema)
@auth.response(202, SmsCodeSentSchema)
def request_sms_code(body):
    """发送短信验证码"""
    return services.request_sms_code(body["phone"], body["purpose"], request.remote_addr)


@auth.post("/login")
@auth.arguments(LoginSchema)
@auth.response(200, TokenPairSchema)
def login(body):
    """手机号 + 密码 + 短信验证码登录"""
    return services.login(body["phone"], body["password"], body["sms_code"], request.remote_addr)


@auth.post("/refresh")
@auth.arguments(RefreshSchema)
@auth.response(200, TokenPairSchema)
def refresh(body):
    """用刷新令牌换取新的令牌对（旧刷新令牌随即失效）"""
    return services.refresh(body["refresh_token"])


@auth.post("/logout")
@auth.response(204)
@require_auth()
def logout():
    """退出登录：本会话的令牌立即失效"""
    services.logout(current_identity().session_id)


@auth.get("/me")
@auth.response(200, MeSchema)
@require_auth()
def me():
    """个人中心"""
    return services.get_user(current_identity().user_id)


@auth.patch("/me")
@auth.arguments(ProfileUpdateSchema)
@auth.response(200, MeSchema)
@require_auth()
def update_me(body):
    """修改个人信息"""
    return services.update_profile(current_identity().user_id, body)


@internal.post("/service-tokens")
@internal.arguments(ServiceTokenRequestSchema)
@internal.response(200, ServiceTokenSchema)
def service_token(body):
    """服务令牌：服务凭 SERVICE_TOKEN_SECRET 换取短期 JWT"""
    return services.issue_service_token(body["service"], body["secret"])


@internal.get("/users/<int:user_id>")
@internal.response(200, UserSchema)
@require_service
def internal_user(user_id):
    """按 id 查询用户（服务间）"""
    return services.get_user(user_id)
