"""The applicant's consent to credit reads (授权书), as order-service sees it: which version of the text
is current (from `credit.authorization_text_published`, else asked of credit-service), whether an
application's consent names it, and until when the institution may read the record of an order.
credit-service enforces the access itself; this is what order details say about it."""

import logging
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from xyd_common.errors import ApiError, ValidationFailed
from xyd_common.events.outbox import utcnow

from . import states
from .models import AuthorizationTextVersion, Order, db

log = logging.getLogger(__name__)


def _required(message: str) -> ValidationFailed:
    return ValidationFailed({"credit_authorization": [message]}, code="credit_authorization_required",
                            message="申请融资须阅读并同意现行的信用信息查询授权书")


def current_version() -> int:
    """The current text's version: the newest this service heard of, else credit-service's answer."""
    known = db.session.scalar(select(func.max(AuthorizationTextVersion.version)))
    if known is not None:
        return known
    url = f"{current_app.config['CREDIT_SERVICE_URL'].rstrip('/')}/api/v1/credit/authorization-text"
    try:
        resp = requests.get(url, timeout=current_app.config["CREDIT_SERVICE_TIMEOUT_SECONDS"])
        if resp.status_code == 200:
            # Kept (with the application's commit), so the next application need not ask again.
            version = int(resp.json()["version"])
            record_text_published(version, utcnow())
            return version
        log.warning("credit-service answered %s for the authorization text", resp.status_code)
    except (requests.RequestException, KeyError, TypeError, ValueError) as exc:
        log.warning("authorization text unavailable: %s", exc.__class__.__name__)
    raise ApiError(503, "service_unavailable", "授权书暂时无法确认，请稍后重试", headers={"Retry-After": "2"})


def accepted_version(body: dict) -> int:
    """The version the application consents to; 422 `credit_authorization_required` without consent
    or for a version that is not the current one."""
    consent = body.get("credit_authorization")
    if consent is None and body.get("credit_authorized") is not True:
        raise _required("请阅读并同意信用信息查询授权书")
    current = current_version()
    if consent is not None and consent["version"] != current:
        raise _required(f"授权书已更新为第 {current} 版，请阅读并同意最新版本")
    return current


def record_text_published(version: int, source_at: datetime) -> None:
    # Insert-or-nothing: an event and an application's fallback may record the same version at once.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(AuthorizationTextVersion).values(version=version, source_at=source_at)
                       .on_conflict_do_nothing(index_elements=[AuthorizationTextVersion.version]))


def credit_access_until(order: Order, post_loan_days: int) -> datetime | None:
    """Until when the order's institution may read the applicant's record: None while the order is
    open; its end when withdrawn or terminated; the post-loan period after disbursement; the moment
    of a revocation."""
    if order.credit_revoked_at is not None:
        return order.credit_revoked_at
    if order.status in (states.WITHDRAWN, states.TERMINATED):
        return order.closed_at
    if order.status == states.DISBURSED and order.closed_at is not None:
        return order.closed_at + timedelta(days=post_loan_days)
    return None
