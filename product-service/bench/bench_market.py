"""How the financial supermarket's query scales: p50/p95 of typical market requests at two catalogue
sizes, on PostgreSQL built by the real migrations.

For each size it creates a throw-away database (xyd_testing.helpers.postgres_database, so it needs the
local PostgreSQL of TEST_PG_ADMIN_URL), migrates it, bulk-loads regions, institutions and N products
with COPY, runs VACUUM ANALYZE, then sends each query through the Flask test client (routing, argument
parsing, the query, JSON) `--repeat` times after a warm-up, and prints a table.

    cd product-service && ../.venv/bin/python bench/bench_market.py [--sizes 1000 100000] [--repeat 60]
                                                                      [--explain]

Figures are printed, never asserted: they depend on the machine.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from product_service import create_app  # noqa: E402
from product_service.models import db  # noqa: E402
from product_service.services import MARKET_SORTS, market_query  # noqa: E402
from xyd_common.pagination import _encode  # noqa: E402 - to build a deep cursor without paging there
from xyd_testing.helpers import postgres_database  # noqa: E402

XUCHANG_DISTRICTS = ["411002", "411003", "411024", "411025", "411081", "411082"]
NAMES = ["税易贷", "科技贷", "惠农贷", "创业担保贷", "经营快贷", "e抵贷", "订单贷", "仓单质押贷", "设备按揭贷",
         "商户贷", "专精特新贷", "绿色信贷", "知识产权质押贷", "应收账款保理", "融资租赁", "科创积分贷"]
FEATURES = ["纯信用、线上申请、随借随还", "审批快、额度高、利率优惠", "财政贴息、担保费补贴", "知识产权质押、期限灵活",
            "以租代购、盘活设备", "支农支小、按季付息", "抵押率高、可循环使用", "供应链融资、核心企业确权"]
TARGETS = ["依法纳税的小微企业", "科技型中小企业", "种养殖户、农民专业合作社", "创业者、个体工商户",
           "制造业企业", "商贸流通企业", "专精特新中小企业", "外贸出口企业"]
CATEGORIES = ["loan"] * 6 + ["guarantee", "leasing", "factoring", "insurance", "other"]
GUARANTEES = ["credit", "guarantee", "mortgage", "pledge"]
REPAYMENTS = ["equal_installment", "equal_principal", "interest_first", "bullet", "flexible"]
INSTITUTIONS = 40
# A city's platform: half of its catalogue is 许昌's own banks serving 许昌 and its districts, the rest
# spread over the province. So a district filter finds a full page of featured products at 1,000
# products as at 100,000, and a shape's figures compare the same work at both sizes (a shape that
# returns 6 products at one size and 20 at the other measures the page size, not the catalogue's).
HOME_CITY_SHARE = 0.5


def regions() -> list[tuple[str, str, str | None, list[str]]]:
    """河南省, 17 cities of eight districts each (许昌 with its real codes): (code, name, parent, path)."""
    out = [("410000", "河南省", None, ["410000"])]
    for c in range(1, 18):
        city = "411000" if c == 10 else f"41{c:02d}00"
        out.append((city, f"城市{c}", "410000", ["410000", city]))
        districts = XUCHANG_DISTRICTS + ["411005", "411006"] if city == "411000" else [
            f"{city[:4]}{d:02d}" for d in range(1, 9)]
        out += [(d, f"区县{d}", city, ["410000", city, d]) for d in districts]
    return out


def copy_rows(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(app, url: str, size: int, rng: random.Random) -> None:
    all_regions = regions()
    cities = [r for r in all_regions if r[2] == "410000"]
    districts = {city[0]: [r[0] for r in all_regions if r[2] == city[0]] for city in cities}
    now = datetime.now(UTC)
    with app.app_context():
        conn = db.engine.raw_connection()
        try:
            cur = conn.cursor()
            copy_rows(cur, "regions", ("code", "name", "parent_code", "path", "updated_at"),
                      ((c, n, p, "[" + ",".join(f'"{x}"' for x in path) + "]", now) for c, n, p, path in all_regions))
            copy_rows(cur, "institutions", ("id", "name", "type", "region_code", "status", "source_at", "updated_at"),
                      ((i, f"金融机构{i}", "bank", "411000", "disabled" if i % 20 == 0 else "active", now, now)
                       for i in range(1, INSTITUTIONS + 1)))
            products, served, guarantees = [], [], []
            start = now - timedelta(days=730)
            for pid in range(1, size + 1):
                amount_min = rng.choice([1, 5, 10, 20, 50, 100])
                term_min = rng.choice([1, 3, 6, 12])
                rate_min = round(rng.uniform(2.5, 8), 2)
                products.append((
                    pid, rng.randint(1, INSTITUTIONS), f"{rng.choice(NAMES)}{pid}号", rng.choice(CATEGORIES),
                    '["' + '","'.join(rng.sample(REPAYMENTS, rng.randint(1, 3))) + '"]',
                    amount_min, amount_min * rng.choice([5, 10, 20, 50]), term_min, term_min * rng.choice([3, 6, 12]),
                    rate_min, round(rate_min + rng.uniform(0, 6), 2), rng.choice(TARGETS),
                    "正常经营满一年，无不良信用记录", rng.choice(FEATURES), "演示产品", rng.random() < 0.1,
                    "active" if rng.random() < 0.9 else "disabled", int(rng.paretovariate(1.5)) - 1,
                    start + timedelta(seconds=pid * 730 * 86400 / size + rng.random()), now))
                draw = rng.random()
                city = "411000" if rng.random() < HOME_CITY_SHARE else rng.choice(cities)[0]
                codes = (["410000"] if draw < 0.05 else [city] if draw < 0.35
                         else rng.sample(districts[city], rng.randint(1, 3)))
                served += [(pid, code) for code in codes]
                guarantees += [(pid, m) for m in rng.sample(GUARANTEES, rng.randint(1, 2))]
            copy_rows(cur, "products", ("id", "institution_id", "name", "category", "repayment_methods", "amount_min",
                                        "amount_max", "term_min_months", "term_max_months", "rate_min", "rate_max",
                                        "target_customers", "requirements", "features", "description", "featured",
                                        "status", "orders_count", "created_at", "updated_at"), products)
            copy_rows(cur, "product_regions", ("product_id", "region_code"), served)
            copy_rows(cur, "product_guarantee_methods", ("product_id", "method"), guarantees)
            cur.execute("SELECT setval('products_id_seq', %s)", (size,))
            conn.commit()
        finally:
            conn.close()
    # The steady state autovacuum reaches: statistics, visibility map, and the GIN indexes' pending
    # lists merged (until then a trigram search reads the whole pending list).
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def deep_cursor(app, fraction: float) -> str:
    """The cursor of the newest-first market page that starts `fraction` of the way down."""
    keys = MARKET_SORTS["newest"]
    with app.app_context():
        stmt = market_query({}).order_by(*[k.column.desc() for k in keys])
        total = db.session.scalar(db.select(db.func.count()).select_from(market_query({}).subquery()))
        row = db.session.scalars(stmt.offset(int(total * fraction)).limit(1)).one()
        return _encode([getattr(row, k.column.key) for k in keys])


def rare_term(size: int) -> str:
    """A product-number ending that about ten names carry at `size` ("67号" at 1,000, "4567号" at
    100,000): a rare term finds as many products at either size."""
    return "4567"[-max(1, len(str(size)) - 2):] + "号"


def queries(app, size: int) -> list[tuple[str, str]]:
    return [
        ("newest, no filter", ""),
        ("region + featured", "region_code=411002&featured=true"),
        ("region, by rate", "region_code=411002&sort=rate_asc"),
        ("category + guarantee", "category=loan&guarantee_method=mortgage"),
        ("amount + term", "amount=200&term_months=24"),
        ("institution, popular", "institution_id=7&sort=popular"),
        ("deep cursor page (90%)", f"after={deep_cursor(app, 0.9)}"),
        ("text, 2 chars (科技)", "q=科技"),
        ("text, 4 chars (小微企业)", "q=小微企业"),
        ("text, rare (~10 found)", f"q={rare_term(size)}"),
    ]


def explain(app, args: dict) -> str:
    keys = MARKET_SORTS[args.get("sort", "newest")]
    with app.app_context():
        stmt = market_query(args).order_by(*[k.column.desc() if k.descending else k.column for k in keys]).limit(21)
        sql = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
        return "\n".join(db.session.scalars(db.text(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}")))


def statement_kind(sql: str) -> str:
    """Which part of a market request a statement is: the count behind `total`, the planner's
    estimate (totals above 10,000), the page, or the rest (regions and guarantee methods of the page,
    the asked region's path)."""
    if sql.startswith("SELECT count(*)"):
        return "count"
    if sql.startswith("EXPLAIN"):
        return "count"
    if "ORDER BY" in sql and "LIMIT" in sql:
        return "page"
    return "other"


def measure(app, query: str, repeat: int) -> dict:
    """p50/p95 of whole requests, and the median time per request spent in each kind of statement."""
    client = app.test_client()
    url = f"/api/v1/market/products?{query}"
    for _ in range(3):
        assert client.get(url).status_code == 200
    spent: dict[str, float] = {}
    per_request: dict[str, list[float]] = {"count": [], "page": [], "other": []}

    def before(conn, cursor, statement, parameters, context, executemany):
        context.bench_started = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        kind = statement_kind(statement)
        spent[kind] = spent.get(kind, 0.0) + (time.perf_counter() - context.bench_started) * 1000

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    timings = []
    try:
        for _ in range(repeat):
            spent.clear()
            t0 = time.perf_counter()
            resp = client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200, resp.json
            for kind, times in per_request.items():
                times.append(spent.get(kind, 0.0))
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    timings.sort()
    return {"p50": statistics.median(timings), "p95": timings[int(len(timings) * 0.95) - 1],
            "total": resp.json["total"], **{kind: statistics.median(t) for kind, t in per_request.items()}}


def run_size(size: int, repeat: int, show_plans: bool) -> dict:
    rng = random.Random(size)
    with postgres_database("xyd_product_bench") as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                          "LOG_LEVEL": "WARNING"})
        result = app.test_cli_runner().invoke(args=["migrate-locked"])
        assert result.exit_code == 0, result.output
        t0 = time.perf_counter()
        seed(app, url, size, rng)
        print(f"  {size:>7} products seeded in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        figures = {}
        for name, query in queries(app, size):
            figures[name] = measure(app, query, repeat)
            if show_plans:
                from urllib.parse import parse_qsl

                args = dict(parse_qsl(query))
                args.pop("after", None)
                print(f"\n--- {name} ({size})\n{explain(app, args)}", file=sys.stderr)
        with app.app_context():
            db.engine.dispose()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--explain", action="store_true", help="print each query's plan (EXPLAIN ANALYZE)")
    opts = parser.parse_args()
    small, large = opts.sizes
    results = {}
    for size in (small, large):
        results[size] = run_size(size, opts.repeat, opts.explain)

    print(f"\nGET /api/v1/market/products, per_page=20, {opts.repeat} requests each (Flask test client, "
          "PostgreSQL). Times in ms. `count`/`page` = median time per request in the statements behind "
          "`total` and in the page query.\n")
    print(f"| query | {small:,}: p50 | p95 | {large:,}: p50 | p95 | p50 ratio | p95 ratio | {large:,}: count | page "
          "| total |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in results[small]:
        s, big = results[small][name], results[large][name]
        print(f"| {name} | {s['p50']:.1f} | {s['p95']:.1f} | {big['p50']:.1f} | {big['p95']:.1f} | "
              f"{big['p50'] / s['p50']:.2f}× | {big['p95'] / s['p95']:.2f}× | {big['count']:.1f} | "
              f"{big['page']:.1f} | {big['total']:,} |")


if __name__ == "__main__":
    main()
