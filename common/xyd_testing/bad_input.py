"""Bad requests generated from an OpenAPI document: for every operation and every parameter and body
field it declares, the inputs that once answered 500 and the usual mistakes.

Used by the suites that check every route answers such input with 4xx JSON carrying a `code` — never a
5xx, never HTML — at each service (SQLite) and through the gateway (PostgreSQL). Each case changes one
thing; body cases send only the bad field, so schema validation refuses them before any use case runs
and the suite changes nothing it could trip over (no logout, no disabled admin).
"""

import base64
import json
from dataclasses import dataclass

# Families whose answer must be 4xx wherever they appear; the other cases (long strings, wrong types,
# empty bodies) must merely not be a 5xx or HTML (a long description may be legitimately accepted).
STRICT_FAMILIES = frozenset({"int64", "deep_json", "nul", "surrogate", "cursor", "date"})

BIG_INT = 2**63
HUGE_ID = "99999999999999999999999"
# A path id that fits every bound and names nothing, for the cases about something else.
ABSENT_ID = "987654321"
ABSENT_TEXT = "91350100M000100Y43"  # a well-formed USCC, for string path parameters
DEEP = "[" * 2000 + "]" * 2000
FORGED_CURSORS = [json.dumps(v) for v in ([None, None], [True], [[1]], ["x", "y"], [BIG_INT, BIG_INT])]


@dataclass(frozen=True)
class BadRequest:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: bytes | None
    family: str
    what: str  # which parameter or field, for the failure message

    @property
    def strict(self) -> bool:
        return self.family in STRICT_FAMILIES

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} [{self.family}: {self.what}]"


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema:
        merged = {"properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(_resolve(document, part).get("properties", {}))
        return merged
    return schema


def _query_values(name: str, schema: dict) -> list[tuple[str, str]]:
    """(family, raw value) pairs for one query parameter."""
    kind, fmt = schema.get("type"), schema.get("format")
    if name == "after":
        return [("cursor", _cursor(c)) for c in FORGED_CURSORS] + [("cursor", "%%%not-base64")]
    if kind == "integer":
        return [("int64", str(BIG_INT)), ("int64", HUGE_ID), ("wrong_type", "abc")]
    if kind == "number":
        return [("wrong_type", "abc"), ("wrong_type", "1e999")]
    if kind == "boolean":
        return [("wrong_type", "maybe")]
    if fmt in ("date", "date-time"):
        return [("date", "0001-01-01"), ("date", "9999-12-31"), ("wrong_type", "yesterday")]
    return [("nul", "a\x00b"), ("long", "长" * 600)]


def _field_values(schema: dict) -> list[tuple[str, object]]:
    """(family, JSON value) pairs for one body field."""
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer":
        return [("int64", BIG_INT), ("int64", -BIG_INT - 1), ("wrong_type", "1")]
    if kind == "number":
        return [("wrong_type", "1"), ("long", 10**400)]
    if kind == "boolean":
        return [("wrong_type", "true")]
    if kind == "array":
        if schema.get("items", {}).get("type") == "string":
            return [("wrong_type", "x"), ("nul", ["a\x00b"]), ("surrogate", ["\ud800"])]
        # Lists of records (an import's rows) answer per-row errors; text inside them is checked there.
        return [("wrong_type", "x"), ("wrong_type", ["a\x00b"])]
    if kind == "object":
        return [("wrong_type", [])]
    if fmt in ("date", "date-time"):
        return [("date", "0001-01-01"), ("date", "9999-12-31T00:00:00Z" if fmt == "date-time" else "9999-12-31")]
    return [("nul", "a\x00b"), ("surrogate", "\ud800"), ("surrogate", "x\udfffy"), ("long", "长" * 100_000),
            ("wrong_type", 12345)]


def _concrete(path: str, path_params: dict[str, dict], override: tuple[str, str] | None = None) -> str:
    for name, schema in path_params.items():
        value = ABSENT_ID if schema.get("type") == "integer" else ABSENT_TEXT
        if override and override[0] == name:
            value = override[1]
        path = path.replace("{" + name + "}", value)
    return path


def bad_requests(document: dict, skip=lambda method, path: False) -> list[BadRequest]:
    """Every generated bad request for the operations of `document` (an OpenAPI 3 document) that
    `skip(method, path_template)` does not exclude."""
    cases = []
    for template, item in document.get("paths", {}).items():
        shared = [p for p in item.get("parameters", []) if isinstance(p, dict)]
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or skip(method, template):
                continue
            parameters = shared + operation.get("parameters", [])
            path_params = {p["name"]: p.get("schema", {}) for p in parameters if p.get("in") == "path"}
            path = _concrete(template, path_params)

            def case(family, what, query=(), body=None, at=path, m=method):
                cases.append(BadRequest(m, at, tuple(query), body, family, what))

            for name, schema in path_params.items():
                if schema.get("type") == "integer":
                    case("int64", name, at=_concrete(template, path_params, (name, str(BIG_INT))))
                    case("int64", name, at=_concrete(template, path_params, (name, HUGE_ID)))
                else:
                    case("nul", name, at=_concrete(template, path_params, (name, "a%00b")))
            for parameter in parameters:
                if parameter.get("in") == "query":
                    for family, value in _query_values(parameter["name"], parameter.get("schema", {})):
                        case(family, parameter["name"], query=[(parameter["name"], value)])
            content = (operation.get("requestBody") or {}).get("content", {})
            # Before any view: a body nested too deep is refused whatever the operation takes.
            case("deep_json", "body", body=DEEP.encode())
            if "application/json" not in content:
                continue
            case("empty", "body", body=b"")
            case("wrong_type", "body", body=b"[]")
            case("wrong_type", "body", body=b'"text"')
            schema = _resolve(document, content["application/json"].get("schema", {}))
            for field_name, field_schema in schema.get("properties", {}).items():
                if field_schema.get("readOnly"):
                    continue
                field_schema = _resolve(document, field_schema)
                if field_schema.get("type") == "array":
                    field_schema = {**field_schema, "items": _resolve(document, field_schema.get("items", {}))}
                for family, value in _field_values(field_schema):
                    # ensure_ascii writes NUL and lone surrogates as \u escapes, as a client would.
                    case(family, field_name, body=json.dumps({field_name: value}).encode())
    return cases


def check_answer(case: BadRequest, status: int, content_type: str, body: bytes) -> str | None:
    """Why the answer to `case` breaks the contract, or None when it keeps it."""
    if status >= 500:
        return f"{case}: answered {status}: {body[:300]!r}"
    if case.strict and status < 400:
        return f"{case}: accepted with {status}"
    if status == 204 and not body:
        return None
    if not content_type.startswith("application/json"):
        return f"{case}: answered {status} as {content_type!r}"
    try:
        answer = json.loads(body)
    except ValueError:
        return f"{case}: answered {status} with a body that is not JSON"
    if status >= 400 and not (isinstance(answer, dict) and isinstance(answer.get("code"), str)):
        return f"{case}: answered {status} without a code: {body[:300]!r}"
    return None
