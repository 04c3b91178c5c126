"""order-service: loan orders (融资订单), their state machine and statistics."""

from pathlib import Path

from xyd_common.app import create_service_app, register_event_commands

from . import figures  # noqa: F401  (registers the figures' bookkeeping on every flush)
from .config import load_settings
from .models import OutboxMessage, ProcessedEvent, db
from .workdays import WorkCalendar

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict | None = None):
    app, api = create_service_app(__name__, load_settings(), db, MIGRATIONS, test_config)
    from . import api as endpoints
    from .cli import register_cli
    from .handlers import HANDLERS

    # Read once at start: a malformed calendar stops the service here rather than skewing deadlines.
    app.extensions["order_service_calendar"] = WorkCalendar.load(app.config["HOLIDAY_CALENDAR_FILE"])
    api.register_blueprint(endpoints.orders)
    api.register_blueprint(endpoints.needs_bp)
    api.register_blueprint(endpoints.visits_bp)
    api.register_blueprint(endpoints.portal_bp)
    api.register_blueprint(endpoints.internal)
    register_event_commands(app, db, outbox_model=OutboxMessage, processed_model=ProcessedEvent,
                            handlers=HANDLERS)
    register_cli(app)
    return app
