"""notification-service HTTP endpoints: parse, call a use case, serialize."""

from flask_smorest import Blueprint

from . import services
from .schemas import DevSmsListSchema, DevSmsQuerySchema

dev = Blueprint("dev", __name__, url_prefix="/api/v1/dev", description="开发环境工具（仅 SMS_PROVIDER=console 时可用）")


@dev.get("/sms")
@dev.arguments(DevSmsQuerySchema, location="query")
@dev.response(200, DevSmsListSchema)
@dev.alt_response(404, response="NOT_FOUND")
def list_console_sms(query):
    """控制台短信：本地运行时查看“发出”的短信（最新的在前），含验证码

    仅当 SMS_PROVIDER=console 时可用，否则返回 404。最多返回最近 100 条。
    """
    return {"items": services.console_sms(query.get("phone"))}
