"""The error catalogue and what the documents say about each operation's errors and tokens."""

import ast
from pathlib import Path

import flask_smorest
import marshmallow as ma
import pytest
from flask import Flask

from xyd_common.api_docs import ERROR_CODES, errors
from xyd_common.app import XydApi
from xyd_common.tokens import optional_auth, require_auth

REPOSITORY = Path(__file__).resolve().parents[2]
ERROR_CLASSES = {"ApiError", "Conflict", "ValidationFailed", "Throttled", "NotFound", "error_response"}


def codes_in_code() -> dict[str, str]:
    """Every literal error code the platform's code raises: {code: where}."""
    found = {}
    for path in REPOSITORY.glob("*/*/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name not in ERROR_CLASSES:
                continue
            candidates = [k.value for k in node.keywords if k.arg == "code"] + node.args[:2]
            for arg in candidates:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.isidentifier() \
                        and arg.value.islower():
                    found.setdefault(arg.value, f"{path.relative_to(REPOSITORY)}:{node.lineno}")
                    break
    return found


def test_every_error_code_the_code_raises_is_in_the_catalogue():
    found = codes_in_code()
    assert len(found) > 20  # the scan sees the services
    missing = {code: where for code, where in found.items() if code not in ERROR_CODES}
    assert not missing, f"add these to xyd_common.api_docs.ERROR_CODES: {missing}"


def test_a_code_outside_the_catalogue_cannot_be_documented():
    with pytest.raises(ValueError):
        errors("no_such_code")


class Body(ma.Schema):
    name = ma.fields.String(required=True)


@pytest.fixture
def document():
    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="v1", OPENAPI_VERSION="3.0.3", OPENAPI_URL_PREFIX="/",
                      OPENAPI_JSON_PATH="openapi.json")
    api = XydApi(app)
    bp = flask_smorest.Blueprint("things", __name__, url_prefix="/things")

    @bp.post("/<int:thing_id>/close")
    @errors("invalid_transition")
    @require_auth("institution")
    @bp.arguments(Body)
    @bp.response(200, Body)
    def close(body, thing_id):
        return body

    @bp.get("/<int:thing_id>")
    @optional_auth
    @bp.response(200, Body)
    def read(thing_id):
        return {}

    @bp.get("")
    @bp.response(200, Body)
    def everyone():
        return {}

    api.register_blueprint(bp)
    return app.test_client().get("/openapi.json").json


def enum(answer: dict) -> list[str]:
    return answer["content"]["application/json"]["schema"]["allOf"][1]["properties"]["code"]["enum"]


def test_a_secured_action_documents_each_error_answer_with_its_codes(document):
    operation = document["paths"]["/things/{thing_id}/close"]["post"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert operation["x-roles"] == ["institution"]
    answers = operation["responses"]
    assert set(answers) == {"200", "400", "401", "403", "404", "409", "413", "422"}
    assert enum(answers["403"]) == ["password_change_required", "forbidden"]
    assert enum(answers["409"]) == ["invalid_transition"]
    assert answers["409"]["content"]["application/json"]["example"]["code"] == "invalid_transition"
    assert "default" not in answers


def test_public_and_optional_token_operations_are_marked_so(document):
    assert document["paths"]["/things"]["get"]["security"] == []
    assert set(document["paths"]["/things"]["get"]["responses"]) == {"200"}
    read = document["paths"]["/things/{thing_id}"]["get"]
    assert read["security"] == [{}, {"bearerAuth": []}]
    assert {"401", "404"} <= set(read["responses"])


def test_the_catalogue_is_the_code_enum_and_the_description_of_every_document(document):
    assert document["components"]["schemas"]["Error"]["properties"]["code"]["enum"] == list(ERROR_CODES)
    assert "`duplicate_open_order` | 409" in document["info"]["description"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
