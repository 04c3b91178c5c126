"""推荐清单 (pushes): a government user pushes an open need of its region to institutions serving it;
each accepts with a product (a submitted order, source push, the need's consent; the need closes) or
declines with a reason; unanswered pushes past their date become overdue once."""

from datetime import date, timedelta

from order_service.models import NeedPush, db
from order_service.pushes import mark_overdue_pushes
from order_service.workdays import china_date
from xyd_common.events.outbox import utcnow

from .support import BANK_ID, OTHER_BANK_ID, deliver, institution_data, outbox, product_data
from .test_needs import NEEDS, post

PUSHES = f"{NEEDS}/pushes"


def push(client, tokens, need_id, institution_ids, as_="xuchang"):
    return client.post(f"{NEEDS}/{need_id}/pushes", json={"institution_ids": institution_ids, "note": "重点企业"},
                       headers=tokens[as_])


def test_government_pushes_a_need_to_the_institutions_serving_it(client, seeded, tokens):
    need = post(client, tokens)
    resp = push(client, tokens, need["id"], [BANK_ID, OTHER_BANK_ID])
    assert resp.status_code == 201, resp.json
    items = resp.json["items"]
    assert [(p["institution_id"], p["status"], p["note"]) for p in items] == [
        (BANK_ID, "pending", "重点企业"), (OTHER_BANK_ID, "pending", "重点企业")]
    assert date.fromisoformat(items[0]["due_on"]) > date.today() + timedelta(days=28)
    events = outbox(seeded, "need.pushed")
    assert [e["data"]["institution_id"] for e in events] == [BANK_ID, OTHER_BANK_ID]
    assert events[0]["data"]["region_code"] == "411002" and events[0]["data"]["pushed_by"] == 41
    again = push(client, tokens, need["id"], [BANK_ID])
    assert again.status_code == 409 and again.json["code"] == "already_pushed"

    mine = client.get(PUSHES, headers=tokens["bank"]).json["items"]
    assert [p["id"] for p in mine] == [items[0]["id"]] and mine[0]["need"]["id"] == need["id"]
    assert mine[0]["need"]["risk"]["level"] in ("none", "unknown") and "credit_record_error" in mine[0]
    governed = client.get(PUSHES, headers=tokens["xuchang"]).json["items"]
    assert {p["id"] for p in governed} == {p["id"] for p in items} and governed[0]["credit_record"] is None
    of_need = client.get(f"{NEEDS}/{need['id']}/pushes", headers=tokens["xuchang"]).json["items"]
    assert len(of_need) == 2
    # Another district's government, another enterprise: nothing of it.
    assert client.get(PUSHES, headers=tokens["yuzhou"]).json["items"] == []
    assert client.get(f"{NEEDS}/{need['id']}/pushes", headers=tokens["yuzhou"]).status_code == 404
    assert push(client, tokens, need["id"], [BANK_ID], as_="yuzhou").status_code == 404
    assert client.get(PUSHES, headers=tokens["weidu"]).status_code == 403


def test_only_active_institutions_serving_the_region_and_only_open_needs(client, seeded, tokens):
    need = post(client, tokens)
    unknown = push(client, tokens, need["id"], [99])
    assert unknown.status_code == 422 and unknown.json["code"] == "institution_unavailable"
    disabled_bank = institution_data(OTHER_BANK_ID, "中原银行许昌分行", "disabled")
    assert deliver(seeded, "institution.disabled", disabled_bank) == "ack"
    disabled = push(client, tokens, need["id"], [BANK_ID, OTHER_BANK_ID])
    assert disabled.status_code == 422 and disabled.json["code"] == "institution_unavailable"
    assert outbox(seeded, "need.pushed") == []  # nothing written
    # An institution whose only product serves another county does not serve 魏都区.
    assert deliver(seeded, "institution.created", institution_data(9, "禹州信用社")) == "ack"
    assert deliver(seeded, "product.published", product_data(9, 9, region_codes=["411081"]),
                   source="product-service") == "ack"
    assert push(client, tokens, need["id"], [9]).json["code"] == "institution_unavailable"
    client.post(f"{NEEDS}/{need['id']}/cancel", headers=tokens["weidu"])
    closed = push(client, tokens, need["id"], [BANK_ID])
    assert closed.status_code == 409 and closed.json["code"] == "invalid_transition"


def test_accepting_makes_a_submitted_order_and_closes_the_need_for_everyone(client, seeded, tokens):
    need = post(client, tokens)
    first, second = push(client, tokens, need["id"], [BANK_ID, OTHER_BANK_ID]).json["items"]
    declined = client.post(f"{PUSHES}/{second['id']}/decline", json={"reason": "行业不在支持范围"},
                           headers=tokens["other_bank"])
    assert declined.status_code == 200 and (declined.json["status"], declined.json["reason"]) == (
        "declined", "行业不在支持范围")
    assert declined.json["answered_in_time"] is True
    assert client.post(f"{PUSHES}/{first['id']}/accept", json={"product_id": 1},
                       headers=tokens["other_bank"]).status_code == 404  # another bank's push
    accepted = client.post(f"{PUSHES}/{first['id']}/accept", json={"product_id": 1}, headers=tokens["bank"])
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted" and accepted.json["order_id"]
    order = client.get(f"/api/v1/orders/{accepted.json['order_id']}", headers=tokens["weidu"]).json
    assert (order["status"], order["source"], order["institution_id"]) == ("submitted", "push", BANK_ID)
    assert [h["remark"] for h in order["history"]] == ["融资需求经政府推荐（推荐清单），机构接受后提交"]
    submitted = outbox(seeded, "order.submitted")[-1]["data"]
    assert submitted["source"] == "push" and submitted["credit_authorization"]["version"] == 1
    assert [e["data"]["push_id"] for e in outbox(seeded, "need.push_accepted")] == [first["id"]]
    assert [e["data"]["reason"] for e in outbox(seeded, "need.push_declined")] == ["行业不在支持范围"]
    # Closed for everyone: a claim hears need_taken, answering again is an invalid transition.
    claim = client.post(f"{NEEDS}/{need['id']}/claim", json={"product_id": 3}, headers=tokens["other_bank"])
    assert claim.status_code == 409
    again = client.post(f"{PUSHES}/{first['id']}/decline", json={"reason": "重复"}, headers=tokens["bank"])
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"
    mine = client.get(NEEDS, headers=tokens["weidu"]).json["items"][0]
    assert mine["status"] == "claimed" and mine["order_id"] == order["id"]


def test_a_claimed_need_cannot_be_accepted_from_a_push(client, seeded, tokens):
    need = post(client, tokens)
    [pushed] = push(client, tokens, need["id"], [OTHER_BANK_ID]).json["items"]
    assert client.post(f"{NEEDS}/{need['id']}/claim", json={"product_id": 1}, headers=tokens["bank"]).status_code == 201
    late = client.post(f"{PUSHES}/{pushed['id']}/accept", json={"product_id": 3}, headers=tokens["other_bank"])
    assert late.status_code == 409 and late.json["code"] == "invalid_transition"


def test_pushes_past_their_date_become_overdue_once_and_stay_answerable(client, seeded, tokens):
    need = post(client, tokens)
    first, second = push(client, tokens, need["id"], [BANK_ID, OTHER_BANK_ID]).json["items"]
    with seeded.app_context():
        db.session.get(NeedPush, first["id"]).due_on = date.today() - timedelta(days=2)
        db.session.commit()
        assert mark_overdue_pushes(utcnow()) == 1 and mark_overdue_pushes(utcnow()) == 0
    assert [e["data"]["push_id"] for e in outbox(seeded, "need.push_overdue")] == [first["id"]]
    listed = client.get(f"{PUSHES}?status=overdue", headers=tokens["bank"]).json["items"]
    assert [p["id"] for p in listed] == [first["id"]]
    late = client.post(f"{PUSHES}/{first['id']}/decline", json={"reason": "额度已满"}, headers=tokens["bank"])
    assert late.status_code == 200 and late.json["answered_in_time"] is False

    stats = client.get("/api/v1/orders/stats", headers=tokens["xuchang"]).json
    assert (stats["needs_posted"], stats["needs_pushed"], stats["pushes_declined"], stats["pushes_overdue"],
            stats["pushes_accepted"]) == (1, 1, 1, 1, 0)
    assert stats["visits"] == 0 and stats["credit_loan_share"] is None
    today = china_date(utcnow())
    same_day = client.get(f"/api/v1/orders/stats?from={today}&to={today}", headers=tokens["xuchang"]).json
    before = client.get(f"/api/v1/orders/stats?to={today - timedelta(days=1)}", headers=tokens["xuchang"]).json
    assert (same_day["needs_posted"], same_day["pushes_overdue"]) == (1, 1)
    assert (before["needs_posted"], before["needs_pushed"], before["pushes_declined"]) == (0, 0, 0)
    cards = {c["institution_id"]: c for c in client.get("/api/v1/orders/scorecards",
                                                        headers=tokens["xuchang"]).json["items"]}
    assert (cards[BANK_ID]["pushes_received"], cards[BANK_ID]["pushes_answered_in_time_rate"]) == (1, 0)
    assert (cards[OTHER_BANK_ID]["pushes_received"], cards[OTHER_BANK_ID]["pushes_answered_in_time_rate"]) == (1, 0)


def test_credit_loan_share_is_the_disbursed_amount_lent_on_credit_alone(client, seeded, tokens, apply):
    secured = product_data(3, OTHER_BANK_ID, guarantee_methods=["credit", "guarantee"])
    assert deliver(seeded, "product.updated", secured, source="product-service") == "ack"
    today = china_date(utcnow()).isoformat()
    for product_id, bank, amount in ((1, "bank", 30), (3, "other_bank", 10)):
        order = apply(product_id=product_id)
        at = f"/api/v1/orders/{order['id']}"
        assert client.post(f"{at}/accept", json={}, headers=tokens[bank]).status_code == 200
        assert client.post(f"{at}/grant", json={"amount": 50, "rate": 4.2, "term_months": 12},
                           headers=tokens[bank]).status_code == 200
        resp = client.post(f"{at}/disburse", json={"amount": amount, "disbursed_on": today}, headers=tokens[bank])
        assert resp.status_code == 200, resp.json
    stats = client.get("/api/v1/orders/stats", headers=tokens["xuchang"]).json
    assert stats["disbursed_amount"] == 40 and stats["credit_loan_share"] == 0.75
