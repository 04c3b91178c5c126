"""`flask --app loan_service seed-demo-history`: the loans of the demo's disbursed orders, repaid as a
year of borrowers would have repaid them — for a demo database only (xyd_common.demo_data).

The loans are opened as `sync-reference-data` opens loans of orders disbursed before loan-service ran
(order-service's `/internal/orders/disbursed`): a loan disbursed months ago is aged at once and found
overdue. Then each instalment already due is repaid on its due date (the service's own allocation and
`loan.repayment_recorded` events), except for a few loans whose last instalments stay unpaid (overdue)
and one or two that stopped paying months ago (non-performing); each loan is aged once more to the
business date, and the figures are rebuilt. Deterministic (`--seed`), and a loan that has repayments
already is left as it is, so a second run changes nothing.
"""

import random
from decimal import Decimal

from sqlalchemy import exists, func, select

from xyd_common.events.outbox import utcnow
from xyd_common.schemas import json_number

from . import standing
from .business_date import business_date
from .figures import rebuild
from .models import LIVE_STATUSES, Loan, Repayment, db
from .reference import sync_reference_data
from .services import _record, _record_moves

ZERO = Decimal(0)


def seed(seed_value: int) -> dict:
    """Open and repay; returns {"opened": n, "repaid": loans given repayments, "overdue": n, "non_performing": n}."""
    opened = sync_reference_data()["loans"]
    today = business_date()
    loans = db.session.scalars(select(Loan).where(
        Loan.status.in_(LIVE_STATUSES), ~exists().where(Repayment.loan_id == Loan.id)).order_by(
        Loan.disbursed_on, Loan.id)).all()
    stopped = 0
    counts = {"opened": opened, "repaid": 0}
    for loan in loans:
        due = [i for i in loan.schedule if i.due_on < today]
        if not due:
            continue
        rng = random.Random(f"{seed_value}:{loan.order_no}")
        unpaid = 0
        if len(due) >= 5 and stopped < 2 and (today - due[-4].due_on).days >= standing.NON_PERFORMING_DAYS:
            unpaid, stopped = 4, stopped + 1  # stopped paying four instalments ago: non-performing
        elif rng.random() < 0.08:
            unpaid = 1  # the last instalment is late: overdue
        for instalment in due[:len(due) - unpaid]:
            principal, interest = instalment.unpaid_principal, instalment.unpaid_interest
            if principal <= ZERO and interest <= ZERO:
                continue
            standing.allocate(loan, principal, interest)
            reference = f"HK{loan.order_no[2:]}{instalment.no:03d}"
            db.session.add(Repayment(loan_id=loan.id, institution_id=loan.institution_id, reference=reference,
                                     paid_on=instalment.due_on, principal=principal, interest=interest,
                                     recorded_by=None, recorded_at=utcnow()))
            _record(loan, "loan.repayment_recorded", paid_on=instalment.due_on.isoformat(),
                    principal=json_number(principal), interest=json_number(interest), reference=reference)
        _record_moves(loan, standing.age(loan, today), today)
        counts["repaid"] += 1
        db.session.flush()
    db.session.flush()
    rebuild(db.session)
    db.session.commit()
    for status in ("overdue", "non_performing"):
        counts[status] = db.session.scalar(select(func.count()).select_from(Loan).where(Loan.status == status))
    return counts
