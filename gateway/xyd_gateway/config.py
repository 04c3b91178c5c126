"""Gateway settings from the environment, one place, as Flask config keys.

`GATEWAY_PORT` [8080] is not read here: the Procfile passes it to gunicorn's `--bind`.
"""

from pathlib import Path

from xyd_common.config import DEFAULT_AMQP_URL, DEFAULT_REDIS_URL, env_bool, env_float, env_int, env_secret, env_str

from .ratelimit import limit_settings

# The built web app of the repository the gateway is installed from (editable, as `make` and the image do).
DEFAULT_WEB_DIST_DIR = str(Path(__file__).resolve().parents[2] / "web" / "dist")

# Service name -> the setting holding its base URL, with the local-run default.
SERVICE_URL_SETTINGS = {
    "auth-service": ("AUTH_SERVICE_URL", "http://127.0.0.1:8081"),
    "product-service": ("PRODUCT_SERVICE_URL", "http://127.0.0.1:8082"),
    "order-service": ("ORDER_SERVICE_URL", "http://127.0.0.1:8083"),
    "credit-service": ("CREDIT_SERVICE_URL", "http://127.0.0.1:8084"),
    "notification-service": ("NOTIFICATION_SERVICE_URL", "http://127.0.0.1:8085"),
    "loan-service": ("LOAN_SERVICE_URL", "http://127.0.0.1:8086"),
}

# How users read each service's name in error messages.
SERVICE_LABELS = {
    "auth-service": "认证服务",
    "product-service": "产品服务",
    "order-service": "订单服务",
    "credit-service": "信用服务",
    "notification-service": "通知服务",
    "loan-service": "贷后服务",
}


def load_settings() -> dict:
    # gunicorn runs WEB_THREADS threads per worker (deploy/gunicorn.conf.py); each holds at most one
    # upstream connection at a time, so that many pooled connections per service never run short.
    threads = env_int("WEB_THREADS", 8)
    return {
        "SERVICE_NAME": "gateway",
        "LOG_LEVEL": env_str("LOG_LEVEL", "INFO"),
        **{key: env_str(key, default).rstrip("/") for key, default in SERVICE_URL_SETTINGS.values()},
        "GATEWAY_CONNECT_TIMEOUT": env_float("GATEWAY_CONNECT_TIMEOUT", 2.0),
        "GATEWAY_READ_TIMEOUT": env_float("GATEWAY_READ_TIMEOUT", 15.0),
        "GATEWAY_HEALTH_TIMEOUT": env_float("GATEWAY_HEALTH_TIMEOUT", 2.0),
        "GATEWAY_POOL_SIZE": env_int("GATEWAY_POOL_SIZE", threads),
        # Requests a pooled connection to a service carries before it is closed (proxy.release): each new
        # connection may reach another replica behind the same address (proxy.RotatingConnectionPool); 0: kept.
        "GATEWAY_UPSTREAM_CONNECTION_REQUESTS": env_int("GATEWAY_UPSTREAM_CONNECTION_REQUESTS", 50),
        "GATEWAY_TOKEN_CACHE_SIZE": env_int("GATEWAY_TOKEN_CACHE_SIZE", 10_000),
        # How long a session found not revoked is remembered while the revocation channel is live
        # (access.RevocationWatch); 0 asks Redis on every request.
        "GATEWAY_REVOCATION_MEMORY_SECONDS": env_float("GATEWAY_REVOCATION_MEMORY_SECONDS", 300.0),
        "GATEWAY_ACCESS_LOG": env_bool("GATEWAY_ACCESS_LOG", True),
        # The ingress, load balancer or TLS terminator in front of the gateway (addresses or networks,
        # or a number of hops; xyd_common.trusted_proxies): only their X-Forwarded-For names the client.
        # Empty: clients connect directly, and what they send as X-Forwarded-For is ignored.
        "TRUSTED_PROXIES": env_str("TRUSTED_PROXIES", ""),
        # Keys the proof of the client address sent to the services (xyd_common.trusted_proxies).
        "SERVICE_TOKEN_SECRET": env_secret("SERVICE_TOKEN_SECRET"),
        # Larger bodies are refused with 413 (declared ones before a byte of them is read).
        "MAX_CONTENT_LENGTH": env_int("MAX_BODY_BYTES", 1024 * 1024),
        # Document uploads (routes.UPLOAD_ROUTES): two files of up to 5 MB and their form fields.
        "MAX_UPLOAD_BYTES": env_int("MAX_UPLOAD_BYTES", 11 * 1024 * 1024),
        # The platform's address as the public reaches it (`https://xyd.xuchang.gov.cn`): absolute links
        # in pages (og:url) are built from it, never from the Host header; unset, pages carry none.
        "PUBLIC_BASE_URL": env_str("PUBLIC_BASE_URL", "").rstrip("/"),
        # The built web app served at `/`; absent, the gateway serves the API alone.
        "WEB_DIST_DIR": env_str("WEB_DIST_DIR", DEFAULT_WEB_DIST_DIR),
        # What xyd_common.tokens and xyd_common.redis_store read.
        "JWT_ISSUER": env_str("JWT_ISSUER", "xyd-auth"),
        "JWT_AUDIENCE": env_str("JWT_AUDIENCE", "xyd-platform"),
        "REDIS_URL": env_secret("REDIS_URL", DEFAULT_REDIS_URL),
        "REDIS_KEY_PREFIX": env_str("REDIS_KEY_PREFIX", "xyd:"),
        # Public pages asked for without a token are remembered this long by each gateway process
        # (page_cache.py), and dropped at once by any event that changes them; 0: never remembered.
        "GATEWAY_PAGE_CACHE_SECONDS": env_float("GATEWAY_PAGE_CACHE_SECONDS", 60.0),
        "GATEWAY_PAGE_CACHE_ENTRIES": env_int("GATEWAY_PAGE_CACHE_ENTRIES", 2000),
        # The event bus the page cache listens to (product, institution and region events).
        "AMQP_URL": env_secret("AMQP_URL", DEFAULT_AMQP_URL),
        "EVENTS_EXCHANGE": env_str("EVENTS_EXCHANGE", "xyd.events"),
        # Strict-Transport-Security max-age on every answer (security_headers.py); 0: not sent. Set it
        # only where browsers reach the platform over HTTPS.
        "GATEWAY_HSTS_SECONDS": env_int("GATEWAY_HSTS_SECONDS", 0),
        # Origins whose pages may call the API from a browser (cors.py); empty: none.
        "CORS_ALLOWED_ORIGINS": env_str("CORS_ALLOWED_ORIGINS", ""),
        # Requests per route group and client (ratelimit.py): RATE_LIMIT_AUTH, _PUBLIC, _USER, _EXPORT.
        **limit_settings(env_str),
    }


def service_urls(config) -> dict[str, str]:
    """Service name -> base URL (no trailing slash), as configured."""
    return {service: config[key].rstrip("/") for service, (key, _) in SERVICE_URL_SETTINGS.items()}
