"""Event type -> handler, for the events order-service consumes: its copies of regions, institutions,
products and users (reference.py), so that applying works while the services that own them are down,
enterprises' credit state, which every order of the enterprise shows (enterprise_credit.py), and the
loans of disbursed orders (loans.py).

The queue's bindings are in xyd_common.events.topology. Each handler runs inside the consumer's
transaction and never commits; raising makes the consumer roll back and redeliver the event.
Institution, product and user events carry the whole object; one older than what is held (a
redelivery can overtake a later event) is ignored; so is a `credit.*` event older than the state held.
"""

import logging

from xyd_common.events.envelope import occurred_at
from xyd_common.events.topology import CLAIM_EVENTS, LOAN_BALANCE_EVENTS

from . import consent, enterprise_credit, loans, reference, services
from .models import ANNOUNCED_RISK_LEVELS

log = logging.getLogger(__name__)


def on_risk_changed(event: dict) -> None:
    """The enterprise's risk level and tags changed: keep them, and show them on its orders."""
    data = event["data"]
    if data["level"] not in ANNOUNCED_RISK_LEVELS:
        # Retrying cannot fix it, and dead-lettering would hold nothing worth keeping.
        log.error("credit.risk_changed %s for %s has an unknown level %r; ignored", event["event_id"],
                  data["uscc"], data["level"])
        return
    enterprise_credit.record_risk(data["uscc"], data["level"], [str(t) for t in data.get("tags") or []],
                             occurred_at(event))


def on_whitelist_changed(event: dict) -> None:
    """The enterprise entered or left the 信易贷 whitelist: keep that, and show it on its orders."""
    data = event["data"]
    enterprise_credit.record_whitelist(data["uscc"], bool(data["whitelisted"]), occurred_at(event))


def on_authorization_text_published(event: dict) -> None:
    """A new version of the authorization text: applications must consent to it from now on."""
    consent.record_text_published(int(event["data"]["version"]), occurred_at(event))


def on_authorization_revoked(event: dict) -> None:
    """The enterprise revoked an order's credit authorization: withdraw the order unless disbursed."""
    data = event["data"]
    try:
        order_id = int(data["order_id"])
    except (TypeError, ValueError):
        log.error("credit.authorization_revoked %s names no order of ours: %r", event["event_id"], data.get("order_id"))
        return
    revoked_by = data.get("revoked_by")
    services.withdraw_for_revoked_consent(order_id, int(revoked_by) if revoked_by is not None else None,
                                          occurred_at(event))


HANDLERS = {
    **reference.HANDLERS,  # the copies of regions, institutions, products, users and USCC owners
    "credit.risk_changed": on_risk_changed,
    "credit.whitelist_changed": on_whitelist_changed,
    "credit.authorization_text_published": on_authorization_text_published,
    "credit.authorization_revoked": on_authorization_revoked,
    # Each disbursed order's loan (status, outstanding principal) for the scorecards' figures.
    **dict.fromkeys(LOAN_BALANCE_EVENTS, loans.on_loan_event),
    # Claims on risk compensation funds for the scorecards' `claims`.
    **dict.fromkeys(CLAIM_EVENTS, loans.on_claim_submitted),
}
