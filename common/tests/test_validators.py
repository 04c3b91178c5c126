import marshmallow as ma
import pytest

from xyd_common.validators import USCC_ALPHABET, Phone, Uscc, is_valid_uscc, normalize_phone

VALID_USCC = "91350100M000100Y43"


class EnterpriseSchema(ma.Schema):
    uscc = Uscc(required=True)
    phone = Phone(required=True)


def load(**data):
    return EnterpriseSchema().load({"uscc": VALID_USCC, "phone": "13800138000", **data})


def field_errors(**data) -> dict:
    with pytest.raises(ma.ValidationError) as exc:
        load(**data)
    return exc.value.messages


def test_uscc_with_its_check_character_is_valid():
    assert is_valid_uscc(VALID_USCC)


@pytest.mark.parametrize("check", sorted(set(USCC_ALPHABET) - {VALID_USCC[-1]}))
def test_uscc_with_a_changed_check_character_is_invalid(check):
    assert not is_valid_uscc(VALID_USCC[:-1] + check)


def test_uscc_with_a_changed_body_character_is_invalid():
    assert not is_valid_uscc("91350100M000100Y53")


@pytest.mark.parametrize("value", [
    VALID_USCC[:-1],               # too short
    VALID_USCC + "0",              # too long
    "91350100I000100Y43",          # I, O, S, V, Z are not in the alphabet
    "91350100O000100Y43",
    "",
    None,
    918350100,
])
def test_uscc_of_wrong_shape_is_invalid(value):
    assert not is_valid_uscc(value)


def test_uscc_field_accepts_lower_case_and_spaces_and_loads_upper_case():
    assert load(uscc=" 91350100m000100y43 ")["uscc"] == VALID_USCC


def test_uscc_field_rejects_a_wrong_check_character_with_a_chinese_message():
    assert field_errors(uscc="91350100M000100Y44") == {"uscc": ["统一社会信用代码不正确"]}


@pytest.mark.parametrize("value", ["+8613800138000", "+86 138 0013 8000", "8613800138000", "138-0013-8000",
                                   "13800138000"])
def test_phone_with_country_code_or_separators_loads_as_eleven_digits(value):
    assert normalize_phone(value) == "13800138000"
    assert load(phone=value)["phone"] == "13800138000"


@pytest.mark.parametrize("value", [
    "12800138000",        # second digit must be 3-9
    "1380013800",         # ten digits
    "138001380001",       # twelve digits
    "+1 2025550123",      # not a mainland number
    "+85291234567",       # Hong Kong
    "86138001380",        # 86 prefix only when 13 digits; this is 11 digits and not a mobile
    "1380013800a",
    "",
])
def test_bad_phones_are_rejected_with_a_chinese_message(value):
    assert normalize_phone(value) is None
    assert field_errors(phone=value) == {"phone": ["手机号格式不正确"]}


def test_phone_that_is_not_a_string_is_rejected():
    assert "phone" in field_errors(phone=13800138000)
