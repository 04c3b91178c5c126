"""Event type -> handler, for the events order-service consumes: its read model of regions,
institutions, products and users, so that applying works while the services that own them are down,
and of enterprises' credit state, which every order of the enterprise shows (enterprise_credit.py).

The queue's bindings are in xyd_common.events.topology. Each handler runs inside the consumer's
transaction and never commits; raising makes the consumer roll back and redeliver the event.
Institution, product and user events carry the whole object; one older than what is held (a
redelivery can overtake a later event) is ignored; so is a `credit.*` event older than the state held.
"""

import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, insert, literal, select

from xyd_common.events.envelope import occurred_at
from xyd_common.reference import upsert_region

from . import consent, enterprise_credit, services
from .models import ANNOUNCED_RISK_LEVELS, EnterpriseOwner, Institution, Order, OrderRegion, Product, Region, User, db

log = logging.getLogger(__name__)


def _decimal(value) -> Decimal:
    # JSON numbers arrive as float or int; str() of a float is its shortest exact-looking form (3.45).
    return Decimal(str(value))


def _fresh(row, source_at: datetime) -> bool:
    return row is None or row.source_at <= source_at


def on_region_created(event: dict) -> None:
    """Keep the region with its path from the root. Orders made while this region was unknown here
    were filed under their own region only: file them under its ancestors too."""
    data = event["data"]
    code = data["code"]
    path = upsert_region(db.session, Region, code, data["name"], data.get("parent_code"), data.get("path")).path
    for ancestor in path[:-1]:
        # A full scan of orders, but region.created is a rare administrative event.
        db.session.execute(insert(OrderRegion).from_select(
            ["region_code", "created_at", "order_id"],
            select(literal(ancestor), Order.created_at, Order.id).where(
                Order.region_code == code,
                ~exists().where(OrderRegion.order_id == Order.id, OrderRegion.region_code == ancestor))))


def on_institution_changed(event: dict) -> None:
    """Keep the institution's name and status: a disabled institution's products take no applications."""
    data, source_at = event["data"], occurred_at(event)
    institution = db.session.get(Institution, int(data["id"]))
    if not _fresh(institution, source_at):
        log.info("institution %s: %s is older than what we hold; ignored", data["id"], event["event_type"])
        return
    institution = institution or Institution(id=int(data["id"]))
    institution.name = data["name"]
    institution.region_code = data.get("region_code")
    institution.status = data.get("status") or "active"
    institution.source_at = source_at
    db.session.add(institution)


def on_product_changed(event: dict) -> None:
    """Keep what an application is checked against: status, ranges, regions, names."""
    data, source_at = event["data"], occurred_at(event)
    product = db.session.get(Product, int(data["id"]))
    if not _fresh(product, source_at):
        log.info("product %s: %s is older than what we hold; ignored", data["id"], event["event_type"])
        return
    product = product or Product(id=int(data["id"]))
    product.institution_id = int(data["institution_id"])
    product.institution_name = data.get("institution_name") or ""
    product.name = data["name"]
    product.status = data["status"]
    product.amount_min, product.amount_max = _decimal(data["amount_min"]), _decimal(data["amount_max"])
    product.term_min_months, product.term_max_months = int(data["term_min_months"]), int(data["term_max_months"])
    product.rate_min, product.rate_max = _decimal(data["rate_min"]), _decimal(data["rate_max"])
    product.region_codes = [str(c) for c in data.get("region_codes") or []]
    product.whitelist_only = bool(data.get("whitelist_only"))
    product.source_at = source_at
    db.session.add(product)


def on_user_changed(event: dict) -> None:
    """Keep users' names and enterprises: an application copies the enterprise's name from here."""
    data, source_at = event["data"], occurred_at(event)
    user = db.session.get(User, int(data["id"]))
    if not _fresh(user, source_at):
        log.info("user %s: %s is older than what we hold; ignored", data["id"], event["event_type"])
        return
    user = user or User(id=int(data["id"]))
    user.role = data["role"]
    user.name = data.get("name")
    user.institution_id = data.get("institution_id")
    user.enterprise_uscc = data.get("enterprise_uscc")
    user.enterprise_name = data.get("enterprise_name")
    user.region_code = data.get("region_code")
    user.status = data.get("status") or "active"
    user.source_at = source_at
    db.session.add(user)


def on_enterprise_verified(event: dict) -> None:
    """An enterprise account was verified as the owner of its USCC: applications take the enterprise's
    name and region from here (keyed by USCC, learned only from this event)."""
    data, source_at = event["data"], occurred_at(event)
    uscc = str(data["uscc"]).strip().upper()
    owner = db.session.get(EnterpriseOwner, uscc)
    if not _fresh(owner, source_at):
        log.info("enterprise %s: verification of %s is older than what we hold; ignored", uscc, source_at)
        return
    owner = owner or EnterpriseOwner(uscc=uscc)
    owner.user_id = int(data["user_id"])
    owner.enterprise_name = data["enterprise_name"]
    owner.region_code = data.get("region_code")
    owner.source_at = source_at
    db.session.add(owner)


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
    "region.created": on_region_created,
    "institution.created": on_institution_changed,
    "institution.updated": on_institution_changed,
    "institution.disabled": on_institution_changed,
    "institution.enabled": on_institution_changed,
    "product.published": on_product_changed,
    "product.updated": on_product_changed,
    "product.disabled": on_product_changed,
    "product.enabled": on_product_changed,
    "auth.user_created": on_user_changed,
    "auth.user_updated": on_user_changed,
    "auth.enterprise_verified": on_enterprise_verified,
    "credit.risk_changed": on_risk_changed,
    "credit.whitelist_changed": on_whitelist_changed,
    "credit.authorization_text_published": on_authorization_text_published,
    "credit.authorization_revoked": on_authorization_revoked,
}
