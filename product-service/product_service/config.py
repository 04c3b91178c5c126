"""product-service settings: so far only the common ones."""

from xyd_common.config import common_settings


def load_settings() -> dict:
    return {
        **common_settings("product-service", "PRODUCT_DATABASE_URL"),
        "API_TITLE": "信易贷 product-service",
    }
