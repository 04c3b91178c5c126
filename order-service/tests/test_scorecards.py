"""Scorecards (考核): per institution, the figures its orders say; consistent with /orders/stats."""

from datetime import UTC, datetime, timedelta

from order_service.models import Order, db
from order_service.workdays import china_date
from xyd_testing.helpers import loan_data

from .support import BANK_ID, OTHER_BANK_ID, WEIDU_CO, deliver, iso

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
        "needs_claimed": 0, "overdue_open": 0, "npl_ratio": None, "avg_rate": None, "returned": 0,
        "claims": 0, "pushes_received": 0, "pushes_answered_in_time_rate": None}
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


def _disburse(client, bank, order, amount, rate):
    client.post(f"{ORDERS}/{order['id']}/accept", headers=bank)
    client.post(f"{ORDERS}/{order['id']}/grant", headers=bank,
                json={"amount": amount, "rate": rate, "term_months": 12})
    resp = client.post(f"{ORDERS}/{order['id']}/disburse", headers=bank,
                       json={"amount": amount, "disbursed_on": china_date(datetime.now(UTC)).isoformat()})
    assert resp.status_code == 200, resp.json


def test_scorecards_show_the_non_performing_ratio_from_loan_events_and_the_weighted_average_rate(
        client, seeded, tokens, apply):
    bank = tokens["bank"]
    first, second = apply(amount=100), apply(as_="yanling", amount=300)
    _disburse(client, bank, first, 100, 4.35)
    _disburse(client, bank, second, 300, 3.45)
    card = lambda: {r["institution_id"]: r for r in client.get(  # noqa: E731
        f"{ORDERS}/scorecards", headers=tokens["xuchang"]).json["items"]}[BANK_ID]
    # (100 × 4.35 + 300 × 3.45) / 400 = 3.675: rounded half-up to the contract's 2 places.
    assert (card()["avg_rate"], card()["npl_ratio"]) == (3.68, None)  # no loan announced yet

    uscc, yanling = WEIDU_CO[1], second["enterprise_uscc"]
    now = datetime.now(UTC)
    deliver(seeded, "loan.opened", loan_data(first["id"], uscc, BANK_ID, "repaying", 100), occurred_at=iso(now))
    deliver(seeded, "loan.opened", loan_data(second["id"], yanling, BANK_ID, "repaying", 300), occurred_at=iso(now))
    assert card()["npl_ratio"] == 0
    deliver(seeded, "loan.repayment_recorded", loan_data(first["id"], uscc, BANK_ID, "repaying", 90),
            occurred_at=iso(now + timedelta(minutes=1)))
    deliver(seeded, "loan.non_performing", loan_data(first["id"], uscc, BANK_ID, "non_performing", 90,
                                                     days_past_due=91), occurred_at=iso(now + timedelta(minutes=2)))
    assert card()["npl_ratio"] == 0.2308  # 90 / (90 + 300)
    # A redelivered older step changes nothing.
    deliver(seeded, "loan.opened", loan_data(first["id"], uscc, BANK_ID, "repaying", 100), occurred_at=iso(now))
    assert card()["npl_ratio"] == 0.2308
    # Written off: no longer a balance (loan-service counts the written-off amount itself).
    deliver(seeded, "loan.written_off", loan_data(first["id"], uscc, BANK_ID, "written_off", 90),
            occurred_at=iso(now + timedelta(minutes=3)))
    assert card()["npl_ratio"] == 0
    deliver(seeded, "loan.settled", loan_data(second["id"], yanling, BANK_ID, "settled", 0),
            occurred_at=iso(now + timedelta(minutes=3)))
    assert card()["npl_ratio"] is None and card()["avg_rate"] == 3.68


def test_scorecards_count_the_claims_on_risk_compensation_funds_once_each(client, seeded, tokens, apply):
    order = apply(amount=100)
    _disburse(client, tokens["bank"], order, 100, 4.35)
    claim = {"claim_id": 1, "fund_id": 1, "fund_name": "许昌市风险补偿资金池", "fund_region_code": "411000",
             "loan_id": 5001, "order_id": order["id"], "order_no": order["order_no"],
             "enterprise_uscc": WEIDU_CO[1], "institution_id": BANK_ID, "region_code": "411002",
             "status": "submitted", "loss_principal": 80, "approved_amount": None, "paid_on": None, "reason": None}
    card = lambda: {r["institution_id"]: r for r in client.get(  # noqa: E731
        f"{ORDERS}/scorecards", headers=tokens["xuchang"]).json["items"]}[BANK_ID]
    assert card()["claims"] == 0
    envelope_id = "6f1c3d2e-0000-4000-8000-000000000001"
    assert deliver(seeded, "fund.claim_submitted", claim, event_id=envelope_id) == "ack"
    assert deliver(seeded, "fund.claim_submitted", claim, event_id=envelope_id) == "ack"  # redelivered
    assert deliver(seeded, "fund.claim_submitted", {**claim, "claim_id": 2, "fund_id": 2}) == "ack"
    assert card()["claims"] == 2
    with seeded.app_context():
        from order_service.figures import recount, stored

        assert stored(db.session) == recount(db.session)
