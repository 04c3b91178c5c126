"""The long-running processes of the Procfile besides the web server (relays, consumers, periodic
jobs): run until SIGTERM, with a heartbeat and, on METRICS_PORT, their own /metrics and /health.
Below `app` and `retention`, which both start processes."""

import logging
import signal
import threading
from collections.abc import Callable, Iterable

from flask import Flask

from . import metrics
from .config import env_float, env_int, env_str

log = logging.getLogger(__name__)


def run_until_signalled(target, app: Flask | None = None, collectors: Iterable = ()) -> None:
    """Run `target(stop_event)` until SIGTERM or SIGINT, then let it finish its current step.

    With `METRICS_PORT` set, `/metrics` (this process's series and `collectors`) and `/health` (200
    while `target` keeps calling `metrics.HEARTBEAT.beat()`, 503 once it has not for
    `WORKER_STALL_SECONDS` [120]) are served on that port meanwhile: the probe of a process that has no
    HTTP port of its own."""
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    port = env_int("METRICS_PORT", 0)
    if port:
        metrics.HEARTBEAT.beat()
        metrics.serve_worker_endpoints(port, env_str("BIND_HOST", "127.0.0.1"), collectors,
                                       stall_seconds=env_float("WORKER_STALL_SECONDS", 120))
    target(stop)


def run_periodic(app: Flask, job: Callable[[], object], interval_setting: str, once: bool = False) -> None:
    """Run `job()` in an app context now and then every `app.config[interval_setting]` seconds until
    SIGTERM or SIGINT (a process of the Procfile), or just once with `once` (a Kubernetes CronJob runs
    the Procfile command plus `--once`). A failing round is rolled back and logged, and the next round
    tries again; with `once` a failure exits non-zero so that the scheduler sees it."""
    db = app.extensions["sqlalchemy"]
    name = job.__name__.replace("_", "-")

    def run_once() -> bool:
        with app.app_context():
            try:
                job()
                return True
            except Exception:  # the database may be down for a while: log, roll back, next round
                db.session.rollback()
                log.exception("%s failed; retrying in the next round", name)
                return False
            finally:
                # A job that sleeps most of the time holds no connection meanwhile: a dozen periodic
                # processes per platform would otherwise keep a dozen idle PostgreSQL connections.
                # (SQLite has no server to spare; an in-memory database lives in its one connection.)
                db.session.remove()
                if db.engine.dialect.name == "postgresql":
                    db.engine.dispose()

    if once:
        if not run_once():
            raise SystemExit(1)
        return

    def loop(stop: threading.Event) -> None:
        interval = app.config[interval_setting]
        log.info("%s every %.0fs", name, interval)
        while not stop.is_set():
            run_once()
            metrics.HEARTBEAT.beat()
            # Wake up to beat while waiting, so a long interval does not look like a stuck process.
            deadline = interval
            while deadline > 0 and not stop.is_set():
                stop.wait(min(deadline, 30))
                deadline -= 30
                metrics.HEARTBEAT.beat()

    run_until_signalled(loop, app)
