"""order-service: loan orders (融资订单), their state machine and statistics."""

from pathlib import Path

from xyd_common.app import create_service_app, register_event_commands

from .config import load_settings
from .models import OutboxMessage, db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict | None = None):
    app, _api = create_service_app(__name__, load_settings(), db, MIGRATIONS, test_config)
    register_event_commands(app, db, outbox_model=OutboxMessage)
    return app
