"""Loan statistics at 1,000,000 loans with their schedules: is `/loans/stats` within 100 ms (p95)?

Not a test: it prints figures. It creates a throw-away PostgreSQL database (TEST_PG_ADMIN_URL, default
the local server), builds the schema with the migrations, seeds 1,000,000 loans (20 institutions, 50,000
enterprises in six districts of 许昌市, two years of disbursements, every status) with their schedules
(3 to 24 monthly instalments, ~13 million rows) and region rows, counts the pre-aggregated figures from
the loans (`rebuild-figures`), then times `GET /api/v1/loans/stats` through the whole Flask stack (token
check, Redis revocation check, query, serialization) for the queries a city and a bank typically ask,
and prints p50 / p95 with met / missed against the contract's ≤ 100 ms p95.

The rows are made inside the server (INSERT ... SELECT over generate_series; secondary indexes, the
schedules' keys and foreign key dropped and rebuilt after; synchronous_commit off): the bulk path that
never sends a row over the wire, faster still than COPY from the client.

    cd loan-service && ../.venv/bin/python bench/bench_loans.py [--loans 1000000] [--runs 100]
"""

import argparse
import contextlib
import logging
import statistics
import time
import uuid
from datetime import timedelta

import psycopg
from sqlalchemy import text

from loan_service import create_app
from loan_service.business_date import beijing_today
from loan_service.models import db
from xyd_testing.helpers import FakeAuthService, pg_admin_url, postgres_database

INSTITUTIONS = 20
ENTERPRISES = 50_000
DISTRICTS = ("411002", "411003", "411024", "411025", "411081", "411082")
TARGET_MS = 100.0
DAYS = 730  # two years of disbursements

# Every day of the two years has loans of every institution in every district (the densest figures
# table: a row per day, district and institution). Every 20th loan non-performing, two overdue, three
# settled, one written off, the rest repaying; every 7th a renewal, the oldest loan of each enterprise
# its first.
SEED_LOANS = """
INSERT INTO loans (id, order_id, order_no, enterprise_uscc, enterprise_name, institution_id, institution_name,
    institution_type, product_id, region_code, principal, rate, term_months, repayment_method, disbursed_on,
    submitted_at, whitelisted, first_loan, renewal, status, outstanding_principal, days_past_due, overdue_bucket,
    aged_on, settled_on, written_off_amount, opened_at, version)
SELECT g, g, 'XC' || lpad(g::text, 12, '0'), '91411000' || lpad((g % :enterprises)::text, 9, '0') || 'X',
    '企业' || (g % :enterprises), 1 + (g / :days) % :institutions, '机构' || (1 + (g / :days) % :institutions),
    'bank',
    1 + g % 200, (ARRAY[{districts}])[1 + (g % :enterprises) % 6], principal, 3.45 + (g % 300) / 100.0,
    term, 'equal_principal', disbursed_on, (disbursed_on - (g % 30)) + time '02:00', g % 3 = 0,
    g <= :enterprises AND g % 7 <> 0, g % 7 = 0, status,
    CASE WHEN status IN ('settled') THEN 0 ELSE round(principal * (1 - (g % 10) / 20.0), 4) END,
    CASE status WHEN 'non_performing' THEN 120 WHEN 'overdue' THEN 20 ELSE 0 END,
    CASE status WHEN 'non_performing' THEN '91+' WHEN 'overdue' THEN '1-30' ELSE 'none' END,
    :today, CASE WHEN status = 'settled' THEN :today END,
    CASE WHEN status = 'written_off' THEN round(principal * 0.8, 4) END, now(), 1
FROM (SELECT g, :today - (g % :days) AS disbursed_on, (10 + g % 490)::numeric AS principal,
             (ARRAY[3, 6, 12, 12, 24])[1 + g % 5] AS term,
             CASE WHEN g % 20 = 0 THEN 'non_performing' WHEN g % 20 IN (1, 2) THEN 'overdue'
                  WHEN g % 20 IN (3, 4, 5) THEN 'settled' WHEN g % 20 = 6 THEN 'written_off'
                  ELSE 'repaying' END AS status
      FROM generate_series(1, :loans) AS g) AS s
""".format(districts=", ".join(f"'{d}'" for d in DISTRICTS))
# Equal principal: each instalment principal / term (rounded), the last the rest; interest on the balance
# at 30/365 of the rate.
SEED_INSTALMENTS = """
INSERT INTO instalments (loan_id, no, due_on, principal, interest, paid_principal, paid_interest,
                         due_soon_announced)
SELECT l.id, k, (l.disbursed_on + make_interval(months => k))::date,
    CASE WHEN k < l.term_months THEN round(l.principal / l.term_months, 4)
         ELSE l.principal - round(l.principal / l.term_months, 4) * (l.term_months - 1) END,
    round((l.principal - round(l.principal / l.term_months, 4) * (k - 1)) * l.rate / 100 * 30 / 365, 4),
    0, 0, false
FROM loans l CROSS JOIN LATERAL generate_series(1, l.term_months) AS k
"""
SEED_REGIONS = """
INSERT INTO loan_regions (loan_id, region_code, disbursed_on)
SELECT id, '411000', disbursed_on FROM loans UNION ALL SELECT id, region_code, disbursed_on FROM loans
"""


def seed(app, loans: int) -> int:
    """The loans, their schedules and region rows; returns the number of instalments."""
    today = beijing_today()
    with app.app_context():
        conn = db.session.connection()
        indexes = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('loans', 'instalments', 'loan_regions') "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)")).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        # The schedules' and region rows' keys, checked and built once after loading rather than row by row.
        constraints = conn.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid IN ('instalments'::regclass, 'loan_regions'::regclass) ORDER BY contype DESC")).all()
        for table, name, _ in constraints:
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        params = {"loans": loans, "enterprises": ENTERPRISES, "institutions": INSTITUTIONS, "days": DAYS,
                  "today": today}
        conn.execute(text(SEED_LOANS), params)
        instalments = conn.execute(text(SEED_INSTALMENTS)).rowcount
        conn.execute(text(SEED_REGIONS))
        for table, name, definition in reversed(constraints):
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        for _, definition in indexes:
            conn.execute(text(definition))
        conn.execute(text("SELECT setval(pg_get_serial_sequence('loans', 'id'), :n)"), {"n": loans})
        regions = [("411000", "许昌市", None, '["411000"]')] + [
            (d, f"区县{d}", "411000", f'["411000", "{d}"]') for d in DISTRICTS]
        for code, name, parent, path in regions:
            conn.execute(text("INSERT INTO regions (code, name, parent_code, path) VALUES (:c, :n, :p, :path)"),
                         {"c": code, "n": name, "p": parent, "path": path})
        db.session.commit()
    with app.app_context(), db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return instalments


def percentile(samples: list[float], p: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(p) - 1] if len(samples) > 1 else samples[0]


def timed(client, url: str, headers: dict, runs: int) -> tuple[list[float], dict]:
    body, samples = None, []
    for _ in range(runs):
        started = time.perf_counter()
        resp = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert resp.status_code == 200, resp.json
        body = resp.json
    return samples, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--reuse", metavar="DATABASE_URL",
                        help="time an already seeded database (kept afterwards) instead of seeding a new one")
    parser.add_argument("--keep", metavar="NAME", help="seed into a new database of this name and keep it")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    with FakeAuthService() as auth, contextlib.ExitStack() as stack:
        if args.keep:
            with psycopg.connect(pg_admin_url(), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{args.keep}"')
            url = pg_admin_url().rsplit("/", 1)[0] + "/" + args.keep
            print(f"seeding {url}; time it again with --reuse {url}")
        else:
            url = args.reuse or stack.enter_context(postgres_database("xyd_loan_bench"))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                          "AUTH_SERVICE_URL": auth.url, "REDIS_KEY_PREFIX": f"bench-loan-{uuid.uuid4().hex[:8]}:",
                          "LOG_LEVEL": "WARNING"})
        if not args.reuse:
            result = app.test_cli_runner().invoke(args=["migrate-locked"])
            assert result.exit_code == 0, result.output
            started = time.perf_counter()
            instalments = seed(app, args.loans)
            print(f"seeded {args.loans:,} loans with {instalments:,} instalments (and {2 * args.loans:,} region "
                  f"rows) in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            result = app.test_cli_runner().invoke(args=["rebuild-figures"])
            assert result.exit_code == 0, result.output
            print(f"{result.output.strip()} (counted from the loans) in {time.perf_counter() - started:.0f} s")

        client = app.test_client()
        bank = {"Authorization": f"Bearer {auth.token('institution', institution_id=1, ttl=3600)}"}
        city = {"Authorization": f"Bearer {auth.token('government', region_code='411000', ttl=3600)}"}
        district = {"Authorization": f"Bearer {auth.token('government', region_code='411002', ttl=3600)}"}
        admin = {"Authorization": f"Bearer {auth.token('admin', ttl=3600)}"}
        today = beijing_today()
        quarter = f"from={today - timedelta(days=100)}&to={today - timedelta(days=8)}"
        year = f"from={today.replace(month=1, day=1)}&to={today}"
        month = f"from={today - timedelta(days=30)}&to={today}"
        shapes = [
            ("government 411000, all time", city, ""),
            ("government 411000, ~3 months", city, quarter),
            ("government 411000, this year, by month", city, f"{year}&group_by=month"),
            ("government 411000, by district", city, "group_by=region"),
            ("government 411000, 30 days by day", city, f"{month}&group_by=day"),
            ("government 411000, ~3 months by week", city, f"{quarter}&group_by=week"),
            ("government 411002 (a district), all time", district, ""),
            ("government, region_code=411002, ~3 months", city, f"region_code=411002&{quarter}"),
            ("institution 1, all time, by month", bank, "group_by=month"),
            ("admin, institution_id=3, by district", admin, "institution_id=3&group_by=region"),
            ("admin, all time, by day (730 days)", admin, "group_by=day"),
        ]
        print(f"\nGET /api/v1/loans/stats, {args.runs} runs each (ms, through the Flask stack; target p95 ≤ "
              f"{TARGET_MS:.0f} ms)")
        print(f"{'query':<46} {'p50':>7} {'p95':>7}  {'target':<7} loans")
        for name, headers, query in shapes:
            path = f"/api/v1/loans/stats?{query}"
            timed(client, path, headers, 3)  # warm up
            samples, body = timed(client, path, headers, args.runs)
            p95 = percentile(samples, 95)
            verdict = "met" if p95 <= TARGET_MS else "MISSED"
            print(f"{name:<46} {statistics.median(samples):>7.1f} {p95:>7.1f}  {verdict:<7} {body['loans']:,}")
        with app.app_context():
            rows = db.session.scalar(text("SELECT count(*) FROM loan_figures"))
            print(f"\n(loan_figures: {rows:,} rows for {args.loans:,} loans)")
            db.engine.dispose()


if __name__ == "__main__":
    main()
