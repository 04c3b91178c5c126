"""What notification-service takes in and gives out (also the source of its OpenAPI document)."""

import marshmallow as ma

from xyd_common.validators import Phone


class DevSmsQuerySchema(ma.Schema):
    phone = Phone(metadata={"description": "只看发往该手机号的短信"})


class DevSmsSchema(ma.Schema):
    phone = ma.fields.String()
    text = ma.fields.String(metadata={"description": "短信全文（含验证码）"})
    sent_at = ma.fields.DateTime(attribute="created_at")


class DevSmsListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DevSmsSchema))
