"""The repayment schedule and the allocation of repayments, exactly as the contract pins them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loan_service import standing
from loan_service.models import Instalment, Loan
from loan_service.schedule import (
    BULLET,
    EQUAL_INSTALLMENT,
    EQUAL_PRINCIPAL,
    FLEXIBLE,
    INTEREST_FIRST,
    METHODS,
    add_months,
    build_schedule,
    level_payment,
)

D = Decimal


def test_due_dates_fall_on_the_months_last_day_where_the_day_does_not_exist():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 2) == date(2026, 3, 31)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


def test_equal_installment_pays_the_rounded_annuity_with_actual_365_interest():
    assert level_payment(D(120), D(6), 12) == D("10.3280")
    schedule = build_schedule(D(120), D(6), 12, EQUAL_INSTALLMENT, date(2026, 1, 15))
    # 120 × 6% × 31/365 = 0.611506… → 0.6115; the principal is what A leaves.
    assert (schedule[0].interest, schedule[0].principal) == (D("0.6115"), D("9.7165"))
    # 110.2835 × 6% × 28/365 (February) = 0.507600… → 0.5076.
    assert (schedule[1].interest, schedule[1].principal) == (D("0.5076"), D("9.8204"))
    assert schedule[-1].due_on == date(2027, 1, 15)
    assert sum(i.principal for i in schedule) == D(120)


def test_equal_principal_repays_a_rounded_share_and_the_last_takes_the_rest():
    schedule = build_schedule(D(100), D("4.35"), 3, EQUAL_PRINCIPAL, date(2026, 3, 1))
    assert [i.principal for i in schedule] == [D("33.3333"), D("33.3333"), D("33.3334")]
    # 100 × 4.35% × 31/365 (March) = 0.369452… → 0.3695.
    assert schedule[0].interest == D("0.3695")


@pytest.mark.parametrize("method", [INTEREST_FIRST, FLEXIBLE, "some_bank_method"])
def test_interest_first_and_other_methods_repay_the_principal_at_the_end(method):
    schedule = build_schedule(D(50), D(5), 6, method, date(2026, 1, 10))
    assert [i.principal for i in schedule] == [D(0)] * 5 + [D(50)]
    # Interest on the whole principal each month: 50 × 5% × 31/365 = 0.212328… → 0.2123.
    assert schedule[0].interest == D("0.2123")


def test_bullet_is_one_instalment_at_the_end_of_the_term():
    (only,) = build_schedule(D(100), D("3.65"), 12, BULLET, date(2026, 1, 1))
    assert (only.no, only.due_on, only.principal, only.interest) == (1, date(2027, 1, 1), D(100), D("3.6500"))


def test_a_tiny_principal_never_gets_a_negative_instalment():
    # 0.0002 / 4 = 0.00005 rounds up to 0.0001 per instalment: only two can be paid.
    schedule = build_schedule(D("0.0002"), D(5), 4, EQUAL_PRINCIPAL, date(2026, 1, 1))
    assert [i.principal for i in schedule] == [D("0.0001"), D("0.0001"), D(0), D(0)]


def test_a_zero_rate_loan_has_no_interest():
    schedule = build_schedule(D(12), D(0), 12, EQUAL_INSTALLMENT, date(2026, 1, 1))
    assert {i.interest for i in schedule} == {D(0)}
    assert {i.principal for i in schedule} == {D(1)}


principals = st.decimals(min_value=D("0.0001"), max_value=D("100000000"), places=4)
rates = st.decimals(min_value=D(0), max_value=D(36), places=2)
terms = st.integers(min_value=1, max_value=360)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(principal=principals, rate=rates, term=terms, method=st.sampled_from(METHODS), disbursed_on=days)
def test_principals_sum_exactly_to_the_principal_for_any_loan(principal, rate, term, method, disbursed_on):
    schedule = build_schedule(principal, rate, term, method, disbursed_on)
    assert sum(i.principal for i in schedule) == principal
    assert len(schedule) == (1 if method == BULLET else term)
    assert all(i.principal >= 0 and i.interest >= 0 for i in schedule)
    assert all(i.principal.as_tuple().exponent >= -4 and i.interest.as_tuple().exponent >= -4 for i in schedule)
    dues = [disbursed_on, *(i.due_on for i in schedule)]
    assert all(a < b for a, b in zip(dues, dues[1:], strict=False))
    assert schedule[-1].due_on == add_months(disbursed_on, term)
    if method == EQUAL_INSTALLMENT:
        payment = level_payment(principal, rate, term)
        left = principal
        for instalment in schedule[:-1]:
            if D(0) < payment - instalment.interest <= left:  # not clamped: the payment is level
                assert instalment.principal + instalment.interest == payment
            left -= instalment.principal


def _loan(principal: Decimal, term: int, method: str) -> Loan:
    start = date(2026, 1, 15)
    schedule = [Instalment(no=i.no, due_on=i.due_on, principal=i.principal, interest=i.interest,
                           paid_principal=D(0), paid_interest=D(0), due_soon_announced=False)
                for i in build_schedule(principal, D(6), term, method, start)]
    return Loan(principal=principal, outstanding_principal=principal, status="repaying", schedule=schedule,
                days_past_due=0, overdue_bucket="none", disbursed_on=start)


@settings(max_examples=200, deadline=None)
@given(principal=principals, term=st.integers(1, 36), method=st.sampled_from(METHODS),
       shares=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=8))
def test_repayments_fill_the_oldest_instalments_first_and_never_more_than_is_owed(principal, term, method, shares):
    loan = _loan(principal, term, method)
    paid_principal = paid_interest = D(0)
    for principal_share, interest_share in shares:
        owed_interest = standing.unpaid_interest(loan)
        p = (loan.outstanding_principal * principal_share / 100).quantize(D("0.0001"), rounding="ROUND_DOWN")
        i = (owed_interest * interest_share / 100).quantize(D("0.0001"), rounding="ROUND_DOWN")
        assert standing.overpayment(loan, p, i) == {}
        standing.allocate(loan, p, i)
        paid_principal += p
        paid_interest += i
    assert sum(x.paid_principal for x in loan.schedule) == paid_principal
    assert sum(x.paid_interest for x in loan.schedule) == paid_interest
    assert loan.outstanding_principal == principal - paid_principal
    for earlier, later in zip(loan.schedule, loan.schedule[1:], strict=False):
        assert earlier.paid_principal <= earlier.principal and earlier.paid_interest <= earlier.interest
        # Nothing reaches a later instalment while an earlier one still owes that part.
        assert later.paid_principal == 0 or earlier.unpaid_principal == 0
        assert later.paid_interest == 0 or earlier.unpaid_interest == 0


def test_paying_more_than_is_owed_is_an_overpayment():
    loan = _loan(D(12), 12, EQUAL_PRINCIPAL)
    owed_interest = standing.unpaid_interest(loan)
    assert set(standing.overpayment(loan, D("12.0001"), D(0))) == {"principal"}
    assert set(standing.overpayment(loan, D(0), owed_interest + D("0.0001"))) == {"interest"}
    assert standing.overpayment(loan, D(12), owed_interest) == {}


def test_aging_moves_through_overdue_to_non_performing_and_back_when_caught_up():
    loan = _loan(D(12), 12, EQUAL_PRINCIPAL)
    first_due = loan.schedule[0].due_on
    assert standing.age(loan, first_due) == [] and loan.status == "repaying"
    assert standing.age(loan, first_due + timedelta(days=1)) == ["loan.overdue"]
    assert (loan.status, loan.days_past_due, loan.overdue_bucket) == ("overdue", 1, "1-30")
    assert standing.age(loan, first_due + timedelta(days=31)) == []
    assert loan.overdue_bucket == "31-90"
    assert standing.age(loan, first_due + timedelta(days=91)) == ["loan.non_performing"]
    assert (loan.status, loan.overdue_bucket) == ("non_performing", "91+")
    # Catching up the three missed instalments (principal and interest) brings it back.
    on = first_due + timedelta(days=91)
    due = [i for i in loan.schedule if i.due_on < on]
    standing.allocate(loan, sum(i.principal for i in due), sum(i.interest for i in due))
    assert standing.age(loan, on) == ["loan.recovered"]
    assert (loan.status, loan.days_past_due, loan.overdue_bucket) == ("repaying", 0, "none")


def test_a_loan_far_behind_at_once_goes_through_overdue_first():
    loan = _loan(D(12), 12, EQUAL_PRINCIPAL)
    assert standing.age(loan, loan.schedule[0].due_on + timedelta(days=120)) == [
        "loan.overdue", "loan.non_performing"]


def test_repaying_all_principal_settles_and_interest_not_yet_due_is_not_owed():
    loan = _loan(D(12), 12, EQUAL_PRINCIPAL)
    on = loan.schedule[0].due_on
    standing.allocate(loan, D(12), loan.schedule[0].interest)
    assert standing.age(loan, on) == ["loan.settled"]
    assert loan.status == "settled" and loan.settled_on == on
    assert standing.unpaid_interest(loan) == 0
    assert {standing.instalment_status(i, on) for i in loan.schedule} == {"paid"}
