"""Who may see which order: the role scopes that every read (queries.py, statistics.py, exports.py)
and every write (services.py, needs.py) of order-service applies, and the region paths they rest on.

Enterprise: its own orders (a verified enterprise its USCC's; any account the orders it made itself);
institution: its institution's; government: its region and everything below it; admin: all. Reads
and writes import these rules from here; reads never import writes.
"""

import logging

from sqlalchemy import exists, select

from xyd_common.errors import ApiError, NotFound
from xyd_common.pagination import SortKey
from xyd_common.tokens import Identity

from .models import Order, OrderRegion, Region, db

log = logging.getLogger(__name__)

NEWEST = [SortKey(Order.created_at, descending=True), SortKey(Order.id, descending=True)]
# Government scope: walk order_regions' index (region_code, created_at, order_id) newest first.
NEWEST_IN_REGION = [SortKey(OrderRegion.created_at, descending=True),
                    SortKey(OrderRegion.order_id, descending=True, attribute="id")]


def can_see(identity: Identity, order: Order) -> bool:
    """Enterprise: its own orders; institution: its institution's; government: its region and below;
    admin: all."""
    if identity.role == "admin":
        return True
    if identity.role == "institution":
        return identity.institution_id is not None and identity.institution_id == order.institution_id
    if identity.role == "enterprise":
        # A verified enterprise sees its USCC's orders; any enterprise account the orders it made itself
        # (those made before 企业认证 existed stay visible to their applicant).
        return ((identity.verified_uscc is not None and identity.verified_uscc == order.enterprise_uscc)
                or order.applicant_user_id == identity.user_id)
    if identity.role == "government" and identity.region_code:
        # One primary-key lookup in the order's region path.
        return db.session.get(OrderRegion, (order.id, identity.region_code)) is not None
    return False


def visible_order(identity: Identity, order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or not can_see(identity, order):
        raise NotFound("订单不存在")
    return order


def region_path(code: str) -> list[str]:
    """[root, ..., code] as region.created announced it; just [code] for a region not (yet) known here."""
    path = db.session.scalar(select(Region.path).where(Region.code == code))
    if not path:
        log.warning("region %s is not in order-service's read model; treated as a root region", code)
        return [code]
    return list(path)


def region_and_below(code: str) -> list[str]:
    """The region and every region under it, from the read model's paths."""
    return [code] + [c for c, path in db.session.execute(select(Region.code, Region.path)).all()
                     if code in path and c != code]


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def region_in_scope(identity: Identity, requested: str | None) -> str | None:
    """The region whose orders (and those below it) the caller asks about: a government user's own
    region by default, or one below it; any region (or none: everything) for the others, whose own
    scope applies on top."""
    if identity.role != "government":
        return requested
    if not identity.region_code:
        raise forbidden("账号未绑定行政区")
    if requested is None or requested == identity.region_code:
        return identity.region_code
    if identity.region_code not in region_path(requested):
        raise forbidden("无权查看该区域的订单")
    return requested


def scoped(identity: Identity, region: str | None, walk_region: bool = True):
    """(statement over the caller's orders, sort keys, the created_at column to filter dates on).

    A region scope has two forms. Walking order_regions' index newest first (`walk_region`) is fastest
    when most of the region's orders qualify. With a condition on the orders themselves (a status, a
    USCC, a name) the orders are found through their own indexes instead, and each is checked against
    the region by a probe of order_regions' key."""
    if region is not None and walk_region:
        stmt = (select(Order).join(OrderRegion, OrderRegion.order_id == Order.id)
                .where(OrderRegion.region_code == region))
        keys, created_at = NEWEST_IN_REGION, OrderRegion.created_at
    else:
        stmt, keys, created_at = select(Order), NEWEST, Order.created_at
        if region is not None:
            stmt = stmt.where(exists().where(OrderRegion.order_id == Order.id, OrderRegion.region_code == region))
    if identity.role == "institution":
        if identity.institution_id is None:
            raise forbidden("账号未绑定金融机构")
        stmt = stmt.where(Order.institution_id == identity.institution_id)
    elif identity.role == "enterprise":
        # Verified: the USCC's orders. Otherwise only what the account applied for itself (orders made
        # before 企业认证 existed): a registration claim never opens an enterprise's orders.
        if identity.verified_uscc:
            stmt = stmt.where(Order.enterprise_uscc == identity.verified_uscc)
        elif identity.user_id is not None:
            stmt = stmt.where(Order.applicant_user_id == identity.user_id)
        else:
            raise forbidden("账号未绑定企业")
    elif identity.role not in ("admin", "government"):
        raise forbidden("没有权限")
    return stmt, keys, created_at
