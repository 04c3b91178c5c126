"""Scorecards (考核): per institution, the figures its orders say; consistent with /orders/stats."""

from order_service.models import Order, db

from ..support import BANK_ID, OTHER_BANK_ID

ORDERS = "/api/v1/orders"


def test_scorecards_equal_what_the_orders_say_and_match_the_statistics(client, seeded, tokens, apply):
    first, second, third = apply(), apply(product_id=3), apply(as_="yanling")
    bank = tokens["bank"]
    client.post(f"{ORDERS}/{first['id']}/accept", headers=bank)
    client.post(f"{ORDERS}/{first['id']}/grant", headers=bank, json={"amount": 80, "rate": 4.35, "term_months": 12})
    client.post(f"{ORDERS}/{third['id']}/terminate", headers=bank, json={"reason": "材料不全"})
    client.post(f"{ORDERS}/{second['id']}/urge", headers=tokens["xuchang"], json={"message": "请尽快受理"})
    with seeded.app_context():
        db.session.get(Order, second["id"]).accept_overdue = True
        db.session.commit()

    page = client.get(f"{ORDERS}/scorecards", headers=tokens["xuchang"]).json
    rows = {r["institution_id"]: r for r in page["items"]}
    assert rows[BANK_ID] | {"avg_hours_to_accept": None, "p90_hours_to_accept": None} == {
        "institution_id": BANK_ID, "institution_name": "许昌农商银行", "received": 2, "accepted": 1,
        "accepted_in_time_rate": 0.5, "avg_hours_to_accept": None, "p90_hours_to_accept": None, "terminated": 1,
        "urged": 0, "granted_count": 1, "granted_amount": 80, "disbursed_count": 0, "disbursed_amount": 0,
        "needs_claimed": 0, "overdue_open": 0}
    # The average is exact; the 90th percentile comes from an hourly histogram: within its first bucket.
    assert rows[BANK_ID]["avg_hours_to_accept"] == 0.0 and 0 <= rows[BANK_ID]["p90_hours_to_accept"] <= 1
    assert rows[OTHER_BANK_ID]["urged"] == 1 and rows[OTHER_BANK_ID]["overdue_open"] == 1
    assert [r["institution_id"] for r in page["items"]] == [BANK_ID, OTHER_BANK_ID]  # ranked by in-time rate

    stats = client.get(f"{ORDERS}/stats", headers=tokens["xuchang"]).json
    figures = {f["institution_id"]: f for f in stats["institutions"]}
    for iid, row in rows.items():
        assert (figures[iid]["orders"], figures[iid]["accepted"], figures[iid]["granted_amount"]) == (
            row["received"], row["accepted"], row["granted_amount"])

    own = client.get(f"{ORDERS}/scorecards", headers=bank).json["items"]
    assert [r["institution_id"] for r in own] == [BANK_ID]
    assert client.get(f"{ORDERS}/scorecards", headers=tokens["weidu"]).status_code == 403
    assert client.get(f"{ORDERS}/scorecards", headers=tokens["yuzhou"]).json["items"] == []
