"""notification-service settings: the common ones, how SMS leave the platform, and how webhooks are
delivered."""

from cryptography.fernet import Fernet

from xyd_common.config import (
    SettingError,
    common_settings,
    env_bool,
    env_float,
    env_int,
    env_secret,
    env_str,
)

SMS_PROVIDERS = ("http", "console")


def load_settings() -> dict:
    return {
        **common_settings("notification-service", "NOTIFICATION_DATABASE_URL"),
        "API_TITLE": "信易贷 notification-service",
        "SMS_PROVIDER": env_str("SMS_PROVIDER", "http"),
        # Set only by `make run` (scripts/run.py), docker-compose.dev.yml and the end-to-end harness:
        # the one way to allow SMS_PROVIDER=console, which lets anyone read any phone's codes.
        "DEVELOPMENT_MODE": env_bool("DEVELOPMENT_MODE", False),
        "SMS_HTTP_URL": env_secret("SMS_HTTP_URL"),
        "SMS_HTTP_TIMEOUT": env_float("SMS_HTTP_TIMEOUT", 5),
        "SMS_HTTP_RETRIES": env_int("SMS_HTTP_RETRIES", 2),
        "SMS_EVENT_KEY": env_secret("SMS_EVENT_KEY"),
        # Fernet key(s) the webhook secrets are stored under; several, comma-separated, during a key
        # rotation (the first encrypts new secrets, every one decrypts).
        "WEBHOOK_SECRET_KEY": env_secret("WEBHOOK_SECRET_KEY"),
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False),
        "WEBHOOK_TIMEOUT_SECONDS": env_float("WEBHOOK_TIMEOUT_SECONDS", 5),
        "WEBHOOK_RETRY_BASE_SECONDS": env_float("WEBHOOK_RETRY_BASE_SECONDS", 30),
        "WEBHOOK_RETRY_MAX_DELAY_SECONDS": env_float("WEBHOOK_RETRY_MAX_DELAY_SECONDS", 6 * 3600),
        # A failing delivery is retried until an attempt made at least this long after its first one
        # fails too; then it is `failed` (a manual redeliver starts a new round).
        "WEBHOOK_RETRY_WINDOW_SECONDS": env_float("WEBHOOK_RETRY_WINDOW_SECONDS", 24 * 3600),
        "WEBHOOK_POLL_SECONDS": env_float("WEBHOOK_POLL_SECONDS", 1),
        # How long `purge-expired` keeps SMS logs and delivered webhook attempts.
        "SMS_LOG_RETENTION_DAYS": env_int("SMS_LOG_RETENTION_DAYS", 180),
        "WEBHOOK_DELIVERY_RETENTION_DAYS": env_int("WEBHOOK_DELIVERY_RETENTION_DAYS", 30),
    }


def fernet_keys(value: str | None) -> list[str]:
    return [key.strip() for key in (value or "").split(",") if key.strip()]


def check_settings(config) -> None:
    """Refuse to start with settings that would make every SMS or webhook fail later, one at a time."""
    provider = config["SMS_PROVIDER"]
    if provider not in SMS_PROVIDERS:
        raise SettingError(f"SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}, got {provider!r}")
    if provider == "http" and not config.get("SMS_HTTP_URL"):
        raise SettingError("SMS_PROVIDER=http needs SMS_HTTP_URL (the SMS gateway's URL); "
                           "on a developer's machine, `make run` prints SMS to the log instead")
    if provider == "console" and not config.get("DEVELOPMENT_MODE"):
        # With console SMS, GET /api/v1/dev/sms hands anyone any phone's login codes: a configuration
        # slip must not be enough to run a real platform that way.
        raise SettingError("SMS_PROVIDER=console lets anyone read every SMS code and is refused outside "
                           "development mode (DEVELOPMENT_MODE=true, set by `make run` and "
                           "docker-compose.dev.yml only)")
    if config["SMS_HTTP_RETRIES"] < 0 or config["SMS_HTTP_TIMEOUT"] <= 0:
        raise SettingError("SMS_HTTP_RETRIES must be 0 or more and SMS_HTTP_TIMEOUT above 0")
    _check_fernet_keys(config, "SMS_EVENT_KEY", "the Fernet key auth-service seals SMS codes with "
                       "(several, comma-separated, during a rotation)", several=True)
    _check_fernet_keys(config, "WEBHOOK_SECRET_KEY", "a Fernet key of this service's own, under which "
                       "webhook secrets are stored", several=True)
    for name in ("WEBHOOK_TIMEOUT_SECONDS", "WEBHOOK_RETRY_BASE_SECONDS", "WEBHOOK_RETRY_MAX_DELAY_SECONDS",
                 "WEBHOOK_POLL_SECONDS"):
        if config[name] <= 0:
            raise SettingError(f"{name} must be above 0")
    if config["WEBHOOK_RETRY_WINDOW_SECONDS"] < 0:
        raise SettingError("WEBHOOK_RETRY_WINDOW_SECONDS must be 0 or more")


def _check_fernet_keys(config, name: str, purpose: str, several: bool) -> None:
    keys = fernet_keys(config.get(name)) if several else [config.get(name) or ""]
    if not keys or not keys[0]:
        raise SettingError(f"{name} is not set: it must be {purpose}")
    for key in keys:
        try:
            Fernet(key.encode())
        except ValueError as exc:
            raise SettingError(f"{name} is not a valid Fernet key (32 url-safe base64-encoded bytes)") \
                from exc
