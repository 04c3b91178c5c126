"""Use cases of loan-service: each checks, changes, records its events in the outbox and commits once.

A loan is changed only under its row lock (`SELECT ... FOR UPDATE` on PostgreSQL), and its version
column makes a writer that missed the lock (SQLite) fail rather than overwrite: two repayments of one
loan are applied one after the other, never both against the same balances.
"""

import csv
import io
import logging
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import exists, select, tuple_
from sqlalchemy.exc import IntegrityError

from xyd_common.errors import ApiError, Conflict, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.schemas import json_number
from xyd_common.tokens import Identity

from . import standing
from .access import visible_loan
from .business_date import business_date
from .models import (
    LIVE_STATUSES,
    NON_PERFORMING,
    OVERDUE,
    REPAYING,
    SETTLED,
    WRITTEN_OFF,
    Instalment,
    Institution,
    Loan,
    LoanRegion,
    OutboxMessage,
    Product,
    Region,
    Repayment,
    db,
)
from .schedule import EQUAL_INSTALLMENT, build_schedule

log = logging.getLogger(__name__)

SOURCE = "loan-service"
# What a loan takes when order.disbursed names no repayment method and its product's methods are not
# known here: the most common method of the platform's products (等额本息).
DEFAULT_REPAYMENT_METHOD = EQUAL_INSTALLMENT
AGING_BATCH = 200


# --- events ----------------------------------------------------------------------------------------

def event_data(loan: Loan, **step) -> dict:
    """The data of every loan.* event (docs/events.md), plus the step's own amounts and dates."""
    return {
        "loan_id": loan.id, "order_id": loan.order_id, "order_no": loan.order_no,
        "enterprise_uscc": loan.enterprise_uscc, "enterprise_name": loan.enterprise_name,
        "institution_id": loan.institution_id, "institution_name": loan.institution_name,
        "region_code": loan.region_code, "status": loan.status,
        "outstanding_principal": json_number(loan.outstanding_principal), "days_past_due": loan.days_past_due,
        "overdue_bucket": loan.overdue_bucket, **step,
    }


def _record(loan: Loan, event_type: str, **step) -> None:
    record_event(db.session, OutboxMessage, event_type, event_data(loan, **step), SOURCE)


# The status each move leads to: a loan that jumped from repaying to non-performing at once announces
# loan.overdue with status overdue first, as if it had been aged day by day.
MOVE_STATUS = {"loan.overdue": OVERDUE, "loan.non_performing": NON_PERFORMING, "loan.recovered": REPAYING,
               "loan.settled": SETTLED}


def _record_moves(loan: Loan, moves: list[str], on: date) -> None:
    for move in moves:
        step = {"business_date": on.isoformat(), "status": MOVE_STATUS[move]}
        if move == "loan.settled":
            step["settled_on"] = loan.settled_on.isoformat()
        _record(loan, move, **step)


# --- opening a loan from order.disbursed -----------------------------------------------------------

def _decimal(value) -> Decimal:
    return Decimal(str(value))


def _first_loan(uscc: str, disbursed_on: date, order_id: int) -> bool:
    """No loan of this USCC disbursed earlier on the platform (by disbursement date, then order id)."""
    return not db.session.scalar(select(exists().where(
        Loan.enterprise_uscc == uscc,
        tuple_(Loan.disbursed_on, Loan.order_id) < tuple_(disbursed_on, order_id))))


def _repayment_method(data: dict) -> str:
    if data.get("repayment_method"):
        return str(data["repayment_method"])
    product = db.session.get(Product, int(data["product_id"]))
    if product is not None and product.repayment_methods:
        return str(product.repayment_methods[0])
    return DEFAULT_REPAYMENT_METHOD


def _submitted_at(data: dict) -> datetime | None:
    value = data.get("submitted_at")
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def region_path(code: str) -> list[str]:
    path = db.session.scalar(select(Region.path).where(Region.code == code))
    return list(path) if path else [code]


def open_loan(data: dict) -> Loan | None:
    """Open the loan of a disbursed order (`order.disbursed` data, or order-service's listing when
    syncing); nothing when it is open already. Runs in the caller's transaction (never commits)."""
    order_id = int(data["order_id"])
    if db.session.scalar(select(exists().where(Loan.order_id == order_id))):
        return None
    principal = _decimal(data["disbursed_amount"])
    rate = _decimal(data["granted_rate"])
    term = int(data["granted_term_months"])
    disbursed_on = date.fromisoformat(data["disbursed_on"])
    method = _repayment_method(data)
    renewal = bool(data.get("renewal", False))
    institution = db.session.get(Institution, int(data["institution_id"]))
    uscc = str(data["enterprise_uscc"]).strip().upper()
    loan = Loan(
        order_id=order_id, order_no=data["order_no"], enterprise_uscc=uscc,
        enterprise_name=data["enterprise_name"], institution_id=int(data["institution_id"]),
        institution_name=data.get("institution_name") or (institution.name if institution else ""),
        institution_type=institution.type if institution else None, product_id=int(data["product_id"]),
        region_code=data["region_code"], principal=principal, rate=rate, term_months=term,
        repayment_method=method, disbursed_on=disbursed_on, submitted_at=_submitted_at(data),
        whitelisted=bool(data.get("whitelisted", False)),
        first_loan=not renewal and _first_loan(uscc, disbursed_on, order_id), renewal=renewal,
        status=REPAYING, outstanding_principal=principal, days_past_due=0, overdue_bucket="none",
        aged_on=disbursed_on, opened_at=utcnow(),
        schedule=[Instalment(no=i.no, due_on=i.due_on, principal=i.principal, interest=i.interest,
                             paid_principal=Decimal(0), paid_interest=Decimal(0), due_soon_announced=False)
                  for i in build_schedule(principal, rate, term, method, disbursed_on)])
    db.session.add(loan)
    db.session.flush()
    for code in region_path(loan.region_code):
        db.session.add(LoanRegion(loan_id=loan.id, region_code=code, disbursed_on=disbursed_on))
    _record(loan, "loan.opened", principal=json_number(principal), rate=json_number(rate), term_months=term,
            repayment_method=method, disbursed_on=disbursed_on.isoformat(), first_loan=loan.first_loan,
            renewal=renewal)
    # A loan opened late (a sync, a consumer that was down) may be behind already.
    on = business_date()
    _record_moves(loan, standing.age(loan, on), on)
    return loan


# --- repayments ------------------------------------------------------------------------------------

def _locked_loan(identity: Identity, loan_id: int) -> Loan:
    """The caller's loan, locked for the change (another institution's → 404)."""
    visible_loan(identity, loan_id)
    return db.session.scalar(select(Loan).where(Loan.id == loan_id).with_for_update().execution_options(
        populate_existing=True))


def _same(repayment: Repayment, loan_id: int, body: dict) -> bool:
    return (repayment.loan_id == loan_id and repayment.paid_on == body["paid_on"]
            and repayment.principal == body["principal"] and repayment.interest == body["interest"])


def record_repayment(identity: Identity, loan_id: int, body: dict) -> tuple[Loan, bool]:
    """(the loan, whether the repayment is new). The same reference with the same body is the same
    repayment (nothing counted twice); with another body → 409 duplicate_reference."""
    loan = _locked_loan(identity, loan_id)
    earlier = db.session.scalar(select(Repayment).where(Repayment.institution_id == loan.institution_id,
                                                        Repayment.reference == body["reference"]))
    if earlier is not None:
        if not _same(earlier, loan_id, body):
            raise Conflict("duplicate_reference", "该还款流水号已登记过另一笔还款")
        db.session.rollback()
        return visible_loan(identity, loan_id), False
    _apply_repayment(identity, loan, body)
    try:
        db.session.commit()
    except IntegrityError:
        # The same reference recorded at the same moment on another loan of the institution.
        db.session.rollback()
        raise Conflict("duplicate_reference", "该还款流水号已登记过另一笔还款") from None
    return loan, True


def _apply_repayment(identity: Identity, loan: Loan, body: dict) -> None:
    if loan.status not in LIVE_STATUSES:
        raise Conflict("invalid_transition", "贷款已结清或已核销，不能再登记还款")
    principal, interest, paid_on = body["principal"], body["interest"], body["paid_on"]
    today = business_date()
    if paid_on > today:
        raise ValidationFailed({"paid_on": [f"不能晚于业务日期 {today.isoformat()}"]})
    if paid_on < loan.disbursed_on:
        raise ValidationFailed({"paid_on": [f"不能早于放款日 {loan.disbursed_on.isoformat()}"]})
    if principal <= 0 and interest <= 0:
        raise ValidationFailed({"principal": ["本金与利息不能都为 0"]})
    errors = standing.overpayment(loan, principal, interest)
    if errors:
        raise ValidationFailed(errors, code="overpayment", message="还款超过应还金额")
    standing.allocate(loan, principal, interest)
    db.session.add(Repayment(loan_id=loan.id, institution_id=loan.institution_id, reference=body["reference"],
                             paid_on=paid_on, principal=principal, interest=interest,
                             recorded_by=identity.user_id, recorded_at=utcnow()))
    _record(loan, "loan.repayment_recorded", paid_on=paid_on.isoformat(), principal=json_number(principal),
            interest=json_number(interest), reference=body["reference"])
    _record_moves(loan, standing.age(loan, today), today)
    if loan.status == SETTLED:
        from .funds import withdraw_claims_of  # funds builds on this module

        withdraw_claims_of(loan)


CSV_COLUMNS = ("order_no", "paid_on", "principal", "interest", "reference")
MAX_IMPORT_ROWS = 5000


def _csv_rows(raw: bytes) -> list[dict]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": ["文件须为 UTF-8 编码的 CSV"]}) from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or [f.strip() for f in reader.fieldnames] != list(CSV_COLUMNS):
        raise ValidationFailed({"file": ["表头须为 " + ",".join(CSV_COLUMNS)]})
    rows = list(reader)
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed({"file": [f"一次最多导入 {MAX_IMPORT_ROWS} 行"]})
    return rows


def _parse_row(row: dict) -> dict:
    def amount(name):
        try:
            value = Decimal((row.get(name) or "0").strip() or "0")
        except InvalidOperation:
            raise ValueError(f"{name} 应为数字") from None
        if not value.is_finite() or value < 0 or value.as_tuple().exponent < -4 or value >= Decimal("1e10"):
            raise ValueError(f"{name} 应为不小于 0、最多 4 位小数的数字")
        return value

    reference = (row.get("reference") or "").strip()
    if not reference or len(reference) > 64:
        raise ValueError("reference 必填，最长 64 个字符")
    try:
        paid_on = date.fromisoformat((row.get("paid_on") or "").strip())
    except ValueError:
        raise ValueError("paid_on 应为 YYYY-MM-DD") from None
    return {"order_no": (row.get("order_no") or "").strip(), "paid_on": paid_on,
            "principal": amount("principal"), "interest": amount("interest"), "reference": reference}


def import_repayments(identity: Identity, raw: bytes) -> dict:
    """`{imported, errors: [{index, line, message}]}`: each row is recorded on its own (a row that fails
    changes nothing and does not stop the others); a row already recorded counts as imported."""
    rows = _csv_rows(raw)
    imported, errors = 0, []
    for index, row in enumerate(rows):
        line = index + 2  # the header is line 1
        try:
            body = _parse_row(row)
            loan_id = db.session.scalar(select(Loan.id).where(Loan.order_no == body["order_no"],
                                                              Loan.institution_id == identity.institution_id))
            if loan_id is None:
                raise NotFound("本机构没有该订单号的贷款")
            record_repayment(identity, loan_id, body)
            imported += 1
        except ValueError as exc:
            db.session.rollback()
            errors.append({"index": index, "line": line, "message": str(exc)})
        except ApiError as exc:
            db.session.rollback()
            detail = "; ".join(f"{field}: {'、'.join(messages)}" for field, messages in (exc.errors or {}).items())
            message = f"{exc.message}（{detail}）" if detail else exc.message
            errors.append({"index": index, "line": line, "message": message})
    return {"imported": imported, "errors": errors}


def write_off(identity: Identity, loan_id: int, reason: str) -> Loan:
    """核销: only a non-performing loan; the outstanding principal is the amount written off."""
    loan = _locked_loan(identity, loan_id)
    if loan.status != NON_PERFORMING:
        raise Conflict("invalid_transition", "只有不良贷款可以核销")
    loan.status, loan.written_off_amount, loan.written_off_reason = WRITTEN_OFF, loan.outstanding_principal, reason
    _record(loan, "loan.written_off", written_off_amount=json_number(loan.written_off_amount), reason=reason,
            written_off_on=business_date().isoformat())
    db.session.commit()
    return loan


# --- aging -----------------------------------------------------------------------------------------

def age_loans(on: date | None = None) -> int:
    """Age every live loan to the business date (or `on`), announcing due-soon instalments; committed in
    batches, each loan under its lock. Returns how many loans changed standing. Any number of these may
    run at once: a loan already aged to the date by another is skipped."""
    on = on or business_date()
    days_ahead = current_app.config["LOAN_DUE_SOON_DAYS"]
    changed, after = 0, 0
    while True:
        ids = db.session.scalars(select(Loan.id).where(Loan.status.in_(LIVE_STATUSES), Loan.id > after)
                                 .order_by(Loan.id).limit(AGING_BATCH)).all()
        if not ids:
            return changed
        for loan_id in ids:
            loan = db.session.scalar(select(Loan).where(Loan.id == loan_id).with_for_update()
                                     .execution_options(populate_existing=True))
            if loan.status not in LIVE_STATUSES:
                continue
            before = (loan.status, loan.days_past_due)
            moves = standing.age(loan, on)
            _record_moves(loan, moves, on)
            for instalment in standing.due_soon(loan, on, days_ahead):
                instalment.due_soon_announced = True
                _record(loan, "loan.instalment_due_soon", instalment_no=instalment.no,
                        due_on=instalment.due_on.isoformat(),
                        amount=json_number(instalment.unpaid_principal + instalment.unpaid_interest))
            changed += (loan.status, loan.days_past_due) != before
        db.session.commit()
        after = ids[-1]

