"""Risk compensation funds (风险补偿资金池) and the claims (代偿申请) institutions make on them.

A government officer sets up a fund for a region: which loans it covers (institution types, whitelisted
at disbursement, disbursed between two dates, claimed until a date), what share of a loss it pays and
the most per loan. An institution claims the loss on one of its non-performing or written-off loans with
evidence files; the officer approves an amount within min(share × loss, what the per-loan cap leaves,
what the fund has available), rejects, or pays. Approvals change the fund's sums under the fund's row
lock, so of two approvals at once the second sees the first (and gets 422 over_fund_limit when nothing
is left for it). A loan settled before its claim is paid withdraws the claim and returns its amount.

Every step is announced (fund.*) through the outbox and audited in the same transaction.
"""

import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import func, or_, select

from xyd_common.audit import SYSTEM, Actor, record_audit
from xyd_common.errors import Conflict, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.schemas import json_number
from xyd_common.tokens import Identity
from xyd_common.uploads import sniff_type

from . import grants
from .access import forbidden, visible_loan
from .business_date import business_date
from .instrument_access import (
    MANAGE,
    check_new_region,
    government_relation,
    loan_in_region,
    loans_in_region,
    managed_regions,
    require_manage,
    visible_regions,
)
from .instrument_models import (
    APPROVED,
    CLOSED,
    OPEN,
    OPEN_CLAIM_STATUSES,
    PAID,
    SUBMITTED,
    WITHDRAWN,
    AuditLog,
    Claim,
    ClaimFile,
    Fund,
    FundTopUp,
)
from .models import NON_PERFORMING, WRITTEN_OFF, Loan, LoanRegion, OutboxMessage, db
from .services import SOURCE

CENT = Decimal("0.0001")
NEWEST = [SortKey(Fund.id, descending=True)]
NEWEST_CLAIMS = [SortKey(Claim.id, descending=True)]
FUND_NOT_FOUND, CLAIM_NOT_FOUND = "资金池不存在", "代偿申请不存在"
# Covered loans: those that went bad.
CLAIMABLE_LOAN_STATUSES = (NON_PERFORMING, WRITTEN_OFF)


def rounded(value: Decimal) -> Decimal:
    """Half-up to 0.0001 万元, the contract's money."""
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Evidence:
    """An evidence file as the API layer received it."""

    name: str
    content: bytes


# --- events and audit --------------------------------------------------------------------------------

def fund_data(fund: Fund) -> dict:
    return {"fund_id": fund.id, "name": fund.name, "region_code": fund.region_code, "status": fund.status,
            "budget": json_number(fund.budget), "approved": json_number(fund.approved),
            "paid": json_number(fund.paid), "available": json_number(fund.available),
            "share_percent": json_number(fund.share_percent), "cap_per_loan": json_number(fund.cap_per_loan)}


def claim_data(claim: Claim, fund: Fund, loan: Loan) -> dict:
    """A claim event's data: `region_code` is the loan's (subscribers of its region and above get it)."""
    return {"claim_id": claim.id, "fund_id": fund.id, "fund_name": fund.name, "fund_region_code": fund.region_code,
            "loan_id": loan.id, "order_id": loan.order_id, "order_no": loan.order_no,
            "enterprise_uscc": loan.enterprise_uscc, "institution_id": claim.institution_id,
            "region_code": loan.region_code, "status": claim.status,
            "loss_principal": json_number(claim.loss_principal),
            "approved_amount": None if claim.approved_amount is None else json_number(claim.approved_amount),
            "paid_on": claim.paid_on.isoformat() if claim.paid_on else None, "reason": claim.reason}


def _announce(event_type: str, data: dict) -> None:
    record_event(db.session, OutboxMessage, event_type, data, SOURCE)


def _audit(actor: Actor, action: str, target_type: str, target_id, before=None, after=None) -> None:
    record_audit(db.session, AuditLog, actor, action, target_type, target_id, before, after)


def _fund_step(actor: Actor, fund: Fund, event_type: str, before: dict | None, **step) -> None:
    after = fund_data(fund)
    _announce(event_type, {**after, **step})
    _audit(actor, event_type, "fund", fund.id, before, {**after, **step})


def _claim_step(actor: Actor, claim: Claim, fund: Fund, loan: Loan, event_type: str, before: dict | None) -> None:
    after = claim_data(claim, fund, loan)
    _announce(event_type, after)
    _audit(actor, event_type, "claim", claim.id, before, after)


# --- funds -------------------------------------------------------------------------------------------

def _check_dates(body: dict, start: str, end: str) -> None:
    if body[start] > body[end]:
        raise ValidationFailed({end: [f"不能早于 {start}"]})


def create_fund(identity: Identity, actor: Actor, body: dict) -> Fund:
    check_new_region(identity, body["region_code"])
    _check_dates(body, "loans_from", "loans_to")
    fund = Fund(**body, status=OPEN, approved=Decimal(0), paid=Decimal(0), created_by=identity.user_id,
                created_at=utcnow())
    db.session.add(fund)
    db.session.flush()
    _fund_step(actor, fund, "fund.created", None, institution_types=fund.institution_types,
               whitelisted_only=fund.whitelisted_only, loans_from=fund.loans_from.isoformat(),
               loans_to=fund.loans_to.isoformat(), claims_until=fund.claims_until.isoformat())
    db.session.commit()
    return fund


def _visible_fund(identity: Identity, fund_id: int) -> Fund:
    """A fund the caller may see: government in its region's line (above or below) and the admin;
    institutions every fund (they claim from those that cover their loans)."""
    fund = db.session.get(Fund, fund_id)
    if fund is None or (identity.role != "institution" and government_relation(identity, fund.region_code) is None):
        raise NotFound(FUND_NOT_FOUND)
    return fund


def _locked_fund(fund_id: int) -> Fund:
    return db.session.scalar(select(Fund).where(Fund.id == fund_id).with_for_update()
                             .execution_options(populate_existing=True))


def _managed_fund(identity: Identity, fund_id: int) -> Fund:
    fund = _visible_fund(identity, fund_id)
    require_manage(identity, fund.region_code, FUND_NOT_FOUND)
    return _locked_fund(fund.id)


def get_fund(identity: Identity, fund_id: int) -> Fund:
    return _visible_fund(identity, fund_id)


def list_funds(identity: Identity, args: dict) -> dict:
    stmt = select(Fund)
    condition = visible_regions(identity, Fund.region_code)
    if condition is not None:
        stmt = stmt.where(condition)
    if args.get("status"):
        stmt = stmt.where(Fund.status == args["status"])
    if args.get("region_code"):
        stmt = stmt.where(Fund.region_code == args["region_code"])
    return paginate(db.session, stmt, NEWEST, args)


def top_up(identity: Identity, actor: Actor, fund_id: int, body: dict) -> Fund:
    fund = _managed_fund(identity, fund_id)
    if fund.status != OPEN:
        raise Conflict("invalid_transition", "资金池已关闭，不能追加")
    before = fund_data(fund)
    fund.budget += body["amount"]
    db.session.add(FundTopUp(fund_id=fund.id, amount=body["amount"], note=body.get("note"),
                             created_by=identity.user_id, created_at=utcnow()))
    _fund_step(actor, fund, "fund.topped_up", before, amount=json_number(body["amount"]), note=body.get("note"))
    db.session.commit()
    return fund


def close_fund(identity: Identity, actor: Actor, fund_id: int) -> Fund:
    """No new claims or approvals; approved claims may still be paid."""
    fund = _managed_fund(identity, fund_id)
    if fund.status != OPEN:
        raise Conflict("invalid_transition", "资金池已关闭")
    before = fund_data(fund)
    fund.status, fund.closed_at = CLOSED, utcnow()
    _fund_step(actor, fund, "fund.closed", before)
    db.session.commit()
    return fund


# --- claims ------------------------------------------------------------------------------------------

def coverage_problem(fund: Fund, loan: Loan) -> str | None:
    """Why the fund does not cover the loan (Chinese), or None when it does."""
    if loan.status not in CLAIMABLE_LOAN_STATUSES:
        return "仅不良或已核销的贷款可申请代偿"
    if loan.institution_type not in fund.institution_types:
        return "资金池不覆盖该类型的机构"
    if fund.whitelisted_only and not loan.whitelisted:
        return "资金池仅覆盖放款时在白名单内的企业的贷款"
    if not fund.loans_from <= loan.disbursed_on <= fund.loans_to:
        return "贷款的放款日期不在资金池覆盖的期间内"
    if db.session.get(LoanRegion, (loan.id, fund.region_code)) is None:
        return "贷款不在资金池所属区域内"
    if business_date() > fund.claims_until:
        return "已过资金池的代偿申请截止日期"
    return None


def _check_evidence(files: list[Evidence]) -> list[tuple[Evidence, str]]:
    limit = current_app.config["LOAN_EVIDENCE_FILE_MAX_BYTES"]
    most = current_app.config["LOAN_EVIDENCE_MAX_FILES"]
    files = [f for f in files if f.content]
    if not files:
        raise ValidationFailed({"evidence": ["请上传代偿证明材料"]})
    if len(files) > most:
        raise ValidationFailed({"evidence": [f"最多上传 {most} 个文件"]})
    checked = []
    for upload in files:
        if len(upload.content) > limit:
            raise ValidationFailed({"evidence": [f"{upload.name}：文件不能超过 {limit // (1024 * 1024)} MB"]})
        content_type = sniff_type(upload.content)
        if content_type is None:
            raise ValidationFailed({"evidence": [f"{upload.name}：须为 JPEG、PNG 图片或 PDF 文件"]})
        checked.append((upload, content_type))
    return checked


def submit_claim(identity: Identity, actor: Actor, fund_id: int, form: dict, files: list[Evidence]) -> Claim:
    """The loan's institution claims its loss on one fund (a loss may be claimed from several)."""
    fund = _visible_fund(identity, fund_id)
    loan = visible_loan(identity, form["loan_id"])  # another institution's loan → 404
    evidence = _check_evidence(files)
    fund = _locked_fund(fund.id)  # one claim at a time per fund: the open-claim check cannot race
    if fund.status != OPEN:
        raise Conflict("invalid_transition", "资金池已关闭，不再受理代偿申请")
    if form["loss_principal"] > loan.outstanding_principal:
        outstanding = json_number(loan.outstanding_principal)
        raise ValidationFailed({"loss_principal": [f"不能超过贷款未还本金 {outstanding} 万元"]})
    if db.session.scalar(select(func.count()).select_from(Claim).where(
            Claim.fund_id == fund.id, Claim.loan_id == loan.id, Claim.status.in_(OPEN_CLAIM_STATUSES))):
        raise Conflict("claim_exists", "该贷款在此资金池已有未结的代偿申请")
    problem = coverage_problem(fund, loan)
    if problem:
        raise ValidationFailed({"loan_id": [problem]}, code="not_covered", message="该贷款不在资金池的补偿范围内")
    claim = Claim(fund_id=fund.id, loan_id=loan.id, institution_id=loan.institution_id,
                  loss_principal=form["loss_principal"], note=form.get("note"), status=SUBMITTED,
                  submitted_by=identity.user_id, created_at=utcnow(),
                  files=[ClaimFile(name=upload.name[:200] or "evidence", content_type=content_type,
                                   size=len(upload.content), sha256=hashlib.sha256(upload.content).hexdigest(),
                                   content=upload.content, created_at=utcnow())
                         for upload, content_type in evidence])
    db.session.add(claim)
    db.session.flush()
    _claim_step(actor, claim, fund, loan, "fund.claim_submitted", None)
    db.session.commit()
    return claim


def _claim_visible_to(identity: Identity, claim: Claim, fund: Fund) -> bool:
    """The loan's institution; the fund's managers; a government user whose region holds the loan."""
    if identity.role == "institution":
        return identity.institution_id is not None and identity.institution_id == claim.institution_id
    return (government_relation(identity, fund.region_code) == MANAGE
            or (identity.role == "government" and loan_in_region(identity, claim.loan_id)))


def get_claim(identity: Identity, claim_id: int) -> Claim:
    claim = db.session.get(Claim, claim_id)
    if claim is None or not _claim_visible_to(identity, claim, db.session.get(Fund, claim.fund_id)):
        raise NotFound(CLAIM_NOT_FOUND)
    return claim


def list_claims(identity: Identity, args: dict) -> dict:
    stmt = select(Claim)
    if identity.role == "institution":
        if identity.institution_id is None:
            raise forbidden("账号未绑定金融机构")
        stmt = stmt.where(Claim.institution_id == identity.institution_id)
    elif identity.role == "government":
        visible_regions(identity, Fund.region_code)  # a government account without a region → 403
        stmt = stmt.where(or_(Claim.fund_id.in_(select(Fund.id).where(managed_regions(identity, Fund.region_code))),
                              loans_in_region(identity, Claim.loan_id)))
    elif identity.role != "admin":
        raise forbidden("没有权限")
    for key in ("fund_id", "loan_id", "status"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Claim, key) == args[key])
    return paginate(db.session, stmt, NEWEST_CLAIMS, args)


def claim_file(identity: Identity, claim_id: int, file_id: int) -> tuple[ClaimFile, bytes]:
    claim = get_claim(identity, claim_id)
    row = next((f for f in claim.files if f.id == file_id), None)
    if row is None:
        raise NotFound("文件不存在")
    return row, row.content


def _managed_claim(identity: Identity, claim_id: int) -> tuple[Claim, Fund, Loan]:
    """The claim, its fund and loan, locked fund first then claim (every writer locks in this order)."""
    claim = get_claim(identity, claim_id)
    fund = db.session.get(Fund, claim.fund_id)
    require_manage(identity, fund.region_code, CLAIM_NOT_FOUND)
    fund = _locked_fund(fund.id)
    claim = db.session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update()
                              .execution_options(populate_existing=True))
    return claim, fund, db.session.get(Loan, claim.loan_id)


def approved_for_loan(fund_id: int, loan_id: int) -> Decimal:
    """What this fund has approved (paid or not) for the loan's claims."""
    return db.session.scalar(select(func.coalesce(func.sum(Claim.approved_amount), 0)).where(
        Claim.fund_id == fund_id, Claim.loan_id == loan_id, Claim.status.in_((APPROVED, PAID)))) or Decimal(0)


def _limits(fund: Fund, claim: Claim) -> dict[str, Decimal]:
    share = rounded(fund.share_percent * claim.loss_principal / 100)
    cap_left = fund.cap_per_loan - Decimal(approved_for_loan(fund.id, claim.loan_id))
    return {"share": share, "cap_left": cap_left, "available": fund.available,
            "approvable": max(Decimal(0), min(share, cap_left, fund.available))}


def claim_limit(fund: Fund, claim: Claim) -> Decimal:
    """The most the fund may approve for the claim now: min(share × loss, what the per-loan cap leaves,
    what the fund has available), never below 0."""
    return _limits(fund, claim)["approvable"]


def open_claim_limits(claim: Claim) -> dict[str, Decimal] | None:
    """For a claim awaiting its decision, the three figures that bound its approval now and their
    minimum (what `approve_claim` would accept at this moment); None once it is decided."""
    if claim.status != SUBMITTED:
        return None
    return _limits(db.session.get(Fund, claim.fund_id), claim)


def _decide(identity: Identity, actor: Actor, claim_id: int, status: str, message: str, event_type: str,
            change) -> Claim:
    def record(claim, fund, loan, before):
        _claim_step(actor, claim, fund, loan, event_type, before)

    return grants.decide(_managed_claim(identity, claim_id), status, message, claim_data, record, change)


def approve_claim(identity: Identity, actor: Actor, claim_id: int, amount: Decimal) -> Claim:
    def change(claim, fund):
        if fund.status != OPEN:
            raise Conflict("invalid_transition", "资金池已关闭，不能再核准")
        grants.approve(claim, fund, amount, claim_limit(fund, claim), "over_fund_limit", "核准金额超过资金池的限额",
                       "分担比例、单笔上限、余额")

    return _decide(identity, actor, claim_id, SUBMITTED, "只有待审核的代偿申请可以核准", "fund.claim_approved", change)


def reject_claim(identity: Identity, actor: Actor, claim_id: int, reason: str) -> Claim:
    return _decide(identity, actor, claim_id, SUBMITTED, "只有待审核的代偿申请可以驳回", "fund.claim_rejected",
                   lambda claim, _fund: grants.reject(claim, reason))


def pay_claim(identity: Identity, actor: Actor, claim_id: int, body: dict) -> Claim:
    return _decide(identity, actor, claim_id, APPROVED, "只有已核准的代偿申请可以拨付", "fund.claim_paid",
                   lambda claim, fund: grants.pay(claim, fund, body))


def withdraw_claims_of(loan: Loan) -> None:
    """The loan was settled: its claims not yet paid are withdrawn and what was approved for them goes
    back to their funds. In the caller's transaction (the repayment's), never committed here."""
    claims = db.session.scalars(select(Claim).where(Claim.loan_id == loan.id,
                                                    Claim.status.in_(OPEN_CLAIM_STATUSES))
                                .order_by(Claim.fund_id)).all()
    for claim in claims:
        fund = _locked_fund(claim.fund_id)
        claim = db.session.scalar(select(Claim).where(Claim.id == claim.id).with_for_update()
                                  .execution_options(populate_existing=True))
        if claim.status not in OPEN_CLAIM_STATUSES:
            continue
        before = claim_data(claim, fund, loan)
        if claim.status == APPROVED:
            fund.approved -= claim.approved_amount
        claim.status, claim.reason, claim.decided_at = WITHDRAWN, "贷款已结清，代偿申请自动撤回", utcnow()
        _claim_step(SYSTEM, claim, fund, loan, "fund.claim_withdrawn", before)
