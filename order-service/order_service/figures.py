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

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    event,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from xyd_common import figures as shared
from xyd_common.figures import DAY, MONTH, whole_months  # noqa: F401  (this module's names since it began)

from .loans import NON_PERFORMING, OPEN_LOAN_STATUSES, loan_balances
from .models import Order, db
from .workdays import china_date

# Hours to accept, as a histogram for the 90th percentile: the upper bounds of the buckets (hours);
# the last bucket is open.
HOUR_BOUNDS = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336)
BUCKETS = tuple(f"accepted_within_{h}h" for h in HOUR_BOUNDS) + ("accepted_after_336h",)

# claims: claims on risk compensation funds for the orders' loans (fund.claim_submitted).
COUNTS = ("orders", "accepted", "accepted_in_time", "overdue", "accept_seconds", "urged", "from_needs", "claims",
          *BUCKETS)
# loan_outstanding: outstanding principal of the loans still being repaid (repaying, overdue,
# non_performing) as loan-service announced it; npl_outstanding: that of the non-performing ones.
# credit_disbursed_amount: the disbursed amount of orders whose product lends on credit alone (信用贷款).
AMOUNTS = ("amount", "granted_amount", "disbursed_amount", "loan_outstanding", "npl_outstanding",
           "credit_disbursed_amount")
# Σ granted rate × disbursed amount (% × 万元, 6 places): the principal-weighted average rate's numerator.
RATE_WEIGHTED = ("rate_principal",)
CONTRIBUTION = COUNTS + AMOUNTS + RATE_WEIGHTED
# The Order attributes a contribution is made of: a change to any other leaves the figures alone.
COUNTED_ATTRIBUTES = ("created_at", "region_code", "institution_id", "status", "amount", "granted_amount",
                      "disbursed_amount", "accepted_at", "accept_seconds", "accept_overdue", "urged_count",
                      "source", "granted_rate", "loan_status", "loan_outstanding", "credit_only",
                      "claim_count")


class OrderFigures(db.Model):
    __tablename__ = "order_figures"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)  # DAY or MONTH
    period: Mapped[date] = mapped_column(Date, primary_key=True)  # the China day, or its month's first
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)


shared.add_figure_columns(OrderFigures, COUNTS, AMOUNTS, RATE_WEIGHTED)


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
        "claims": values["claim_count"] or 0,
        "amount": values["amount"], "granted_amount": values["granted_amount"] or Decimal(0),
        "disbursed_amount": values["disbursed_amount"] or Decimal(0),
        "credit_disbursed_amount": (values["disbursed_amount"] or Decimal(0)) if values["credit_only"] else Decimal(0),
        "rate_principal": (values["granted_rate"] * values["disbursed_amount"]
                           if values["disbursed_amount"] is not None and values["granted_rate"] is not None
                           else Decimal(0)),
        **loan_balances(values["loan_status"], values["loan_outstanding"]),
    }
    if accepted and seconds is not None:
        figures[_bucket(seconds)] = 1
    key = (china_date(values["created_at"]), values["region_code"], values["institution_id"], values["status"])
    return key, figures


def _add(totals: dict, key: tuple, figures: dict, sign: int) -> None:
    shared.add_contribution(totals, key, figures, sign)


def record_changes(session: Session, changes: list[tuple[dict | None, dict | None]]) -> None:
    """Apply (before, after) pairs of orders' COUNTED_ATTRIBUTES (None: no order) to the figures."""
    totals = shared.new_totals()
    for before, after in changes:
        if before is not None:
            _add(totals, *contribution(before), -1)
        if after is not None:
            _add(totals, *contribution(after), 1)
    shared.apply_deltas(session, OrderFigures.__table__, totals, CONTRIBUTION)


def counted_values(order: Order) -> dict:
    return {name: getattr(order, name) for name in COUNTED_ATTRIBUTES}


@event.listens_for(Session, "after_flush")
def _orders_flushed(session: Session, _context) -> None:
    """The ORM's order changes of this flush, applied to the figures in the same transaction. (Orders are
    never deleted; `rebuild-figures` would set the figures right after a repair that did.)"""
    changes = shared.flushed_changes(session, Order, COUNTED_ATTRIBUTES)
    if changes:
        record_changes(session, changes)


# --- reading -------------------------------------------------------------------------------------------

def period_conditions(date_from: date | None, date_to: date | None, by_day: bool = False) -> list:
    """Conditions on OrderFigures selecting each China day of the range exactly once: whole months from
    the monthly rows, the days around them from the daily rows (every day from the daily rows when
    `by_day`)."""
    return shared.period_conditions(OrderFigures.grain, OrderFigures.period, date_from, date_to, by_day)


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
    return shared.recount_rows(session, Order, COUNTED_ATTRIBUTES, contribution, batch_size)


def stored(session: Session) -> dict[tuple, dict]:
    """The table's rows, keyed and shaped like recount() (rows of zeros left out)."""
    return shared.stored_rows(session, OrderFigures, CONTRIBUTION)


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
        func.count(case((o.source == "need", 1))).label("from_needs"),
        func.coalesce(func.sum(o.claim_count), 0).label("claims"), *buckets,
        func.sum(o.amount).label("amount"), func.coalesce(func.sum(o.granted_amount), 0).label("granted_amount"),
        func.coalesce(func.sum(o.disbursed_amount), 0).label("disbursed_amount"),
        func.coalesce(func.sum(case((o.credit_only.is_(True), o.disbursed_amount))), 0)
        .label("credit_disbursed_amount"),
        func.coalesce(func.sum(case((o.loan_status.in_(OPEN_LOAN_STATUSES), o.loan_outstanding))), 0)
        .label("loan_outstanding"),
        func.coalesce(func.sum(case((o.loan_status == NON_PERFORMING, o.loan_outstanding))), 0)
        .label("npl_outstanding"),
        func.coalesce(func.sum(o.granted_rate * o.disbursed_amount), 0).label("rate_principal"),
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
    return shared.rebuild_table(session, OrderFigures, CONTRIBUTION, "orders", _recount_statements, recount)
