"""order-service's copies of other services' data and their handlers: regions (with the orders filed
under each region's ancestors), institutions, products (what an application is checked against), users
and who owns which USCC — so that applying works while the services that own them are down.

Each event carries the whole object; one older than what is held (a redelivery can overtake a later
event) is ignored (`upsert_if_newer`). `flask sync-reference-data` loads them all from their owners
for an order-service deployed after the data exists, or restored from a backup.
"""

from datetime import datetime
from decimal import Decimal

from flask import current_app

from xyd_common.events.envelope import occurred_at
from xyd_common.events.outbox import utcnow
from xyd_common.reference import (
    fetch_regions,
    file_under_ancestors,
    institution_values,
    sync_internal,
    upsert_if_newer,
    upsert_region,
)

from .models import EnterpriseOwner, Institution, Order, OrderRegion, Product, Region, User, db


def _decimal(value) -> Decimal:
    # JSON numbers arrive as float or int; str() of a float is its shortest exact-looking form (3.45).
    return Decimal(str(value))


def keep_region(data: dict) -> Region:
    """Keep the region with its path from the root. Orders made while this region was unknown here
    were filed under their own region only: file them under its ancestors too."""
    region = upsert_region(db.session, Region, data["code"], data["name"], data.get("parent_code"), data.get("path"))
    file_under_ancestors(db.session, region, OrderRegion, Order, "order_id", "created_at")
    return region


def keep_institution(data: dict, source_at: datetime) -> bool:
    """A disabled institution's products take no applications."""
    return upsert_if_newer(db.session, Institution, int(data["id"]), institution_values(data), source_at)


def keep_product(data: dict, source_at: datetime) -> bool:
    """What an application is checked against (status, ranges, regions, names), the repayment methods
    a disbursement chooses from, and the guarantee methods (信用贷款 in the statistics)."""
    return upsert_if_newer(db.session, Product, int(data["id"]), {
        "institution_id": int(data["institution_id"]), "institution_name": data.get("institution_name") or "",
        "name": data["name"], "status": data["status"],
        "amount_min": _decimal(data["amount_min"]), "amount_max": _decimal(data["amount_max"]),
        "term_min_months": int(data["term_min_months"]), "term_max_months": int(data["term_max_months"]),
        "rate_min": _decimal(data["rate_min"]), "rate_max": _decimal(data["rate_max"]),
        "region_codes": [str(c) for c in data.get("region_codes") or []],
        "repayment_methods": [str(m) for m in data.get("repayment_methods") or []],
        "guarantee_methods": [str(m) for m in data.get("guarantee_methods") or []],
        "whitelist_only": bool(data.get("whitelist_only"))}, source_at)


def keep_user(data: dict, source_at: datetime) -> bool:
    return upsert_if_newer(db.session, User, int(data["id"]), {
        "role": data["role"], "name": data.get("name"), "institution_id": data.get("institution_id"),
        "enterprise_uscc": data.get("enterprise_uscc"), "enterprise_name": data.get("enterprise_name"),
        "region_code": data.get("region_code"), "status": data.get("status") or "active"}, source_at)


def keep_owner(data: dict, source_at: datetime) -> bool:
    """An enterprise account verified as the owner of its USCC: applications take the enterprise's name
    and region from here (keyed by USCC, learned only from auth-service's verification)."""
    return upsert_if_newer(db.session, EnterpriseOwner, str(data["uscc"]).strip().upper(), {
        "user_id": int(data["user_id"]), "enterprise_name": data["enterprise_name"],
        "region_code": data.get("region_code")}, source_at)


def on_region_created(event: dict) -> None:
    keep_region(event["data"])


def on_institution_changed(event: dict) -> None:
    keep_institution(event["data"], occurred_at(event))


def on_product_changed(event: dict) -> None:
    keep_product(event["data"], occurred_at(event))


def on_user_changed(event: dict) -> None:
    """Users' names and enterprises: an application copies the enterprise's name from here."""
    keep_user(event["data"], occurred_at(event))


def on_enterprise_verified(event: dict) -> None:
    keep_owner(event["data"], occurred_at(event))


HANDLERS = {
    "region.created": on_region_created,
    **dict.fromkeys(("institution.created", "institution.updated", "institution.disabled", "institution.enabled"),
                    on_institution_changed),
    **dict.fromkeys(("product.published", "product.updated", "product.disabled", "product.enabled"),
                    on_product_changed),
    "auth.user_created": on_user_changed,
    "auth.user_updated": on_user_changed,
    "auth.enterprise_verified": on_enterprise_verified,
}


def _keep_user_and_ownership(item: dict, started: datetime) -> bool:
    kept = keep_user(item, started)
    if item.get("role") == "enterprise" and item.get("verification_status") == "verified":
        keep_owner({"user_id": item["id"], "uscc": item["enterprise_uscc"],
                    "enterprise_name": item.get("enterprise_name") or "", "region_code": item.get("region_code")},
                   started)
    return kept


def sync_reference_data() -> dict:
    """Regions (public `GET /api/v1/regions`) and, with SERVICE_TOKEN_SECRET, institutions and users
    with who owns which USCC (auth-service's `/internal/institutions`, `/internal/users`) and products
    (product-service's `/internal/products`); committed."""
    config = current_app.config
    started = utcnow()  # events from before this moment are older than the snapshot
    regions = fetch_regions(config["AUTH_SERVICE_URL"])
    for data in sorted(regions, key=lambda r: len(r["path"])):
        keep_region(data)
    auth = config["AUTH_SERVICE_URL"]
    counts = {
        "regions": len(regions),
        "institutions": sync_internal("/internal/institutions", auth, lambda i: keep_institution(i, started)),
        "users": sync_internal("/internal/users", auth, lambda u: _keep_user_and_ownership(u, started)),
        "products": sync_internal("/internal/products", config["PRODUCT_SERVICE_URL"],
                                  lambda p: keep_product(p, started)),
    }
    db.session.commit()
    return counts
