"""auth-service: users, roles, SMS codes, sessions, JWT signing and the JWKS."""

from pathlib import Path

from xyd_common.app import create_service_app, register_event_commands
from xyd_common.retention import RetentionJob, RetentionRule, register_retention

from .config import load_settings
from .models import AuditLog, LoginLog, OutboxMessage, db

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict | None = None):
    app, api = create_service_app(__name__, load_settings(), db, MIGRATIONS, test_config)
    from . import api as endpoints
    from .cli import register_cli
    from .services import signing_key

    api.register_blueprint(endpoints.auth)
    api.register_blueprint(endpoints.regions)
    api.register_blueprint(endpoints.admin_bp)
    api.register_blueprint(endpoints.applications_bp)
    api.register_blueprint(endpoints.internal)

    @app.get("/.well-known/jwks.json")
    def jwks():
        return signing_key().jwks()

    register_event_commands(app, db, outbox_model=OutboxMessage)
    from .verification import purge_expired_documents

    register_retention(app, RetentionRule("login logs", LoginLog, "at", "LOGIN_LOG_RETENTION_DAYS"),
                       RetentionRule("audit logs", AuditLog, "at", "AUDIT_LOG_RETENTION_DAYS"),
                       # Decided verification requests' documents (their own period, files included).
                       RetentionJob("verification documents", purge_expired_documents))
    register_cli(app)
    return app
