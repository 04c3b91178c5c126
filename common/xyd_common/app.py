"""The part of every service's app factory that is the same everywhere."""

import logging
import re
import signal
import threading
import uuid
from collections.abc import Callable, Iterable

import click
from flask import Flask, g, request
from flask_migrate import Migrate, upgrade
from sqlalchemy import text

from . import (
    input_bounds,
    metrics,
    schemas,  # noqa: F401 - installs the Chinese validation messages and the input bounds
)
from .config import env_float, env_int, env_str
from .errors import XydApi
from .health import health_blueprint
from .logs import configure_logging
from .trusted_proxies import TrustedProxies, parse_trusted_proxies

log = logging.getLogger(__name__)

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_service_app(import_name: str, settings: dict, db, migrations_dir: str,
                       test_config: dict | None = None) -> tuple[Flask, XydApi]:
    """A Flask app with the service's settings, JSON logs, request ids, the database and migrations,
    the OpenAPI-generating Api with the contract's error shape, the health endpoints and `/metrics`.

    The caller registers its blueprints on the returned `Api`."""
    app = Flask(import_name)
    app.config.update(settings)
    if test_config:
        app.config.update(test_config)
    input_bounds.install(app)
    app.json.ensure_ascii = False
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg"):
        # psycopg prepares a statement on the server after five runs, and PostgreSQL may then switch it
        # to a generic plan blind to the values (which regions, which limit, whether a partial index
        # applies): measured up to 100x slower on the market's queries. Plan each with its values.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    configure_logging(app.config["SERVICE_NAME"], app.config["LOG_LEVEL"])
    # The gateway is the proxy in front of a service: only its X-Forwarded-For names the client.
    app.wsgi_app = TrustedProxies(app.wsgi_app, parse_trusted_proxies(app.config["TRUSTED_PROXIES"]))

    db.init_app(app)
    Migrate(app, db, directory=migrations_dir)
    api = XydApi(app)
    app.register_blueprint(health_blueprint(db))
    metrics.register_metrics_endpoint(app)

    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def return_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response

    @app.cli.command("migrate-locked")
    def migrate_locked():
        """Upgrade the database to the latest migration, one replica at a time on PostgreSQL."""
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(727100)"))
                try:
                    upgrade(directory=migrations_dir)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(727100)"))
        else:
            upgrade(directory=migrations_dir)
        click.echo(f"{app.config['SERVICE_NAME']}: database is up to date")

    return app, api


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


def register_event_commands(app: Flask, db, outbox_model=None, processed_model=None,
                            handlers: dict | None = None) -> None:
    """`flask relay` (publish the outbox) and `flask consume` (handle this service's queue)."""
    from .retention import RetentionRule, register_retention

    if outbox_model is not None:
        from .events.outbox import outbox_gauges

        metrics.add_collector(app, outbox_gauges(app, db, outbox_model))
        register_retention(app, RetentionRule("published outbox", outbox_model, "published_at",
                                              "OUTBOX_RETENTION_DAYS",
                                              lambda model: model.published_at.is_not(None)))

        @app.cli.command("relay")
        def relay():
            """Publish pending outbox events to the broker until stopped."""
            from .events.outbox import OutboxRelay

            run_until_signalled(OutboxRelay(app, db, outbox_model).run, app)

    if processed_model is not None and handlers is not None:
        from .events.dead_letters import register_dead_letter_command

        register_dead_letter_command(app)
        # What `consume` runs, for tests to hand events to as the broker would (testing.deliver).
        app.extensions["xyd_event_consumer"] = (db, processed_model, handlers)
        register_retention(app, RetentionRule("processed event ids", processed_model, "processed_at",
                                              "PROCESSED_EVENTS_RETENTION_DAYS"))

        @app.cli.command("consume")
        def consume():
            """Handle this service's events until stopped."""
            from .events.consumer import EventConsumer
            from .events.dead_letters import dead_letter_gauges

            run_until_signalled(EventConsumer(app, db, processed_model, handlers).run, app,
                                [dead_letter_gauges(app)])
