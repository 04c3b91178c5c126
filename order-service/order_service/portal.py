"""The portal's headline figures (门户首页): institutions, products on offer, orders, granted and
disbursed sums, for the whole platform.

They live here because order-service already holds every one of them: its orders, and its read models
of institutions (`institution.*`) and products (`product.*`). The figures change slowly and the portal
home is the busiest public page, so each process keeps the answer for PORTAL_FIGURES_CACHE_SECONDS
(at most 60 s) rather than summing the order table per visitor.
"""

import time

from flask import current_app
from sqlalchemy import func, select

from .models import Institution, Order, Product, db

_CACHE = "order_service_portal_figures"


def _compute() -> dict:
    active_institutions = select(Institution.id).where(Institution.status == "active")
    return {
        "institutions": db.session.scalar(select(func.count()).select_from(active_institutions.subquery())),
        "active_products": db.session.scalar(select(func.count()).select_from(Product).where(
            Product.status == "active", Product.institution_id.in_(active_institutions))),
        "orders": db.session.scalar(select(func.count()).select_from(Order)),
        "granted_amount": db.session.scalar(select(func.coalesce(func.sum(Order.granted_amount), 0))),
        "disbursed_amount": db.session.scalar(select(func.coalesce(func.sum(Order.disbursed_amount), 0))),
    }


def figures() -> dict:
    """The figures, computed at most once per cache period in this process (threads racing at expiry
    may each compute once; the answer is the same)."""
    now = time.monotonic()
    cached = current_app.extensions.get(_CACHE)
    if cached is not None and now < cached[0]:
        return cached[1]
    answer = _compute()
    ttl = min(current_app.config["PORTAL_FIGURES_CACHE_SECONDS"], 60)
    current_app.extensions[_CACHE] = (now + ttl, answer)
    return answer
