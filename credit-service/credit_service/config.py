"""credit-service settings: the common ones (AUTH_SERVICE_URL is where tokens are checked and where
`flask sync-reference-data` loads the region tree from)."""

from xyd_common.config import common_settings, env_int


def load_settings() -> dict:
    return {
        **common_settings("credit-service", "CREDIT_DATABASE_URL"),
        "API_TITLE": "信易贷 credit-service",
        # After a loan is disbursed the institution may read the record this many days (贷后管理).
        "CREDIT_POST_LOAN_ACCESS_DAYS": env_int("CREDIT_POST_LOAN_ACCESS_DAYS", 365),
        # How often `flask refresh-credit-states` applies the calendar (whitelist, publication periods).
        "CREDIT_STATE_REFRESH_SECONDS": env_int("CREDIT_STATE_REFRESH_SECONDS", 3600),
    }
