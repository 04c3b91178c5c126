"""Event type -> handler, for the events credit-service consumes.

The queue's bindings are in xyd_common.events.topology. Each handler runs inside the consumer's
transaction and never commits; raising makes the consumer roll back and redeliver the event.

- `region.created` keeps the region tree that scopes government users (reference.py).
- `order.*` keeps which institution each enterprise authorized through which order, under which
  version of the authorization text: orders are only created with the applicant's consent, so every
  order event stands for one. Any order event (not only `order.submitted`) creates the relation, since
  a redelivery can put a later event first; the others keep the order's status, and so the
  authorization's end (consent.py), up to date.
- `need.pushed`, `need.push_*` keep which institution a financing need was pushed to (推荐清单): it may read
  the record under the need's consent until it answers; `need.claimed|expired|cancelled` end that
  (consent.py).
- `loan.non_performing`, `loan.written_off`, `loan.settled` keep the `loan_default` records
  (loan_defaults.py).
"""

import logging

from xyd_common.events.envelope import occurred_at, parse_time
from xyd_common.events.topology import CLOSING_NEED_EVENTS, ORDER_EVENTS, PUSH_EVENTS

from . import loan_defaults, reference
from .consent import ENDING_STATUSES, end_pushes_of_need, post_loan_until, record_push
from .models import AuthorizationText, OrderAuthorization, db

log = logging.getLogger(__name__)


def on_order_event(event: dict) -> None:
    data = event["data"]
    if data.get("credit_authorized") is False:
        # Not an order the contract allows; should one ever be announced, it grants nothing.
        log.warning("order %s announced without credit authorization; ignored", data.get("order_id"))
        return
    order_id = str(data["order_id"])
    at = occurred_at(event)
    relation = db.session.get(OrderAuthorization, order_id)
    if relation is None:
        relation = OrderAuthorization(order_id=order_id, authorized_at=at)
        db.session.add(relation)
    elif relation.updated_at is not None and relation.updated_at > at:
        return  # an older event arriving late: what we hold is newer
    relation.institution_id = int(data["institution_id"])
    relation.institution_name = data.get("institution_name") or relation.institution_name
    relation.enterprise_uscc = str(data["enterprise_uscc"]).strip().upper()
    relation.order_no = data.get("order_no")
    relation.status = data.get("status")
    relation.updated_at = at
    consent = data.get("credit_authorization") or {}
    if consent.get("version") is not None and relation.version is None:
        relation.version = int(consent["version"])
        text = db.session.get(AuthorizationText, relation.version)
        relation.text_digest = text.digest if text is not None else None
        relation.accepted_at = parse_time(consent.get("accepted_at")) or at
    if relation.status in ENDING_STATUSES:
        relation.ended_at = at  # access ends with the order
    elif relation.status == "disbursed":
        relation.ended_at = at
        relation.access_until = post_loan_until(at)


def on_push_event(event: dict) -> None:
    record_push(event["data"], occurred_at(event))


def on_need_closed(event: dict) -> None:
    end_pushes_of_need(int(event["data"]["need_id"]), occurred_at(event))


HANDLERS = {
    **reference.HANDLERS,  # the copy of the region tree
    **dict.fromkeys(ORDER_EVENTS, on_order_event),
    **dict.fromkeys(PUSH_EVENTS, on_push_event),
    **dict.fromkeys(CLOSING_NEED_EVENTS, on_need_closed),
    # Non-performing loans in the enterprise's credit record (loan_defaults.py).
    **dict.fromkeys(("loan.non_performing", "loan.written_off", "loan.settled"), loan_defaults.on_loan_event),
}
