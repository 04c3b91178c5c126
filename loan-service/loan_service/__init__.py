"""loan-service: loans after disbursement — schedules, repayments, aging, the business date — and the
government instruments on them (risk compensation funds and claims, interest subsidies)."""

from pathlib import Path

from xyd_common.app import create_service_app, register_event_commands

from . import figures  # noqa: F401  (registers the figures' bookkeeping on every flush)
from .config import load_settings
from .models import OutboxMessage, ProcessedEvent, db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict | None = None):
    app, api = create_service_app(__name__, load_settings(), db, MIGRATIONS, test_config)
    from . import api as endpoints
    from . import instrument_api
    from .cli import register_cli
    from .handlers import HANDLERS

    api.register_blueprint(endpoints.loans)
    api.register_blueprint(endpoints.admin)
    for blueprint in (instrument_api.fund_bp, instrument_api.claim_bp, instrument_api.program_bp,
                      instrument_api.application_bp, instrument_api.figures_bp, instrument_api.audit_bp):
        api.register_blueprint(blueprint)
    register_event_commands(app, db, outbox_model=OutboxMessage, processed_model=ProcessedEvent,
                            handlers=HANDLERS)
    register_cli(app)
    return app
