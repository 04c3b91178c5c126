"""product-service settings: the common ones (AUTH_SERVICE_URL is where tokens are checked and where
`flask sync-reference-data` loads regions from)."""

from xyd_common.config import common_settings


def load_settings() -> dict:
    return {
        **common_settings("product-service", "PRODUCT_DATABASE_URL"),
        "API_TITLE": "信易贷 product-service",
    }
