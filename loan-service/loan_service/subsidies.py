"""Interest subsidies (贴息): programmes a government sets up and enterprises' applications on their loans.

A programme pays either a share of the interest paid (`share_percent`) or some annual percentage points
of it (`rate_points`: interest paid × points ÷ the loan's rate, never more than the interest paid),
at most `cap_per_enterprise` to one enterprise in the programme, within its budget. The amount is
computed once, from the interest recorded as paid on the loan when the enterprise applies (frozen), and
the officer approves it (or less), rejects or pays it. Approvals change the programme's sums under its
row lock, so two at once never pass the budget together.

Every step is announced (subsidy.*) through the outbox and audited in the same transaction.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from xyd_common.audit import Actor, record_audit
from xyd_common.errors import Conflict, NotFound, ValidationFailed
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate
from xyd_common.schemas import json_number
from xyd_common.tokens import Identity, require_verified_enterprise

from . import grants
from .access import forbidden, visible_loan
from .business_date import business_date
from .funds import rounded
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
    ENDED,
    OPEN,
    PAID,
    SUBMITTED,
    AuditLog,
    SubsidyApplication,
    SubsidyProgram,
    WhitelistEntry,
)
from .models import WRITTEN_OFF, Loan, LoanRegion, OutboxMessage, db
from .services import SOURCE

PROGRAM_NOT_FOUND, APPLICATION_NOT_FOUND = "贴息项目不存在", "贴息申请不存在"
NEWEST_PROGRAMS = [SortKey(SubsidyProgram.id, descending=True)]
NEWEST_APPLICATIONS = [SortKey(SubsidyApplication.id, descending=True)]


# --- events and audit --------------------------------------------------------------------------------

def _number(value: Decimal | None):
    return None if value is None else json_number(value)


def program_data(program: SubsidyProgram) -> dict:
    return {"program_id": program.id, "name": program.name, "region_code": program.region_code,
            "rate_points": _number(program.rate_points), "share_percent": _number(program.share_percent),
            "first_loan_only": program.first_loan_only, "whitelisted_only": program.whitelisted_only,
            "cap_per_enterprise": json_number(program.cap_per_enterprise), "budget": json_number(program.budget),
            "approved": json_number(program.approved), "paid": json_number(program.paid),
            "loans_from": program.loans_from.isoformat(), "loans_to": program.loans_to.isoformat(),
            "apply_until": program.apply_until.isoformat()}


def application_data(application: SubsidyApplication, program: SubsidyProgram, loan: Loan) -> dict:
    """An application event's data: `region_code` is the loan's (subscribers of its region and above)."""
    return {"application_id": application.id, "program_id": program.id, "program_name": program.name,
            "program_region_code": program.region_code, "loan_id": loan.id, "order_id": loan.order_id,
            "order_no": loan.order_no, "enterprise_uscc": loan.enterprise_uscc,
            "institution_id": loan.institution_id, "region_code": loan.region_code, "status": application.status,
            "interest_paid": json_number(application.interest_paid),
            "computed_amount": json_number(application.computed_amount),
            "approved_amount": _number(application.approved_amount),
            "paid_on": application.paid_on.isoformat() if application.paid_on else None,
            "reason": application.reason}


def _step(actor: Actor, event_type: str, target_type: str, target_id: int, before: dict | None, after: dict) -> None:
    record_event(db.session, OutboxMessage, event_type, after, SOURCE)
    record_audit(db.session, AuditLog, actor, event_type, target_type, target_id, before, after)


def _application_step(actor: Actor, application: SubsidyApplication, program: SubsidyProgram, loan: Loan,
                      event_type: str, before: dict | None) -> None:
    _step(actor, event_type, "subsidy_application", application.id, before,
          application_data(application, program, loan))


# --- programmes --------------------------------------------------------------------------------------

def create_program(identity: Identity, actor: Actor, body: dict) -> SubsidyProgram:
    check_new_region(identity, body["region_code"])
    if (body.get("rate_points") is None) == (body.get("share_percent") is None):
        raise ValidationFailed({"rate_points": ["rate_points 与 share_percent 须且只能填一项"]})
    if body["loans_from"] > body["loans_to"]:
        raise ValidationFailed({"loans_to": ["不能早于 loans_from"]})
    program = SubsidyProgram(**body, approved=Decimal(0), paid=Decimal(0), created_by=identity.user_id,
                             created_at=utcnow())
    db.session.add(program)
    db.session.flush()
    _step(actor, "subsidy.program_created", "subsidy_program", program.id, None, program_data(program))
    db.session.commit()
    return program


def _visible_program(identity: Identity, program_id: int) -> SubsidyProgram:
    """Government in its region's line and the admin; enterprises every programme (they apply to those
    that take their loans)."""
    program = db.session.get(SubsidyProgram, program_id)
    if program is None or (identity.role != "enterprise"
                           and government_relation(identity, program.region_code) is None):
        raise NotFound(PROGRAM_NOT_FOUND)
    return program


def program_status(program: SubsidyProgram, today: date | None = None) -> str:
    """`open` while the programme takes applications (until `apply_until`), then `ended`; `today` is the
    business date when the caller has it already (many programmes at once)."""
    return OPEN if (today or business_date()) <= program.apply_until else ENDED


def get_program(identity: Identity, program_id: int) -> SubsidyProgram:
    return _visible_program(identity, program_id)


def list_programs(identity: Identity, args: dict) -> dict:
    stmt = select(SubsidyProgram)
    if identity.role != "enterprise":
        condition = visible_regions(identity, SubsidyProgram.region_code)
        if condition is not None:
            stmt = stmt.where(condition)
    if args.get("region_code"):
        stmt = stmt.where(SubsidyProgram.region_code == args["region_code"])
    if args.get("status") == OPEN:
        stmt = stmt.where(SubsidyProgram.apply_until >= business_date())
    elif args.get("status") == ENDED:
        stmt = stmt.where(SubsidyProgram.apply_until < business_date())
    return paginate(db.session, stmt, NEWEST_PROGRAMS, args)


def _locked_program(program_id: int) -> SubsidyProgram:
    return db.session.scalar(select(SubsidyProgram).where(SubsidyProgram.id == program_id).with_for_update()
                             .execution_options(populate_existing=True))


# --- applications ------------------------------------------------------------------------------------

def whitelisted_now(loan: Loan) -> bool:
    """Whether the loan's enterprise is on the whitelist today, as credit-service last announced; the
    loan's whitelisting at disbursement when nothing was announced since this service ran."""
    entry = db.session.get(WhitelistEntry, loan.enterprise_uscc)
    if entry is None:
        return loan.whitelisted
    return entry.whitelisted and (entry.valid_until is None or entry.valid_until >= business_date())


def eligibility_problem(program: SubsidyProgram, loan: Loan, interest_paid: Decimal) -> str | None:
    """Why the loan cannot have the programme's subsidy (Chinese), or None."""
    if loan.status == WRITTEN_OFF:
        return "已核销的贷款不能申请贴息"
    if program.first_loan_only and not loan.first_loan:
        return "该项目仅限首贷"
    if program.whitelisted_only and not whitelisted_now(loan):
        return "该项目仅限白名单内的企业"
    if not program.loans_from <= loan.disbursed_on <= program.loans_to:
        return "贷款的放款日期不在项目覆盖的期间内"
    if db.session.get(LoanRegion, (loan.id, program.region_code)) is None:
        return "贷款不在项目所属区域内"
    if business_date() > program.apply_until:
        return "已过项目的申请截止日期"
    if interest_paid <= 0:
        return "该贷款尚无已付利息"
    return None


def interest_paid(loan: Loan) -> Decimal:
    return sum((i.paid_interest for i in loan.schedule), Decimal(0))


def granted_to_enterprise(program_id: int, uscc: str, besides: int | None = None) -> Decimal:
    """What the programme has approved (paid or not) for the enterprise's other applications."""
    stmt = select(func.coalesce(func.sum(SubsidyApplication.approved_amount), 0)).where(
        SubsidyApplication.program_id == program_id, SubsidyApplication.enterprise_uscc == uscc,
        SubsidyApplication.status.in_((APPROVED, PAID)))
    if besides is not None:
        stmt = stmt.where(SubsidyApplication.id != besides)
    return Decimal(db.session.scalar(stmt) or 0)


def computed_amount(program: SubsidyProgram, loan_rate: Decimal, paid: Decimal, cap_left: Decimal) -> Decimal:
    """The programme's rule on the interest paid: share % of it, or points ÷ the loan's rate of it (never
    more than it), capped by what the enterprise's cap leaves, half-up to 0.0001 万元."""
    if program.share_percent is not None:
        amount = program.share_percent * paid / 100
    else:
        amount = min(paid, paid * program.rate_points / loan_rate) if loan_rate > 0 else paid
    return rounded(max(Decimal(0), min(amount, cap_left)))


def calculation(application: SubsidyApplication) -> str:
    """How the computed amount came about, in Chinese, for the enterprise and the officer to check."""
    program, loan = application.program, application.loan
    paid = json_number(application.interest_paid)
    if program.share_percent is not None:
        text = f"已付利息 {paid} 万元 × {json_number(program.share_percent)}%"
    else:
        text = (f"已付利息 {paid} 万元 × {json_number(program.rate_points)} 个百分点 ÷ 贷款年利率 "
                f"{json_number(loan.rate)}%（不超过已付利息）")
    raw = computed_amount(program, loan.rate, application.interest_paid, application.interest_paid)  # uncapped
    capped = "，按每户上限封顶" if application.computed_amount < raw else ""
    return f"{text}{capped}，四舍五入至 0.0001 万元 = {json_number(application.computed_amount)} 万元"


def apply(identity: Identity, actor: Actor, program_id: int, loan_id: int) -> SubsidyApplication:
    require_verified_enterprise(identity)
    program = _visible_program(identity, program_id)
    loan = visible_loan(identity, loan_id)  # another enterprise's loan → 404
    if db.session.scalar(select(func.count()).select_from(SubsidyApplication).where(
            SubsidyApplication.program_id == program.id, SubsidyApplication.loan_id == loan.id)):
        raise Conflict("subsidy_exists", "该贷款已申请过此贴息项目")
    paid = interest_paid(loan)
    problem = eligibility_problem(program, loan, paid)
    cap_left = program.cap_per_enterprise - granted_to_enterprise(program.id, loan.enterprise_uscc)
    amount = computed_amount(program, loan.rate, paid, cap_left)
    if problem is None and amount <= 0:
        problem = "本企业在该项目的贴息已达上限"
    if problem:
        raise ValidationFailed({"loan_id": [problem]}, code="not_eligible", message="该贷款不符合贴息项目的条件")
    application = SubsidyApplication(program_id=program.id, loan_id=loan.id, enterprise_uscc=loan.enterprise_uscc,
                                     status=SUBMITTED, interest_paid=paid, computed_amount=amount,
                                     submitted_by=identity.user_id, created_at=utcnow())
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:  # the same loan applied at the same moment
        db.session.rollback()
        raise Conflict("subsidy_exists", "该贷款已申请过此贴息项目") from None
    _application_step(actor, application, program, loan, "subsidy.application_submitted", None)
    db.session.commit()
    return application


def _application_visible_to(identity: Identity, application: SubsidyApplication) -> bool:
    if identity.role == "enterprise":
        return identity.verified_uscc is not None and identity.verified_uscc == application.enterprise_uscc
    program = db.session.get(SubsidyProgram, application.program_id)
    return (government_relation(identity, program.region_code) == MANAGE
            or (identity.role == "government" and loan_in_region(identity, application.loan_id)))


def get_application(identity: Identity, application_id: int) -> SubsidyApplication:
    if identity.role == "enterprise":
        require_verified_enterprise(identity)
    application = db.session.get(SubsidyApplication, application_id)
    if application is None or not _application_visible_to(identity, application):
        raise NotFound(APPLICATION_NOT_FOUND)
    return application


def list_applications(identity: Identity, args: dict, program_id: int | None = None) -> dict:
    """A programme's applications (government, admin), or the caller's own (enterprise) when no
    programme is named."""
    stmt = select(SubsidyApplication)
    if program_id is not None:
        program = _visible_program(identity, program_id)
        if identity.role == "enterprise":
            raise NotFound(PROGRAM_NOT_FOUND)
        stmt = stmt.where(SubsidyApplication.program_id == program.id)
        if government_relation(identity, program.region_code) != MANAGE:  # a district below: its own loans'
            stmt = stmt.where(loans_in_region(identity, SubsidyApplication.loan_id))
    elif identity.role == "enterprise":
        stmt = stmt.where(SubsidyApplication.enterprise_uscc == require_verified_enterprise(identity))
    elif identity.role == "government":
        visible_regions(identity, SubsidyProgram.region_code)  # a government account without a region → 403
        stmt = stmt.where(or_(
            SubsidyApplication.program_id.in_(select(SubsidyProgram.id).where(
                managed_regions(identity, SubsidyProgram.region_code))),
            loans_in_region(identity, SubsidyApplication.loan_id)))
    elif identity.role != "admin":
        raise forbidden("没有权限")
    for key in ("status", "loan_id"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(SubsidyApplication, key) == args[key])
    return paginate(db.session, stmt, NEWEST_APPLICATIONS, args)


def _managed_application(identity: Identity, application_id: int):
    """The application, its programme (locked first) and loan, for a decision."""
    application = get_application(identity, application_id)
    program = db.session.get(SubsidyProgram, application.program_id)
    require_manage(identity, program.region_code, APPLICATION_NOT_FOUND)
    program = _locked_program(program.id)
    application = db.session.scalar(select(SubsidyApplication).where(SubsidyApplication.id == application_id)
                                    .with_for_update().execution_options(populate_existing=True))
    return application, program, db.session.get(Loan, application.loan_id)


def approval_limit(program: SubsidyProgram, application: SubsidyApplication) -> Decimal:
    """The most the programme may approve now: the computed amount, what the enterprise's cap leaves and
    what the budget has left."""
    cap_left = program.cap_per_enterprise - granted_to_enterprise(program.id, application.enterprise_uscc,
                                                                  besides=application.id)
    return max(Decimal(0), min(application.computed_amount, cap_left, program.available))


def _decide(identity: Identity, actor: Actor, application_id: int, status: str, message: str, event_type: str,
            change) -> SubsidyApplication:
    def record(application, program, loan, before):
        _application_step(actor, application, program, loan, event_type, before)

    return grants.decide(_managed_application(identity, application_id), status, message, application_data,
                         record, change)


def approve(identity: Identity, actor: Actor, application_id: int, amount: Decimal | None) -> SubsidyApplication:
    def change(application, program):
        grants.approve(application, program, application.computed_amount if amount is None else amount,
                       approval_limit(program, application), "over_budget", "核准金额超过测算金额或项目剩余预算",
                       "测算金额、每户上限、预算")

    return _decide(identity, actor, application_id, SUBMITTED, "只有待审核的贴息申请可以核准",
                   "subsidy.application_approved", change)


def reject(identity: Identity, actor: Actor, application_id: int, reason: str) -> SubsidyApplication:
    return _decide(identity, actor, application_id, SUBMITTED, "只有待审核的贴息申请可以驳回",
                   "subsidy.application_rejected", lambda application, _program: grants.reject(application, reason))


def pay(identity: Identity, actor: Actor, application_id: int, body: dict) -> SubsidyApplication:
    return _decide(identity, actor, application_id, APPROVED, "只有已核准的贴息申请可以拨付",
                   "subsidy.application_paid", lambda application, program: grants.pay(application, program, body))
