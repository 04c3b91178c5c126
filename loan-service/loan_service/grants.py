"""What a claim on a fund and a subsidy application on a programme share: a request for money out of a
budget, which a manager approves (the amount joins the budget's `approved`), rejects, or pays (the amount
moves from `approved` to `paid`). The caller holds the budget's row lock and the request's, records the
step's event and audit row, and commits."""

from decimal import Decimal

from xyd_common.errors import Conflict, ValidationFailed
from xyd_common.events.outbox import utcnow
from xyd_common.schemas import json_number

from .business_date import business_date
from .instrument_models import APPROVED, PAID, REJECTED
from .models import db


def require_status(request, status: str, message: str) -> None:
    if request.status != status:
        raise Conflict("invalid_transition", message)


def approve(request, budget, amount: Decimal, limit: Decimal, code: str, message: str, limits: str) -> None:
    """Approve `amount` if it is within `limit` (else 422 `code`; `limits` names what made the limit)."""
    if amount > limit:
        raise ValidationFailed({"amount": [f"最多可核准 {json_number(limit)} 万元（{limits}取小）"]},
                               code=code, message=message)
    request.status, request.approved_amount, request.decided_at = APPROVED, amount, utcnow()
    budget.approved += amount


def reject(request, reason: str) -> None:
    request.status, request.reason, request.decided_at = REJECTED, reason, utcnow()


def pay(request, budget, body: dict) -> None:
    """Paid on `body["paid_on"]` (not after the business date) with the payment's `reference`."""
    today = business_date()
    if body["paid_on"] > today:
        raise ValidationFailed({"paid_on": [f"不能晚于业务日期 {today.isoformat()}"]})
    request.status, request.paid_on, request.payment_reference = PAID, body["paid_on"], body["reference"]
    budget.approved -= request.approved_amount
    budget.paid += request.approved_amount


def decide(managed: tuple, status: str, message: str, describe, record, change):
    """One decision on a locked (request, budget, loan): the request must be in `status` (else 409
    `invalid_transition` with `message`); `change(request, budget)` makes the move, `record(request,
    budget, loan, before)` announces and audits it with `describe`'s view from before; committed."""
    request, budget, loan = managed
    require_status(request, status, message)
    before = describe(request, budget, loan)
    change(request, budget)
    record(request, budget, loan, before)
    db.session.commit()
    return request
