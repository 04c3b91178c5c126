"""auth-service settings: the common ones plus the contract's login, SMS and token settings."""

from xyd_common.config import common_settings, env_float, env_int, env_secret, env_str


def load_settings() -> dict:
    return {
        **common_settings("auth-service", "AUTH_DATABASE_URL"),
        "API_TITLE": "信易贷 auth-service",
        "BOOTSTRAP_ADMIN_PHONE": env_str("BOOTSTRAP_ADMIN_PHONE", "13800000000"),
        "BOOTSTRAP_ADMIN_PASSWORD": env_secret("BOOTSTRAP_ADMIN_PASSWORD"),
        "INITIAL_PASSWORD": env_secret("INITIAL_PASSWORD", "111111"),
        "SMS_CODE_TTL_SECONDS": env_int("SMS_CODE_TTL_SECONDS", 300),
        "SMS_RESEND_SECONDS": env_int("SMS_RESEND_SECONDS", 60),
        "SMS_DAILY_LIMIT": env_int("SMS_DAILY_LIMIT", 10),
        "SMS_IP_HOURLY_LIMIT": env_int("SMS_IP_HOURLY_LIMIT", 100),
        "SMS_MAX_ATTEMPTS": env_int("SMS_MAX_ATTEMPTS", 5),
        # Wrong application status lookups (申请入驻进度) per client IP and hour, counted against the caller
        # rather than the applicant's code (throttles.check_status_guesses).
        "APPLICATION_STATUS_GUESSES_PER_HOUR": env_int("APPLICATION_STATUS_GUESSES_PER_HOUR", 10),
        "SMS_EVENT_KEY": env_secret("SMS_EVENT_KEY"),
        "LOGIN_MAX_FAILURES": env_int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCK_SECONDS": env_int("LOGIN_LOCK_SECONDS", 600),
        "ACCESS_TOKEN_TTL_SECONDS": env_int("ACCESS_TOKEN_TTL_SECONDS", 900),
        "REFRESH_TOKEN_TTL_SECONDS": env_int("REFRESH_TOKEN_TTL_SECONDS", 604800),
        "SERVICE_TOKEN_TTL_SECONDS": env_int("SERVICE_TOKEN_TTL_SECONDS", 300),
        "JWT_PRIVATE_KEY_FILE": env_str("JWT_PRIVATE_KEY_FILE"),
        # Further key files (comma-separated) whose public keys the JWKS publishes without signing with
        # them: how the signing key is rotated without logging anyone out (deploy/kubernetes/README.md).
        "JWT_EXTRA_KEY_FILES": env_str("JWT_EXTRA_KEY_FILES"),
        # Kept as long as a regulator may ask for them (three years), then purged by `purge-expired`.
        "LOGIN_LOG_RETENTION_DAYS": env_int("LOGIN_LOG_RETENTION_DAYS", 3 * 365),
        "AUDIT_LOG_RETENTION_DAYS": env_int("AUDIT_LOG_RETENTION_DAYS", 3 * 365),
        # 企业认证: who pre-checks a request, where its documents are kept, and for how long.
        "ENTERPRISE_VERIFICATION_PROVIDER": env_str("ENTERPRISE_VERIFICATION_PROVIDER", "manual"),
        "CREDIT_SERVICE_URL": env_str("CREDIT_SERVICE_URL", "http://127.0.0.1:8084"),
        "VERIFICATION_PRECHECK_TIMEOUT_SECONDS": env_float("VERIFICATION_PRECHECK_TIMEOUT_SECONDS", 2.0),
        "VERIFICATION_STORAGE": env_str("VERIFICATION_STORAGE", "database"),
        "VERIFICATION_STORAGE_DIR": env_str("VERIFICATION_STORAGE_DIR"),
        "VERIFICATION_FILE_MAX_BYTES": env_int("VERIFICATION_FILE_MAX_BYTES", 5 * 1024 * 1024),
        "VERIFICATION_FILE_RETENTION_DAYS": env_int("VERIFICATION_FILE_RETENTION_DAYS", 180),
    }
