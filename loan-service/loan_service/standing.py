"""Where a loan stands: how a repayment is allocated to its schedule, and how it ages by the business
date. Pure functions over a loan and its instalments; the use cases (services.py) lock, call these,
record the events they name and commit.

- Allocation (the contract's rule): the principal paid goes to the oldest unpaid instalments' principal,
  the interest paid to the oldest unpaid instalments' interest, each on its own.
- Aging: the days past due are those since the due date of the oldest instalment not fully paid whose
  due date has passed (0 when there is none); the bucket is none, 1-30, 31-90 or 91+. A repaying loan
  with days past due becomes `overdue`, and `non_performing` from 91 days; an overdue or non-performing
  loan caught up (no days past due) is `repaying` again. A non-performing loan partly caught up stays
  non-performing until it is caught up: its classification is not softened by a part payment.
- A loan whose principal is all repaid is `settled`; the interest of instalments not yet due is then not
  owed (it is taken off the schedule).
"""

from datetime import date
from decimal import Decimal

from .models import NON_PERFORMING, OVERDUE, REPAYING, SETTLED, Instalment, Loan

NON_PERFORMING_DAYS = 91
ZERO = Decimal(0)


def unpaid_interest(loan: Loan) -> Decimal:
    return sum((i.unpaid_interest for i in loan.schedule), ZERO)


def overpayment(loan: Loan, principal: Decimal, interest: Decimal) -> dict:
    """Field errors for a repayment that pays more than is owed (empty when it fits)."""
    errors = {}
    if principal > loan.outstanding_principal:
        errors["principal"] = [f"超过未还本金 {loan.outstanding_principal.normalize():f} 万元"]
    owed = unpaid_interest(loan)
    if interest > owed:
        errors["interest"] = [f"超过未还利息 {owed.normalize():f} 万元"]
    return errors


def allocate(loan: Loan, principal: Decimal, interest: Decimal) -> None:
    """Apply a repayment that fits (see `overpayment`) to the oldest unpaid instalments."""
    for instalment in loan.schedule:
        part = min(principal, instalment.unpaid_principal)
        instalment.paid_principal += part
        principal -= part
        part = min(interest, instalment.unpaid_interest)
        instalment.paid_interest += part
        interest -= part
    loan.outstanding_principal = sum((i.unpaid_principal for i in loan.schedule), ZERO)


def days_past_due(schedule: list[Instalment], on: date) -> int:
    for instalment in schedule:
        if instalment.due_on < on and (instalment.unpaid_principal > 0 or instalment.unpaid_interest > 0):
            return (on - instalment.due_on).days
    return 0


def bucket(days: int) -> str:
    if days <= 0:
        return "none"
    if days <= 30:
        return "1-30"
    if days <= 90:
        return "31-90"
    return "91+"


def instalment_status(instalment: Instalment, on: date) -> str:
    """due | partly_paid | paid | overdue (overdue wins over partly_paid; `due` also when not yet due)."""
    if instalment.unpaid_principal <= 0 and instalment.unpaid_interest <= 0:
        return "paid"
    if instalment.due_on < on:
        return "overdue"
    if instalment.paid_principal > 0 or instalment.paid_interest > 0:
        return "partly_paid"
    return "due"


def age(loan: Loan, on: date) -> list[str]:
    """Bring a live loan's standing to the business date `on`; the event types of the moves it made,
    in order (a loan whose arrears jumped past 90 days at once goes through `overdue` first)."""
    moves = []
    if loan.outstanding_principal <= 0:
        for instalment in loan.schedule:
            if instalment.due_on > on:
                instalment.interest = instalment.paid_interest  # no longer owed
        loan.status, loan.settled_on = SETTLED, on
        loan.days_past_due, loan.overdue_bucket, loan.aged_on = 0, "none", on
        return ["loan.settled"]
    days = days_past_due(loan.schedule, on)
    if days == 0 and loan.status in (OVERDUE, NON_PERFORMING):
        loan.status = REPAYING
        moves.append("loan.recovered")
    if days > 0 and loan.status == REPAYING:
        loan.status = OVERDUE
        moves.append("loan.overdue")
    if days >= NON_PERFORMING_DAYS and loan.status == OVERDUE:
        loan.status = NON_PERFORMING
        moves.append("loan.non_performing")
    loan.days_past_due, loan.overdue_bucket, loan.aged_on = days, bucket(days), on
    return moves


def next_due(loan: Loan) -> Instalment | None:
    """The oldest instalment not fully paid (what the borrower owes next)."""
    if loan.status not in (REPAYING, OVERDUE, NON_PERFORMING):
        return None
    return next((i for i in loan.schedule if i.unpaid_principal > 0 or i.unpaid_interest > 0), None)


def due_soon(loan: Loan, on: date, days_ahead: int) -> list[Instalment]:
    """Unpaid instalments due within `days_ahead` days of `on` not yet announced as due soon."""
    return [i for i in loan.schedule
            if not i.due_soon_announced and on <= i.due_on and (i.due_on - on).days <= days_ahead
            and (i.unpaid_principal > 0 or i.unpaid_interest > 0)]


def shown(loan: Loan, on: date) -> Loan:
    """The loan with what its answer shows as of the business date `on`: each instalment's status, and
    the next instalment due with what is left of it (plain attributes, never stored)."""
    for instalment in loan.schedule:
        instalment.shown_status = instalment_status(instalment, on)
    upcoming = next_due(loan)
    loan.next_due_on = upcoming.due_on if upcoming else None
    loan.next_due_amount = upcoming.unpaid_principal + upcoming.unpaid_interest if upcoming else None
    return loan
