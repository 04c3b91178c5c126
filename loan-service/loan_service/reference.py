"""loan-service's copies of other services' data and their handlers: regions (with the loans filed
under each region's ancestors), institutions (a loan copies its type) and products (their repayment
methods, the first of which a loan takes when `order.disbursed` names none) and the whitelist (whom a
`whitelisted_only` subsidy programme takes).

`flask sync-reference-data` loads them from their owners, and opens the loans of orders disbursed
before loan-service ran (order-service's `/internal/orders/disbursed`, oldest disbursement first, so
that `first_loan` is decided in the platform's order).
"""

from datetime import date, datetime

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

from .instrument_models import WhitelistEntry
from .models import Institution, Loan, LoanRegion, Product, Region, db


def keep_region(data: dict) -> Region:
    """Keep the region with its path from the root. Loans opened while this region was unknown here
    were filed under their own region only: file them under its ancestors too."""
    region = upsert_region(db.session, Region, data["code"], data["name"], data.get("parent_code"), data.get("path"))
    file_under_ancestors(db.session, region, LoanRegion, Loan, "loan_id", "disbursed_on")
    return region


def keep_institution(data: dict, source_at: datetime) -> bool:
    return upsert_if_newer(db.session, Institution, int(data["id"]),
                           {**institution_values(data), "type": data.get("type")}, source_at)


def keep_product(data: dict, source_at: datetime) -> bool:
    return upsert_if_newer(db.session, Product, int(data["id"]), {
        "repayment_methods": [str(m) for m in data.get("repayment_methods") or []]}, source_at)


def keep_whitelisting(data: dict, source_at: datetime) -> bool:
    """credit-service's whitelist: a `whitelisted_only` subsidy programme asks it at application."""
    valid_until = data.get("valid_until")
    return upsert_if_newer(db.session, WhitelistEntry, str(data["uscc"]), {
        "whitelisted": bool(data["whitelisted"]),
        "valid_until": date.fromisoformat(valid_until[:10]) if valid_until else None}, source_at)


def on_region_created(event: dict) -> None:
    keep_region(event["data"])


def on_institution_changed(event: dict) -> None:
    keep_institution(event["data"], occurred_at(event))


def on_product_changed(event: dict) -> None:
    keep_product(event["data"], occurred_at(event))


def on_whitelist_changed(event: dict) -> None:
    keep_whitelisting(event["data"], occurred_at(event))


HANDLERS = {
    "region.created": on_region_created,
    "credit.whitelist_changed": on_whitelist_changed,
    **dict.fromkeys(("institution.created", "institution.updated", "institution.disabled", "institution.enabled"),
                    on_institution_changed),
    **dict.fromkeys(("product.published", "product.updated", "product.disabled", "product.enabled"),
                    on_product_changed),
}


def sync_reference_data() -> dict:
    """Regions (public), institutions (auth-service's `/internal/institutions`), products
    (product-service's `/internal/products`), then the loans of every disbursed order
    (order-service's `/internal/orders/disbursed`); committed."""
    from .services import open_loan

    config = current_app.config
    started = utcnow()
    regions = fetch_regions(config["AUTH_SERVICE_URL"])
    for data in sorted(regions, key=lambda r: len(r["path"])):
        keep_region(data)
    counts = {
        "regions": len(regions),
        "institutions": sync_internal("/internal/institutions", config["AUTH_SERVICE_URL"],
                                      lambda i: keep_institution(i, started)),
        "products": sync_internal("/internal/products", config["PRODUCT_SERVICE_URL"],
                                  lambda p: keep_product(p, started)),
    }
    db.session.flush()
    counts["loans"] = sync_internal("/internal/orders/disbursed", config["ORDER_SERVICE_URL"],
                                    lambda order: open_loan(order) is not None)
    db.session.commit()
    return counts
