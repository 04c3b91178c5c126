"""The part of every service's app factory that is the same everywhere."""

import logging
import re
import uuid

import click
import flask_smorest
from flask import Flask, g, request
from flask_migrate import Migrate, upgrade
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from . import (
    input_bounds,
    metrics,
    schemas,  # installs the Chinese validation messages and the input bounds
)
from .api_docs import BEARER_SCHEME, ErrorAnswersPlugin, error_codes_markdown
from .errors import (
    STATUS_CODES,
    UNAVAILABLE_ERRORS,
    ApiError,
    ErrorSchema,
    error_response,
    flatten_errors,
    handle_api_error,
    handle_unexpected_error,
)
from .health import health_blueprint
from .logs import configure_logging
from .processes import register_work_command, run_until_signalled
from .trusted_proxies import GatewayClient, proof_key

log = logging.getLogger(__name__)

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class XydApi(flask_smorest.Api):
    """flask-smorest's Api, answering errors in the contract's shape and documenting each operation's
    error answers and token needs (`xyd_common.api_docs`). Here, above `errors` and `schemas`, because
    it uses both and `schemas` (through `input_bounds`) uses `errors`."""

    ERROR_SCHEMA = ErrorSchema
    # Each operation lists its own error answers: no catch-all that would document any status.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _init_spec(self, *, extra_plugins=None, **options):
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), ErrorAnswersPlugin()], **options)
        self.ma_plugin.converter.add_attribute_function(schemas.integer_bounds)
        self.spec.components.security_scheme("bearerAuth", BEARER_SCHEME)
        self.spec.options.setdefault("security", [{"bearerAuth": []}])
        info = self.spec.options.setdefault("info", {})
        info.setdefault("description", error_codes_markdown())

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(ApiError, handle_api_error)
        self._app.register_error_handler(Exception, handle_unexpected_error)

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        status = error.code or 500
        code, message = STATUS_CODES.get(status, ("error", error.description))
        errors = None
        if status == 400:
            # webargs answers 400 only when the body is not JSON at all.
            message = "请求体不是合法的 JSON"
        elif "messages" in data or "errors" in data:
            errors = flatten_errors(data.get("errors") or data.get("messages"))
        # Keep what the exception itself says in headers (Allow on a 405), minus its HTML content type.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        return error_response(status, code, data.get("message", message), errors, headers)


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
        # Each process keeps at most DATABASE_POOL_SIZE idle connections (up to DATABASE_MAX_OVERFLOW
        # more while busy): what replicas × processes cost PostgreSQL's max_connections.
        options.setdefault("pool_size", app.config.get("DATABASE_POOL_SIZE", 5))
        options.setdefault("max_overflow", app.config.get("DATABASE_MAX_OVERFLOW", 10))
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    configure_logging(app.config["SERVICE_NAME"], app.config["LOG_LEVEL"])
    # Only the gateway names the client (its X-Forwarded-For, signed): nobody else on the host or in the
    # cluster can choose an address for the per-IP throttles and the logs.
    app.wsgi_app = GatewayClient(app.wsgi_app, proof_key(app.config["SERVICE_TOKEN_SECRET"]))

    db.init_app(app)

    @app.teardown_appcontext
    def end_session_even_if_the_database_is_gone(_exc):
        # Runs before Flask-SQLAlchemy's own teardown (registered earlier), which then finds nothing
        # to do. A connection lost after the answer was made (the database restarting, a network cut)
        # makes ending the session raise; that must not turn a finished answer into a 500.
        try:
            db.session.remove()
        except UNAVAILABLE_ERRORS as error:
            log.warning("could not end the database session cleanly: %s", error.__class__.__name__)

    Migrate(app, db, directory=migrations_dir)
    untyped_options_answers(app)
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
        """Upgrade the database to the latest migration, one replica at a time on PostgreSQL; with
        DEMO_DATA=true on a fresh database, record that it is a demo database (demo_data.py)."""
        from .demo_data import mark_if_requested, service_tables

        fresh = not service_tables(db.engine)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(727100)"))
                try:
                    upgrade(directory=migrations_dir)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(727100)"))
        else:
            upgrade(directory=migrations_dir)
        demo = mark_if_requested(db.engine, fresh)
        click.echo(f"{app.config['SERVICE_NAME']}: database is up to date" + (" (demo database)" if demo else ""))

    register_work_command(app)
    return app, api


def untyped_options_answers(app: Flask) -> None:
    """Flask answers `OPTIONS` itself with an empty body typed `text/html`; the platform never answers
    HTML from an API (nor from an empty body), so these answers carry no Content-Type at all."""
    default = app.make_default_options_response

    def make_default_options_response():
        response = default()
        del response.headers["Content-Type"]
        return response

    app.make_default_options_response = make_default_options_response


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
