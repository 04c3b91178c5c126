"""Pre-aggregated order figures: what `/orders/stats`, the scorecards and the exports of statistics add
up, kept current in the same transaction as every order change.

Adding up a million orders takes ~0.6 s on this kind of machine; the same figures from a table with a
row per (period, region, institution, status) take a few milliseconds. Each order contributes to exactly
two rows — its China day and its month, under its current status — with the columns of `CONTRIBUTION`.
When an order changes, its old contribution is taken away and its new one added: an SQLAlchemy
`after_flush` hook sees every ORM change with the values before and after it, and the one bulk UPDATE
that changes counted columns (the acceptance-deadline job) calls `record_changes` itself.

Both grains exist so that any date range is answered from few rows: whole months from the monthly rows,
the days at either end from the daily ones (`period_conditions`).

The rows are written after the orders in each flush and in key order, so two transactions always lock
them in the same order (orders first, then figures by key) and cannot deadlock on them.

`recount()` computes the same rows from the orders themselves: the test of the bookkeeping, and the
repair for a database restored or migrated without them (`flask --app order_service rebuild-figures`).
"""

import calendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    event,
    func,
    inspect,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from xyd_common.db_types import ExactDecimal

from .models import Order, db
from .workdays import china_date

DAY, MONTH = "d", "m"
Sum = ExactDecimal(20, 4)  # 万元: a million orders of up to 10^7 万元 each still fit

# Hours to accept, as a histogram for the 90th percentile: the upper bounds of the buckets (hours);
# the last bucket is open.
HOUR_BOUNDS = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336)
BUCKETS = tuple(f"accepted_within_{h}h" for h in HOUR_BOUNDS) + ("accepted_after_336h",)

COUNTS = ("orders", "accepted", "accepted_in_time", "overdue", "accept_seconds", "urged", "from_needs",
          *BUCKETS)
AMOUNTS = ("amount", "granted_amount", "disbursed_amount")
CONTRIBUTION = COUNTS + AMOUNTS
# The Order attributes a contribution is made of: a change to any other leaves the figures alone.
COUNTED_ATTRIBUTES = ("created_at", "region_code", "institution_id", "status", "amount", "granted_amount",
                      "disbursed_amount", "accepted_at", "accept_seconds", "accept_overdue", "urged_count",
                      "source")


class OrderFigures(db.Model):
    __tablename__ = "order_figures"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)  # DAY or MONTH
    period: Mapped[date] = mapped_column(Date, primary_key=True)  # the China day, or its month's first
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)


for _name in COUNTS:
    setattr(OrderFigures, _name, mapped_column(_name, BigInteger, nullable=False, default=0))
for _name in AMOUNTS:
    setattr(OrderFigures, _name, mapped_column(_name, Sum, nullable=False, default=0))


def _bucket(seconds: int) -> str:
    hours = seconds / 3600
    for bound, name in zip(HOUR_BOUNDS, BUCKETS, strict=False):
        if hours <= bound:
            return name
    return BUCKETS[-1]


def contribution(values: dict) -> tuple[tuple, dict]:
    """(the day's key, the figures) one order adds, from its COUNTED_ATTRIBUTES."""
    accepted = values["accepted_at"] is not None
    seconds = values["accept_seconds"]
    figures = {
        "orders": 1, "accepted": int(accepted), "accepted_in_time": int(accepted and not values["accept_overdue"]),
        "overdue": int(bool(values["accept_overdue"])), "accept_seconds": seconds or 0,
        "urged": values["urged_count"] or 0, "from_needs": int(values["source"] == "need"),
        "amount": values["amount"], "granted_amount": values["granted_amount"] or Decimal(0),
        "disbursed_amount": values["disbursed_amount"] or Decimal(0),
    }
    if accepted and seconds is not None:
        figures[_bucket(seconds)] = 1
    key = (china_date(values["created_at"]), values["region_code"], values["institution_id"], values["status"])
    return key, figures


def _add(totals: dict, key: tuple, figures: dict, sign: int) -> None:
    day, region, institution, status = key
    for grain, period in ((DAY, day), (MONTH, day.replace(day=1))):
        row = totals[(grain, period, region, institution, status)]
        for name, value in figures.items():
            row[name] = row.get(name, 0) + sign * value


def record_changes(session: Session, changes: list[tuple[dict | None, dict | None]]) -> None:
    """Apply (before, after) pairs of orders' COUNTED_ATTRIBUTES (None: no order) to the figures."""
    totals: dict[tuple, dict] = defaultdict(dict)
    for before, after in changes:
        if before is not None:
            _add(totals, *contribution(before), -1)
        if after is not None:
            _add(totals, *contribution(after), 1)
    rows = []
    for key in sorted(totals):
        deltas = {name: value for name, value in totals[key].items() if value}
        if deltas:
            grain, period, region, institution, status = key
            rows.append({"grain": grain, "period": period, "region_code": region, "institution_id": institution,
                         "status": status, **dict.fromkeys(CONTRIBUTION, 0), **deltas})
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = OrderFigures.__table__
    stmt = dialect.insert(table).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key],
        set_={name: table.c[name] + stmt.excluded[name] for name in CONTRIBUTION})
    session.connection().execute(stmt)


def counted_values(order: Order) -> dict:
    return {name: getattr(order, name) for name in COUNTED_ATTRIBUTES}


def _values(order: Order, before: bool) -> dict:
    state = inspect(order)
    values = {}
    for name in COUNTED_ATTRIBUTES:
        history = state.attrs[name].history
        if not before or not history.has_changes():
            values[name] = getattr(order, name)
        elif history.deleted:
            values[name] = history.deleted[0]
        else:
            # A value set for the first time: a column this session's INSERT left NULL (an order made
            # and then moved in one transaction, as a claimed need is). Columns loaded from the
            # database always have their old value here: the counted ones are `active_history`.
            values[name] = None
    return values


@event.listens_for(Session, "after_flush")
def _orders_flushed(session: Session, _context) -> None:
    """The ORM's order changes of this flush, applied to the figures in the same transaction. (Orders are
    never deleted; `rebuild-figures` would set the figures right after a repair that did.)"""
    changes = []
    for order in session.new:
        if isinstance(order, Order):
            changes.append((None, _values(order, before=False)))
    for order in session.dirty:
        if isinstance(order, Order) and any(inspect(order).attrs[name].history.has_changes()
                                            for name in COUNTED_ATTRIBUTES):
            changes.append((_values(order, before=True), _values(order, before=False)))
    if changes:
        record_changes(session, changes)


# --- reading -------------------------------------------------------------------------------------------

def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def whole_months(date_from: date | None, date_to: date | None) -> tuple[date | None, date | None, bool]:
    """(first, last) month starts lying wholly inside the range (None: unbounded), and whether any does."""
    first = None if date_from is None else (
        date_from if date_from.day == 1 else _month_end(date_from) + timedelta(days=1))
    last = None if date_to is None else (
        date_to.replace(day=1) if date_to == _month_end(date_to) else date_to.replace(day=1) - timedelta(days=1))
    if last is not None:
        last = last.replace(day=1)
    some = first is None or last is None or first <= last
    return first, last, some


def period_conditions(date_from: date | None, date_to: date | None, by_day: bool = False) -> list:
    """Conditions on OrderFigures selecting each China day of the range exactly once: whole months from
    the monthly rows, the days around them from the daily rows (every day from the daily rows when
    `by_day`)."""
    f = OrderFigures
    days = [f.grain == DAY]
    if date_from:
        days.append(f.period >= date_from)
    if date_to:
        days.append(f.period <= date_to)
    first, last, some = whole_months(date_from, date_to)
    if by_day or not some:
        return [and_(*days)]
    months = [f.grain == MONTH]
    outside = []
    if first is not None:
        months.append(f.period >= first)
        outside.append(f.period < first)
    if last is not None:
        months.append(f.period <= last)
        outside.append(f.period > _month_end(last))
    if not outside:
        return [and_(*months)]
    return [or_(and_(*months), and_(*days, or_(*outside)))]


def p90_hours(buckets: dict) -> float | None:
    """The 90th percentile of hours to accept, from the histogram (nearest rank; within a bucket
    interpolated linearly, so approximate)."""
    accepted = sum(buckets.get(name, 0) for name in BUCKETS)
    if not accepted:
        return None
    rank = max(1, -(-9 * accepted // 10))  # ceil(0.9 n)
    seen, lower = 0, 0.0
    for bound, name in zip((*HOUR_BOUNDS, None), BUCKETS, strict=True):
        count = buckets.get(name, 0)
        if seen + count >= rank:
            if bound is None:
                return float(lower)
            # The rank's place in its bucket, each order taken at the middle of its share of the width.
            return round(lower + (bound - lower) * (rank - seen - 0.5) / count, 1)
        seen += count
        lower = bound
    return float(lower)


# --- recount --------------------------------------------------------------------------------------------

def recount(session: Session, batch_size: int = 10_000) -> dict[tuple, dict]:
    """The figures as the orders say them now, keyed like the table (zero columns left out)."""
    totals: dict[tuple, dict] = defaultdict(dict)
    columns = [getattr(Order, name) for name in COUNTED_ATTRIBUTES]
    result = session.execute(select(*columns).execution_options(yield_per=batch_size))
    for row in result:
        _add(totals, *contribution(dict(zip(COUNTED_ATTRIBUTES, row, strict=True))), 1)
    return {key: {n: v for n, v in figures.items() if v} for key, figures in totals.items()}


def stored(session: Session) -> dict[tuple, dict]:
    """The table's rows, keyed and shaped like recount() (rows of zeros left out)."""
    out = {}
    for row in session.scalars(select(OrderFigures)):
        figures = {name: getattr(row, name) for name in CONTRIBUTION if getattr(row, name)}
        if figures:
            out[(row.grain, row.period, row.region_code, row.institution_id, row.status)] = figures
    return out


def _recount_statements() -> list:
    """INSERT ... SELECT of both grains from the orders, for PostgreSQL: the same figures as recount()
    (a test holds them equal) in seconds rather than minutes at a million orders."""
    o = Order.__table__.c
    china = func.timezone("Asia/Shanghai", o.created_at)
    accepted = o.accepted_at.is_not(None)
    buckets, lower = [], None
    for bound, name in zip((*HOUR_BOUNDS, None), BUCKETS, strict=True):
        within = [accepted, o.accept_seconds.is_not(None)]
        if lower is not None:
            within.append(o.accept_seconds > lower * 3600)
        if bound is not None:
            within.append(o.accept_seconds <= bound * 3600)
        buckets.append(func.count(case((and_(*within), 1))).label(name))
        lower = bound
    sums = [
        func.count().label("orders"), func.count(o.accepted_at).label("accepted"),
        func.count(case((and_(accepted, ~o.accept_overdue), 1))).label("accepted_in_time"),
        func.count(case((o.accept_overdue, 1))).label("overdue"),
        func.coalesce(func.sum(o.accept_seconds), 0).label("accept_seconds"),
        func.coalesce(func.sum(o.urged_count), 0).label("urged"),
        func.count(case((o.source == "need", 1))).label("from_needs"), *buckets,
        func.sum(o.amount).label("amount"), func.coalesce(func.sum(o.granted_amount), 0).label("granted_amount"),
        func.coalesce(func.sum(o.disbursed_amount), 0).label("disbursed_amount"),
    ]
    statements = []
    for grain, period in ((DAY, cast(china, Date)), (MONTH, cast(func.date_trunc("month", china), Date))):
        select_stmt = (select(literal(grain).label("grain"), period.label("period"), o.region_code,
                              o.institution_id, o.status, *sums)
                       .group_by(period, o.region_code, o.institution_id, o.status))
        columns = ["grain", "period", "region_code", "institution_id", "status", *(c.name for c in sums)]
        statements.append(OrderFigures.__table__.insert().from_select(columns, select_stmt))
    return statements


def rebuild(session: Session) -> int:
    """Replace the table's rows with a recount from the orders; returns the number of rows. On
    PostgreSQL the orders are locked against changes meanwhile, so that none falls between the count and
    the write."""
    session.execute(delete(OrderFigures))
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("LOCK TABLE orders IN SHARE MODE")
        for statement in _recount_statements():
            session.execute(statement)
        return session.scalar(select(func.count()).select_from(OrderFigures))
    totals = recount(session)
    rows = [{"grain": g, "period": p, "region_code": r, "institution_id": i, "status": s,
             **dict.fromkeys(CONTRIBUTION, 0), **figures}
            for (g, p, r, i, s), figures in sorted(totals.items())]
    for start in range(0, len(rows), 5000):
        session.execute(OrderFigures.__table__.insert(), rows[start:start + 5000])
    return len(rows)
