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
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from xyd_common.errors import ValidationFailed
from xyd_common.tokens import Identity

from . import states
from .access import forbidden, region_in_scope
from .figures import CONTRIBUTION, OrderFigures, period_conditions
from .models import Institution, Order, Region, db

GROUPINGS = ("day", "week", "month", "region")
GRANTED = (states.CREDIT_GRANTED, states.DISBURSED)


def region_and_below(code: str) -> list[str]:
    """The region and every region under it, from the read model's paths."""
    return [code] + [c for c, path in db.session.execute(select(Region.code, Region.path)).all()
                     if code in path and c != code]


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
STATISTICS = (*TOTALS, "accepted", "accept_seconds")


def summed(conditions: list, group: tuple[str, ...], columns: tuple[str, ...] = CONTRIBUTION) -> list[dict]:
    """The figures' `columns` summed over the rows that meet the conditions, per `group` columns."""
    f = OrderFigures
    keys = [getattr(f, name) for name in group]
    stmt = select(*keys, *(func.sum(getattr(f, name)).label(name) for name in columns)).where(*conditions)
    if keys:
        stmt = stmt.group_by(*keys)
    return [row._asdict() for row in db.session.execute(stmt)]


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
              **_summary(rows), "institutions": ranked}
    if args.get("group_by"):
        answer["group_by"] = args["group_by"]
        answer["groups"] = groups(identity, args, region)
    return answer


# --- per day, week, month, district ------------------------------------------------------------------------

def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _time_groups(identity: Identity, args: dict, grouping: str) -> list[tuple[str, str, list[dict]]]:
    _region, conditions = figures_scope(identity, args, by_day=grouping != "month")
    rows = summed(conditions, ("grain", "period", "status"), TOTALS)
    grouped: dict[date, list[dict]] = defaultdict(list)
    for row in rows:
        period = row["period"]
        start = {"day": period, "week": _week_start(period),
                 "month": period.replace(day=1)}[grouping]
        grouped[start].append(row)
    out = []
    for start in sorted(grouped):
        if grouping == "day":
            key, name = start.isoformat(), f"{start.year}年{start.month}月{start.day}日"
        elif grouping == "week":
            year, week, _ = start.isocalendar()
            key, name = start.isoformat(), f"{year}年第{week}周（{start.month}月{start.day}日起）"
        else:
            key, name = f"{start:%Y-%m}", f"{start.year}年{start.month}月"
        out.append((key, name, grouped[start]))
    return out


def _region_groups(identity: Identity, args: dict, region: str | None) -> list[tuple[str, str, list[dict]]]:
    """Per region directly below the scope's (a city's districts), the scope's own orders (本级) apart."""
    _region, conditions = figures_scope(identity, args)
    rows = summed(conditions, ("region_code", "status"), TOTALS)
    regions = {code: (name, path) for code, name, path in
               db.session.execute(select(Region.code, Region.name, Region.path))}
    depth = len(regions[region][1]) if region in regions else 0
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        path = regions.get(row["region_code"], (None, [row["region_code"]]))[1]
        key = path[depth] if len(path) > depth else path[-1]
        grouped[key].append(row)
    out = []
    for key in sorted(grouped):
        name = regions.get(key, (key,))[0]
        out.append((key, f"{name}（本级）" if key == region else name, grouped[key]))
    return out


def groups(identity: Identity, args: dict, region: str | None) -> list[dict]:
    grouping = args["group_by"]
    parts = (_region_groups(identity, args, region) if grouping == "region"
             else _time_groups(identity, args, grouping))
    return [{"key": key, "name": name, **_summary(rows)} for key, name, rows in parts]

