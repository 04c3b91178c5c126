"""`/loans/stats`: the figures a city reports on its loans — count, principal, balance, first loans (首贷),
renewals (续贷), the principal-weighted average rate, days from application to money, overdue and
non-performing balances and the non-performing ratio (不良率), written-off amounts — over the loans of a
region (and below) and/or an institution disbursed in a date range, for the whole range and per day,
week, month or district (`group_by`).

Everything is added up from the pre-aggregated figures (figures.py), never from the loans: a few hundred
rows instead of up to a million loans. Balances are the loans' as of the business date (the aging job
and every repayment keep them so). Ratios are fractions rounded half-up to 4 places, null when the
denominator is 0.
"""

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from xyd_common.errors import ValidationFailed
from xyd_common.figures import region_group, region_group_name, summed_rows, time_group
from xyd_common.tokens import Identity

from .access import forbidden, region_in_scope
from .business_date import business_date
from .figures import CONTRIBUTION, LoanFigures, period_conditions
from .models import Region, db

FOUR_PLACES = Decimal("0.0001")
ONE_PLACE = Decimal("0.1")


def _regions() -> dict[str, tuple[str, list]]:
    return {code: (name, list(path)) for code, name, path in
            db.session.execute(select(Region.code, Region.name, Region.path))}


def stats_scope(identity: Identity, args: dict) -> tuple[str | None, int | None]:
    """(region, institution) the caller adds up: a government user its region or one below it (another →
    403), an institution its own loans only (another institution → 403), the admin any."""
    date_from, date_to = args.get("date_from"), args.get("date_to")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed({"from": ["开始日期不能晚于结束日期"]})
    institution = args.get("institution_id")
    if identity.role == "institution":
        if identity.institution_id is None:
            raise forbidden("账号未绑定金融机构")
        if institution is not None and institution != identity.institution_id:
            raise forbidden("只能查看本机构的贷款统计")
        institution = identity.institution_id
    elif identity.role not in ("government", "admin"):
        raise forbidden("没有权限")
    return region_in_scope(identity, args.get("region_code")), institution


def _conditions(args: dict, region: str | None, institution: int | None, regions: dict, by_day: bool) -> list:
    conditions = period_conditions(args.get("date_from"), args.get("date_to"), by_day)
    if region is not None:
        below = [code for code, (_name, path) in regions.items() if region in path]
        conditions.append(LoanFigures.region_code.in_(below or [region]))
    if institution is not None:
        conditions.append(LoanFigures.institution_id == institution)
    return conditions


def summed(conditions: list, group: tuple[str, ...]) -> list[dict]:
    """The figures summed over the rows that meet the conditions, per `group` columns."""
    return summed_rows(db.session, LoanFigures, conditions, group, CONTRIBUTION)


def _ratio(numerator: Decimal, denominator: Decimal, places: Decimal = FOUR_PLACES) -> Decimal | None:
    return (Decimal(numerator) / Decimal(denominator)).quantize(places, ROUND_HALF_UP) if denominator else None


def figures(rows: list[dict]) -> dict:
    """The contract's figures of the summed rows."""
    total = dict.fromkeys(CONTRIBUTION, 0)
    for row in rows:
        for name in CONTRIBUTION:
            total[name] += row[name] or 0
    money = {name: Decimal(total[name]) for name in ("principal", "first_loan_principal", "outstanding",
                                                     "overdue_outstanding", "npl_outstanding", "written_off")}
    return {
        "loans": int(total["loans"]), "principal": money["principal"], "outstanding": money["outstanding"],
        "first_loans": int(total["first_loans"]), "first_loan_principal": money["first_loan_principal"],
        "renewals": int(total["renewals"]),
        "avg_rate": _ratio(total["rate_principal"], money["principal"]),
        "avg_days_apply_to_disburse": _ratio(total["apply_days"], total["timed_loans"], ONE_PLACE),
        "overdue_outstanding": money["overdue_outstanding"], "npl_outstanding": money["npl_outstanding"],
        "npl_ratio": _ratio(money["npl_outstanding"], money["outstanding"]),
        "written_off": money["written_off"],
    }


def loan_stats(identity: Identity, args: dict) -> dict:
    region, institution = stats_scope(identity, args)
    regions = _regions()
    answer = {"region_code": region, "institution_id": institution, "date_from": args.get("date_from"),
              "date_to": args.get("date_to"), "business_date": business_date()}
    grouping = args.get("group_by")
    if not grouping:
        return {**answer, **figures(summed(_conditions(args, region, institution, regions, by_day=False), ()))}
    # One read: the groups' rows cover the same days as the whole range, so they add up to it.
    by_day = grouping in ("day", "week")
    rows = summed(_conditions(args, region, institution, regions, by_day),
                  ("region_code",) if grouping == "region" else ("period",))
    return {**answer, **figures(rows), "group_by": grouping, "groups": groups(rows, grouping, region, regions)}


def groups(rows: list[dict], grouping: str, region: str | None, regions: dict) -> list[dict]:
    """Per day, week (from Monday) or month of disbursement, or per region directly below the scope's (a
    city's districts; the scope's own loans, 本级, apart): each group's figures."""
    parts: dict = {}
    for row in rows:
        if grouping == "region":
            key = region_group(regions, region, row["region_code"])
            start, name = key, region_group_name(regions, region, key)
        else:
            start, key, name = time_group(grouping, row["period"])
        parts.setdefault(start, (key, name, []))[2].append(row)
    return [{"key": key, "name": name, **figures(part)} for key, name, part in (parts[s] for s in sorted(parts))]
