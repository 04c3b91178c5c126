"""Institution scorecards (考核): how each institution handled the applications of a region and period.

Over the same orders as `/orders/stats` (statistics.figures_scope: applied for in the date range, in
the region and below; an institution sees its own row only), and like it added up from the
pre-aggregated figures, per institution: received, accepted, accepted in time (accepted before the
acceptance-deadline job marked the order overdue), average hours to accept (exact) and the 90th
percentile (from the figures' histogram, so approximate), terminated, urged, granted and disbursed
counts and sums (as the statistics count them: by the current status), needs claimed (hours from the
need's posting), orders overdue and still waiting, orders returned for more documents (退回补正)
and still waiting for the enterprise, pushes of the 推荐清单 received and the share answered by their
date (counted from the pushes made in the range: statistics.push_scorecards), claims on risk compensation
funds for their loans (代偿申请, from loan-service's fund.claim_submitted: loans.py), and of the disbursed
orders the non-performing ratio (the loans' balances as loan-service announced them: loans.py) and the
disbursement-weighted average rate. Ranked by the in-time rate, then the average hours to accept.
"""

from decimal import ROUND_HALF_UP, Decimal

from xyd_common.tokens import Identity

from . import states
from .figures import BUCKETS, p90_hours
from .statistics import GRANTED, figures_scope, institution_names, push_scorecards, summed

FRACTION, RATE = Decimal("0.0001"), Decimal("0.01")


def _ratio(part: Decimal, whole: Decimal, places: Decimal) -> Decimal | None:
    """part ÷ whole rounded half-up to `places` (the contract's ratios), None when whole is 0."""
    return (part / whole).quantize(places, ROUND_HALF_UP) if whole else None


def _empty_card() -> dict:
    return {"received": 0, "accepted": 0, "in_time": 0, "seconds": 0, "terminated": 0, "urged": 0,
            "granted_count": 0, "granted_amount": Decimal(0), "disbursed_count": 0,
            "disbursed_amount": Decimal(0), "needs_claimed": 0, "overdue_open": 0, "returned": 0,
            "loan_outstanding": Decimal(0), "npl_outstanding": Decimal(0), "rate_principal": Decimal(0),
            "claims": 0, **dict.fromkeys(BUCKETS, 0)}


def scorecards(identity: Identity, args: dict) -> dict:
    region, conditions = figures_scope(identity, args)
    cards: dict[int, dict] = {}
    for row in summed(conditions, ("institution_id", "status")):
        status, count = row["status"], int(row["orders"])
        card = cards.setdefault(row["institution_id"], _empty_card())
        card["received"] += count
        card["accepted"] += int(row["accepted"])
        card["in_time"] += int(row["accepted_in_time"])
        card["seconds"] += int(row["accept_seconds"])
        card["urged"] += int(row["urged"])
        card["needs_claimed"] += int(row["from_needs"])
        card["claims"] += int(row["claims"])
        for bucket in BUCKETS:
            card[bucket] += int(row[bucket])
        if status == states.TERMINATED:
            card["terminated"] += count
        if status == states.RETURNED:
            card["returned"] += count
        if status in GRANTED:
            card["granted_count"] += count
            card["granted_amount"] += Decimal(row["granted_amount"])
        if status == states.DISBURSED:
            card["disbursed_count"] += count
            card["disbursed_amount"] += Decimal(row["disbursed_amount"])
            for name in ("loan_outstanding", "npl_outstanding", "rate_principal"):
                card[name] += Decimal(row[name])
        if status == states.SUBMITTED:
            card["overdue_open"] += int(row["overdue"])

    push_cards = push_scorecards(region, args.get("date_from"), args.get("date_to"),
                                        identity.institution_id if identity.role == "institution" else None)
    for iid in push_cards:  # an institution that only had pushes still has its card
        cards.setdefault(iid, _empty_card())
    names = institution_names(cards)
    items = []
    for iid, card in cards.items():
        pushed = push_cards.get(iid, {"received": 0, "in_time": 0})
        received, accepted = card["received"], card["accepted"]
        items.append({
            "institution_id": iid, "institution_name": names[iid], "received": received, "accepted": accepted,
            "accepted_in_time_rate": round(card["in_time"] / received, 4) if received else None,
            "avg_hours_to_accept": round(card["seconds"] / accepted / 3600, 1) if accepted else None,
            "p90_hours_to_accept": p90_hours(card), "terminated": card["terminated"], "urged": card["urged"],
            "granted_count": card["granted_count"], "granted_amount": card["granted_amount"],
            "disbursed_count": card["disbursed_count"], "disbursed_amount": card["disbursed_amount"],
            "needs_claimed": card["needs_claimed"], "overdue_open": card["overdue_open"],
            "npl_ratio": _ratio(card["npl_outstanding"], card["loan_outstanding"], FRACTION),
            "avg_rate": _ratio(card["rate_principal"], card["disbursed_amount"], RATE),
            "returned": card["returned"], "claims": card["claims"], "pushes_received": pushed["received"],
            "pushes_answered_in_time_rate": _ratio(Decimal(pushed["in_time"]), Decimal(pushed["received"]), FRACTION),
        })
    items.sort(key=lambda i: (-(i["accepted_in_time_rate"] or 0), i["avg_hours_to_accept"] is None,
                              i["avg_hours_to_accept"] or 0, i["institution_id"]))
    return {"region_code": region, "date_from": args.get("date_from"), "date_to": args.get("date_to"),
            "items": items}
