"""The same use cases on PostgreSQL, with the schema the migrations build: NUMERIC capital, the import's
advisory lock, the region filters and the access log's keyset pages."""

import base64
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from credit_service import create_app
from credit_service.models import Enterprise, db
from xyd_testing.helpers import migrated_postgres_app

from .support import (
    app_config,
    auth,
    deliver,
    enterprise_row,
    flag_row,
    new_uscc,
    order_data,
    seed_regions,
    whitelist_row,
)


@pytest.fixture(scope="module")
def pg_app(auth_service):
    with migrated_postgres_app(create_app, app_config(auth_service), "xyd_credit_test") as app:
        seed_regions(app)
        yield app


@pytest.fixture(scope="module")
def pg_url(pg_app):
    return pg_app.config["SQLALCHEMY_DATABASE_URI"]


def test_migrations_match_the_models_on_postgresql_too(pg_app, pg_url, tmp_path):
    flask = str(Path(sys.executable).with_name("flask"))
    env = {**os.environ, "XYD_VAR_DIR": str(tmp_path), "CREDIT_DATABASE_URL": pg_url}
    result = subprocess.run([flask, "--app", "credit_service", "db", "check"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_import_and_read_on_postgresql(pg_app, auth_service):
    client = pg_app.test_client()
    admin = auth(auth_service.token("admin"))
    uscc = new_uscc("411082")
    batch = {"enterprises": [enterprise_row(uscc, region_code="411082", registered_capital="12345678.0001")],
             "whitelist": [whitelist_row(uscc, region_code="411082")],
             "risk_flags": [flag_row(uscc, "equity_frozen")]}
    first = client.post("/api/v1/credit/imports", json=batch, headers=admin).json
    again = client.post("/api/v1/credit/imports", json=batch, headers=admin).json
    assert first["changed"] == {"enterprises": 1, "records": 0, "whitelist": 1, "risk_flags": 1}
    assert again["changed"] == {"enterprises": 0, "records": 0, "whitelist": 0, "risk_flags": 0}
    with pg_app.app_context():
        assert db.session.get(Enterprise, uscc).registered_capital == Decimal("12345678.0001")

    government = auth(auth_service.token("government", sub="11", region_code="411000"))
    body = client.get(f"/api/v1/credit/enterprises/{uscc}", headers=government).json
    assert (body["risk"]["level"], body["whitelisted"], body["enterprise"]["registered_capital"]) \
        == ("high", True, 12345678.0001)
    listed = client.get("/api/v1/credit/whitelist?region_code=411000&q=恒美", headers=government).json
    assert uscc in [i["uscc"] for i in listed["items"]]

    bank = auth(auth_service.token("institution", sub="21", institution_id=7))
    deliver(pg_app, "order.submitted", order_data(uscc, order_id=9001))
    assert client.get(f"/api/v1/credit/enterprises/{uscc}?order_id=9001", headers=bank).status_code == 200
    logs = client.get(f"/api/v1/credit/access-logs?uscc={uscc}&per_page=1", headers=admin).json
    assert logs["total"] == 2 and logs["items"][0]["viewer_role"] == "institution"
    rest = client.get(f"/api/v1/credit/access-logs?uscc={uscc}&per_page=1&after={logs['next_cursor']}",
                      headers=admin).json
    assert rest["items"][0]["viewer_role"] == "government"
    # A forged cursor is bad input, not a server error, on PostgreSQL's types too.
    for url, values in (("/api/v1/credit/access-logs", ["yesterday", "x"]), ("/api/v1/credit/whitelist", ["x"])):
        forged = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
        assert client.get(f"{url}?after={forged}", headers=admin).status_code == 422
