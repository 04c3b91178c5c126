"""The same use cases on PostgreSQL, built by the migrations: NUMERIC amounts, partial and trigram
indexes, and the market's query with every filter and sort."""

import os
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text, update

from product_service import create_app
from product_service.models import Product, db
from xyd_common import pagination
from xyd_testing.helpers import migrated_postgres_app

from .support import OTHER_BANK_ID, app_config, auth, product_body, seed_reference_data

MARKET = "/api/v1/market/products"


@pytest.fixture(scope="module")
def pg_app(auth_service):
    with migrated_postgres_app(create_app, app_config(auth_service), "xyd_product_test") as app:
        seed_reference_data(app)
        yield app


@pytest.fixture(scope="module")
def pg_url(pg_app):
    return pg_app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.fixture(scope="module")
def pg_catalog(pg_app, auth_service):
    client = pg_app.test_client()
    bank = auth(auth_service.token("institution", 7))
    other = auth(auth_service.token("institution", OTHER_BANK_ID))
    made = {}
    for key, headers, body in (
        ("tax", bank, dict(name="税易贷", region_codes=["411000"], featured=True, amount_min=10, amount_max=300,
                           rate_min=3.45, features="纯信用、随借随还")),
        ("tech", bank, dict(name="科技贷", region_codes=["411002"], guarantee_methods=["credit", "pledge"],
                            amount_min=50, amount_max=1000.5, rate_min=3.2, term_max_months=60,
                            target_customers="科技型中小企业")),
        ("farm", other, dict(name="惠农贷", category="guarantee", region_codes=["410000"],
                             guarantee_methods=["guarantee"], amount_min=0.5, amount_max=50, rate_min=4.5,
                             rate_max=7, features="支农支小")),
    ):
        resp = client.post("/api/v1/products", headers=headers, json=product_body(**body))
        assert resp.status_code == 201, resp.json
        made[key] = resp.json
    with pg_app.app_context():
        db.session.execute(update(Product).where(Product.id == made["farm"]["id"]).values(orders_count=3))
        db.session.commit()
    return made


def market(client, query: str, catalog: dict) -> list[str]:
    resp = client.get(f"{MARKET}?{query}")
    assert resp.status_code == 200, resp.json
    by_id = {p["id"]: key for key, p in catalog.items()}
    return [by_id[p["id"]] for p in resp.json["items"]]


def test_migrations_match_the_models_on_postgresql_too(pg_app, pg_url, tmp_path):
    flask = str(Path(sys.executable).with_name("flask"))
    env = {**os.environ, "XYD_VAR_DIR": str(tmp_path), "PRODUCT_DATABASE_URL": pg_url}
    result = subprocess.run([flask, "--app", "product_service", "db", "check"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with pg_app.app_context():
        indexes = set(db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'products'")))
    assert {"ix_products_name_trgm", "ix_products_features_trgm", "ix_products_target_customers_trgm",
            "ix_products_active_newest"} <= indexes


def test_amounts_are_numeric_on_postgresql_and_come_back_exact(pg_app, pg_catalog):
    with pg_app.app_context():
        kind, value = db.session.execute(text(
            "SELECT pg_typeof(amount_max)::text, amount_max FROM products WHERE id = :id"),
            {"id": pg_catalog["tech"]["id"]}).one()
    assert kind == "numeric" and value == Decimal("1000.5000")
    assert pg_catalog["tech"]["amount_max"] == 1000.5 and pg_catalog["farm"]["amount_min"] == 0.5


@pytest.mark.parametrize("query, expected", [
    ("", ["farm", "tech", "tax"]),
    ("region_code=411002", ["farm", "tech", "tax"]),
    ("region_code=411000", ["farm", "tax"]),
    ("region_code=411024&featured=true", ["tax"]),
    ("category=guarantee&guarantee_method=guarantee", ["farm"]),
    ("guarantee_method=pledge", ["tech"]),
    ("amount=300&term_months=36", ["tech", "tax"]),
    ("amount=1000.5", ["tech"]),
    (f"institution_id={OTHER_BANK_ID}", ["farm"]),
    ("q=科技型", ["tech"]),          # three characters: through the trigram index
    ("q=支农", ["farm"]),            # two: a scan of the active products
    ("q=SUIJIE", []),
    ("sort=rate_asc", ["tech", "tax", "farm"]),
    ("sort=amount_desc", ["tech", "tax", "farm"]),
    ("sort=popular", ["farm", "tech", "tax"]),
])
def test_the_market_query_runs_on_postgresql(pg_app, pg_catalog, query, expected):
    assert market(pg_app.test_client(), query, pg_catalog) == expected


@pytest.mark.parametrize("sort", ["newest", "rate_asc", "amount_desc", "popular"])
def test_keyset_pages_on_postgresql_cover_everything_once(pg_app, pg_catalog, sort):
    client = pg_app.test_client()
    everything = market(client, f"sort={sort}", pg_catalog)
    seen, cursor = [], ""
    while cursor is not None:
        page = client.get(f"{MARKET}?sort={sort}&per_page=1" + (f"&after={cursor}" if cursor else "")).json
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert seen == [pg_catalog[k]["id"] for k in everything]


def test_totals_beyond_the_exact_limit_are_estimates_for_every_filter(pg_app, pg_catalog, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_TOTAL_LIMIT", 0)
    client = pg_app.test_client()
    query = ("region_code=411002&featured=false&category=loan&guarantee_method=credit&amount=100&term_months=24"
             "&institution_id=7&q=贷&sort=rate_asc")
    for url in (MARKET, f"{MARKET}?{query}"):
        page = client.get(url).json
        assert page["total_is_estimate"] is True and page["total"] >= 1 and page["items"], url


def test_a_slow_market_total_is_reused_for_the_same_filters_until_a_product_changes(
        pg_app, pg_catalog, auth_service, monkeypatch):
    client = pg_app.test_client()
    bank = auth(auth_service.token("institution", 7))

    def totals(*queries):
        return [client.get(f"{MARKET}?{q}").json["total"] for q in queries]

    def add_product_behind_the_services_back():
        with pg_app.app_context():
            row = db.session.get(Product, pg_catalog["tax"]["id"])
            copy = Product(**{c.key: getattr(row, c.key) for c in Product.__table__.columns if c.key != "id"})
            copy.name = f"新增贷{uuid.uuid4().hex[:6]}"
            db.session.add(copy)
            db.session.commit()

    # Every count is "slow" (threshold 0): each filter is counted once, whatever page or order is asked.
    monkeypatch.setitem(pg_app.extensions, "market_totals", pagination.CachedTotals(ttl=60, min_seconds=0))
    counted = totals("", "region_code=411000")
    add_product_behind_the_services_back()  # as another replica would: this process cannot know
    assert totals("sort=rate_asc&per_page=1", "region_code=411000&page=2") == counted
    assert totals("category=guarantee") == [1]  # another filter is counted on its own

    # A change made through this process shows at once.
    resp = client.post("/api/v1/products", headers=bank,
                       json=product_body(name=f"新增贷{uuid.uuid4().hex[:6]}", region_codes=["411000"]))
    assert resp.status_code == 201, resp.json
    assert totals("", "region_code=411000") == [counted[0] + 2, counted[1] + 1]  # the copy serves no region

    # Cheap counts are never kept (the default threshold) and a ttl of 0 keeps nothing.
    for totals_cache in (pagination.CachedTotals(ttl=60, min_seconds=60), pagination.CachedTotals(ttl=0)):
        monkeypatch.setitem(pg_app.extensions, "market_totals", totals_cache)
        before = totals("")
        add_product_behind_the_services_back()
        assert totals("") == [before[0] + 1]


def test_a_cursor_that_does_not_fit_the_sort_is_422_on_postgresql(pg_app, pg_catalog):
    client = pg_app.test_client()
    cursor = client.get(f"{MARKET}?per_page=1").json["next_cursor"]
    for query in (f"sort=popular&after={cursor}", f"sort=rate_asc&after={cursor}", "after=WyJ4IiwieSJd"):
        resp = client.get(f"{MARKET}?per_page=1&{query}")
        assert resp.status_code == 422, (query, resp.json)
    # The session is usable afterwards.
    assert client.get(MARKET).status_code == 200
