"""credit-service settings: so far only the common ones."""

from xyd_common.config import common_settings


def load_settings() -> dict:
    return {
        **common_settings("credit-service", "CREDIT_DATABASE_URL"),
        "API_TITLE": "信易贷 credit-service",
    }
