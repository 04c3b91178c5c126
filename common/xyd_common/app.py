"""The part of every service's app factory that is the same everywhere."""

import re
import signal
import threading
import uuid

import click
from flask import Flask, g, request
from flask_migrate import Migrate, upgrade
from sqlalchemy import text

from . import (
    input_bounds,
    schemas,  # noqa: F401 - installs the Chinese validation messages and the input bounds
)
from .errors import XydApi
from .health import health_blueprint
from .logs import configure_logging
from .trusted_proxies import TrustedProxies, parse_trusted_proxies

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_service_app(import_name: str, settings: dict, db, migrations_dir: str,
                       test_config: dict | None = None) -> tuple[Flask, XydApi]:
    """A Flask app with the service's settings, JSON logs, request ids, the database and migrations,
    the OpenAPI-generating Api with the contract's error shape, and the health endpoints.

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


def run_until_signalled(target) -> None:
    """Run `target(stop_event)` until SIGTERM or SIGINT, then let it finish its current step."""
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    target(stop)


def register_event_commands(app: Flask, db, outbox_model=None, processed_model=None,
                            handlers: dict | None = None) -> None:
    """`flask relay` (publish the outbox) and `flask consume` (handle this service's queue)."""
    if outbox_model is not None:
        @app.cli.command("relay")
        def relay():
            """Publish pending outbox events to the broker until stopped."""
            from .events.outbox import OutboxRelay

            run_until_signalled(OutboxRelay(app, db, outbox_model).run)

    if processed_model is not None and handlers is not None:
        @app.cli.command("consume")
        def consume():
            """Handle this service's events until stopped."""
            from .events.consumer import EventConsumer

            run_until_signalled(EventConsumer(app, db, processed_model, handlers).run)
