"""notification-service's copies of other services' facts, kept from their events: users (who
belongs to which institution or enterprise, and their phones), regions (the scope of government
webhooks) and orders (which institution has an open order of which enterprise)."""

from datetime import datetime

from sqlalchemy import select

from xyd_common.reference import upsert_region as shared_upsert_region

from .models import Order, Region, User, db

# An order is open until it reaches one of the states it never leaves.
OPEN_ORDER_STATUSES = ("submitted", "accepted", "credit_granted")


def upsert_user(data: dict, source_at: datetime) -> bool:
    """Keep a user as auth-service described it at `source_at`; False (and nothing changed) when
    what we hold is newer, as after a redelivered or overtaken event."""
    user = db.session.get(User, int(data["id"]))
    if user is not None and user.source_at > source_at:
        return False
    if user is None:
        user = User(id=int(data["id"]))
        db.session.add(user)
    user.role = data.get("role") or ""
    user.phone = data.get("phone")
    user.name = data.get("name")
    user.institution_id = data.get("institution_id")
    user.enterprise_uscc = data.get("enterprise_uscc")
    user.region_code = data.get("region_code")
    user.status = data.get("status") or "active"
    user.source_at = source_at
    return True


def upsert_region(code: str, name: str, parent_code: str | None, path: list | None) -> Region:
    """Keep a region with its path from the root (`[root, ..., code]`)."""
    return shared_upsert_region(db.session, Region, code, name, parent_code, path)


def region_path(code: str | None) -> list[str]:
    """The codes from the root down to `code`; just `[code]` for a region we have not heard of."""
    if not code:
        return []
    region = db.session.get(Region, code)
    return list(region.path) if region is not None else [code]


def track_order(data: dict, source_at: datetime) -> bool:
    """Keep the order's status as of `source_at`; False when what we hold is newer."""
    order_id = str(data["order_id"])
    order = db.session.get(Order, order_id)
    if order is not None and order.source_at > source_at:
        return False
    if order is None:
        order = Order(id=order_id)
        db.session.add(order)
    # order.accept_overdue is no move: it carries the status the order is in.
    order.status = data["status"]
    order.order_no = data.get("order_no")
    order.institution_id = data.get("institution_id")
    order.enterprise_uscc = data.get("enterprise_uscc")
    order.enterprise_name = data.get("enterprise_name")
    order.product_name = data.get("product_name")
    order.region_code = data.get("region_code")
    order.source_at = source_at
    return True


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


def enterprise_users(uscc: str | None) -> list[User]:
    """The active verified users of an enterprise."""
    if not uscc:
        return []
    return list(db.session.scalars(select(User).where(
        User.role == "enterprise", User.verified_uscc == uscc, User.status == "active",
    ).order_by(User.id)))


def user(user_id) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
