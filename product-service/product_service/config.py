"""product-service settings: the common ones (AUTH_SERVICE_URL is where tokens are checked and where
`flask sync-reference-data` loads regions from)."""

from xyd_common.config import common_settings, env_float


def load_settings() -> dict:
    return {
        **common_settings("product-service", "PRODUCT_DATABASE_URL"),
        "API_TITLE": "信易贷 product-service",
        # How long a market `total` that was slow to count is reused for the same filters (0: never).
        "MARKET_TOTAL_CACHE_SECONDS": env_float("MARKET_TOTAL_CACHE_SECONDS", 30.0),
        # How often `flask publish-due-policies` announces scheduled policies whose day has come.
        "POLICY_PUBLISH_CHECK_SECONDS": env_float("POLICY_PUBLISH_CHECK_SECONDS", 300.0),
    }
