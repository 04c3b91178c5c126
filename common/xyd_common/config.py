"""Settings read from the environment.

Every service reads its settings here and nowhere else, so the defaults the contract names live in one
place. Each helper returns the environment's value cast to the wanted type, or the default when unset
or empty.
"""

import os
from pathlib import Path

DEFAULT_AMQP_URL = "amqp://guest:guest@localhost:5672/%2F"
DEFAULT_REDIS_URL = "redis://localhost:6379/0"


class SettingError(RuntimeError):
    """A setting has a value that cannot be used; raised at start-up, never during a request."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_secret(name: str, default: str | None = None) -> str | None:
    """A secret setting: `NAME` itself, or the content of the file `NAME_FILE` names (Kubernetes and
    Compose mount secrets as files, which keeps them out of the process environment). One trailing
    newline is dropped, since `echo` and editors add it. Both set, or an unreadable file, is an error
    at start-up: guessing which one was meant could run on a stale secret."""
    value = env_str(name)
    path = env_str(f"{name}_FILE")
    if path is None:
        return default if value is None else value
    if value is not None:
        raise SettingError(f"set either {name} or {name}_FILE, not both")
    try:
        content = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingError(f"{name}_FILE names a file that cannot be read: {path} "
                           f"({exc.strerror or exc.__class__.__name__})") from exc
    content = content.removesuffix("\n").removesuffix("\r")
    return default if content == "" else content


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise SettingError(f"{name} must be a whole number, got {value!r}") from exc


def env_float(name: str, default: float) -> float:
    value = env_str(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise SettingError(f"{name} must be a number, got {value!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name} must be true or false, got {value!r}")


def var_dir() -> Path:
    """Where local runs keep their SQLite files and generated keys (`XYD_VAR_DIR`, default ./var)."""
    path = Path(env_str("XYD_VAR_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url(env_name: str, service: str) -> str:
    """The service's database: its own `*_DATABASE_URL`, else a SQLite file under var/."""
    url = env_secret(env_name)
    if url is None:
        return f"sqlite:///{var_dir() / (service + '.db')}"
    return sqlalchemy_url(url)


def sqlalchemy_url(url: str) -> str:
    """Plain postgresql:// URLs are accepted; SQLAlchemy needs to be told to use psycopg 3."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


def common_settings(service: str, database_env: str) -> dict:
    """The settings every service shares, as Flask config keys."""
    return {
        # What `flask purge-expired` (xyd_common.retention) keeps and how often it runs.
        "OUTBOX_RETENTION_DAYS": env_int("OUTBOX_RETENTION_DAYS", 7),
        "PROCESSED_EVENTS_RETENTION_DAYS": env_int("PROCESSED_EVENTS_RETENTION_DAYS", 30),
        "RETENTION_BATCH_SIZE": env_int("RETENTION_BATCH_SIZE", 1000),
        "RETENTION_INTERVAL_SECONDS": env_int("RETENTION_INTERVAL_SECONDS", 3600),
        "SERVICE_NAME": service,
        "SQLALCHEMY_DATABASE_URI": database_url(database_env, service),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DATABASE_POOL_SIZE": env_int("DATABASE_POOL_SIZE", 5),
        "DATABASE_MAX_OVERFLOW": env_int("DATABASE_MAX_OVERFLOW", 10),
        "AMQP_URL": env_secret("AMQP_URL", DEFAULT_AMQP_URL),
        "EVENTS_EXCHANGE": env_str("EVENTS_EXCHANGE", "xyd.events"),
        "REDIS_URL": env_secret("REDIS_URL", DEFAULT_REDIS_URL),
        "REDIS_KEY_PREFIX": env_str("REDIS_KEY_PREFIX", "xyd:"),
        "AUTH_SERVICE_URL": env_str("AUTH_SERVICE_URL", "http://127.0.0.1:8081"),
        "JWT_ISSUER": env_str("JWT_ISSUER", "xyd-auth"),
        "JWT_AUDIENCE": env_str("JWT_AUDIENCE", "xyd-platform"),
        "SERVICE_TOKEN_SECRET": env_secret("SERVICE_TOKEN_SECRET"),
        "LOG_LEVEL": env_str("LOG_LEVEL", "INFO"),
        "MAX_CONTENT_LENGTH": env_int("MAX_BODY_BYTES", 1024 * 1024),
        "OUTBOX_POLL_SECONDS": env_float("OUTBOX_POLL_SECONDS", 0.5),
        "API_TITLE": service,
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
