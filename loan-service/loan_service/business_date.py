"""The loan-service business date: what aging, `paid_on` checks and due-soon reminders go by.

It is the Beijing date, unless `LOAN_BUSINESS_DATE_ENABLED` is true: then the admin may move it forward
(`PUT /admin/loans/business-date`), as core banking systems do for a close-of-business catch-up and for
tests. Never backward: once moved, it is the later of the moved date and the Beijing date, so real time
overtakes a date moved a little ahead.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from xyd_common.errors import ApiError, ValidationFailed
from xyd_common.events.outbox import utcnow

from .models import BusinessDate, db

CHINA = ZoneInfo("Asia/Shanghai")
ROW = 1


def beijing_today() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()


def business_date() -> date:
    today = beijing_today()
    if not current_app.config["LOAN_BUSINESS_DATE_ENABLED"]:
        return today
    moved = db.session.scalar(select(BusinessDate.moved_to).where(BusinessDate.id == ROW))
    return max(today, moved) if moved else today


def move_business_date(to: date) -> date:
    """Move the business date forward to `to` (committed); the caller then ages the loans to it."""
    if not current_app.config["LOAN_BUSINESS_DATE_ENABLED"]:
        raise ApiError(403, "forbidden", "未启用业务日期调整（LOAN_BUSINESS_DATE_ENABLED）")
    # Locked, so two moves at once cannot both pass the "never backward" check against a stale date.
    row = db.session.scalar(select(BusinessDate).where(BusinessDate.id == ROW).with_for_update())
    current = max(beijing_today(), row.moved_to) if row else beijing_today()
    if to < current:
        raise ValidationFailed({"date": [f"业务日期不能倒退（当前 {current.isoformat()}）"]})
    if row is None:
        db.session.add(BusinessDate(id=ROW, moved_to=to, moved_at=utcnow()))
    else:
        row.moved_to, row.moved_at = to, utcnow()
    db.session.commit()
    return to
