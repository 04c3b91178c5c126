"""Institution scorecards (考核): how each institution handled the applications of a region and period.

Over the same orders as `/orders/stats` (statistics.figures_scope: applied for in the date range, in
the region and below; an institution sees its own row only), and like it added up from the
pre-aggregated figures, per institution: received, accepted, accepted in time (accepted before the
acceptance-deadline job marked the order overdue), average hours to accept (exact) and the 90th
percentile (from the figures' histogram, so approximate), terminated, urged, granted and disbursed
counts and sums (as the statistics count them: by the current status), needs claimed (hours from the
need's posting), and orders overdue and still waiting. Ranked by the in-time rate, then the average
hours to accept.
"""

from decimal import Decimal

from xyd_common.tokens import Identity

from . import states
from .figures import BUCKETS, p90_hours
from .statistics import GRANTED, figures_scope, institution_names, summed


def scorecards(identity: Identity, args: dict) -> dict:
    region, conditions = figures_scope(identity, args)
    cards: dict[int, dict] = {}
    for row in summed(conditions, ("institution_id", "status")):
        status, count = row["status"], int(row["orders"])
        card = cards.setdefault(row["institution_id"], {
            "received": 0, "accepted": 0, "in_time": 0, "seconds": 0, "terminated": 0, "urged": 0,
            "granted_count": 0, "granted_amount": Decimal(0), "disbursed_count": 0,
            "disbursed_amount": Decimal(0), "needs_claimed": 0, "overdue_open": 0,
            **dict.fromkeys(BUCKETS, 0)})
        card["received"] += count
        card["accepted"] += int(row["accepted"])
        card["in_time"] += int(row["accepted_in_time"])
        card["seconds"] += int(row["accept_seconds"])
        card["urged"] += int(row["urged"])
        card["needs_claimed"] += int(row["from_needs"])
        for bucket in BUCKETS:
            card[bucket] += int(row[bucket])
        if status == states.TERMINATED:
            card["terminated"] += count
        if status in GRANTED:
            card["granted_count"] += count
            card["granted_amount"] += Decimal(row["granted_amount"])
        if status == states.DISBURSED:
            card["disbursed_count"] += count
            card["disbursed_amount"] += Decimal(row["disbursed_amount"])
        if status == states.SUBMITTED:
            card["overdue_open"] += int(row["overdue"])

    names = institution_names(cards)
    items = []
    for iid, card in cards.items():
        received, accepted = card["received"], card["accepted"]
        items.append({
            "institution_id": iid, "institution_name": names[iid], "received": received, "accepted": accepted,
            "accepted_in_time_rate": round(card["in_time"] / received, 4) if received else None,
            "avg_hours_to_accept": round(card["seconds"] / accepted / 3600, 1) if accepted else None,
            "p90_hours_to_accept": p90_hours(card), "terminated": card["terminated"], "urged": card["urged"],
            "granted_count": card["granted_count"], "granted_amount": card["granted_amount"],
            "disbursed_count": card["disbursed_count"], "disbursed_amount": card["disbursed_amount"],
            "needs_claimed": card["needs_claimed"], "overdue_open": card["overdue_open"],
        })
    items.sort(key=lambda i: (-(i["accepted_in_time_rate"] or 0), i["avg_hours_to_accept"] is None,
                              i["avg_hours_to_accept"] or 0, i["institution_id"]))
    return {"region_code": region, "date_from": args.get("date_from"), "date_to": args.get("date_to"),
            "items": items}
