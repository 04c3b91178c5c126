"""Order lists at 1,000,000 orders: is the 500th page (reached by cursor) as fast as the first?

Not a test: it prints figures. It creates a throw-away PostgreSQL database (TEST_PG_ADMIN_URL, default
the local server), builds the schema with the migrations, seeds 1,000,000 orders with generate_series
(20 institutions, 50,000 enterprises in six districts of 许昌市, a year of history), then times
`GET /api/v1/orders` through the whole Flask stack (token check, Redis revocation check, query,
serialization) for an institution, the city's government and an enterprise: the first page, and the
500th page reached by following `next_cursor`. Then it counts the pre-aggregated figures from the
orders (`rebuild-figures`) and times `/orders/stats` (whole range, date ranges, groupings) and
`/orders/scorecards`, which are added up from them.

    cd order-service && ../.venv/bin/python bench/bench_orders.py [--orders 1000000] [--runs 200]
"""

import argparse
import contextlib
import logging
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import text

from order_service import create_app
from order_service.models import db
from xyd_testing.helpers import FakeAuthService, pg_admin_url, postgres_database

INSTITUTIONS = 20
ENTERPRISES = 50_000
PRODUCTS = 200
DISTRICTS = ("411002", "411003", "411024", "411025", "411081", "411082")

SEED_ORDERS = """
INSERT INTO orders (id, order_no, status, version, product_id, product_name, institution_id, institution_name,
    enterprise_uscc, enterprise_name, region_code, applicant_user_id, amount, term_months, purpose,
    credit_authorized, credit_authorized_at, accept_deadline, accept_overdue, accepted_at, accept_seconds,
    risk_level, risk_tags, whitelisted, created_at, updated_at)
SELECT g, 'XC' || to_char(ts AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(g::text, 7, '0'),
    -- The newest order of each (enterprise, product) may be open; older ones are closed, as the
    -- one-open-order-per-product rule requires.
    CASE WHEN g <= :enterprises THEN (ARRAY['submitted', 'accepted', 'credit_granted'])[1 + g % 3]
         ELSE (ARRAY['disbursed', 'terminated', 'withdrawn'])[1 + g % 3] END,
    1, 1 + g % :products, '产品' || (1 + g % :products), 1 + g % :institutions, '机构' || (1 + g % :institutions),
    '91411000' || lpad((g % :enterprises)::text, 9, '0') || 'X', '企业' || (g % :enterprises),
    (ARRAY[{districts}])[1 + (g % :enterprises) % 6], 100000 + g % :enterprises,
    10 + (g % 1000), 12, '经营周转', true, ts, (ts AT TIME ZONE 'Asia/Shanghai')::date + 3, g % 50 = 0,
    ts + interval '5 hours', 18000, 'unknown', '[]', false, ts, ts
FROM (SELECT g, now() - g * interval '30 seconds' AS ts FROM generate_series(1, :orders) AS g) AS s
"""
SEED_REGIONS = """
INSERT INTO order_regions (region_code, created_at, order_id)
SELECT '411000', created_at, id FROM orders UNION ALL SELECT region_code, created_at, id FROM orders
"""


def seed(app, orders: int) -> None:
    with app.app_context():
        conn = db.session.connection()
        # Building the secondary indexes once after loading is several times faster than keeping them
        # current row by row.
        indexes = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('orders', 'order_regions') "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)")).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        districts = ", ".join(f"'{d}'" for d in DISTRICTS)
        params = {"orders": orders, "enterprises": ENTERPRISES, "products": PRODUCTS, "institutions": INSTITUTIONS}
        conn.execute(text(SEED_ORDERS.format(districts=districts)), params)
        conn.execute(text(SEED_REGIONS))
        for _, definition in indexes:
            conn.execute(text(definition))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('orders', 'id'), :n)"), {"n": orders})
        regions = [("411000", "许昌市", None, '["411000"]')] + [
            (d, d, "411000", f'["411000", "{d}"]') for d in DISTRICTS]
        for code, name, parent, path in regions:
            conn.execute(text("INSERT INTO regions (code, name, parent_code, path) VALUES (:c, :n, :p, :path)"),
                         {"c": code, "n": name, "p": parent, "path": path})
        # The institutions' read model, as institution.created events fill it.
        conn.execute(text("INSERT INTO institutions (id, name, region_code, status, source_at) "
                          "SELECT g, '机构' || g, '411000', 'active', now() FROM generate_series(1, :n) AS g"),
                     {"n": INSTITUTIONS})
        db.session.commit()
    with app.app_context(), db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def percentile(samples: list[float], p: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(p) - 1] if len(samples) > 1 else samples[0]


def timed(client, url: str, headers: dict, runs: int) -> tuple[list[float], dict]:
    body = None
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        resp = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == 200, resp.json
        body = resp.json
    return samples, body


def cursor_for_page(client, query: str, headers: dict, page: int) -> str:
    """The `after` value that leads to page `page` (1-based), by following next_cursor from page 1."""
    cursor = None
    for _ in range(page - 1):
        url = f"/api/v1/orders?{query}" + (f"&after={cursor}" if cursor else "")
        cursor = client.get(url, headers=headers).json["next_cursor"]
        assert cursor, "the list ended before that page"
    return cursor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--reuse", metavar="DATABASE_URL",
                        help="time an already seeded database (kept afterwards) instead of seeding a new one")
    parser.add_argument("--keep", metavar="NAME",
                        help="seed into a new database of this name and keep it (for --reuse)")
    parser.add_argument("--stats-only", action="store_true", help="time the statistics and scorecards only")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the stand-in auth-service's access log

    with FakeAuthService() as auth, contextlib.ExitStack() as stack:
        if args.keep:
            with psycopg.connect(pg_admin_url(), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{args.keep}"')
            url = pg_admin_url().rsplit("/", 1)[0] + "/" + args.keep
            print(f"seeding {url}; time it again with --reuse {url}")
        else:
            url = args.reuse or stack.enter_context(postgres_database("xyd_order_bench"))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                          "AUTH_SERVICE_URL": auth.url, "REDIS_KEY_PREFIX": f"bench-order-{uuid.uuid4().hex[:8]}:",
                          "LOG_LEVEL": "WARNING"})
        if not args.reuse:
            result = app.test_cli_runner().invoke(args=["migrate-locked"])
            assert result.exit_code == 0, result.output
            started = time.perf_counter()
            seed(app, args.orders)
            print(f"seeded {args.orders:,} orders (and {2 * args.orders:,} region rows) in "
                  f"{time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            result = app.test_cli_runner().invoke(args=["rebuild-figures"])
            assert result.exit_code == 0, result.output
            print(f"{result.output.strip()} (the pre-aggregated statistics, counted from the orders) in "
                  f"{time.perf_counter() - started:.0f} s")

        client = app.test_client()
        bank = {"Authorization": f"Bearer {auth.token('institution', institution_id=1, ttl=3600)}"}
        city = {"Authorization": f"Bearer {auth.token('government', region_code='411000', ttl=3600)}"}
        admin = {"Authorization": f"Bearer {auth.token('admin', ttl=3600)}"}
        scopes = [
            ("institution 1", bank, ""),
            ("institution 1, status=disbursed", bank, "status=disbursed"),
            ("government 411000", city, ""),
            ("government 411000, region_code=411002", city, "region_code=411002"),
            ("admin", admin, ""),
        ]
        if args.stats_only:
            scopes = []
        else:
            print(f"\nGET /api/v1/orders, per_page=20, {args.runs} runs each (ms, through the Flask stack)")
            print(f"{'scope':<40} {'first p50':>10} {'first p95':>10} {'page ' + str(args.page) + ' p50':>13} "
                  f"{'page ' + str(args.page) + ' p95':>13} {'ratio p50':>10}  total")
        for name, headers, query in scopes:
            base = f"per_page=20&{query}" if query else "per_page=20"
            timed(app.test_client(), f"/api/v1/orders?{base}", headers, 5)  # warm up
            first, body = timed(client, f"/api/v1/orders?{base}", headers, args.runs)
            try:
                cursor = cursor_for_page(client, base, headers, args.page)
            except AssertionError:
                print(f"{name:<40} (fewer than {args.page} pages)")
                continue
            deep, _ = timed(client, f"/api/v1/orders?{base}&after={cursor}", headers, args.runs)
            total = f"{body['total']:,}" + (" (estimate)" if body.get("total_is_estimate") else "")
            print(f"{name:<40} {statistics.median(first):>10.1f} {percentile(first, 95):>10.1f} "
                  f"{statistics.median(deep):>13.1f} {percentile(deep, 95):>13.1f} "
                  f"{statistics.median(deep) / statistics.median(first):>10.2f}  {total}")

        today = datetime.now(UTC).date()
        quarter = f"from={today - timedelta(days=100)}&to={today - timedelta(days=8)}"
        month = f"from={today - timedelta(days=30)}&to={today}"
        shapes = [
            ("stats, government 411000, all time", city, "/stats"),
            ("stats, government 411000, ~3 months", city, f"/stats?{quarter}"),
            ("stats, government, region_code=411002", city, "/stats?region_code=411002"),
            ("stats, admin, group_by=month", admin, "/stats?group_by=month"),
            ("stats, government, group_by=region", city, "/stats?group_by=region"),
            ("stats, government, 30 days by day", city, f"/stats?group_by=day&{month}"),
            ("scorecards, government 411000, all", city, "/scorecards"),
            ("scorecards, government, ~3 months", city, f"/scorecards?{quarter}"),
            ("scorecards, institution 1", bank, "/scorecards"),
        ]
        runs = max(20, args.runs // 4)
        print(f"\nStatistics and scorecards from the pre-aggregated figures, {runs} runs each (ms)")
        print(f"{'query':<45} {'p50':>8} {'p95':>8}  total")
        for name, headers, path in shapes:
            timed(client, f"/api/v1/orders{path}", headers, 3)  # warm up
            samples, body = timed(client, f"/api/v1/orders{path}", headers, runs)
            total = body.get("total", len(body.get("items", [])))
            print(f"{name:<45} {statistics.median(samples):>8.1f} {percentile(samples, 95):>8.1f}  {total:,}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
