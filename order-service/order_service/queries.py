"""Use cases of order-service that read: order lists in the caller's scope and an order's details with
its history and credit record (statistics: statistics.py, scorecards.py)."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select

from xyd_common.errors import ApiError, ValidationFailed
from xyd_common.pagination import SortKey, paginate
from xyd_common.tokens import Identity

from .credit import NOT_VERIFIED, credit_record
from .models import Order, OrderHistory, OrderRegion, db
from .services import region_path, visible_order
from .workdays import china_day_start

ORDER_NO_QUERY = re.compile(r"^XC\d{1,13}$")
FULL_ORDER_NO = re.compile(r"^XC\d{14,}$")  # date and running number: the unique index answers
USCC_QUERY = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")

NEWEST = [SortKey(Order.created_at, descending=True), SortKey(Order.id, descending=True)]
# Government scope: walk order_regions' index (region_code, created_at, order_id) newest first.
NEWEST_IN_REGION = [SortKey(OrderRegion.created_at, descending=True),
                    SortKey(OrderRegion.order_id, descending=True, attribute="id")]


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


def _scoped(identity: Identity, region: str | None, walk_region: bool = True):
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


def _date_range(created_at, date_from: date | None, date_to: date | None) -> list:
    """Conditions for China calendar days, both ends included."""
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed({"from": ["开始日期不能晚于结束日期"]})
    conditions = []
    if date_from:
        conditions.append(created_at >= china_day_start(date_from))
    if date_to:
        conditions.append(created_at < china_day_start(date_to + timedelta(days=1)))
    return conditions


def _text_match(q: str):
    """An order number (or its beginning), a USCC, or part of the enterprise's name."""
    q = q.strip()
    if FULL_ORDER_NO.match(q.upper()):
        return Order.order_no == q.upper()
    if ORDER_NO_QUERY.match(q.upper()):
        return Order.order_no.like(q.upper() + "%")
    if USCC_QUERY.match(q.upper()):
        return Order.enterprise_uscc == q.upper()
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Order.enterprise_name.like(f"%{escaped}%", escape="\\")


@dataclass
class OrderSelection:
    """The caller's orders that meet a list's filters: the statement, its sort keys (newest first) and
    the cheapest statement to count them."""

    stmt: object
    keys: list
    count_stmt: object


def select_orders(identity: Identity, args: dict) -> OrderSelection:
    """The orders of `GET /orders` and of its export, filtered as the arguments say."""
    region = region_in_scope(identity, args.get("region_code"))
    if args.get("overdue") is not None:  # the contract's short name for the same filter
        args = {**args, "accept_overdue": args["overdue"]}
    on_orders = [getattr(Order, name) == args[name]
                 for name in ("status", "risk_level", "accept_overdue", "whitelisted", "product_id")
                 if args.get(name) is not None]
    if args.get("q"):
        on_orders.append(_text_match(args["q"]))
    walk_region = not on_orders and identity.role in ("admin", "government")
    stmt, keys, created_at = _scoped(identity, region, walk_region)
    dates = _date_range(created_at, args.get("date_from"), args.get("date_to"))
    stmt = stmt.where(*on_orders, *dates)
    # The total is counted from an index alone where it can be: a region's orders from order_regions'
    # key, the others through their scope's index (selecting the id only, which every index holds).
    if region is not None and walk_region:
        count_stmt = select(OrderRegion.order_id).where(OrderRegion.region_code == region, *dates)
    else:
        count_stmt = stmt.with_only_columns(Order.id, maintain_column_froms=True)
    return OrderSelection(stmt, keys, count_stmt)


def list_orders(identity: Identity, args: dict) -> dict:
    """The caller's orders, newest first, filtered; pages per the list convention."""
    selection = select_orders(identity, args)
    return paginate(db.session, selection.stmt, selection.keys, args, count_stmt=selection.count_stmt)


@dataclass
class OrderDetails:
    """An order with its history and the applicant's credit record (or why there is none)."""

    order: Order
    history: list[OrderHistory]
    credit_record: dict | None
    credit_record_error: str | None

    def __getattr__(self, name):
        return getattr(self.order, name)


def order_details(identity: Identity, order_id: int) -> OrderDetails:
    order = visible_order(identity, order_id)
    history = list(order.history)
    # No transaction stays open while credit-service answers. close() (unlike commit) leaves the loaded
    # order and history as they are, so serializing them asks the database nothing more.
    db.session.close()
    if identity.role == "enterprise" and identity.verified_uscc != order.enterprise_uscc:
        # An account that is not (yet) verified sees the orders it made, never the enterprise's record.
        return OrderDetails(order, history, None, NOT_VERIFIED)
    record, error = credit_record(order.enterprise_uscc, identity, order.id)
    return OrderDetails(order, history, record, error)
