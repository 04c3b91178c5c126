"""The long-running processes of the Procfile besides the web server (relays, consumers, periodic
jobs): run until SIGTERM, with a heartbeat and, on METRICS_PORT, their own /metrics and /health.
Below `app` and `retention`, which both start processes.

Each loop is a command of its own (`flask --app order_service relay`, `… mark-overdue`): Kubernetes runs
each as a Deployment or CronJob and scales it alone. On one host, `flask --app order_service work relay
consume mark-overdue …` runs a service's loops side by side in one process (threads: each loop spends
its time waiting on the broker, the database or its interval), so the single-host platform needs one
worker process per service instead of one per loop: a Python process with Flask, SQLAlchemy and pika
costs ~100 MB and a second of CPU to start."""

import logging
import signal
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import click
from flask import Flask
from sqlalchemy import text

from . import metrics
from .config import env_float, env_int, env_str

log = logging.getLogger(__name__)


@dataclass
class _Worker:
    """What the loops of one `flask work` process share: the stop signal and the worker's collectors."""

    stop: threading.Event
    collectors: list = field(default_factory=list)
    threads: set[int] = field(default_factory=set)


_worker: _Worker | None = None


def _in_worker() -> _Worker | None:
    """The worker this thread runs a loop of, if any."""
    return _worker if _worker is not None and threading.get_ident() in _worker.threads else None


def run_until_signalled(target, app: Flask | None = None, collectors: Iterable = ()) -> None:
    """Run `target(stop_event)` until SIGTERM or SIGINT, then let it finish its current step.

    With `METRICS_PORT` set, `/metrics` (this process's series and `collectors`) and `/health` (200
    while `target` keeps calling `metrics.HEARTBEAT.beat()`, 503 once it has not for
    `WORKER_STALL_SECONDS` [120]) are served on that port meanwhile: the probe of a process that has no
    HTTP port of its own. Inside `flask work` the worker owns the signals and the port: `target` runs
    with the worker's stop event and its collectors join the worker's."""
    worker = _in_worker()
    if worker is not None:
        worker.collectors.extend(collectors)
        metrics.HEARTBEAT.beat()
        target(worker.stop)
        return
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


def _job_lock_key(app: Flask, name: str) -> int:
    """A PostgreSQL advisory lock id for one periodic job of one service (a signed 64-bit number)."""
    return zlib.crc32(f"{app.config['SERVICE_NAME']}:{name}".encode()) - 2**31


def run_periodic(app: Flask, job: Callable[[], object], interval_setting: str, once: bool = False) -> None:
    """Run `job()` in an app context now and then every `app.config[interval_setting]` seconds until
    SIGTERM or SIGINT (a process of the Procfile), or just once with `once` (a Kubernetes CronJob runs
    the Procfile command plus `--once`). A failing round is rolled back and logged, and the next round
    tries again; with `once` a failure exits non-zero so that the scheduler sees it.

    On PostgreSQL one round of a job runs at a time across replicas (an advisory lock): a looping
    replica skips its round while another is in one, since that one is doing the same work; a run with
    `once` (cron, or an operator catching up) waits for it instead."""
    db = app.extensions["sqlalchemy"]
    name = job.__name__.replace("_", "-")
    key = _job_lock_key(app, name)

    def run_once(wait: bool) -> bool:
        with app.app_context():
            lock, held = None, False
            try:
                if db.engine.dialect.name == "postgresql":
                    lock = db.engine.connect()
                    if wait:
                        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                        held = True
                    elif not (held := lock.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})):
                        log.debug("%s: another replica is in this round", name)
                        return True
                job()
                return True
            except Exception:  # the database may be down for a while: log, roll back, next round
                db.session.rollback()
                log.exception("%s failed; retrying in the next round", name)
                return False
            finally:
                if lock is not None:
                    try:
                        if held:
                            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    except Exception:  # the database went away mid-round: ending the session ends the lock
                        lock.invalidate()
                    lock.close()
                db.session.remove()
                # A process that only sleeps between rounds holds no connection meanwhile: a dozen
                # periodic processes per platform would otherwise keep a dozen idle PostgreSQL
                # connections. (Not inside `flask work`, whose other loops share the pool; nor on
                # SQLite: an in-memory database lives in its one connection.)
                if db.engine.dialect.name == "postgresql" and _in_worker() is None:
                    db.engine.dispose()

    if once:
        if not run_once(wait=True):
            raise SystemExit(1)
        return

    def loop(stop: threading.Event) -> None:
        interval = app.config[interval_setting]
        log.info("%s every %.0fs", name, interval)
        while not stop.is_set():
            run_once(wait=False)
            metrics.HEARTBEAT.beat()
            # Wake up to beat while waiting, so a long interval does not look like a stuck process.
            deadline = interval
            while deadline > 0 and not stop.is_set():
                stop.wait(min(deadline, 30))
                deadline -= 30
                metrics.HEARTBEAT.beat()

    run_until_signalled(loop, app)


def register_work_command(app: Flask) -> None:
    """`flask work COMMAND…`: the named looping commands of this service (relay, consume, purge-expired,
    its periodic jobs), each in a thread of one process, with their default options, until SIGTERM."""

    @app.cli.command("work")
    @click.argument("commands", nargs=-1, required=True)
    def work(commands):
        """Run several of this service's looping commands in one process until stopped."""
        global _worker
        group = app.cli
        loops = {}
        for name in commands:
            command = group.get_command(click.get_current_context(), name)
            if command is None or name == "work":
                raise click.UsageError(f"no looping command {name!r} in {app.config['SERVICE_NAME']}")
            loops[name] = command
        failed = []

        def run(worker: _Worker, name: str, command: click.Command) -> None:
            worker.threads.add(threading.get_ident())
            try:
                with command.make_context(name, []) as ctx, app.app_context():
                    command.invoke(ctx)
                if not worker.stop.is_set():
                    raise RuntimeError("returned before the worker was stopped")
            except BaseException as error:  # a loop that ends on its own takes the worker down with it
                failed.append(name)
                log.exception("loop %s ended: %s", name, error)
                worker.stop.set()
            finally:
                metrics.HEARTBEAT.forget()

        def supervise(stop: threading.Event) -> None:
            global _worker
            # The loops stop on the signal's event; a loop that fails sets it too, ending the others.
            _worker = worker = _Worker(stop=stop, collectors=collectors)
            metrics.HEARTBEAT.forget()  # from here on the loops' own heartbeats tell the probe
            threads = [threading.Thread(target=run, args=(worker, *item), name=item[0]) for item in loops.items()]
            for thread in threads:
                thread.start()
            log.info("working: %s", ", ".join(loops))
            stop.wait()
            for thread in threads:
                thread.join()

        collectors: list = []  # the loops add theirs as they start; the port serves them all
        run_until_signalled(supervise, app, collectors)
        _worker = None
        if failed:
            raise SystemExit(f"{app.config['SERVICE_NAME']}: {', '.join(failed)} stopped")
