"""A loan's repayment schedule, computed exactly as the contract pins it ("Loans after disbursement").

Decimal arithmetic throughout, amounts in 万元 rounded half-up to 0.0001 (whole yuan):
- `due_on(k)` = the disbursement date + k months, on the month's last day where the day does not exist;
  no working-day shift.
- Interest of a period = the principal outstanding during it × rate/100 × the period's days / 365
  (actual/365).
- `equal_installment` (等额本息): payment A = P·i / (1 − (1 + i)^−n), i = rate/1200, rounded; each
  instalment's principal is A minus its interest.
- `equal_principal` (等额本金): P/n rounded.
- `interest_first` (先息后本) and any other method (`flexible`): interest monthly, the principal at the
  last instalment.
- `bullet` (到期一次还本付息): one instalment at the term's end.
The last instalment takes whatever principal is left, so the principals sum exactly to the principal;
no instalment's principal is negative or more than what is left (rounding up P/n on a tiny principal
could otherwise overshoot).
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

EQUAL_INSTALLMENT = "equal_installment"
EQUAL_PRINCIPAL = "equal_principal"
INTEREST_FIRST = "interest_first"
BULLET = "bullet"
FLEXIBLE = "flexible"
METHODS = (EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, INTEREST_FIRST, BULLET, FLEXIBLE)

CENT = Decimal("0.0001")  # 万元: one yuan
DAYS_IN_YEAR = Decimal(365)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Instalment:
    no: int
    due_on: date
    principal: Decimal
    interest: Decimal


def money(value: Decimal) -> Decimal:
    """Half-up to whole yuan (0.0001 万元)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def add_months(start: date, months: int) -> date:
    """`start` + `months` calendar months, on the month's last day where that day does not exist
    (31 January + 1 month = 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_interest(outstanding: Decimal, rate: Decimal, start: date, end: date) -> Decimal:
    return money(outstanding * rate / 100 * Decimal((end - start).days) / DAYS_IN_YEAR)


def level_payment(principal: Decimal, rate: Decimal, term_months: int) -> Decimal:
    """等额本息's monthly payment A = P·i / (1 − (1 + i)^−n), i = rate/1200, rounded half-up."""
    if rate == 0:
        return money(principal / term_months)
    with localcontext() as context:
        context.prec = 40  # (1 + i)^−n over hundreds of months keeps its digits
        i = rate / 1200
        return money(principal * i / (1 - (1 + i) ** -term_months))


def build_schedule(principal: Decimal, rate: Decimal, term_months: int, method: str,
                   disbursed_on: date) -> list[Instalment]:
    """The instalments of a loan of `principal` 万元 at `rate` % a year over `term_months` months."""
    if principal <= 0 or term_months < 1 or rate < 0:
        raise ValueError("principal and term must be positive and the rate not negative")
    if method == BULLET:
        due = add_months(disbursed_on, term_months)
        return [Instalment(1, due, principal, period_interest(principal, rate, disbursed_on, due))]
    payment = level_payment(principal, rate, term_months) if method == EQUAL_INSTALLMENT else None
    share = money(principal / term_months)
    instalments, left, previous_due = [], principal, disbursed_on
    for no in range(1, term_months + 1):
        due = add_months(disbursed_on, no)
        interest = period_interest(left, rate, previous_due, due)
        if no == term_months:
            part = left
        elif method == EQUAL_INSTALLMENT:
            part = payment - interest
        elif method == EQUAL_PRINCIPAL:
            part = share
        else:  # interest_first, flexible: the principal at the end
            part = ZERO
        part = min(max(part, ZERO), left)
        instalments.append(Instalment(no, due, part, interest))
        left -= part
        previous_due = due
    return instalments
