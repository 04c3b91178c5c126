"""notification-service's copies of other services' facts, kept from their events: users (who
belongs to which institution or enterprise, and their phones), regions (the scope of government
webhooks) and orders (which institution has an open order of which enterprise); the handlers of the
user and region events; and `flask sync-reference-data`, which loads users and regions from
auth-service for a notification-service deployed late or restored from a backup (orders need no
sync: only open orders matter, and every order change is an event)."""

from datetime import datetime

from sqlalchemy import select

from xyd_common.events.envelope import occurred_at
from xyd_common.events.outbox import utcnow
from xyd_common.reference import sync_internal, sync_regions, upsert_if_newer, upsert_region

from .models import Order, Region, User, db

# An order is open until it reaches one of the states it never leaves.
OPEN_ORDER_STATUSES = ("submitted", "accepted", "credit_granted", "returned")


def upsert_user(data: dict, source_at: datetime) -> bool:
    """Keep a user as auth-service described it at `source_at`; False (and nothing changed) when
    what we hold is newer, as after a redelivered or overtaken event."""
    return upsert_if_newer(db.session, User, int(data["id"]), {
        "role": data.get("role") or "", "phone": data.get("phone"), "name": data.get("name"),
        "institution_id": data.get("institution_id"), "enterprise_uscc": data.get("enterprise_uscc"),
        "region_code": data.get("region_code"), "status": data.get("status") or "active"}, source_at)


def region_path(code: str | None) -> list[str]:
    """The codes from the root down to `code`; just `[code]` for a region we have not heard of."""
    if not code:
        return []
    region = db.session.get(Region, code)
    return list(region.path) if region is not None else [code]


def track_order(data: dict, source_at: datetime) -> bool:
    """Keep the order's status as of `source_at`; False when what we hold is newer. (order.accept_overdue
    is no move: it carries the status the order is in.)"""
    return upsert_if_newer(db.session, Order, str(data["order_id"]), {
        "status": data["status"], "order_no": data.get("order_no"), "institution_id": data.get("institution_id"),
        "enterprise_uscc": data.get("enterprise_uscc"), "enterprise_name": data.get("enterprise_name"),
        "product_name": data.get("product_name"), "region_code": data.get("region_code")}, source_at)


def tracked_order(order_id) -> Order | None:
    """The order as its events described it (a loan's product and enterprise names come from here)."""
    return db.session.get(Order, str(order_id)) if order_id is not None else None


def open_orders_of(uscc: str) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.enterprise_uscc == uscc,
                                                       Order.status.in_(OPEN_ORDER_STATUSES))
                                   .order_by(Order.institution_id, Order.id)))


def institution_user_ids(institution_id: int | None) -> list[int]:
    """The active users of an institution."""
    if institution_id is None:
        return []
    return list(db.session.scalars(select(User.id).where(
        User.role == "institution", User.institution_id == institution_id, User.status == "active",
    ).order_by(User.id)))


def reviewer_ids(region_code: str | None) -> list[int]:
    """Who reviews what concerns `region_code`: the active admins, and the active government users of
    that region or a region above it (a government user supervises its region and below)."""
    regions = region_path(region_code)
    covering = (User.role == "admin") | ((User.role == "government") & User.region_code.in_(regions))
    return list(db.session.scalars(select(User.id).where(covering, User.status == "active").order_by(User.id)))


def institution_phones(institution_id: int | None) -> list[str]:
    """The phones of an institution's active users."""
    if institution_id is None:
        return []
    return list(dict.fromkeys(db.session.scalars(select(User.phone).where(
        User.role == "institution", User.institution_id == institution_id, User.status == "active",
        User.phone.is_not(None)).order_by(User.id))))


def record_owner(data: dict, source_at: datetime) -> None:
    """`auth.enterprise_verified`: the user owns the USCC; nobody else does any more."""
    uscc = str(data["uscc"]).strip().upper()
    for other in db.session.scalars(select(User).where(User.verified_uscc == uscc, User.id != int(data["user_id"]))):
        other.verified_uscc = None
    user = db.session.get(User, int(data["user_id"]))
    if user is None:
        # auth.user_created has not been handled yet: hold the fact; that event fills in the rest
        # (its source time is later than this placeholder's).
        user = User(id=int(data["user_id"]), role="enterprise", status="active",
                    source_at=datetime.fromtimestamp(0, tz=source_at.tzinfo))
        db.session.add(user)
    user.verified_uscc = uscc
    # Where the enterprise is (from its registration data): whose government reviews its disputes.
    user.region_code = data.get("region_code") or user.region_code


def enterprise_users(uscc: str | None) -> list[User]:
    """The active verified users of an enterprise."""
    if not uscc:
        return []
    return list(db.session.scalars(select(User).where(
        User.role == "enterprise", User.verified_uscc == uscc, User.status == "active",
    ).order_by(User.id)))


def enterprises_users(usccs: list[str]) -> list[User]:
    """The active verified users of every enterprise in `usccs`."""
    if not usccs:
        return []
    return list(db.session.scalars(select(User).where(
        User.role == "enterprise", User.verified_uscc.in_(usccs), User.status == "active",
    ).order_by(User.id)))


def user(user_id) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


# --- handlers and sync -----------------------------------------------------------------------------------

def on_user_changed(event: dict) -> None:
    """Keep who belongs to which institution or enterprise, and their phones."""
    upsert_user(event["data"], occurred_at(event))


def on_enterprise_verified(event: dict) -> None:
    """Keep who owns a USCC: the enterprise's order news goes to its verified users."""
    record_owner(event["data"], occurred_at(event))


def on_region_created(event: dict) -> None:
    """Keep the region with its path: government webhooks take the orders of their region and below."""
    data = event["data"]
    upsert_region(db.session, Region, data["code"], data["name"], data.get("parent_code"), data.get("path"))


HANDLERS = {
    "auth.user_created": on_user_changed,
    "auth.user_updated": on_user_changed,
    "auth.enterprise_verified": on_enterprise_verified,
    "region.created": on_region_created,
}


def _keep_user(item: dict, started: datetime) -> bool:
    kept = upsert_user(item, started)
    if kept and item.get("role") == "enterprise" and item.get("verification_status") == "verified":
        record_owner({"user_id": item["id"], "uscc": item["enterprise_uscc"]}, started)
    return kept


def sync_reference_data() -> dict:
    """Every region (public `GET /api/v1/regions`) and, with SERVICE_TOKEN_SECRET, every user with
    who owns which USCC (`GET /internal/users`) from auth-service; committed."""
    from flask import current_app

    started = utcnow()  # events from before this moment are older than the snapshot
    regions = sync_regions(db.session, Region)
    users = sync_internal("/internal/users", current_app.config["AUTH_SERVICE_URL"],
                          lambda item: _keep_user(item, started))
    db.session.commit()
    return {"regions": len(regions), "users": users}
