"""`/instruments/figures`: what the government instruments add up to for the caller — each risk
compensation fund's budget, approved (not yet paid), paid and available money with its claims by status,
the claims by institution, each subsidy programme's budget, approved, paid and what is left with its
applications by status, and the totals — and the same as a spreadsheet (`/instruments/figures/export`).

Which funds and programmes: those the caller's lists show (`GET /funds`, `GET /subsidy-programs`): a
government user's region's line (its region, the regions below it, and those above it read-only), the
admin's all; `region_code` narrows them to those set up in that region or below it. The money is each
fund's and programme's own, as `GET /funds/{id}` shows it. The claims and applications counted are those
the caller may list: all of a fund or programme it manages; of one above it (read-only), those on loans in
its own region — a district never learns the other districts' claims from its city's fund.

A handful of grouped queries whatever the number of funds: the funds, their claims grouped by (fund,
institution, status), the programmes, their applications grouped by (programme, status).
"""

from decimal import Decimal

from flask import Response
from sqlalchemy import and_, false, func, or_, select

from xyd_common.spreadsheets import export_response
from xyd_common.tokens import Identity

from .access import forbidden
from .business_date import business_date
from .instrument_access import loans_in_region, regions_below, visible_regions
from .instrument_models import (
    APPLICATION_STATUSES,
    APPROVED,
    CLAIM_STATUSES,
    CLOSED,
    ENDED,
    OPEN,
    PAID,
    REJECTED,
    SUBMITTED,
    WITHDRAWN,
    Claim,
    Fund,
    SubsidyApplication,
    SubsidyProgram,
)
from .models import Institution, Loan, Region, db
from .subsidies import program_status

ZERO = Decimal(0)


# --- scope -------------------------------------------------------------------------------------------

def _region(identity: Identity, requested: str | None) -> str | None:
    """The region asked about: a government user's own or one below it (another → 403), any for the
    admin. Only government users and the admin add these figures up."""
    if identity.role not in ("government", "admin"):
        raise forbidden("没有权限")
    if identity.role == "government":
        if not identity.region_code:
            raise forbidden("账号未绑定行政区")
        if requested is not None and requested not in regions_below(identity.region_code):
            raise forbidden("只能查看本区域及下级区域的统计")
    return requested


def _listed(identity: Identity, model, region: str | None) -> list:
    """The funds or programmes the caller's list shows (within `region` and below when given), newest first."""
    stmt = select(model).order_by(model.id.desc())
    condition = visible_regions(identity, model.region_code)
    if condition is not None:
        stmt = stmt.where(condition)
    if region is not None:
        stmt = stmt.where(model.region_code.in_(sorted(regions_below(region))))
    return list(db.session.scalars(stmt))


def _counted(identity: Identity, parents: list, parent_column, loan_column):
    """A condition on claims or applications (`parent_column` their fund or programme, `loan_column` their
    loan): those of `parents` the caller may list — every one of a parent it manages, of the others (a
    region above, read-only) those on loans in its own region."""
    if identity.role == "admin":
        return parent_column.in_([p.id for p in parents]) if parents else false()
    managed_regions = regions_below(identity.region_code)
    managed = [p.id for p in parents if p.region_code in managed_regions]
    above = [p.id for p in parents if p.region_code not in managed_regions]
    conditions = []
    if managed:
        conditions.append(parent_column.in_(managed))
    if above:
        conditions.append(and_(parent_column.in_(above), loans_in_region(identity, loan_column)))
    return or_(*conditions) if conditions else false()


# --- the figures -------------------------------------------------------------------------------------

def _claims(identity: Identity, funds: list[Fund]) -> tuple[dict, list[dict]]:
    """The counted claims per fund and status, and per institution (claims, approved not yet paid, paid):
    one grouped query."""
    stmt = (select(Claim.fund_id, Claim.institution_id, Claim.status, func.count(), func.sum(Claim.approved_amount),
                   Institution.name, func.max(Loan.institution_name))
            .join(Loan, Loan.id == Claim.loan_id)
            .outerjoin(Institution, Institution.id == Claim.institution_id)
            .where(_counted(identity, funds, Claim.fund_id, Claim.loan_id))
            .group_by(Claim.fund_id, Claim.institution_id, Claim.status, Institution.name))
    per_fund = {fund.id: dict.fromkeys(CLAIM_STATUSES, 0) for fund in funds}
    per_institution: dict[int, dict] = {}
    for fund_id, institution_id, status, count, amount, name, name_on_loan in db.session.execute(stmt):
        per_fund[fund_id][status] += count
        # The institution's name as auth-service last announced it, else as its loans carry it.
        row = per_institution.setdefault(institution_id, {
            "institution_id": institution_id, "institution_name": name or name_on_loan, "claims": 0,
            "approved_amount": ZERO, "paid_amount": ZERO})
        row["claims"] += count
        if status == APPROVED:
            row["approved_amount"] += amount or ZERO
        elif status == PAID:
            row["paid_amount"] += amount or ZERO
    institutions = sorted(per_institution.values(), key=lambda r: (-r["claims"], r["institution_id"]))
    return per_fund, institutions


def _applications(identity: Identity, programs: list[SubsidyProgram]) -> dict:
    """The counted applications per programme and status: one grouped query."""
    stmt = (select(SubsidyApplication.program_id, SubsidyApplication.status, func.count())
            .where(_counted(identity, programs, SubsidyApplication.program_id, SubsidyApplication.loan_id))
            .group_by(SubsidyApplication.program_id, SubsidyApplication.status))
    per_program = {program.id: dict.fromkeys(APPLICATION_STATUSES, 0) for program in programs}
    for program_id, status, count in db.session.execute(stmt):
        per_program[program_id][status] += count
    return per_program


def _total(rows: list[dict], key: str) -> Decimal:
    return sum((row[key] for row in rows), ZERO)


def instrument_figures(identity: Identity, args: dict) -> dict:
    region = _region(identity, args.get("region_code"))
    funds = _listed(identity, Fund, region)
    programs = _listed(identity, SubsidyProgram, region)
    claims, institutions = _claims(identity, funds)
    applications = _applications(identity, programs)
    today = business_date()
    fund_rows = [{"id": f.id, "name": f.name, "region_code": f.region_code, "status": f.status, "budget": f.budget,
                  "approved": f.approved, "paid": f.paid, "available": f.available, "claims": claims[f.id]}
                 for f in funds]
    program_rows = [{"id": p.id, "name": p.name, "region_code": p.region_code, "status": program_status(p, today),
                     "budget": p.budget, "approved": p.approved, "paid": p.paid, "left": p.available,
                     "applications": applications[p.id]} for p in programs]
    totals = {
        "fund_budget": _total(fund_rows, "budget"), "fund_approved": _total(fund_rows, "approved"),
        "fund_paid": _total(fund_rows, "paid"), "fund_available": _total(fund_rows, "available"),
        "claims_open": sum(row["claims"][SUBMITTED] for row in fund_rows),
        "subsidy_budget": _total(program_rows, "budget"), "subsidy_approved": _total(program_rows, "approved"),
        "subsidy_paid": _total(program_rows, "paid"),
        "applications_open": sum(row["applications"][SUBMITTED] for row in program_rows),
    }
    return {"region_code": region, "business_date": today, "funds": fund_rows,
            "claims_by_institution": institutions, "programs": program_rows, "totals": totals}


# --- the spreadsheet ---------------------------------------------------------------------------------

# The status names the web console shows (web/src/utils/labels.ts).
FUND_STATUS_NAMES = {OPEN: "受理中", CLOSED: "已关闭"}
PROGRAM_STATUS_NAMES = {OPEN: "受理中", ENDED: "已截止"}
REQUEST_STATUS_NAMES = {SUBMITTED: "待审核", APPROVED: "已核准", REJECTED: "已驳回", PAID: "已拨付",
                        WITHDRAWN: "已撤销"}


def _money_headers(budget: str, left: str) -> list[str]:
    return [f"{budget}（万元）", "已核准待拨付（万元）", "已拨付（万元）", f"{left}（万元）"]


def _count_headers(statuses: tuple[str, ...], noun: str) -> list[str]:
    return [f"{noun}{REQUEST_STATUS_NAMES[status]}（笔）" for status in statuses]


def export_figures(identity: Identity, args: dict) -> Response:
    """The figures as three sheets: 资金池 (with its claims by status), 代偿（按机构）, 贴息项目 (with its
    applications by status); the CSV is the first."""
    figures = instrument_figures(identity, args)
    codes = {row["region_code"] for row in figures["funds"] + figures["programs"]}
    names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(sorted(codes)))).all())
    funds = [["资金池", "所属区域", "状态", *_money_headers("资金规模", "可用余额"),
              *_count_headers(CLAIM_STATUSES, "代偿")]]
    funds += [[f["name"], names.get(f["region_code"], f["region_code"]),
               FUND_STATUS_NAMES.get(f["status"], f["status"]), f["budget"], f["approved"], f["paid"], f["available"],
               *(f["claims"][s] for s in CLAIM_STATUSES)] for f in figures["funds"]]
    institutions = [["金融机构", "代偿申请（笔）", "已核准待拨付（万元）", "已拨付（万元）"]]
    institutions += [[row["institution_name"], row["claims"], row["approved_amount"], row["paid_amount"]]
                     for row in figures["claims_by_institution"]]
    programs = [["贴息项目", "所属区域", "状态", *_money_headers("预算", "剩余预算"),
                 *_count_headers(APPLICATION_STATUSES, "贴息申请")]]
    programs += [[p["name"], names.get(p["region_code"], p["region_code"]),
                  PROGRAM_STATUS_NAMES.get(p["status"], p["status"]), p["budget"], p["approved"], p["paid"], p["left"],
                  *(p["applications"][s] for s in APPLICATION_STATUSES)] for p in figures["programs"]]
    return export_response(args.get("format", "xlsx"), [("资金池", funds), ("代偿（按机构）", institutions),
                                                         ("贴息项目", programs)], "风险补偿与贴息")
