"""The government's statistics (`/orders/stats`): counts by status, requested / granted / disbursed sums,
overdue orders and per-institution figures over the orders of a region (and below) applied for in a
date range (China days) — for the whole range, and per day, week, month or district (`group_by`).

Everything is added up from the pre-aggregated figures (figures.py), never from the orders: a few
hundred rows instead of up to millions. Granted sums count orders that are credit_granted or disbursed
now (an order terminated after the grant counts as terminated); disbursed sums the disbursed ones.
Overdue: orders the deadline job marked (past their acceptance deadline while still submitted),
whatever they became later.
"""

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from xyd_common.errors import ValidationFailed
from xyd_common.figures import GROUPINGS, region_group, region_group_name, summed_rows, time_group  # noqa: F401  (schemas import GROUPINGS from here)
from xyd_common.tokens import Identity

from . import states
from .access import forbidden, region_and_below, region_in_scope
from .figures import CONTRIBUTION, OrderFigures, period_conditions
from .models import PUSH_ACCEPTED, PUSH_DECLINED, Institution, Need, NeedPush, Order, Region, Visit, db
from .queries import in_china_days

GRANTED = (states.CREDIT_GRANTED, states.DISBURSED)


def figures_scope(identity: Identity, args: dict, by_day: bool = False) -> tuple[str | None, list]:
    """(region, conditions on OrderFigures) for what the caller may add up: applied for in the date
    range, in the region and below; an institution's own orders only."""
    date_from, date_to = args.get("date_from"), args.get("date_to")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed({"from": ["开始日期不能晚于结束日期"]})
    region = region_in_scope(identity, args.get("region_code")) if identity.role != "institution" else None
    conditions = period_conditions(date_from, date_to, by_day)
    if region is not None:
        conditions.append(OrderFigures.region_code.in_(region_and_below(region)))
    if identity.role == "institution":
        if identity.institution_id is None:
            raise forbidden("账号未绑定金融机构")
        conditions.append(OrderFigures.institution_id == identity.institution_id)
    return region, conditions


# The columns the statistics add up (the scorecards take them all).
TOTALS = ("orders", "amount", "granted_amount", "disbursed_amount", "overdue")
STATISTICS = (*TOTALS, "accepted", "accept_seconds", "credit_disbursed_amount")


def summed(conditions: list, group: tuple[str, ...], columns: tuple[str, ...] = CONTRIBUTION) -> list[dict]:
    """The figures' `columns` summed over the rows that meet the conditions, per `group` columns."""
    return summed_rows(db.session, OrderFigures, conditions, group, columns)


def institution_names(ids) -> dict[int, str]:
    """Names from the institutions' read model; an institution it does not (yet) hold is named as its
    newest order says (one index probe each)."""
    ids = list(ids)
    names = dict(db.session.execute(select(Institution.id, Institution.name)
                                    .where(Institution.id.in_(ids))).all()) if ids else {}
    for iid in set(ids) - set(names):
        names[iid] = db.session.scalar(select(Order.institution_name).where(Order.institution_id == iid)
                                       .order_by(Order.created_at.desc()).limit(1)) or f"机构 {iid}"
    return names


def _money(value) -> Decimal:
    return Decimal(value) if value is not None else Decimal(0)


def _summary(rows: list[dict]) -> dict:
    """Totals of rows carrying a `status` each."""
    by_status = dict.fromkeys(states.STATUSES, 0)
    requested = granted = disbursed = Decimal(0)
    overdue = 0
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + int(row["orders"])
        requested += _money(row["amount"])
        if row["status"] in GRANTED:
            granted += _money(row["granted_amount"])
        if row["status"] == states.DISBURSED:
            disbursed += _money(row["disbursed_amount"])
        overdue += int(row["overdue"])
    return {"total": sum(by_status.values()), "by_status": by_status, "requested_amount": requested,
            "granted_amount": granted, "disbursed_amount": disbursed, "overdue": overdue}


def order_stats(identity: Identity, args: dict) -> dict:
    if identity.role not in ("government", "admin"):
        raise forbidden("没有权限")
    region, conditions = figures_scope(identity, args)
    rows = summed(conditions, ("institution_id", "status"), STATISTICS)

    institutions: dict[int, dict] = {}
    for row in rows:
        figures = institutions.setdefault(row["institution_id"], {
            "institution_id": row["institution_id"], "orders": 0, "accepted": 0, "overdue": 0,
            "requested_amount": Decimal(0), "granted_amount": Decimal(0), "disbursed_amount": Decimal(0),
            "_seconds": 0})
        figures["orders"] += int(row["orders"])
        figures["accepted"] += int(row["accepted"])
        figures["overdue"] += int(row["overdue"])
        figures["requested_amount"] += _money(row["amount"])
        if row["status"] in GRANTED:
            figures["granted_amount"] += _money(row["granted_amount"])
        if row["status"] == states.DISBURSED:
            figures["disbursed_amount"] += _money(row["disbursed_amount"])
        figures["_seconds"] += int(row["accept_seconds"])
    names = institution_names(institutions)
    for figures in institutions.values():
        seconds = figures.pop("_seconds")
        figures["institution_name"] = names[figures["institution_id"]]
        figures["average_hours_to_accept"] = (round(seconds / figures["accepted"] / 3600, 1)
                                              if figures["accepted"] else None)
    ranked = sorted(institutions.values(), key=lambda f: (-f["orders"], f["institution_id"]))
    answer = {"region_code": region, "date_from": args.get("date_from"), "date_to": args.get("date_to"),
              **_summary(rows), **coordination(rows, region, args), "institutions": ranked}
    if args.get("group_by"):
        answer["group_by"] = args["group_by"]
        answer["groups"] = groups(identity, args, region)
    return answer


def coordination(rows: list[dict], region: str | None, args: dict) -> dict:
    """The coordination mechanism's figures (小微企业融资协调工作机制) over the same region and dates:
    visits, needs posted and pushed, pushes answered and overdue (pushes.py), and the share of the
    disbursed amount lent on credit alone (信用贷款), a fraction with 4 places (None without
    disbursements)."""
    date_from, date_to = args.get("date_from"), args.get("date_to")
    disbursed = sum((_money(r["disbursed_amount"]) for r in rows if r["status"] == states.DISBURSED), Decimal(0))
    credit = sum((_money(r["credit_disbursed_amount"]) for r in rows if r["status"] == states.DISBURSED), Decimal(0))
    share = (credit / disbursed).quantize(Decimal("0.0001"), ROUND_HALF_UP) if disbursed else None
    return {"visits": count_visits(region, date_from, date_to),
            **push_figures(region, date_from, date_to), "credit_loan_share": share}


def count_visits(region: str | None, date_from: date | None, date_to: date | None) -> int:
    """Visits in the region and below (None: everywhere) made in the date range."""
    stmt = select(func.count()).select_from(Visit)
    if region is not None:
        stmt = stmt.where(Visit.region_code.in_(region_and_below(region)))
    if date_from:
        stmt = stmt.where(Visit.visited_on >= date_from)
    if date_to:
        stmt = stmt.where(Visit.visited_on <= date_to)
    return db.session.scalar(stmt)


def push_figures(region: str | None, date_from: date | None, date_to: date | None) -> dict:
    """`needs_posted` (needs posted in the range), `needs_pushed` (needs with a push made in the range),
    and of the pushes made in the range those accepted, declined and marked overdue (whatever became of
    them later), in the region and below. Counted from the needs and pushes tables by their region and
    time indexes: a region's needs are few next to its orders."""
    needs = select(func.count()).select_from(Need).where(*in_china_days(Need.created_at, date_from, date_to))
    pushes = select(func.count(func.distinct(NeedPush.need_id)),
                    func.count().filter(NeedPush.status == PUSH_ACCEPTED),
                    func.count().filter(NeedPush.status == PUSH_DECLINED),
                    func.count().filter(NeedPush.overdue_at.is_not(None))
                    ).where(*in_china_days(NeedPush.pushed_at, date_from, date_to))
    if region is not None:
        regions = region_and_below(region)
        needs = needs.where(Need.region_code.in_(regions))
        pushes = pushes.where(NeedPush.region_code.in_(regions))
    pushed, accepted, declined, overdue = db.session.execute(pushes).one()
    return {"needs_posted": db.session.scalar(needs), "needs_pushed": pushed, "pushes_accepted": accepted,
            "pushes_declined": declined, "pushes_overdue": overdue}


def push_scorecards(region: str | None, date_from: date | None, date_to: date | None,
                    institution_id: int | None = None) -> dict[int, dict]:
    """Per institution: pushes received in the range (of needs in the region and below) and how many of
    them it answered by their date."""
    stmt = (select(NeedPush.institution_id, func.count(), func.count().filter(NeedPush.answered_in_time.is_(True)))
            .where(*in_china_days(NeedPush.pushed_at, date_from, date_to)).group_by(NeedPush.institution_id))
    if region is not None:
        stmt = stmt.where(NeedPush.region_code.in_(region_and_below(region)))
    if institution_id is not None:
        stmt = stmt.where(NeedPush.institution_id == institution_id)
    return {iid: {"received": received, "in_time": in_time} for iid, received, in_time in db.session.execute(stmt)}


# --- per day, week, month, district ------------------------------------------------------------------------

def _time_groups(identity: Identity, args: dict, grouping: str) -> list[tuple[str, str, list[dict]]]:
    _region, conditions = figures_scope(identity, args, by_day=grouping != "month")
    rows = summed(conditions, ("grain", "period", "status"), TOTALS)
    grouped: dict[date, tuple[str, str, list[dict]]] = {}
    for row in rows:
        start, key, name = time_group(grouping, row["period"])
        grouped.setdefault(start, (key, name, []))[2].append(row)
    return [grouped[start] for start in sorted(grouped)]


def _region_groups(identity: Identity, args: dict, region: str | None) -> list[tuple[str, str, list[dict]]]:
    """Per region directly below the scope's (a city's districts), the scope's own orders (本级) apart."""
    _region, conditions = figures_scope(identity, args)
    rows = summed(conditions, ("region_code", "status"), TOTALS)
    regions = {code: (name, path) for code, name, path in
               db.session.execute(select(Region.code, Region.name, Region.path))}
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[region_group(regions, region, row["region_code"])].append(row)
    return [(key, region_group_name(regions, region, key), grouped[key]) for key in sorted(grouped)]


def groups(identity: Identity, args: dict, region: str | None) -> list[dict]:
    grouping = args["group_by"]
    parts = (_region_groups(identity, args, region) if grouping == "region"
             else _time_groups(identity, args, grouping))
    return [{"key": key, "name": name, **_summary(rows)} for key, name, rows in parts]

