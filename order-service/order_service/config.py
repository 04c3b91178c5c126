"""order-service settings: the common ones plus the order rules, the deadline job and credit-service."""

from xyd_common.config import common_settings, env_float, env_int, env_str


def load_settings() -> dict:
    return {
        **common_settings("order-service", "ORDER_DATABASE_URL"),
        "API_TITLE": "信易贷 order-service",
        # An institution has this many working days (China time) after the application to accept it.
        "ORDER_ACCEPT_DAYS": env_int("ORDER_ACCEPT_DAYS", 3),
        # How long GET /portal/figures is kept per process (the contract allows at most 60 s).
        "PORTAL_FIGURES_CACHE_SECONDS": env_int("PORTAL_FIGURES_CACHE_SECONDS", 60),
        # Optional: one holiday per line (YYYY-MM-DD); "YYYY-MM-DD workday" marks a weekend make-up day
        # (调休). Read at start; see order_service/workdays.py.
        "HOLIDAY_CALENDAR_FILE": env_str("HOLIDAY_CALENDAR_FILE"),
        # How often `flask expire-needs` ends financing needs past their date.
        "NEED_EXPIRY_CHECK_SECONDS": env_float("NEED_EXPIRY_CHECK_SECONDS", 300.0),
        # 推荐清单: calendar days an institution has to accept or decline a need pushed to it (due_on);
        # `flask mark-overdue` marks the pushes past it overdue.
        "RECOMMENDATION_DECISION_DAYS": env_int("RECOMMENDATION_DECISION_DAYS", 30),
        # How often `flask mark-overdue` looks for orders past their acceptance deadline.
        "ORDER_OVERDUE_CHECK_SECONDS": env_float("ORDER_OVERDUE_CHECK_SECONDS", 60.0),
        # Where an order's details fetch the applicant's credit record; the page loads without it when
        # credit-service is slow or down, so the timeout is short.
        "CREDIT_SERVICE_URL": env_str("CREDIT_SERVICE_URL", "http://127.0.0.1:8084"),
        # Where a posted financing need gets its top matches (recommendations) from.
        "PRODUCT_SERVICE_URL": env_str("PRODUCT_SERVICE_URL", "http://127.0.0.1:8082"),
        "CREDIT_SERVICE_TIMEOUT_SECONDS": env_float("CREDIT_SERVICE_TIMEOUT_SECONDS", 1.5),
        # An application asks credit-service for the enterprise's risk only when the local copy lacks
        # it, and waits at most this long (then the order starts as "unknown").
        "CREDIT_RISK_TIMEOUT_SECONDS": env_float("CREDIT_RISK_TIMEOUT_SECONDS", 1.0),
        # How often `flask reconcile-credit` asks credit-service about enterprises whose orders are
        # still "unknown".
        "CREDIT_RECONCILE_SECONDS": env_float("CREDIT_RECONCILE_SECONDS", 60.0),
        # The post-loan period of credit reads after disbursement; credit-service enforces it, order
        # details show it (credit_access_until). The same setting in both.
        "CREDIT_POST_LOAN_ACCESS_DAYS": env_int("CREDIT_POST_LOAN_ACCESS_DAYS", 365),
        # The most rows `GET /orders/export` writes; more → 422 export_too_large (narrow the filters).
        "ORDER_EXPORT_MAX_ROWS": env_int("ORDER_EXPORT_MAX_ROWS", 1_000_000),
    }
