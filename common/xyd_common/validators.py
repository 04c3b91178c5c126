"""Checks of identifiers the contract defines: mainland mobile numbers and USCCs (GB 32100-2015)."""

import re

import marshmallow as ma

PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_phone(value: str) -> str | None:
    """The 11-digit number, with a leading +86 (or 86) stripped; None if it is not a mainland mobile."""
    phone = re.sub(r"[\s-]", "", str(value))
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    return phone if PHONE_PATTERN.match(phone) else None


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    if not isinstance(value, str) or len(value) != 18 or any(c not in USCC_ALPHABET for c in value):
        return False
    return uscc_check_char(value[:17]) == value[17]


class DocumentedString(ma.fields.String):
    """A string field whose OpenAPI property carries `DOC` (an example, a description) unless the
    schema using it says otherwise."""

    DOC: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.metadata = {**self.DOC, **self.metadata}


class Phone(DocumentedString):
    """A marshmallow field that accepts a mainland mobile number and loads it normalized."""

    default_error_messages = {"invalid_phone": "手机号格式不正确"}
    DOC = {"example": "13912345678", "description": "大陆手机号（11 位，可带 +86）"}

    def _deserialize(self, value, attr, data, **kwargs):
        phone = normalize_phone(super()._deserialize(value, attr, data, **kwargs))
        if phone is None:
            raise self.make_error("invalid_phone")
        return phone


class Uscc(DocumentedString):
    """A marshmallow field for a 统一社会信用代码, checksum included (upper-cased on load)."""

    default_error_messages = {"invalid_uscc": "统一社会信用代码不正确"}
    DOC = {"example": "91350100M000100Y43", "description": "统一社会信用代码（18 位，含校验位）"}

    def _deserialize(self, value, attr, data, **kwargs):
        uscc = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not is_valid_uscc(uscc):
            raise self.make_error("invalid_uscc")
        return uscc


class RegionCode(DocumentedString):
    """A GB/T 2260 code: six digits (9 or 12 for towns and villages)."""

    default_error_messages = {"invalid_region": "行政区代码应为6位数字"}
    DOC = {"example": "411002", "description": "行政区代码（GB/T 2260，如 411002 魏都区）"}

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).strip()
        if not (code.isdigit() and len(code) in (6, 9, 12)):
            raise self.make_error("invalid_region")
        return code
