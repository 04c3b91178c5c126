"""credit-service settings: the common ones (AUTH_SERVICE_URL is where tokens are checked and where
`flask sync-regions` loads the region tree from)."""

from xyd_common.config import common_settings


def load_settings() -> dict:
    return {
        **common_settings("credit-service", "CREDIT_DATABASE_URL"),
        "API_TITLE": "信易贷 credit-service",
    }
