"""marshmallow in Chinese: the base schema of every request body and the platform's default messages.

Users read validation errors, so marshmallow's English defaults are replaced once, here, for every
field and validator the services use, and every String, Integer, Date and DateTime field keeps the
bounds of `xyd_common.input_bounds`. Importing this module installs both."""

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from .input_bounds import INT32_MAX, INT32_MIN, date_fits, has_forbidden_characters, int32_fits

FIELD_MESSAGES = {
    ma.fields.Field: {"required": "必填项", "null": "不能为空", "validator_failed": "取值无效"},
    ma.fields.String: {"invalid": "应为字符串", "invalid_utf8": "不是合法的 UTF-8 文本",
                       "forbidden_characters": "不能包含空字符（NUL）或无效的 Unicode 字符"},
    ma.fields.Number: {"invalid": "应为数字", "too_large": "数值过大"},
    ma.fields.Integer: {"invalid": "应为整数", "out_of_range": "超出整数范围"},
    ma.fields.Decimal: {"special": "不允许 NaN 或无穷大"},
    ma.fields.Float: {"special": "不允许 NaN 或无穷大"},
    ma.fields.Boolean: {"invalid": "应为 true 或 false"},
    ma.fields.DateTime: {"invalid": "日期时间格式不正确", "invalid_awareness": "日期时间格式不正确",
                         "format": "日期时间格式不正确", "out_of_range": "日期应在 1900-01-01 到 2199-12-31 之间"},
    ma.fields.Date: {"invalid": "日期格式不正确（YYYY-MM-DD）", "format": "日期格式不正确",
                     "out_of_range": "日期应在 1900-01-01 到 2199-12-31 之间"},
    ma.fields.List: {"invalid": "应为列表"},
    ma.fields.Nested: {"type": "类型不正确"},
    ma.fields.Email: {"invalid": "邮箱格式不正确"},
    ma.fields.Dict: {"invalid": "应为对象"},
}

for field_class, messages in FIELD_MESSAGES.items():
    field_class.default_error_messages = {**field_class.default_error_messages, **messages}

validate.OneOf.default_message = "必须是以下之一：{choices}"
validate.Length.message_min = "长度不能少于 {min}"
validate.Length.message_max = "长度不能超过 {max}"
validate.Length.message_all = "长度应在 {min} 到 {max} 之间"
validate.Length.message_equal = "长度应为 {equal}"
validate.Range.message_min = "应{min_op} {{min}}"
validate.Range.message_max = "应{max_op} {{max}}"
validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}"
validate.Range.message_gte = "大于或等于"
validate.Range.message_gt = "大于"
validate.Range.message_lte = "小于或等于"
validate.Range.message_lt = "小于"
validate.Regexp.default_message = "格式不正确"
validate.Email.default_message = "邮箱格式不正确"
validate.URL.default_message = "网址格式不正确"


def _bounded(field_class, fits, error: str) -> None:
    """Make every `field_class` (and its subclasses: Phone, Email, …) refuse loaded values that `fits`
    rejects, in every schema — request bodies and query filters alike (see xyd_common.input_bounds)."""
    deserialize = field_class._deserialize

    def bounded_deserialize(self, value, attr, data, **kwargs):
        loaded = deserialize(self, value, attr, data, **kwargs)
        if loaded is not None and not fits(loaded):
            raise self.make_error(error)
        return loaded

    field_class._deserialize = bounded_deserialize


_bounded(ma.fields.String, lambda text: not has_forbidden_characters(text), "forbidden_characters")
_bounded(ma.fields.Integer, int32_fits, "out_of_range")
_bounded(ma.fields.Date, date_fits, "out_of_range")
_bounded(ma.fields.DateTime, date_fits, "out_of_range")


class StrictSchema(ma.Schema):
    """Base of request bodies: unknown fields are an error, not silently dropped."""

    error_messages = {"unknown": "不支持的字段", "type": "请求体应为 JSON 对象"}

    class Meta:
        unknown = ma.RAISE


def json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number with the same digits: an int when whole, else a float, whose repr
    is the shortest that reads back equal (exact for NUMERIC(14, 4) values, which have at most 14
    significant digits)."""
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


class ExactNumber(ma.fields.Decimal):
    """A decimal with at most `places` places: loaded as Decimal (never float), dumped as a number."""

    default_error_messages = {"too_many_places": "最多 {places} 位小数"}

    def __init__(self, places: int, **kwargs):
        self.max_places = places
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):  # JSON true is not a number
            raise self.make_error("invalid")
        number = super()._deserialize(value, attr, data, **kwargs)
        if number.normalize().as_tuple().exponent < -self.max_places:
            raise self.make_error("too_many_places", places=self.max_places)
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else json_number(Decimal(value))


class Derived(ma.fields.Nested):
    """An answer's nested object computed from the record (`getter(record)`), typed by `nested` in the
    OpenAPI document (a `Function` field would leave it untyped)."""

    def __init__(self, nested, getter, **kwargs):
        self.getter = getter
        super().__init__(nested, dump_only=True, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return self.getter(obj)


def integer_bounds(converter, field, ret, **kwargs) -> dict:
    """apispec attribute function: every integer field states the bounds this module keeps,
    and every exact number (money in 万元, rates in %) that it is a decimal and how many places it has."""
    if isinstance(field, ma.fields.Integer):
        return {"minimum": ret.get("minimum", INT32_MIN), "maximum": ret.get("maximum", INT32_MAX)}
    if isinstance(field, ExactNumber):
        places = f"最多 {field.max_places} 位小数"
        description = ret.get("description")
        return {"format": "decimal", "description": f"{description}（{places}）" if description else places}
    return {}
