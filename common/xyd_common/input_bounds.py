"""The bounds every value a request brings must keep, checked once here for every service.

What a database or the standard library cannot hold must be refused as bad input (a 4xx answer), not
discovered as an exception deep in a query (a 500): integers beyond what the platform's INTEGER
columns hold (`integer out of range` on PostgreSQL, `OverflowError` on SQLite beyond 64 bits), NUL
characters (PostgreSQL text cannot hold them), lone UTF-16 surrogates (not encodable as UTF-8), dates
whose day before or after does not exist, and JSON nested so deep that parsing it exhausts the
interpreter's stack.

`install(app)` puts the path converters, the JSON depth check and a JSON encoder that never fails on
a stray surrogate into a Flask app; `xyd_common.schemas` applies the same bounds to every marshmallow
field.
"""

import re
from datetime import date, datetime

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from .errors import ApiError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Most id columns of the platform are INTEGER (32 bits) on PostgreSQL, and SQLAlchemy's psycopg dialect
# casts every bound parameter to its column's type (`WHERE id = %(id)s::INTEGER`): a larger number
# fails inside PostgreSQL even in a comparison. So every integer a request brings — path ids, filters,
# body fields — stays within 32 bits; no id or count of the platform comes near 2^31 (the few 64-bit id
# columns included), and money, the only large quantity, travels as decimals.
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
# Business dates of the platform (founding dates, decisions, statistics ranges) lie well inside these;
# the bounds keep `date ± 1 day` and the conversion to a UTC timestamp defined for every accepted date.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)
# Request bodies of the platform nest a few levels (an import: object → list → object); 32 leaves room
# and is far below the interpreter's recursion limit.
MAX_JSON_DEPTH = 32

_FORBIDDEN_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
# A JSON string (skipped whole, whatever brackets it holds) or a bracket; bytes, so no decoding first.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]+|\\.)*"|[\[\]{}]')


def has_forbidden_characters(text: str) -> bool:
    """True for text holding NUL or a lone surrogate (from a JSON `\\ud800` escape)."""
    return _FORBIDDEN_CHARACTERS.search(text) is not None


def int64_fits(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def int32_fits(value: int) -> bool:
    """Whether a request's integer fits the INTEGER columns it may be compared with or stored in."""
    return INT32_MIN <= value <= INT32_MAX


def date_fits(value: date) -> bool:
    """True for a date (or the date of a datetime) between DATE_MIN and DATE_MAX."""
    day = value.date() if isinstance(value, datetime) else value
    return DATE_MIN <= day <= DATE_MAX


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text `body` nests arrays and objects more than `limit` deep.

    Counts brackets outside strings without parsing, so it costs one scan and no recursion; bodies with
    fewer brackets than the limit are not scanned at all."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for token in _JSON_TOKEN.finditer(body):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


def digits_at_most(limit: int) -> str:
    """A regular expression matching the decimal numbers from 0 to `limit` (leading zeros allowed)."""
    text = str(limit)
    alternatives = [rf"0*\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - i - 1
            alternatives.append("0*" + text[:i] + f"[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    alternatives.append("0*" + text)
    return "(?:" + "|".join(alternatives) + ")"


class IdConverter(IntegerConverter):
    """`<int:...>` in every service: a record id fits in 32 bits (see INT32_MAX), so a larger number
    names nothing (404) rather than reaching the database. The bound is in the pattern itself: werkzeug
    checks methods before converting, so a number refused only by `to_python` would make
    `PATCH /things/3000000000` a 405 whenever a GET rule shares the path."""

    regex = digits_at_most(INT32_MAX)

    def __init__(self, map, fixed_digits=0, min=None, max=INT32_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """`<string:...>` (and plain `<...>`): a path segment holding NUL names nothing (404)."""

    def to_python(self, value: str) -> str:
        if has_forbidden_characters(value):
            raise ValidationError()
        return value


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that a lone surrogate echoed back (an unknown field's name in an error
    answer) becomes U+FFFD instead of failing to encode the response as UTF-8."""

    def dumps(self, obj, **kwargs) -> str:
        text = super().dumps(obj, **kwargs)
        if _FORBIDDEN_CHARACTERS.search(text) is None:
            return text
        return re.sub("[\ud800-\udfff]", "\ufffd", text)


def refuse_deep_json():
    if request.is_json and request.content_length != 0 and json_too_deep(request.get_data(cache=True)):
        raise ApiError(400, "bad_request", f"JSON 嵌套层数超过 {MAX_JSON_DEPTH} 层")


def install(app: Flask) -> None:
    """Bounded path converters, the JSON depth limit and surrogate-safe JSON answers for `app`.
    Call before any blueprint is registered (rules bind their converters when added)."""
    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter)
    app.json_provider_class = SafeJSONProvider
    app.json = SafeJSONProvider(app)
    app.before_request(refuse_deep_json)
