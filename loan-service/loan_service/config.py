"""loan-service settings: the common ones plus the business date, the aging job and whom it syncs from."""

from xyd_common.config import common_settings, env_bool, env_float, env_int, env_str


def load_settings() -> dict:
    return {
        **common_settings("loan-service", "LOAN_DATABASE_URL"),
        "API_TITLE": "信易贷 loan-service",
        # The admin may move the business date forward (PUT /admin/loans/business-date); otherwise it is
        # the Beijing date. For close-of-business catch-up and tests, never on by default.
        "LOAN_BUSINESS_DATE_ENABLED": env_bool("LOAN_BUSINESS_DATE_ENABLED", False),
        # How often `flask age-loans` ages the loans to the business date (a daily job that looks hourly,
        # so a restart or a late date change is caught up within the hour).
        "LOAN_AGING_CHECK_SECONDS": env_float("LOAN_AGING_CHECK_SECONDS", 3600.0),
        # loan.instalment_due_soon goes out this many days before an instalment is due.
        "LOAN_DUE_SOON_DAYS": env_int("LOAN_DUE_SOON_DAYS", 3),
        # The most rows `GET /loans/export` writes; more → 422 export_too_large (narrow the filters).
        "LOAN_EXPORT_MAX_ROWS": env_int("LOAN_EXPORT_MAX_ROWS", 1_000_000),
        # Evidence files of a claim (代偿申请): each at most this large, at most this many per claim.
        "LOAN_EVIDENCE_FILE_MAX_BYTES": env_int("LOAN_EVIDENCE_FILE_MAX_BYTES", 5 * 1024 * 1024),
        "LOAN_EVIDENCE_MAX_FILES": env_int("LOAN_EVIDENCE_MAX_FILES", 10),
        # Where `flask sync-reference-data` loads products and the orders disbursed before this service ran.
        "PRODUCT_SERVICE_URL": env_str("PRODUCT_SERVICE_URL", "http://127.0.0.1:8082"),
        "ORDER_SERVICE_URL": env_str("ORDER_SERVICE_URL", "http://127.0.0.1:8083"),
    }
