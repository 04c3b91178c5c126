"""notification-service settings: the common ones plus how SMS leave the platform."""

from cryptography.fernet import Fernet

from xyd_common.config import SettingError, common_settings, env_float, env_int, env_str

SMS_PROVIDERS = ("http", "console")


def load_settings() -> dict:
    return {
        **common_settings("notification-service", "NOTIFICATION_DATABASE_URL"),
        "API_TITLE": "信易贷 notification-service",
        "SMS_PROVIDER": env_str("SMS_PROVIDER", "http"),
        "SMS_HTTP_URL": env_str("SMS_HTTP_URL"),
        "SMS_HTTP_TIMEOUT": env_float("SMS_HTTP_TIMEOUT", 5),
        "SMS_HTTP_RETRIES": env_int("SMS_HTTP_RETRIES", 2),
        "SMS_EVENT_KEY": env_str("SMS_EVENT_KEY"),
    }


def check_settings(config) -> None:
    """Refuse to start with SMS settings that would make every SMS fail later, one event at a time."""
    provider = config["SMS_PROVIDER"]
    if provider not in SMS_PROVIDERS:
        raise SettingError(f"SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}, got {provider!r}")
    if provider == "http" and not config.get("SMS_HTTP_URL"):
        raise SettingError("SMS_PROVIDER=http needs SMS_HTTP_URL (the SMS gateway's URL); "
                           "set SMS_PROVIDER=console to print SMS to the log instead")
    if config["SMS_HTTP_RETRIES"] < 0 or config["SMS_HTTP_TIMEOUT"] <= 0:
        raise SettingError("SMS_HTTP_RETRIES must be 0 or more and SMS_HTTP_TIMEOUT above 0")
    key = config.get("SMS_EVENT_KEY")
    if not key:
        raise SettingError("SMS_EVENT_KEY is not set: it must be the Fernet key auth-service seals SMS "
                           "codes with")
    try:
        Fernet(key.encode())
    except ValueError as exc:
        raise SettingError("SMS_EVENT_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)") \
            from exc
