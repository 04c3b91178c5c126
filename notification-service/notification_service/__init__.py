"""notification-service: SMS delivery, in-app notifications and webhooks for government systems."""

import logging
from pathlib import Path

from xyd_common.app import create_service_app, register_event_commands
from xyd_common.metrics import add_collector
from xyd_common.retention import RetentionRule, register_retention

from .config import check_settings, load_settings
from .models import ProcessedEvent, SmsMessage, WebhookDelivery, db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")

log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None):
    app, api = create_service_app(__name__, load_settings(), db, MIGRATIONS, test_config)
    check_settings(app.config)
    if app.config["SMS_PROVIDER"] == "console":
        log.warning("DEVELOPMENT MODE — NOT FOR A REAL PLATFORM: SMS_PROVIDER=console, no SMS is really "
                    "sent; every code goes to the log and to GET /api/v1/dev/sms, where anyone can read it")
    from . import api as endpoints
    from .cli import register_cli
    from .delivery import webhook_gauges
    from .handlers import HANDLERS

    for blueprint in (endpoints.dev, endpoints.notifications, endpoints.webhooks):
        api.register_blueprint(blueprint)
    register_cli(app)
    add_collector(app, webhook_gauges(app))
    register_event_commands(app, db, processed_model=ProcessedEvent,
                            handlers=HANDLERS)
    register_retention(app, RetentionRule("SMS logs", SmsMessage, "created_at", "SMS_LOG_RETENTION_DAYS"),
                       RetentionRule("delivered webhook attempts", WebhookDelivery, "delivered_at",
                                     "WEBHOOK_DELIVERY_RETENTION_DAYS",
                                     lambda model: model.status == "delivered"))
    return app
