"""Whether the time of an answer tells if a phone has an account: p50 of `POST /auth/sms-codes` and of
a failed `POST /auth/login` for a phone with an account and one without, against the spread between two
interleaved runs of the same phone (the noise floor).

The auth-service app runs in-process (Flask test client: routing, parsing, the use case, the database,
Redis) on a throw-away PostgreSQL database built by the real migrations, or on a SQLite file with
`--sqlite`. Requests alternate between the phones so that drift in the machine's load hits all alike.

    cd auth-service && ../.venv/bin/python bench/bench_account_timing.py [--repeat 400] [--sqlite]

Figures are printed, never asserted: they depend on the machine.
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auth_service import create_app  # noqa: E402
from auth_service.models import db  # noqa: E402
from auth_service.services import bootstrap_admin  # noqa: E402
from auth_service.signing import generate_key_file  # noqa: E402
from xyd_common.config import sqlalchemy_url  # noqa: E402
from xyd_common.sealed import new_key  # noqa: E402
from xyd_testing.helpers import postgres_database  # noqa: E402

KNOWN = "13800000000"
UNKNOWN = "13999999999"
MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def build_app(database_uri: str, workdir: Path):
    key_file = workdir / "jwt.pem"
    generate_key_file(key_file)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_uri, "JWT_PRIVATE_KEY_FILE": str(key_file),
        "SMS_EVENT_KEY": new_key(), "SERVICE_TOKEN_SECRET": "bench",
        "REDIS_KEY_PREFIX": f"bench-timing-{uuid.uuid4().hex[:8]}:",
        "SMS_RESEND_SECONDS": 0, "SMS_DAILY_LIMIT": 10**6, "SMS_IP_HOURLY_LIMIT": 10**6,
        "SMS_MAX_ATTEMPTS": 10**6, "LOG_LEVEL": "WARNING",
    })
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        bootstrap_admin(KNOWN, "Bench2026timing")
    return app


def timed(send) -> float:
    start = time.perf_counter()
    resp = send()
    elapsed = (time.perf_counter() - start) * 1000
    assert resp.status_code < 500, resp.get_data(as_text=True)
    return elapsed


def measure(client, repeat: int) -> dict[str, dict[str, list[float]]]:
    def sms(phone):
        return lambda: client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": "login"})

    def login(phone):
        # A wrong code: what a stranger probing phones can send (no valid code, no password check).
        return lambda: client.post("/api/v1/auth/login",
                                   json={"phone": phone, "password": "Whatever2026", "sms_code": "000000"})

    out = {}
    for name, make in (("sms-codes", sms), ("login", login)):
        runs = {"known": [], "unknown": [], "known again": []}
        for _ in range(20):  # warm-up
            timed(make(KNOWN)), timed(make(UNKNOWN))
        for _ in range(repeat):
            runs["known"].append(timed(make(KNOWN)))
            runs["unknown"].append(timed(make(UNKNOWN)))
            runs["known again"].append(timed(make(KNOWN)))
        out[name] = runs
    return out


def report(results: dict) -> None:
    print(f"{'endpoint':<10} {'known p50':>10} {'unknown p50':>12} {'known again p50':>16} "
          f"{'known-unknown':>14} {'noise (known-known)':>20}")
    for name, runs in results.items():
        p50 = {k: statistics.median(v) for k, v in runs.items()}
        print(f"{name:<10} {p50['known']:>9.2f}  {p50['unknown']:>11.2f}  {p50['known again']:>15.2f}  "
              f"{p50['known'] - p50['unknown']:>+13.2f}  {p50['known'] - p50['known again']:>+19.2f}")
    print("(milliseconds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=400)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xyd-bench-timing-") as workdir:
        workdir = Path(workdir)
        if args.sqlite:
            app = build_app(f"sqlite:///{workdir / 'auth.db'}", workdir)
            report(measure(app.test_client(), args.repeat))
            return
        with postgres_database() as url:
            app = build_app(sqlalchemy_url(url), workdir)
            try:
                report(measure(app.test_client(), args.repeat))
            finally:
                with app.app_context():
                    db.engine.dispose()


if __name__ == "__main__":
    main()
