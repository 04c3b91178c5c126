"""Use cases of loan-service that read: loan lists in the caller's scope and one loan with its schedule."""

import re

from xyd_common.pagination import paginate
from xyd_common.tokens import Identity

from .access import NEWEST, region_in_scope, scoped, visible_loan
from .business_date import business_date
from .models import Loan, db
from .standing import shown

ORDER_NO_QUERY = re.compile(r"^XC\d{1,20}$")
USCC_QUERY = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def _text_match(q: str):
    """An order number (or its beginning), a USCC, or part of the enterprise's name."""
    q = q.strip()
    if ORDER_NO_QUERY.match(q.upper()):
        return Loan.order_no.like(q.upper() + "%")
    if USCC_QUERY.match(q.upper()):
        return Loan.enterprise_uscc == q.upper()
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Loan.enterprise_name.like(f"%{escaped}%", escape="\\")


def select_loans(identity: Identity, args: dict):
    """The caller's loans that meet a list's filters (status, overdue bucket, text, region)."""
    stmt = scoped(identity, region_in_scope(identity, args.get("region_code")))
    if args.get("status"):
        stmt = stmt.where(Loan.status == args["status"])
    if args.get("overdue_bucket"):
        stmt = stmt.where(Loan.overdue_bucket == args["overdue_bucket"])
    if args.get("q") and args["q"].strip():
        stmt = stmt.where(_text_match(args["q"]))
    return stmt


def list_loans(identity: Identity, args: dict) -> dict:
    on = business_date()
    return paginate(db.session, select_loans(identity, args), NEWEST, args, lambda loan: shown(loan, on))


def loan_details(identity: Identity, loan_id: int) -> Loan:
    return present(visible_loan(identity, loan_id))


def present(loan: Loan) -> Loan:
    """A loan as an answer shows it, as of the business date."""
    return shown(loan, business_date())
