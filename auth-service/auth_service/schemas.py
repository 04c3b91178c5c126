"""What auth-service takes in and gives out (also the source of its OpenAPI document)."""

from datetime import UTC

import marshmallow as ma
from marshmallow import validate

from xyd_common.audit import AuditLogSchema
from xyd_common.pagination import PageArgsSchema, page_schema
from xyd_common.schemas import StrictSchema
from xyd_common.tokens import ROLES, VERIFICATION_STATUSES
from xyd_common.validators import Phone, RegionCode, Uscc

from .admin import INSTITUTION_TYPES
from .passwords import MAX_LENGTH, MIN_LENGTH, MIN_SCORE
from .services import SMS_PURPOSES


def new_password_field() -> ma.fields.String:
    """A new password, its policy stated where client developers look for it (the field's doc)."""
    return ma.fields.String(required=True, validate=validate.Length(max=MAX_LENGTH), metadata={
        "format": "password", "example": "Xuchang-Loan-2026",
        "description": (f"新密码：{MIN_LENGTH}–{MAX_LENGTH} 位，须同时包含字母和数字；强度由 zxcvbn 评分（0–4），"
                        f"企业用户至少 {MIN_SCORE['enterprise']} 分，机构、政府、管理员至少 "
                        f"{MIN_SCORE['institution']} 分；不得含本人手机号、姓名、企业或机构名称，不得为初始密码。"
                        "不满足时答 422 weak_password（GET /auth/password-policy 给出同样的要求）")})


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
    role = ma.fields.String(metadata={"enum": list(ROLES)})
    institution_id = ma.fields.Integer(allow_none=True)
    enterprise_uscc = ma.fields.String(allow_none=True)
    region_code = ma.fields.String(allow_none=True)
    must_change_password = ma.fields.Boolean()
    verification_status = ma.fields.String(
        allow_none=True, metadata={"enum": list(VERIFICATION_STATUSES),
                                   "description": "企业认证状态（仅企业用户）：unverified 未认证，pending 审核中，"
                                                  "verified 已认证，rejected 未通过"})


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


# --- accounts --------------------------------------------------------------------------------------

class RegisterSchema(StrictSchema):
    phone = Phone(required=True)
    sms_code = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="验证码为6位数字"))
    password = new_password_field()
    contact_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    enterprise_name = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))
    uscc = Uscc(required=True)
    region_code = RegionCode(required=True)


class ChangePasswordSchema(StrictSchema):
    old_password = ma.fields.String(required=True, validate=validate.Length(min=1, max=128))
    new_password = new_password_field()


class ResetPasswordSchema(StrictSchema):
    phone = Phone(required=True)
    sms_code = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="验证码为6位数字"))
    new_password = new_password_field()


class PasswordPolicyArgs(ma.Schema):
    role = ma.fields.String(load_default="enterprise",
                            validate=validate.OneOf(["enterprise", "institution", "government", "admin"]))


class PasswordPolicySchema(ma.Schema):
    min_length = ma.fields.Integer()
    max_length = ma.fields.Integer()
    min_score = ma.fields.Integer(metadata={"description": "zxcvbn 强度评分（0–4）的最低要求"})
    hints = ma.fields.List(ma.fields.String(), metadata={"description": "密码要求说明（中文）"})


# --- administration --------------------------------------------------------------------------------

class RegionSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    parent_code = ma.fields.String(allow_none=True)


class RegionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RegionSchema))


class RegionCreateSchema(StrictSchema):
    code = RegionCode(required=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    parent_code = RegionCode(load_default=None, allow_none=True)


class InstitutionSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    type = ma.fields.String(metadata={"enum": list(INSTITUTION_TYPES)})
    region_code = ma.fields.String()
    uscc = ma.fields.String(allow_none=True)
    contact_name = ma.fields.String(allow_none=True)
    contact_phone = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class InstitutionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InstitutionSchema))


class InternalUserListArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    after = ma.fields.String(validate=validate.Regexp(r"^\d{1,18}$"),
                             metadata={"description": "上一页的 next_cursor"})


class InternalUserSchema(ma.Schema):
    """A user as `auth.user_created` carries it."""

    id = ma.fields.Integer()
    role = ma.fields.String()
    phone = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    institution_id = ma.fields.Integer(allow_none=True)
    enterprise_uscc = ma.fields.String(allow_none=True)
    enterprise_name = ma.fields.String(allow_none=True)
    region_code = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    verification_status = ma.fields.String(allow_none=True)


class InternalUserPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InternalUserSchema))
    next_cursor = ma.fields.String(allow_none=True)


class InstitutionCreateSchema(StrictSchema):
    name = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))
    type = ma.fields.String(required=True, validate=validate.OneOf(INSTITUTION_TYPES))
    region_code = RegionCode(required=True)
    uscc = Uscc(load_default=None, allow_none=True)
    contact_name = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    contact_phone = Phone(load_default=None, allow_none=True)


class InstitutionUpdateSchema(StrictSchema):
    name = ma.fields.String(validate=validate.Length(min=2, max=200))
    type = ma.fields.String(validate=validate.OneOf(INSTITUTION_TYPES))
    region_code = RegionCode()
    uscc = Uscc(allow_none=True)
    contact_name = ma.fields.String(allow_none=True, validate=validate.Length(max=100))
    contact_phone = Phone(allow_none=True)


class InstitutionListArgs(PageArgsSchema):
    region_code = ma.fields.String()
    type = ma.fields.String(validate=validate.OneOf(INSTITUTION_TYPES))
    status = ma.fields.String(validate=validate.OneOf(("active", "disabled")))
    q = ma.fields.String(validate=validate.Length(max=100))


class StaffUserCreateSchema(StrictSchema):
    phone = Phone(required=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))


class GovernmentUserCreateSchema(StaffUserCreateSchema):
    region_code = RegionCode(required=True)


class ManagedUserSchema(UserSchema):
    status = ma.fields.String()
    enterprise_name = ma.fields.String(allow_none=True)
    last_login_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


class UserListArgs(PageArgsSchema):
    role = ma.fields.String(validate=validate.OneOf(ROLES))
    status = ma.fields.String(validate=validate.OneOf(("active", "disabled")))
    institution_id = ma.fields.Integer()
    region_code = ma.fields.String()
    q = ma.fields.String(validate=validate.Length(max=100))


class LogListArgs(PageArgsSchema):
    since = ma.fields.AwareDateTime(default_timezone=UTC)
    until = ma.fields.AwareDateTime(default_timezone=UTC)


class AuditLogListArgs(LogListArgs):
    actor_id = ma.fields.Integer()
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String()


class LoginLogSchema(ma.Schema):
    id = ma.fields.Integer()
    phone = ma.fields.String()
    user_id = ma.fields.Integer(allow_none=True)
    result = ma.fields.String()
    ip = ma.fields.String(allow_none=True)
    user_agent = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()


class LoginLogListArgs(LogListArgs):
    phone = Phone()
    user_id = ma.fields.Integer()
    result = ma.fields.String()


InstitutionPageSchema = page_schema(InstitutionSchema, "InstitutionPage")
UserPageSchema = page_schema(ManagedUserSchema, "UserPage")
AuditLogPageSchema = page_schema(AuditLogSchema, "AuditLogPage")
LoginLogPageSchema = page_schema(LoginLogSchema, "LoginLogPage")


# --- enterprise verification (企业认证) ---------------------------------------------------------------

class VerificationFormSchema(StrictSchema):
    """The text fields of the multipart verification request (the files come as `licence` and
    `authorization_letter`)."""

    class Meta:
        unknown = ma.EXCLUDE  # the file parts

    legal_representative = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    applicant_is_legal_representative = ma.fields.Boolean(load_default=None, allow_none=True)
    # A rejected account may claim another USCC (a claim closed by another account's approval cannot
    # come back); unset, the account's registered claim stands.
    uscc = Uscc()
    enterprise_name = ma.fields.String(validate=validate.Length(min=2, max=200))
    region_code = RegionCode()


class VerificationDocumentSchema(ma.Schema):
    kind = ma.fields.String(metadata={"enum": ["licence", "authorization_letter"]})
    content_type = ma.fields.String()
    size = ma.fields.Integer()


class VerificationSchema(ma.Schema):
    id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    uscc = ma.fields.String()
    enterprise_name = ma.fields.String()
    legal_representative = ma.fields.String()
    applicant_is_legal_representative = ma.fields.Boolean()
    claimed_region_code = ma.fields.String(allow_none=True)
    registered_region_code = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": ["pending", "approved", "rejected"]})
    precheck = ma.fields.String(metadata={"enum": ["match", "mismatch", "unknown"]})
    precheck_details = ma.fields.Dict()
    provider = ma.fields.String()
    reason = ma.fields.String(allow_none=True)
    closed_by_owner = ma.fields.Boolean()
    decided_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    documents = ma.fields.List(ma.fields.Nested(VerificationDocumentSchema), attribute="files")


class VerificationListArgs(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(("pending", "approved", "rejected")))
    uscc = ma.fields.String(validate=validate.Length(max=18))


class VerificationRejectSchema(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))


VerificationPageSchema = page_schema(VerificationSchema, "EnterpriseVerificationPage")


# --- institutions applying to join (申请入驻) ----------------------------------------------------------

class InstitutionApplicationCreateSchema(StrictSchema):
    sms_code = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="验证码为6位数字"),
                                metadata={"description": "发送到联系人手机号的验证码（用途 apply）",
                                          "example": "386514"})
    name = ma.fields.String(required=True, validate=validate.Length(min=2, max=200),
                            metadata={"example": "许昌魏都农村商业银行股份有限公司"})
    type = ma.fields.String(required=True, validate=validate.OneOf(INSTITUTION_TYPES),
                            metadata={"description": "bank 银行，guarantee 担保，microloan 小额贷款，leasing 融资租赁，"
                                                     "insurance 保险，other 其他", "example": "bank"})
    uscc = Uscc(required=True, metadata={"example": "91411000MA45RK3T2L"})
    region_code = RegionCode(required=True, metadata={"example": "411002"})
    address = ma.fields.String(required=True, validate=validate.Length(min=2, max=300),
                               metadata={"example": "许昌市魏都区七一路88号"})
    contact_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100),
                                    metadata={"example": "李娜"})
    contact_phone = Phone(required=True, metadata={"description": "联系人手机号：审核通过后即为机构管理员的登录账号",
                                                   "example": "13937455210"})
    licence_no = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                                  metadata={"description": "金融许可证（或经营许可证）编号",
                                            "example": "B1086H341100001"})
    description = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000),
                                   metadata={"example": "立足魏都、服务小微，主营普惠小微信用贷款。"})


class InstitutionApplicationSchema(ma.Schema):
    id = ma.fields.Integer(metadata={"example": 12})
    name = ma.fields.String(metadata={"example": "许昌魏都农村商业银行股份有限公司"})
    type = ma.fields.String(metadata={"example": "bank"})
    uscc = ma.fields.String(metadata={"example": "91411000MA45RK3T2L"})
    region_code = ma.fields.String(metadata={"example": "411002"})
    address = ma.fields.String(metadata={"example": "许昌市魏都区七一路88号"})
    contact_name = ma.fields.String(metadata={"example": "李娜"})
    contact_phone = ma.fields.String(metadata={"example": "13937455210"})
    licence_no = ma.fields.String(allow_none=True, metadata={"example": "B1086H341100001"})
    description = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": ["pending", "approved", "rejected"], "example": "pending",
                                        "description": "pending 待审核，approved 已通过，rejected 未通过"})
    reason = ma.fields.String(allow_none=True, metadata={"description": "未通过的原因"})
    institution_id = ma.fields.Integer(allow_none=True, metadata={"description": "通过后创建的机构"})
    user_id = ma.fields.Integer(allow_none=True, metadata={"description": "通过后创建的机构管理员"})
    decided_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime(metadata={"example": "2026-11-29T08:30:00+00:00"})


class InstitutionApplicationStatusArgs(StrictSchema):
    uscc = Uscc(required=True, metadata={"example": "91411000MA45RK3T2L"})
    sms_code = ma.fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="验证码为6位数字"),
                                metadata={"description": "发送到申请联系人手机号的验证码（用途 apply）",
                                          "example": "386514"})


class InstitutionApplicationStatusSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(metadata={"example": "许昌魏都农村商业银行股份有限公司"})
    status = ma.fields.String(metadata={"enum": ["pending", "approved", "rejected"], "example": "rejected"})
    reason = ma.fields.String(allow_none=True, metadata={"example": "金融许可证编号与机构名称不符，请核对后重新申请"})
    created_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)


class InstitutionApplicationListArgs(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(("pending", "approved", "rejected")))
    q = ma.fields.String(validate=validate.Length(max=100), metadata={"description": "机构名称或统一社会信用代码"})


class InstitutionApplicationRejectSchema(StrictSchema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500),
                              metadata={"example": "金融许可证编号与机构名称不符，请核对后重新申请"})

    @ma.validates("reason")
    def _not_blank(self, value, **kwargs):
        if not value.strip():
            raise ma.ValidationError("请填写驳回原因")


class InstitutionApplicationDecisionSchema(ma.Schema):
    application = ma.fields.Nested(InstitutionApplicationSchema)
    institution = ma.fields.Nested(InstitutionSchema)
    user = ma.fields.Nested(ManagedUserSchema)


InstitutionApplicationPageSchema = page_schema(InstitutionApplicationSchema, "InstitutionApplicationPage")
