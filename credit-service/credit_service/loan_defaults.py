"""Loans that became non-performing (不良贷款) in the enterprise's credit record, from loan-service's events.

- `loan.non_performing` (or a `loan.written_off` arriving first) adds a credit record of category
  `loan_default` (level high through the risk flag of the same name, authority 信易贷平台) once per
  loan; institutions see it like any record and the enterprise may dispute it (an upheld dispute hides
  it like any other: disclosure.py).
- A write-off keeps it.
- Once every defaulted loan of the enterprise is settled (`loan.settled`), its `loan_default` records
  are hidden as repaired (信用修复) on the settlement's date and the flag ends; a later default of
  another loan adds a new visible record and raises the flag again.

The enterprise's risk is then worked out again and announced (`monitoring.refresh_enterprise`), in the
consumer's transaction. An event older than what the loan's row holds (a redelivery overtaken by a
later step) changes nothing.
"""

import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from xyd_common.events.envelope import occurred_at
from xyd_common.schemas import json_number

from .models import CreditRecord, Enterprise, LoanDefault, OrderAuthorization, RiskFlag, db
from .monitoring import CHINA, china_today, refresh_enterprise

log = logging.getLogger(__name__)

LOAN_DEFAULT = "loan_default"  # the record category and the risk indicator
AUTHORITY = "信易贷平台"
SETTLED = "settled"
DEFAULTED = ("non_performing", "written_off")


def _enterprise(uscc: str, data: dict) -> Enterprise:
    """The enterprise, made from the event when the credit data has not got it yet (records need one)."""
    enterprise = db.session.get(Enterprise, uscc)
    if enterprise is None:
        enterprise = Enterprise(uscc=uscc, name=data.get("enterprise_name") or uscc,
                                region_code=data.get("region_code"))
        db.session.add(enterprise)
    return enterprise


def _institution_name(data: dict) -> str:
    """The lender's name as the event says it, else as the order's events told us."""
    if data.get("institution_name"):
        return str(data["institution_name"])
    relation = db.session.get(OrderAuthorization, str(data["order_id"]))
    return relation.institution_name if relation is not None and relation.institution_name else "放款机构"


def _add_record(enterprise: Enterprise, loan: LoanDefault, data: dict, at: datetime) -> CreditRecord:
    outstanding = json_number(Decimal(str(data["outstanding_principal"])))
    record = CreditRecord(
        category=LOAN_DEFAULT, title=f"贷款逾期 90 天以上列为不良（订单号 {loan.order_no}）", authority=AUTHORITY,
        decided_on=at.astimezone(CHINA).date(),
        content=(f"{_institution_name(data)}发放的贷款（订单号 {loan.order_no}）逾期 "
                 f"{int(data.get('days_past_due') or 0)} 天，未偿本金 {outstanding} 万元，列为不良贷款。"))
    enterprise.records.append(record)
    db.session.flush()
    return record


def _platform_flag(enterprise: Enterprise, day) -> RiskFlag:
    for flag in enterprise.risk_flags:
        if flag.indicator == LOAN_DEFAULT and flag.source == AUTHORITY:
            return flag
    flag = RiskFlag(indicator=LOAN_DEFAULT, source=AUTHORITY, detected_on=day, active=False)
    enterprise.risk_flags.append(flag)
    return flag


def _settle_up(enterprise: Enterprise, at: datetime) -> None:
    """The flag is up while a defaulted loan is not settled; when none is left, the records are hidden."""
    day = at.astimezone(CHINA).date()
    defaulted = db.session.scalars(select(LoanDefault).where(LoanDefault.uscc == enterprise.uscc,
                                                             LoanDefault.record_id.is_not(None))).all()
    outstanding = [loan for loan in defaulted if loan.status != SETTLED]
    flag = _platform_flag(enterprise, day)
    if outstanding:
        if not flag.active:
            flag.active, flag.detected_on = True, day
        return
    flag.active = False
    for loan in defaulted:
        record = db.session.get(CreditRecord, loan.record_id)
        if record.repaired_on is None:
            record.repaired_on = day


def on_loan_event(event: dict) -> None:
    """loan.non_performing, loan.written_off, loan.settled: see the module's description."""
    data, at = event["data"], occurred_at(event)
    uscc = str(data["enterprise_uscc"]).strip().upper()
    status = SETTLED if event["event_type"] == "loan.settled" else str(data["status"])
    loan = db.session.get(LoanDefault, int(data["loan_id"]))
    if loan is not None and loan.source_at > at:
        log.info("%s for loan %s is older than what we hold; ignored", event["event_type"], loan.loan_id)
        return
    if loan is None:
        loan = LoanDefault(loan_id=int(data["loan_id"]), uscc=uscc, order_id=int(data["order_id"]),
                           order_no=str(data["order_no"]), institution_id=int(data["institution_id"]))
        db.session.add(loan)
    loan.status, loan.source_at = status, at
    if loan.record_id is None and status not in DEFAULTED:
        return  # a loan that never defaulted as far as we know: nothing in its credit record
    enterprise = _enterprise(uscc, data)
    if loan.record_id is None:
        loan.record_id = _add_record(enterprise, loan, data, at).id
    _settle_up(enterprise, at)
    db.session.flush()
    refresh_enterprise(enterprise, china_today())
