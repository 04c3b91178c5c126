"""What notification-service takes in and gives out (also the source of its OpenAPI document)."""

import marshmallow as ma
from marshmallow import validate

from xyd_common.pagination import PageArgsSchema, page_schema
from xyd_common.schemas import StrictSchema
from xyd_common.validators import Phone

from .webhooks import EVENT_TYPE_PATTERNS

DELIVERY_STATUSES = ("pending", "delivered", "failed")


# --- dev SMS -----------------------------------------------------------------------------------------

class DevSmsQuerySchema(ma.Schema):
    # Required even in console mode: without it anyone could read every phone's codes.
    phone = Phone(required=True, metadata={"description": "收信手机号（必填）"})


class DevSmsSchema(ma.Schema):
    phone = ma.fields.String()
    text = ma.fields.String(metadata={"description": "短信全文（含验证码）"})
    sent_at = ma.fields.DateTime(attribute="created_at")


class DevSmsListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DevSmsSchema))


# --- notifications -----------------------------------------------------------------------------------

class NotificationListArgs(PageArgsSchema):
    unread = ma.fields.Boolean(metadata={"description": "true：只看未读；false：只看已读；不传：全部"})


class NotificationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "order_submitted、order_accept_overdue、order_accepted、"
                                                     "order_credit_granted、order_disbursed、order_terminated、"
                                                     "order_withdrawn、order_returned、order_resubmitted、risk_changed、"
                                                     "policy_published"})
    title = ma.fields.String()
    body = ma.fields.String()
    data = ma.fields.Dict(metadata={"description": "通知涉及的对象，如 {order_id, order_no, status}"})
    read = ma.fields.Boolean()
    read_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


NotificationPageSchema = page_schema(NotificationSchema, "NotificationPage")


class UnreadCountSchema(ma.Schema):
    unread = ma.fields.Integer()


class ReadAllSchema(ma.Schema):
    updated = ma.fields.Integer(metadata={"description": "本次标记为已读的条数"})


# --- webhooks ----------------------------------------------------------------------------------------

class WebhookCreateSchema(StrictSchema):
    url = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "接收事件的 http(s) 地址"})
    event_types = ma.fields.List(ma.fields.String(validate=validate.Length(max=100)), required=True,
                                 validate=validate.Length(min=1, max=len(EVENT_TYPE_PATTERNS)),
                                 metadata={"description": "订阅的事件：order.*、need.*、loan.*、fund.*、subsidy.* "
                                                          "或具体的订单、融资需求、贷款、风险补偿、贴息事件类型"})
    description = ma.fields.String(load_default="", validate=validate.Length(max=200))


class WebhookSchema(ma.Schema):
    id = ma.fields.Integer()
    url = ma.fields.String()
    event_types = ma.fields.List(ma.fields.String())
    description = ma.fields.String()
    region_code = ma.fields.String(allow_none=True,
                                   metadata={"description": "只推送该行政区及下级的订单；null 表示全平台"})
    owner_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()


class WebhookCreatedSchema(WebhookSchema):
    secret = ma.fields.String(metadata={"description": "签名密钥，只在创建时返回这一次，请妥善保存"})


WebhookPageSchema = page_schema(WebhookSchema, "WebhookPage")


class WebhookListArgs(PageArgsSchema):
    pass


class DeliveryListArgs(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(DELIVERY_STATUSES))


class DeliverySchema(ma.Schema):
    id = ma.fields.Integer()
    webhook_id = ma.fields.Integer()
    event_id = ma.fields.String()
    event_type = ma.fields.String()
    status = ma.fields.String(metadata={"description": "pending（待投递/重试中）、delivered、failed（已放弃）"})
    attempts = ma.fields.Integer()
    last_status_code = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    last_attempt_at = ma.fields.DateTime(allow_none=True)
    next_attempt_at = ma.fields.DateTime(allow_none=True)
    delivered_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


DeliveryPageSchema = page_schema(DeliverySchema, "WebhookDeliveryPage")
