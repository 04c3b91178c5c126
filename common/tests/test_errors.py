import marshmallow as ma
import pytest
import redis
from flask_smorest import Blueprint
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import exc as sa_exc

from xyd_common.app import create_service_app
from xyd_common.config import common_settings
from xyd_common.errors import ApiError, NotFound, Throttled, flatten_errors
from xyd_common.validators import Phone, Uscc


def test_flatten_errors_drops_the_webargs_location_and_joins_nested_fields_with_dots():
    messages = {"json": {"phone": ["手机号格式不正确"], "address": {"city": ["必填"]},
                         "items": {0: {"amount": ["必须大于 0"]}}}}
    assert flatten_errors(messages) == {"phone": ["手机号格式不正确"], "address.city": ["必填"],
                                        "items.0.amount": ["必须大于 0"]}


def test_flatten_errors_merges_locations_and_keeps_schema_level_errors():
    messages = {"json": {"_schema": ["期限与金额不匹配"], "name": ["必填"]}, "query": {"page": ["无效"]}}
    assert flatten_errors(messages) == {"_schema": ["期限与金额不匹配"], "name": ["必填"], "page": ["无效"]}


def test_flatten_errors_accepts_unnested_messages_and_non_string_values():
    assert flatten_errors({"name": ["必填"], "count": 3}) == {"name": ["必填"], "count": ["3"]}
    assert flatten_errors(["整体无效"]) == {"_schema": ["整体无效"]}


class ThingSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1))
    phone = Phone(required=True)
    uscc = Uscc()


@pytest.fixture
def app(tmp_path, monkeypatch):
    # A throwaway in-memory database: the settings must not create a var/ directory anywhere.
    monkeypatch.setenv("XYD_COMMON_TEST_DATABASE_URL", "sqlite://")
    db = SQLAlchemy()
    app, api = create_service_app(__name__, common_settings("test-service", "XYD_COMMON_TEST_DATABASE_URL"),
                                  db, str(tmp_path / "migrations"))
    bp = Blueprint("things", __name__, url_prefix="/things")

    @bp.route("", methods=["POST"])
    @bp.arguments(ThingSchema)
    @bp.response(201, ThingSchema)
    def create_thing(data):
        return data

    @bp.route("/<int:thing_id>", methods=["GET"])
    def get_thing(thing_id):
        if thing_id == 429:
            raise Throttled(retry_after=7)
        raise NotFound("企业不存在")

    @bp.route("/boom", methods=["GET"])
    def boom():
        raise RuntimeError("password=hunter2 in a secret internal detail")

    @bp.route("/store-down/<kind>", methods=["GET"])
    def store_down(kind):
        if kind == "redis":
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379")
        raise sa_exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    @bp.route("/conflict", methods=["GET"])
    def conflict():
        raise ApiError(409, "order_not_pending", "订单不是待受理状态")

    api.register_blueprint(bp)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def test_valid_body_is_loaded_with_normalized_fields(client):
    resp = client.post("/things", json={"name": "甲", "phone": "+86 138 0013 8000", "uscc": "91350100m000100y43"})
    assert resp.status_code == 201
    assert resp.json == {"name": "甲", "phone": "13800138000", "uscc": "91350100M000100Y43"}


def test_invalid_fields_answer_422_with_flat_field_errors(client):
    resp = client.post("/things", json={"phone": "123", "uscc": "91350100M000100Y44"})
    assert resp.status_code == 422
    assert resp.is_json
    assert resp.json["code"] == "validation_error"
    assert resp.json["message"] == "参数校验失败"
    assert set(resp.json["errors"]) == {"name", "phone", "uscc"}
    assert resp.json["errors"]["name"] == ["必填项"]
    assert resp.json["errors"]["phone"] == ["手机号格式不正确"]
    assert resp.json["errors"]["uscc"] == ["统一社会信用代码不正确"]


def test_body_that_is_not_json_answers_400_in_the_error_shape(client):
    resp = client.post("/things", data="{not json", content_type="application/json")
    assert resp.status_code == 400
    assert resp.json == {"code": "bad_request", "message": "请求体不是合法的 JSON"}


def test_unknown_path_answers_404_json(client):
    resp = client.get("/no-such-thing")
    assert resp.status_code == 404
    assert resp.json == {"code": "not_found", "message": "资源不存在"}


def test_wrong_method_answers_405_json(client):
    resp = client.delete("/things")
    assert resp.status_code == 405
    assert resp.json == {"code": "method_not_allowed", "message": "不支持的请求方法"}


def test_api_errors_raised_by_use_cases_keep_their_status_code_message_and_headers(client):
    missing = client.get("/things/1")
    assert missing.status_code == 404 and missing.json == {"code": "not_found", "message": "企业不存在"}
    conflict = client.get("/things/conflict")
    assert conflict.status_code == 409
    assert conflict.json == {"code": "order_not_pending", "message": "订单不是待受理状态"}
    throttled = client.get("/things/429")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json["code"] == "throttled"


def test_unexpected_exception_answers_500_json_without_the_traceback(client, caplog):
    resp = client.get("/things/boom")
    assert resp.status_code == 500
    assert resp.json == {"code": "internal_error", "message": "服务器内部错误"}
    text = resp.get_data(as_text=True)
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    # ...but the operator still finds it in the log.
    assert "hunter2" in caplog.text


def test_a_database_or_redis_that_cannot_be_reached_answers_503_json_not_500(client):
    for kind in ("redis", "database"):
        resp = client.get(f"/things/store-down/{kind}")
        assert resp.status_code == 503, kind
        assert resp.json["code"] == "service_unavailable" and "暂不可用" in resp.json["message"]


def test_chinese_messages_are_sent_as_utf8_not_escaped(client):
    resp = client.get("/things/1")
    assert "企业不存在".encode() in resp.get_data()


def test_request_id_is_echoed_when_well_formed_and_replaced_otherwise(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    hostile = "<script>alert(1)</script>"
    replaced = client.get("/health", headers={"X-Request-ID": hostile}).headers["X-Request-ID"]
    assert replaced and replaced != hostile
    assert client.get("/health").headers["X-Request-ID"]


def test_method_not_allowed_keeps_the_allow_header():
    from flask import Flask

    from xyd_common.app import XydApi

    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="v1", OPENAPI_VERSION="3.0.3")
    XydApi(app)

    @app.post("/thing")
    def thing():
        return {}

    resp = app.test_client().get("/thing")
    assert resp.status_code == 405 and resp.json["code"] == "method_not_allowed"
    assert "POST" in resp.headers["Allow"]
