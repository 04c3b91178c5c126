"""Institution scorecards (考核): how each institution handled the applications of a region and period.

Over the same orders as `/orders/stats` (queries.aggregate_scope: applied for in the date range, in
the region and below; an institution sees its own row only), per institution: received, accepted,
accepted in time (accepted before the acceptance-deadline job marked the order overdue), average and
90th-percentile hours to accept (needs count from their posting), terminated, urged, granted and
disbursed counts and sums (as the statistics count them: by the current status), needs claimed, and
orders overdue and still waiting. Ranked by the in-time rate, then the average hours to accept.
"""

from decimal import Decimal

from sqlalchemy import case, func, select

from xyd_common.tokens import Identity

from . import states
from .models import Institution, db
from .queries import aggregate_scope


def _p90(values: list[int]) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]  # nearest rank, as percentile_disc


def scorecards(identity: Identity, args: dict) -> dict:
    region, stmt = aggregate_scope(identity, args)
    o = stmt.subquery().c
    granted = o.status.in_((states.CREDIT_GRANTED, states.DISBURSED))
    disbursed = o.status == states.DISBURSED
    columns = [
        o.institution_id, func.max(o.institution_name), func.count(), func.count(o.accepted_at),
        func.count(case((o.accepted_at.is_not(None) & ~o.accept_overdue, 1))), func.sum(o.accept_seconds),
        func.count(case((o.status == states.TERMINATED, 1))), func.sum(o.urged_count),
        func.count(case((granted, 1))), func.sum(case((granted, o.granted_amount))),
        func.count(case((disbursed, 1))), func.sum(case((disbursed, o.disbursed_amount))),
        func.count(case((o.source == "need", 1))),
        func.count(case(((o.status == states.SUBMITTED) & o.accept_overdue, 1))),
    ]
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        columns.append(func.percentile_disc(0.9).within_group(o.accept_seconds))
    rows = db.session.execute(select(*columns).group_by(o.institution_id)).all()
    seconds_by_institution: dict[int, list[int]] = {}
    if not postgres:  # SQLite has no percentile: the accepted orders' seconds, per institution
        for iid, seconds in db.session.execute(select(o.institution_id, o.accept_seconds)
                                               .where(o.accept_seconds.is_not(None))):
            seconds_by_institution.setdefault(iid, []).append(seconds)
    names = dict(db.session.execute(select(Institution.id, Institution.name).where(
        Institution.id.in_([r[0] for r in rows]))).all()) if rows else {}

    items = []
    for row in rows:
        (iid, name, received, accepted, in_time, seconds, terminated, urged, granted_count, granted_amount,
         disbursed_count, disbursed_amount, needs_claimed, overdue_open) = row[:14]
        p90 = row[14] if postgres else _p90(seconds_by_institution.get(iid, []))
        items.append({
            "institution_id": iid, "institution_name": names.get(iid, name), "received": received,
            "accepted": accepted, "accepted_in_time_rate": round(in_time / received, 4) if received else None,
            "avg_hours_to_accept": round(int(seconds or 0) / accepted / 3600, 1) if accepted else None,
            "p90_hours_to_accept": round(p90 / 3600, 1) if p90 is not None else None,
            "terminated": terminated, "urged": int(urged or 0), "granted_count": granted_count,
            "granted_amount": granted_amount or Decimal(0), "disbursed_count": disbursed_count,
            "disbursed_amount": disbursed_amount or Decimal(0), "needs_claimed": needs_claimed,
            "overdue_open": overdue_open,
        })
    items.sort(key=lambda i: (-(i["accepted_in_time_rate"] or 0), i["avg_hours_to_accept"] is None,
                              i["avg_hours_to_accept"] or 0, i["institution_id"]))
    return {"region_code": region, "date_from": args.get("date_from"), "date_to": args.get("date_to"),
            "items": items}
