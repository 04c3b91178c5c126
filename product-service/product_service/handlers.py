"""Event type -> handler, for the events product-service consumes.

The queue's bindings are in xyd_common.events.topology. Each handler runs inside the consumer's
transaction and never commits; raising makes the consumer roll back and redeliver the event.
"""

import logging
from datetime import UTC, datetime

from sqlalchemy import update

from .models import Product, db
from .reference import upsert_institution, upsert_region

log = logging.getLogger(__name__)


def _occurred_at(event: dict) -> datetime:
    at = datetime.fromisoformat(event["occurred_at"])
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def on_region_created(event: dict) -> None:
    """Keep the region with its path, which the market's region filter walks up."""
    data = event["data"]
    upsert_region(data["code"], data["name"], data.get("parent_code"), data.get("path"))


def on_institution_changed(event: dict) -> None:
    """Keep the institution's name and status: a disabled institution's products leave the market
    (by a join on this row) and its name shows on every product."""
    if not upsert_institution(event["data"], _occurred_at(event)):
        log.info("institution %s: %s is older than what we hold; ignored", event["data"].get("id"),
                 event["event_type"])


def on_order_submitted(event: dict) -> None:
    """Count the application towards the product's popularity (the market's `popular` sort). The
    consumer's record of handled event ids makes a redelivery count once."""
    product_id = int(event["data"]["product_id"])
    db.session.execute(update(Product).where(Product.id == product_id)
                       .values(orders_count=Product.orders_count + 1))


HANDLERS = {
    "region.created": on_region_created,
    "institution.created": on_institution_changed,
    "institution.updated": on_institution_changed,
    "institution.disabled": on_institution_changed,
    "institution.enabled": on_institution_changed,
    "order.submitted": on_order_submitted,
}
