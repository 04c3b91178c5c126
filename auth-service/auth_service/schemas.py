"""What auth-service takes in and gives out (also the source of its OpenAPI document)."""

import marshmallow as ma
from marshmallow import validate

from xyd_common.schemas import StrictSchema
from xyd_common.validators import Phone

from .services import SMS_PURPOSES


class SmsCodeRequestSchema(StrictSchema):
    phone = Phone(required=True)
    purpose = ma.fields.String(required=True, validate=validate.OneOf(SMS_PURPOSES))


class SmsCodeSentSchema(ma.Schema):
    expires_in = ma.fields.Integer()
    resend_after = ma.fields.Integer()


class LoginSchema(StrictSchema):
    phone = Phone(required=True)
    password = ma.fields.String(required=True, validate=validate.Length(min=1, max=128))
    sms_code = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="验证码为6位数字"))


class RefreshSchema(StrictSchema):
    refresh_token = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class UserSchema(ma.Schema):
    id = ma.fields.Integer()
    phone = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String()
    institution_id = ma.fields.Integer(allow_none=True)
    enterprise_uscc = ma.fields.String(allow_none=True)
    region_code = ma.fields.String(allow_none=True)
    must_change_password = ma.fields.Boolean()


class TokenPairSchema(ma.Schema):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_in = ma.fields.Integer()
    user = ma.fields.Nested(UserSchema)


class InstitutionRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class MeSchema(UserSchema):
    email = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    institution = ma.fields.Nested(InstitutionRefSchema, allow_none=True, dump_default=None)
    enterprise_name = ma.fields.String(allow_none=True)
    last_login_at = ma.fields.DateTime(allow_none=True)


class ProfileUpdateSchema(StrictSchema):
    name = ma.fields.String(validate=validate.Length(min=1, max=100))
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=200))


class ServiceTokenRequestSchema(StrictSchema):
    service = ma.fields.String(required=True)
    secret = ma.fields.String(required=True)


class ServiceTokenSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_in = ma.fields.Integer()
