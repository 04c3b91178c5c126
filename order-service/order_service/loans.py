"""The loans of disbursed orders, as loan-service announces them (loan.*): each order keeps its loan's
status and outstanding principal, from which the figures (figures.py) count the scorecards'
non-performing ratio, and the claims institutions made on risk compensation funds for them
(fund.claim_submitted). loan-service owns loans; this is a copy, never changed here otherwise.

Every loan.* event carries the loan's status and outstanding principal after its step, so one handler
serves them all; an event older than the one the order holds (a redelivery overtaken by a later step)
changes nothing.
"""

import logging
from decimal import Decimal

from xyd_common.events.envelope import occurred_at

from .models import Order, db

log = logging.getLogger(__name__)

NON_PERFORMING = "non_performing"
# A loan still being repaid: its outstanding principal is part of the institution's balance.
OPEN_LOAN_STATUSES = ("repaying", "overdue", NON_PERFORMING)


def loan_balances(status: str | None, outstanding: Decimal | None) -> dict:
    """What a loan in `status` with `outstanding` principal adds to the figures' balances: nothing once
    settled or written off (the written-off amount is loan-service's figure, not a balance)."""
    balance = outstanding if status in OPEN_LOAN_STATUSES and outstanding is not None else Decimal(0)
    return {"loan_outstanding": balance, "npl_outstanding": balance if status == NON_PERFORMING else Decimal(0)}


def on_loan_event(event: dict) -> None:
    """A step of a disbursed order's loan: keep its status and outstanding principal on the order."""
    data = event["data"]
    order = db.session.get(Order, int(data["order_id"]))
    if order is None:
        # loan-service opens loans from our own order.disbursed; an unknown order cannot become known
        # by retrying.
        log.error("%s %s names order %s, which order-service does not hold; ignored", event["event_type"],
                  event["event_id"], data["order_id"])
        return
    at = occurred_at(event)
    if order.loan_source_at is not None and order.loan_source_at > at:
        log.info("%s for order %s is older than the loan state held; ignored", event["event_type"], order.id)
        return
    order.loan_status = str(data["status"])
    order.loan_outstanding = Decimal(str(data["outstanding_principal"]))
    order.loan_source_at = at


def on_claim_submitted(event: dict) -> None:
    """The order's institution claimed on a risk compensation fund for its loan: one more claim on the
    scorecards (the consumer's processed-events table keeps a redelivery from counting twice)."""
    data = event["data"]
    order = db.session.get(Order, int(data["order_id"]))
    if order is None:
        log.error("%s %s names order %s, which order-service does not hold; ignored", event["event_type"],
                  event["event_id"], data["order_id"])
        return
    order.claim_count = (order.claim_count or 0) + 1
