"""product-service: financial products and the financial supermarket (金融超市)."""

from pathlib import Path

from xyd_common.app import create_service_app, register_event_commands

from .config import load_settings
from .models import OutboxMessage, ProcessedEvent, db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict | None = None):
    app, api = create_service_app(__name__, load_settings(), db, MIGRATIONS, test_config)
    from . import api as endpoints
    from .cli import register_cli
    from .handlers import HANDLERS

    api.register_blueprint(endpoints.products)
    api.register_blueprint(endpoints.market)
    api.register_blueprint(endpoints.policies)
    api.register_blueprint(endpoints.internal)
    register_event_commands(app, db, outbox_model=OutboxMessage, processed_model=ProcessedEvent,
                            handlers=HANDLERS)
    register_cli(app)
    return app

