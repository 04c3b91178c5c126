"""The five families of inputs that used to answer 500 — integers beyond 64 bits, deep JSON, NUL and
lone surrogates, forged cursors, extreme dates — answer 4xx JSON in every service, on both databases."""

import base64
import json
from datetime import UTC, datetime

import marshmallow as ma
import pytest
from flask_smorest import Blueprint
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from xyd_common.app import create_service_app
from xyd_common.config import common_settings, sqlalchemy_url
from xyd_common.db_types import ExactDecimal, UtcDateTime
from xyd_common.errors import NotFound
from xyd_common.input_bounds import MAX_JSON_DEPTH, json_too_deep
from xyd_common.pagination import PageArgsSchema, SortKey, paginate
from xyd_common.schemas import StrictSchema
from xyd_testing.helpers import postgres_database


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


class ThingBody(StrictSchema):
    name = ma.fields.String(required=True)
    count = ma.fields.Integer()
    on = ma.fields.Date()
    tags = ma.fields.List(ma.fields.String())


class ThingArgs(PageArgsSchema):
    q = ma.fields.String()
    owner_id = ma.fields.Integer()
    rank = ma.fields.Integer()
    from_ = ma.fields.Date(data_key="from")
    sort = ma.fields.String(load_default="newest")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(request, tmp_path_factory):
    """One database per module and engine: these tests only read what the fixture wrote."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('bounds') / 'service.db'}"
    else:
        with postgres_database() as url:
            yield sqlalchemy_url(url)


@pytest.fixture(scope="module")
def app(database, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("migrations")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("XYD_BOUNDS_TEST_DATABASE_URL", database)
        yield from _app(tmp_path)


def _app(tmp_path):
    db = SQLAlchemy()

    class Thing(db.Model):
        __tablename__ = "things"
        id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
        name: Mapped[str] = mapped_column(String(50))
        created_at: Mapped[datetime] = mapped_column(UtcDateTime())
        amount = mapped_column(ExactDecimal(14, 4))
        # A 32-bit column, as most ids of the platform are: PostgreSQL compares values cast to INTEGER.
        rank: Mapped[int | None] = mapped_column(Integer)

    sorts = {"newest": [SortKey(Thing.created_at, descending=True), SortKey(Thing.id, descending=True)],
             "name": [SortKey(Thing.name), SortKey(Thing.id)],
             "amount": [SortKey(Thing.amount), SortKey(Thing.id)],
             "rank": [SortKey(Thing.rank), SortKey(Thing.id)]}
    app, api = create_service_app(__name__, common_settings("bounds-test", "XYD_BOUNDS_TEST_DATABASE_URL"),
                                  db, str(tmp_path / "migrations"))
    bp = Blueprint("things", __name__, url_prefix="/things")

    @bp.route("", methods=["POST"])
    @bp.arguments(ThingBody)
    @bp.response(201, ThingBody)
    def create_thing(body):
        db.session.add(Thing(name=body["name"], created_at=datetime.now(UTC), amount=body.get("count", 0)))
        db.session.commit()
        return body

    @bp.route("", methods=["GET"])
    @bp.arguments(ThingArgs, location="query")
    def list_things(args):
        stmt = select(Thing)
        if args.get("q"):
            stmt = stmt.where(Thing.name == args["q"])
        if args.get("owner_id") is not None:
            stmt = stmt.where(Thing.id == args["owner_id"])
        if args.get("rank") is not None:
            stmt = stmt.where(Thing.rank == args["rank"])
        page = paginate(db.session, stmt, sorts[args["sort"]], args, serialize=lambda t: t.name)
        return page

    @bp.route("/<int:thing_id>", methods=["GET"])
    def get_thing(thing_id):
        thing = db.session.get(Thing, thing_id)
        if thing is None:
            raise NotFound()
        return {"name": thing.name}

    @bp.route("/<int:thing_id>", methods=["PATCH"])
    def rename_thing(thing_id):
        raise NotFound()

    @bp.route("/ranked/<int:rank>", methods=["GET"])
    def get_ranked(rank):
        thing = db.session.scalar(select(Thing).where(Thing.rank == rank))
        if thing is None:
            raise NotFound()
        return {"name": thing.name}

    @bp.route("/named/<name>", methods=["GET"])
    def get_named(name):
        if db.session.scalar(select(Thing).where(Thing.name == name)) is None:
            raise NotFound()
        return {"name": name}

    api.register_blueprint(bp)
    with app.app_context():
        db.create_all()
        for i in range(3):
            db.session.add(Thing(name=f"物{i}", created_at=datetime.now(UTC), amount=i))
        db.session.commit()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def assert_json_error(resp, status, code=None):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.is_json and isinstance(resp.json.get("code"), str)
    if code:
        assert resp.json["code"] == code


@pytest.mark.parametrize("path", ["/things/9223372036854775808", "/things/99999999999999999999999999"])
def test_ids_beyond_64_bits_in_paths_are_not_found(client, path):
    assert_json_error(client.get(path), 404, "not_found")
    assert client.get("/things/9223372036854775807").status_code == 404


def test_integers_beyond_64_bits_in_bodies_and_filters_are_refused(client):
    for count in (2**63, -(2**63) - 1, 10**30):
        resp = client.post("/things", json={"name": "甲", "count": count})
        assert_json_error(resp, 422, "validation_error")
        assert "count" in resp.json["errors"]
    assert_json_error(client.get("/things?owner_id=9223372036854775808"), 422)
    assert client.get("/things?owner_id=2147483647").status_code == 200


def test_integers_a_32_bit_column_cannot_hold_are_404_in_paths_and_422_elsewhere(client):
    """Between 2^31 and 2^63: PostgreSQL failed with `integer out of range` comparing them to an INTEGER
    id column (found by schemathesis on auth-service's /admin/institutions/9223372036854775806)."""
    for number in (2**31, 2**63 - 2):
        assert_json_error(client.get(f"/ranked/{number}"), 404, "not_found")
        assert_json_error(client.get(f"/things?rank={number}"), 422, "validation_error")
        assert_json_error(client.get(f"/things?sort=rank&after={cursor_of([number, 1])}"), 422, "invalid_cursor")
        resp = client.post("/things", json={"name": "甲", "count": number})
        assert_json_error(resp, 422, "validation_error")
    assert client.get("/ranked/2147483647").status_code == 404


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_an_id_out_of_range_is_404_for_every_method_of_the_path_not_405(client, number):
    """werkzeug checks methods before converting: found by schemathesis as PATCH /admin/institutions/2^63
    answering 405 because a GET rule shares the path."""
    assert_json_error(client.patch(f"/things/{number}", json={}), 404, "not_found")
    assert_json_error(client.patch("/things/1", json={}), 404, "not_found")
    assert client.get("/things?rank=2147483647").status_code == 200


def test_json_nested_deeper_than_the_limit_is_a_bad_request(client):
    for body in ("[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000,
                 '{"name": "甲", "tags": ' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "}"):
        resp = client.post("/things", data=body, content_type="application/json")
        assert_json_error(resp, 400, "bad_request")


def test_depth_counts_brackets_outside_strings_only():
    assert not json_too_deep(json.dumps({"name": "[" * 500 + "{" * 500}).encode())
    assert not json_too_deep(json.dumps({"name": '\\"[[[' * 100}).encode())
    assert not json_too_deep(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert json_too_deep(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfffy"])
def test_nul_and_lone_surrogates_in_strings_are_refused(client, text):
    # json.dumps writes the escapes a client sends (`\\ud800`, `\\u0000`).
    resp = client.post("/things", data=json.dumps({"name": text}), content_type="application/json")
    assert_json_error(resp, 422, "validation_error")
    assert resp.json["errors"]["name"]
    resp = client.post("/things", data=json.dumps({"name": "甲", "tags": [text]}), content_type="application/json")
    assert_json_error(resp, 422)


def test_nul_in_query_filters_and_path_segments_is_refused(client):
    assert_json_error(client.get("/things?q=a%00b"), 422, "validation_error")
    assert_json_error(client.get("/things/named/a%00b"), 404, "not_found")
    assert client.get("/things/named/物1").status_code == 200


def test_a_lone_surrogate_in_an_unknown_field_name_still_answers_json(client):
    resp = client.post("/things", data='{"name": "甲", "\\ud800": 1}', content_type="application/json")
    assert_json_error(resp, 422, "validation_error")
    assert "\ufffd" in resp.json["errors"]


def test_surrogate_pairs_and_ordinary_text_are_accepted(client):
    assert client.post("/things", json={"name": "😀 企业"}).status_code == 201


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_extreme_dates_are_refused(client, value):
    assert_json_error(client.post("/things", json={"name": "甲", "on": value}), 422)
    assert_json_error(client.get(f"/things?from={value}"), 422)


def test_dates_inside_the_bounds_are_accepted(client):
    assert client.post("/things", json={"name": "甲", "on": "1900-01-01"}).status_code == 201
    assert client.get("/things?from=2199-12-31").status_code == 200


@pytest.mark.parametrize("sort, values", [
    ("newest", [None, None]), ("newest", [True]), ("newest", [[1]]), ("newest", [1, 2]),
    ("newest", [{"t": "dt", "v": "2026-01-01T00:00:00"}, 1]),  # naive
    ("newest", [{"t": "dt", "v": "0001-01-01T00:00:00+00:00"}, 1]),
    ("newest", [{"t": "dt", "v": 5}, 1]),
    ("newest", [{"t": "dt", "v": "2026-01-01T00:00:00+00:00"}, 2**63]),
    ("newest", [{"t": "dt", "v": "2026-01-01T00:00:00+00:00"}, "1"]),
    ("newest", [{"t": "dt", "v": "2026-01-01T00:00:00+00:00"}, True]),
    ("name", ["a\x00", 1]), ("name", ["\ud800", 1]), ("name", [1, 1]),
    ("amount", [{"t": "dec", "v": "NaN"}, 1]), ("amount", [{"t": "dec", "v": "1e40"}, 1]),
    ("amount", [{"t": "dec", "v": "0.00001"}, 1]), ("amount", [1.5, 1]),
])
def test_forged_cursors_are_refused_as_invalid_cursor(client, sort, values):
    resp = client.get(f"/things?sort={sort}&after={cursor_of(values)}")
    assert_json_error(resp, 422, "invalid_cursor")
    assert resp.json["errors"] == {"after": ["游标无效"]}


def test_cursors_the_list_gave_out_keep_working(client):
    for sort in ("newest", "name", "amount"):
        everything = client.get(f"/things?sort={sort}&per_page=100").json["items"]
        walked, cursor = [], ""
        while cursor is not None:
            page = client.get(f"/things?sort={sort}&per_page=2" + (f"&after={cursor}" if cursor else "")).json
            walked += page["items"]
            cursor = page["next_cursor"]
        assert walked == everything and len(walked) >= 3
    assert_json_error(client.get("/things?after=not-a-cursor"), 422, "invalid_cursor")
