"""`GET /health`: whether every service behind the gateway (and the revocation list) answers."""

from concurrent.futures import ThreadPoolExecutor

import urllib3
from flask import Blueprint, Flask, current_app
from urllib3.exceptions import HTTPError

from xyd_common.redis_store import get_redis

from . import proxy, web
from .config import service_urls

bp = Blueprint("health", __name__)

_EXECUTOR = "xyd_gateway_health_executor"


def init_app(app: Flask) -> None:
    # Services are asked in parallel, so a down one costs one timeout, not one per service.
    app.extensions[_EXECUTOR] = ThreadPoolExecutor(max_workers=len(service_urls(app.config)),
                                                   thread_name_prefix="health")


def service_health(service: str, timeout: float, app: Flask) -> str:
    pool, prefix = proxy.upstream(service, app)
    try:
        answer = pool.request("GET", prefix + "/health", timeout=urllib3.Timeout(timeout), retries=False,
                              redirect=False)
    except HTTPError:
        return "unavailable"
    return "ok" if answer.status == 200 else "unavailable"


def redis_health(app: Flask) -> str:
    # Without Redis no token can be checked for revocation, so every signed-in request would fail.
    try:
        get_redis(app).ping()
    except Exception:  # any failure means unavailable; the log has the reason
        app.logger.warning("health: redis unavailable", exc_info=True)
        return "unavailable"
    return "ok"


@bp.get("/health")
def health():
    app = current_app._get_current_object()
    timeout = app.config["GATEWAY_HEALTH_TIMEOUT"]
    executor = app.extensions[_EXECUTOR]
    futures = {service: executor.submit(service_health, service, timeout, app)
               for service in service_urls(app.config)}
    redis_status = redis_health(app)
    services = {service: future.result() for service, future in futures.items()}
    ok = redis_status == "ok" and all(status == "ok" for status in services.values())
    # The web app is optional (API-only deployments), so its absence does not degrade the platform.
    body = {"status": "ok" if ok else "degraded", "services": services, "redis": redis_status,
            "web": web.web_status(app)}
    return body, 200 if ok else 503
