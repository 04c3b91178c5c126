"""notification-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

from flask_smorest import Blueprint

from xyd_common.api_docs import errors
from xyd_common.tokens import current_identity, require_auth

from . import examples, services
from .schemas import (
    DeliveryListArgs,
    DeliveryPageSchema,
    DeliverySchema,
    DevSmsListSchema,
    DevSmsQuerySchema,
    NotificationListArgs,
    NotificationPageSchema,
    NotificationSchema,
    ReadAllSchema,
    UnreadCountSchema,
    WebhookCreatedSchema,
    WebhookCreateSchema,
    WebhookListArgs,
    WebhookPageSchema,
)

dev = Blueprint("dev", __name__, url_prefix="/api/v1/dev", description="开发环境工具（仅 SMS_PROVIDER=console 时可用）")
notifications = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                          description="站内通知（本人的）")
webhooks = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                     description="订单事件的 Webhook 订阅（管理员、政府部门）")

WEBHOOK_ROLES = ("admin", "government")


@dev.get("/sms")
@dev.arguments(DevSmsQuerySchema, location="query")
@dev.response(200, DevSmsListSchema)
@dev.alt_response(404, response="NOT_FOUND")
def list_console_sms(query):
    """控制台短信：本地运行时查看“发出”的短信（最新的在前），含验证码

    仅当 SMS_PROVIDER=console 时可用，否则返回 404。须指定手机号，最多返回最近 100 条。
    """
    return {"items": services.console_sms(query["phone"])}


# --- notifications -----------------------------------------------------------------------------------

@notifications.get("")
@require_auth()
@notifications.arguments(NotificationListArgs, location="query")
@notifications.response(200, NotificationPageSchema)
def list_notifications(args):
    """我的通知（最新的在前）；unread=true 只看未读"""
    return services.list_notifications(current_identity().user_id, args)


@notifications.get("/unread-count")
@require_auth()
@notifications.response(200, UnreadCountSchema)
def unread_count():
    """未读通知数"""
    return {"unread": services.unread_count(current_identity().user_id)}


@notifications.post("/<int:notification_id>/read")
@require_auth()
@notifications.response(200, NotificationSchema)
@notifications.alt_response(404, response="NOT_FOUND")
def read_notification(notification_id):
    """标记一条通知为已读"""
    return services.mark_read(current_identity().user_id, notification_id)


@notifications.post("/read-all")
@require_auth()
@notifications.response(200, ReadAllSchema)
def read_all_notifications():
    """全部标记为已读"""
    return {"updated": services.mark_all_read(current_identity().user_id)}


# --- webhooks ----------------------------------------------------------------------------------------

@webhooks.post("")
@errors("webhook_limit_reached")
@require_auth(*WEBHOOK_ROLES)
@webhooks.arguments(WebhookCreateSchema, example=examples.WEBHOOK_CREATE)
@webhooks.response(201, WebhookCreatedSchema)
def create_webhook(body):
    """登记 Webhook：订单事件签名后 POST 到该地址

    政府部门的订阅只收到本行政区及下级的订单。应答中的 secret 只出现这一次，用它校验
    X-Xyd-Signature（见 docs/subscribing.md）。
    """
    webhook, secret = services.create_webhook(current_identity(), body)
    webhook.secret = secret  # for this answer only; never stored in clear
    return webhook


@webhooks.get("")
@require_auth(*WEBHOOK_ROLES)
@webhooks.arguments(WebhookListArgs, location="query")
@webhooks.response(200, WebhookPageSchema)
def list_webhooks(args):
    """Webhook 列表（政府部门：本人登记的；管理员：全部）"""
    return services.list_webhooks(current_identity(), args)


@webhooks.delete("/<int:webhook_id>")
@require_auth(*WEBHOOK_ROLES)
@webhooks.response(204)
@webhooks.alt_response(404, response="NOT_FOUND")
def delete_webhook(webhook_id):
    """删除 Webhook（不再投递，投递记录一并删除）"""
    services.delete_webhook(current_identity(), webhook_id)


@webhooks.get("/<int:webhook_id>/deliveries")
@require_auth(*WEBHOOK_ROLES)
@webhooks.arguments(DeliveryListArgs, location="query")
@webhooks.response(200, DeliveryPageSchema)
@webhooks.alt_response(404, response="NOT_FOUND")
def list_deliveries(args, webhook_id):
    """投递记录（最新的在前）：状态、尝试次数、最近的应答或错误、下次重试时间"""
    return services.list_deliveries(current_identity(), webhook_id, args)


@webhooks.post("/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver")
@require_auth(*WEBHOOK_ROLES)
@webhooks.response(200, DeliverySchema)
@webhooks.alt_response(404, response="NOT_FOUND")
def redeliver(webhook_id, delivery_id):
    """重新投递一条记录（尽快发送；失败则重新开始一轮重试）"""
    return services.redeliver(current_identity(), webhook_id, delivery_id)
