"""Pre-aggregated loan figures: what `/loans/stats` and its export add up, kept current in the same
transaction as every loan change (the bookkeeping is `xyd_common.figures`, as order-service's).

Each loan contributes to two rows of `loan_figures` — its disbursement day's and month's, under its
region and institution — with the columns of `CONTRIBUTION`: counts and sums fixed when it opens
(principal, first loan, renewal, rate × principal, days from application to disbursement) and balances
that follow its standing (outstanding, overdue, non-performing, written off). An `after_flush` hook takes
each changed loan's old contribution away and adds its new one.

Unlike order-service, which writes in each flush, the deltas of a transaction are gathered from all its
flushes and written once, just before it commits, in key order: the aging job changes hundreds of loans
in one transaction and autoflushes between them (each `SELECT ... FOR UPDATE` of the next loan), and a
figures row taken in an early flush would then be held while the transaction waits for a later loan's
lock — which a repayment of that loan, waiting for the same figures row, holds. Written last, the rows
are only ever taken by a transaction that will wait for no loan any more, so no cycle can form.

`recount()` computes the same rows from the loans themselves: the test of the bookkeeping, and the repair
for a database restored or migrated without them (`flask --app loan_service rebuild-figures`).
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Integer,
    String,
    case,
    cast,
    event,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from xyd_common import figures as shared

from .models import LIVE_STATUSES, NON_PERFORMING, OVERDUE, WRITTEN_OFF, Loan, db

CHINA = ZoneInfo("Asia/Shanghai")

# timed_loans: loans whose application time is known (submitted_at), apply_days: the days from their
# application (China date) to their disbursement — the average's denominator and numerator.
COUNTS = ("loans", "first_loans", "renewals", "timed_loans", "apply_days")
# outstanding: principal still owed on live loans (repaying, overdue, non_performing); overdue_outstanding
# that of the overdue and non-performing ones; npl_outstanding that of the non-performing ones.
AMOUNTS = ("principal", "first_loan_principal", "outstanding", "overdue_outstanding", "npl_outstanding",
           "written_off")
RATE_WEIGHTED = ("rate_principal",)  # Σ rate × principal: the principal-weighted average rate's numerator
CONTRIBUTION = COUNTS + AMOUNTS + RATE_WEIGHTED
# The Loan attributes a contribution is made of (all `active_history`): a change to any other (days past
# due, the aging date, the schedule) leaves the figures alone.
COUNTED_ATTRIBUTES = ("disbursed_on", "region_code", "institution_id", "principal", "rate", "first_loan",
                      "renewal", "submitted_at", "status", "outstanding_principal", "written_off_amount")
PENDING = "loan_figures_pending"  # session.info: the transaction's deltas, written before it commits


class LoanFigures(db.Model):
    __tablename__ = "loan_figures"

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)  # DAY or MONTH
    period: Mapped[date] = mapped_column(Date, primary_key=True)  # the disbursement day, or its month's first
    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    institution_id: Mapped[int] = mapped_column(Integer, primary_key=True)


shared.add_figure_columns(LoanFigures, COUNTS, AMOUNTS, RATE_WEIGHTED)


def china_date(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(CHINA).date()


def contribution(values: dict) -> tuple[tuple, dict]:
    """(the day's key, the figures) one loan adds, from its COUNTED_ATTRIBUTES."""
    principal, status = values["principal"], values["status"]
    outstanding = values["outstanding_principal"] if status in LIVE_STATUSES else Decimal(0)
    submitted = values["submitted_at"]
    figures = {
        "loans": 1, "first_loans": int(bool(values["first_loan"])), "renewals": int(bool(values["renewal"])),
        "timed_loans": int(submitted is not None),
        "apply_days": max(0, (values["disbursed_on"] - china_date(submitted)).days) if submitted else 0,
        "principal": principal, "first_loan_principal": principal if values["first_loan"] else Decimal(0),
        "outstanding": outstanding,
        "overdue_outstanding": outstanding if status in (OVERDUE, NON_PERFORMING) else Decimal(0),
        "npl_outstanding": outstanding if status == NON_PERFORMING else Decimal(0),
        "written_off": (values["written_off_amount"] or Decimal(0)) if status == WRITTEN_OFF else Decimal(0),
        "rate_principal": values["rate"] * principal,
    }
    return (values["disbursed_on"], values["region_code"], values["institution_id"]), figures


def _pending(session: Session) -> dict:
    if PENDING not in session.info:
        session.info[PENDING] = shared.new_totals()
    return session.info[PENDING]


@event.listens_for(Session, "after_flush")
def _loans_flushed(session: Session, _context) -> None:
    """The ORM's loan changes of this flush: old contributions out, new ones in, gathered for the commit.
    (Loans are never deleted; `rebuild-figures` would set the figures right after a repair that did.)"""
    for before, after in shared.flushed_changes(session, Loan, COUNTED_ATTRIBUTES):
        if before is not None:
            shared.add_contribution(_pending(session), *contribution(before), -1)
        shared.add_contribution(_pending(session), *contribution(after), 1)


@event.listens_for(Session, "before_commit")
def _write_figures(session: Session) -> None:
    """The transaction's figures, written after every loan change of it (see the module's docstring)."""
    session.flush()
    totals = session.info.pop(PENDING, None)
    if totals:
        shared.apply_deltas(session, LoanFigures.__table__, totals, CONTRIBUTION)


@event.listens_for(Session, "after_transaction_end")
def _forget_figures(session: Session, transaction) -> None:
    """A transaction rolled back or closed unfinished takes its deltas with it (a committed one wrote them)."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


# --- recount --------------------------------------------------------------------------------------------

def recount(session: Session, batch_size: int = 10_000) -> dict[tuple, dict]:
    """The figures as the loans say them now, keyed like the table (zero columns left out)."""
    return shared.recount_rows(session, Loan, COUNTED_ATTRIBUTES, contribution, batch_size)


def stored(session: Session) -> dict[tuple, dict]:
    """The table's rows, keyed and shaped like recount() (rows of zeros left out)."""
    return shared.stored_rows(session, LoanFigures, CONTRIBUTION)


def _recount_statements() -> list:
    """INSERT ... SELECT of both grains from the loans, for PostgreSQL: the same figures as recount()
    (a test holds them equal) in seconds rather than minutes at a million loans."""
    loan = Loan.__table__.c
    zero = literal(0)
    live = loan.status.in_(LIVE_STATUSES)
    applied = cast(func.timezone("Asia/Shanghai", loan.submitted_at), Date)
    sums = [
        func.count().label("loans"), func.count(case((loan.first_loan, 1))).label("first_loans"),
        func.count(case((loan.renewal, 1))).label("renewals"), func.count(loan.submitted_at).label("timed_loans"),
        func.coalesce(func.sum(func.greatest(loan.disbursed_on - applied, 0)), 0).label("apply_days"),
        func.sum(loan.principal).label("principal"),
        func.coalesce(func.sum(case((loan.first_loan, loan.principal))), zero).label("first_loan_principal"),
        func.coalesce(func.sum(case((live, loan.outstanding_principal))), zero).label("outstanding"),
        func.coalesce(func.sum(case((loan.status.in_((OVERDUE, NON_PERFORMING)), loan.outstanding_principal))),
                      zero).label("overdue_outstanding"),
        func.coalesce(func.sum(case((loan.status == NON_PERFORMING, loan.outstanding_principal))), zero)
        .label("npl_outstanding"),
        func.coalesce(func.sum(case((loan.status == WRITTEN_OFF, loan.written_off_amount))), zero)
        .label("written_off"),
        func.sum(loan.rate * loan.principal).label("rate_principal"),
    ]
    statements = []
    for grain, period in ((shared.DAY, loan.disbursed_on),
                          (shared.MONTH, cast(func.date_trunc("month", loan.disbursed_on), Date))):
        select_stmt = (select(literal(grain).label("grain"), period.label("period"), loan.region_code,
                              loan.institution_id, *sums)
                       .group_by(period, loan.region_code, loan.institution_id))
        columns = ["grain", "period", "region_code", "institution_id", *(c.name for c in sums)]
        statements.append(LoanFigures.__table__.insert().from_select(columns, select_stmt))
    return statements


def rebuild(session: Session) -> int:
    """Replace the table's rows with a recount from the loans; returns the number of rows. On PostgreSQL
    the loans are locked against changes meanwhile, so that none falls between the count and the write."""
    session.info.pop(PENDING, None)
    return shared.rebuild_table(session, LoanFigures, CONTRIBUTION, "loans", _recount_statements, recount)


def period_conditions(date_from: date | None, date_to: date | None, by_day: bool = False) -> list:
    """Conditions on LoanFigures selecting each disbursement day of the range exactly once."""
    return shared.period_conditions(LoanFigures.grain, LoanFigures.period, date_from, date_to, by_day)

