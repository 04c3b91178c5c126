"""Event type -> handler, for the events product-service consumes (the copies of other services' data
are reference.py's).

The queue's bindings are in xyd_common.events.topology. Each handler runs inside the consumer's
transaction and never commits; raising makes the consumer roll back and redeliver the event.
"""

import logging
from datetime import date

from sqlalchemy import update

from xyd_common.events.envelope import occurred_at

from . import reference
from .models import (
    EnterpriseProfile,
    EnterpriseWhitelist,
    InstitutionPerformance,
    Instrument,
    OrderTiming,
    Product,
    db,
)

log = logging.getLogger(__name__)


def _performance(institution_id: int) -> InstitutionPerformance:
    row = db.session.get(InstitutionPerformance, institution_id)
    if row is None:
        row = InstitutionPerformance(institution_id=institution_id, received=0, accepted=0, accept_seconds=0)
        db.session.add(row)
    return row


def on_order_submitted(event: dict) -> None:
    """Count the application towards the product's popularity (the market's `popular` sort) and the
    institution's applications received (recommendations). The consumer's record of handled event ids
    makes a redelivery count once."""
    data = event["data"]
    db.session.execute(update(Product).where(Product.id == int(data["product_id"]))
                       .values(orders_count=Product.orders_count + 1))
    order_id, institution_id = str(data["order_id"]), int(data["institution_id"])
    timing = db.session.get(OrderTiming, order_id)
    if timing is None:
        db.session.add(OrderTiming(order_id=order_id, institution_id=institution_id,
                                   submitted_at=occurred_at(event), accepted=False))
        _performance(institution_id).received += 1
    elif timing.submitted_at is None:  # order.accepted overtook it
        timing.submitted_at = occurred_at(event)
        _performance(institution_id).received += 1


def on_order_accepted(event: dict) -> None:
    """Count the acceptance and its time from the application (the institution's acceptance rate)."""
    data = event["data"]
    order_id, institution_id = str(data["order_id"]), int(data["institution_id"])
    timing = db.session.get(OrderTiming, order_id)
    if timing is None:
        timing = OrderTiming(order_id=order_id, institution_id=institution_id, submitted_at=None, accepted=False)
        db.session.add(timing)
    if timing.accepted:
        return
    timing.accepted = True
    performance = _performance(institution_id)
    performance.accepted += 1
    if timing.submitted_at is not None:
        performance.accept_seconds += max(0, int((occurred_at(event) - timing.submitted_at).total_seconds()))


def on_whitelist_changed(event: dict) -> None:
    """Keep whether the enterprise is on the whitelist (recommendations rank for it)."""
    data, at = event["data"], occurred_at(event)
    row = db.session.get(EnterpriseWhitelist, data["uscc"])
    if row is not None and row.source_at > at:
        return
    row = row or EnterpriseWhitelist(uscc=data["uscc"])
    row.whitelisted, row.source_at = bool(data["whitelisted"]), at
    db.session.add(row)


def _profile(uscc: str) -> EnterpriseProfile:
    row = db.session.get(EnterpriseProfile, uscc)
    if row is None:
        row = EnterpriseProfile(uscc=uscc, verified=False)
        db.session.add(row)
    return row


def on_enterprise_verified(event: dict) -> None:
    """The enterprise has a verified owner: it hears of the policies that match it, by its region and
    the credit record's industry as they were at verification."""
    data = event["data"]
    profile = _profile(data["uscc"])
    profile.verified = True
    profile.region_code = data.get("region_code") or profile.region_code
    profile.industry = data.get("industry") or profile.industry


def on_order_disbursed(event: dict) -> None:
    """A loan of the enterprise was disbursed: from then on it is no 首贷 enterprise (the earliest day
    is kept, so a late redelivery changes nothing)."""
    data = event["data"]
    profile = _profile(data["enterprise_uscc"])
    day = date.fromisoformat(data["disbursed_on"])
    if profile.first_disbursed_on is None or day < profile.first_disbursed_on:
        profile.first_disbursed_on = day


def _instrument(kind: str, instrument_id: int, data: dict) -> Instrument:
    row = db.session.get(Instrument, (kind, instrument_id))
    if row is None:
        row = Instrument(kind=kind, id=instrument_id)
        db.session.add(row)
    row.name, row.region_code = data["name"], data["region_code"]
    return row


def on_fund_created(event: dict) -> None:
    """A fund a policy may link to: its name for the policy's page."""
    _instrument("fund", int(event["data"]["fund_id"]), event["data"])


def on_subsidy_program_created(event: dict) -> None:
    _instrument("subsidy_program", int(event["data"]["program_id"]), event["data"])


HANDLERS = {
    **reference.HANDLERS,  # the copies of regions and institutions
    "order.submitted": on_order_submitted,
    "order.accepted": on_order_accepted,
    "credit.whitelist_changed": on_whitelist_changed,
    "auth.enterprise_verified": on_enterprise_verified,
    "order.disbursed": on_order_disbursed,
    "fund.created": on_fund_created,
    "subsidy.program_created": on_subsidy_program_created,
}
