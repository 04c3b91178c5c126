"""`GET /health` (the process answers) and `GET /ready` (its database and Redis answer too)."""

from flask import Blueprint, current_app
from sqlalchemy import text

from .redis_store import get_redis


def health_blueprint(db) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/health")
    def health():
        return {"status": "ok", "service": current_app.config["SERVICE_NAME"]}

    @bp.get("/ready")
    def ready():
        checks = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception:  # any failure means not ready; the reason goes to the log, not the body
            current_app.logger.exception("readiness: database")
            checks["database"] = "unavailable"
        try:
            get_redis().ping()
            checks["redis"] = "ok"
        except Exception:
            current_app.logger.exception("readiness: redis")
            checks["redis"] = "unavailable"
        ok = all(v == "ok" for v in checks.values())
        body = {"status": "ok" if ok else "unavailable", "service": current_app.config["SERVICE_NAME"],
                "checks": checks}
        return body, 200 if ok else 503

    return bp
