"""Use cases of order-service that read: order lists in the caller's scope and an order's details with
its history and credit record (statistics: statistics.py, scorecards.py)."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from xyd_common.errors import ValidationFailed
from xyd_common.pagination import paginate
from xyd_common.tokens import Identity

from .access import region_in_scope, scoped, visible_order
from .credit_client import NOT_VERIFIED, credit_record
from .models import Order, OrderHistory, OrderRegion, db
from .workdays import china_day_start

ORDER_NO_QUERY = re.compile(r"^XC\d{1,13}$")
FULL_ORDER_NO = re.compile(r"^XC\d{14,}$")  # date and running number: the unique index answers
USCC_QUERY = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")



def in_china_days(created_at, date_from: date | None, date_to: date | None) -> list:
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
    stmt, keys, created_at = scoped(identity, region, walk_region)
    dates = in_china_days(created_at, args.get("date_from"), args.get("date_to"))
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

