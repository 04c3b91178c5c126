"""Financing needs (融资需求): an enterprise posts, institutions serving its region see and claim them
(one claim wins), the claim becomes an accepted order with the need's consent; needs expire."""

from datetime import timedelta

from order_service.models import Need, db
from order_service.needs import expire_needs
from xyd_common.events.outbox import utcnow

from .support import BANK_ID, OTHER_BANK_ID, WEIDU_CO, auth, outbox

NEEDS = "/api/v1/needs"
NEED = {"amount": 120, "term_months": 12, "purpose": "购买原材料", "guarantee_methods": ["credit"], "valid_days": 30,
        "credit_authorization": {"version": 1}}


def post(client, tokens, **overrides):
    resp = client.post(NEEDS, json={**NEED, **overrides}, headers=tokens["weidu"])
    assert resp.status_code == 201, resp.json
    return resp.json


def test_an_enterprise_posts_a_need_and_the_institutions_serving_it_hear_of_it(client, seeded, tokens):
    need = post(client, tokens)
    assert need["status"] == "open" and need["matches"] == [] and need["region_code"] == "411002"
    [event] = outbox(seeded, "need.posted")
    assert event["data"]["need_id"] == need["id"] and event["data"]["institution_ids"] == [BANK_ID, OTHER_BANK_ID]
    listed = client.get(NEEDS, headers=tokens["bank"]).json["items"]
    assert [n["id"] for n in listed] == [need["id"]] and listed[0]["risk"]["level"] in ("none", "unknown")
    assert "credit_record" not in listed[0]
    assert [n["id"] for n in client.get(NEEDS, headers=tokens["xuchang"]).json["items"]] == [need["id"]]
    assert client.get(NEEDS, headers=tokens["yuzhou"]).json["items"] == []
    assert client.get(NEEDS, headers=tokens["yanling"]).json["items"] == []  # another enterprise


def test_at_most_three_open_needs_and_only_with_consent(client, seeded, tokens, auth_service):
    for _ in range(3):
        post(client, tokens)
    fourth = client.post(NEEDS, json=NEED, headers=tokens["weidu"])
    assert fourth.status_code == 409 and fourth.json["code"] == "too_many_open_needs"
    stale = client.post(NEEDS, json={**NEED, "credit_authorization": {"version": 9}}, headers=tokens["yanling"])
    assert stale.status_code == 422 and stale.json["code"] == "credit_authorization_required"
    unverified = auth(auth_service.token("enterprise", sub="31", enterprise_uscc=WEIDU_CO[1], region_code="411002"))
    resp = client.post(NEEDS, json=NEED, headers=unverified)
    assert resp.status_code == 403 and resp.json["code"] == "enterprise_unverified"
    assert client.post(NEEDS, json={**NEED, "valid_days": 91}, headers=tokens["yanling"]).status_code == 422


def test_one_claim_wins_and_becomes_an_accepted_order_with_the_needs_consent(client, seeded, tokens):
    need = post(client, tokens)
    wrong = client.post(f"{NEEDS}/{need['id']}/claim", json={"product_id": 3}, headers=tokens["bank"])
    assert wrong.status_code == 422  # product 3 is the other bank's
    order = client.post(f"{NEEDS}/{need['id']}/claim", json={"product_id": 1}, headers=tokens["bank"])
    assert order.status_code == 201, order.json
    assert (order.json["status"], order.json["source"], order.json["institution_id"]) == ("accepted", "need", BANK_ID)
    taken = client.post(f"{NEEDS}/{need['id']}/claim", json={"product_id": 3}, headers=tokens["other_bank"])
    # The other bank, too late: told it was taken (it saw the need open), not that there is no such need.
    assert taken.status_code == 409 and taken.json["code"] == "need_taken"
    submitted, accepted = outbox(seeded, "order.submitted")[-1], outbox(seeded, "order.accepted")[-1]
    assert submitted["data"]["order_id"] == accepted["data"]["order_id"] == order.json["id"]
    assert submitted["data"]["credit_authorization"]["version"] == 1 and submitted["data"]["source"] == "need"
    assert outbox(seeded, "need.claimed")[-1]["data"]["order_id"] == order.json["id"]
    details = client.get(f"/api/v1/orders/{order.json['id']}", headers=tokens["weidu"]).json
    assert [h["to_status"] for h in details["history"]] == ["submitted", "accepted"]
    assert details["history"][-1]["remark"] == "来自融资需求（机构抢单）"
    mine = client.get(NEEDS, headers=tokens["weidu"]).json["items"][0]
    assert mine["status"] == "claimed" and mine["order_id"] == order.json["id"]
    assert (mine["order_no"], mine["institution_name"]) == (order.json["order_no"], order.json["institution_name"])
    assert client.get(NEEDS, headers=tokens["other_bank"]).json["items"] == []
    assert client.post(f"{NEEDS}/{need['id']}/cancel", headers=tokens["weidu"]).status_code == 409


def test_the_owner_cancels_and_needs_expire(client, seeded, tokens):
    cancelled = post(client, tokens)
    resp = client.post(f"{NEEDS}/{cancelled['id']}/cancel", headers=tokens["weidu"])
    assert resp.status_code == 200 and resp.json["status"] == "cancelled"
    assert client.post(f"{NEEDS}/{cancelled['id']}/cancel", headers=tokens["yanling"]).status_code == 404
    lasting, ending = post(client, tokens), post(client, tokens)
    with seeded.app_context():
        db.session.get(Need, ending["id"]).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert expire_needs() == 1 and expire_needs() == 0
        assert db.session.get(Need, lasting["id"]).status == "open"
    assert outbox(seeded, "need.expired")[-1]["data"]["need_id"] == ending["id"]
    assert outbox(seeded, "need.cancelled")[-1]["data"]["need_id"] == cancelled["id"]
