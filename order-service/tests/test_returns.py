"""退回补正: the institution returns an order for more documents, the enterprise resubmits it; the
history, the events, the deadline and the figures follow."""

from datetime import UTC, datetime, timedelta

from order_service import services
from order_service.figures import recount, stored
from order_service.models import db
from order_service.services import mark_overdue_orders

from .support import outbox

ORDERS = "/api/v1/orders"
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in China; deadline Thursday 26th
RETURN = {"reason": "申请材料不全", "items": ["营业执照副本", "近一年财务报表"]}


def post(client, tokens, order, action, as_, body=None, expect=200):
    resp = client.post(f"{ORDERS}/{order['id']}/{action}", json=body, headers=tokens[as_])
    assert resp.status_code == expect, resp.json
    return resp.json


def test_the_bank_returns_an_order_and_the_enterprise_resubmits_it(app, client, apply, tokens, monkeypatch):
    monkeypatch.setattr(services, "utcnow", lambda: MONDAY)
    order = apply()
    returned = post(client, tokens, order, "return", "bank", RETURN)
    assert (returned["status"], returned["return_reason"], returned["return_items"]) == (
        "returned", "申请材料不全", ["营业执照副本", "近一年财务报表"])

    # The enterprise sees why, and what to add, in its order.
    mine = client.get(f"{ORDERS}/{order['id']}", headers=tokens["weidu"]).json
    assert (mine["status"], mine["return_items"]) == ("returned", ["营业执照副本", "近一年财务报表"])
    assert "营业执照副本" in mine["history"][-1]["remark"] and mine["history"][-1]["actor_role"] == "institution"

    # A week later: the acceptance deadline starts again from the resubmission.
    monkeypatch.setattr(services, "utcnow", lambda: MONDAY + timedelta(days=7))
    again = post(client, tokens, order, "resubmit", "weidu", {"note": "已补充营业执照副本"})
    assert (again["status"], again["accept_deadline"], again["accept_overdue"]) == ("submitted", "2026-12-03", False)
    history = client.get(f"{ORDERS}/{order['id']}", headers=tokens["bank"]).json["history"]
    assert [(h["from_status"], h["to_status"], h["actor_role"]) for h in history] == [
        (None, "submitted", "enterprise"), ("submitted", "returned", "institution"),
        ("returned", "submitted", "enterprise")]
    assert history[-1]["remark"] == "已补充营业执照副本"
    assert post(client, tokens, order, "accept", "bank")["status"] == "accepted"

    [returned_event] = outbox(app, "order.returned")
    assert returned_event["data"]["reason"] == "申请材料不全"
    assert returned_event["data"]["items"] == ["营业执照副本", "近一年财务报表"]
    assert returned_event["data"]["previous_status"] == "submitted"
    [resubmitted] = outbox(app, "order.resubmitted")
    assert (resubmitted["data"]["status"], resubmitted["data"]["accept_deadline"], resubmitted["data"]["note"]) == (
        "submitted", "2026-12-03", "已补充营业执照副本")


def test_an_accepted_order_can_be_returned_and_must_be_accepted_again(client, apply, tokens):
    order = apply()
    post(client, tokens, order, "accept", "bank")
    assert post(client, tokens, order, "return", "bank", RETURN)["status"] == "returned"
    again = post(client, tokens, order, "resubmit", "weidu")
    assert (again["status"], again["accepted_at"]) == ("submitted", None)
    assert post(client, tokens, order, "grant", "bank", {"amount": 50, "rate": 4, "term_months": 12},
                expect=409)["code"] == "invalid_transition"


def test_who_may_return_and_resubmit(client, apply, tokens):
    order = apply()
    # Someone else's order is not there at all; the enterprise cannot return, the bank cannot resubmit.
    assert post(client, tokens, order, "return", "other_bank", RETURN, expect=404)["code"] == "not_found"
    assert post(client, tokens, order, "return", "weidu", RETURN, expect=403)["code"] == "forbidden"
    assert post(client, tokens, order, "resubmit", "weidu", expect=409)["code"] == "invalid_transition"
    post(client, tokens, order, "return", "bank", RETURN)
    assert post(client, tokens, order, "return", "bank", RETURN, expect=409)["code"] == "invalid_transition"
    assert post(client, tokens, order, "resubmit", "yanling", expect=404)["code"] == "not_found"
    assert post(client, tokens, order, "resubmit", "bank", expect=403)["code"] == "forbidden"
    assert post(client, tokens, order, "accept", "bank", expect=409)["code"] == "invalid_transition"


def test_a_return_needs_a_reason_and_the_missing_items(client, apply, tokens):
    order = apply()
    for body in ({"reason": "材料不全"}, {"reason": "材料不全", "items": []}, {"reason": " ", "items": ["营业执照"]},
                 {"reason": "材料不全", "items": [""]}, {"items": ["营业执照"]}):
        assert post(client, tokens, order, "return", "bank", body, expect=422)["code"] == "validation_error", body
    assert client.get(f"{ORDERS}/{order['id']}", headers=tokens["bank"]).json["status"] == "submitted"


def test_the_enterprise_may_withdraw_a_returned_order_and_it_stays_its_one_open_order(client, apply, tokens):
    order = apply()
    post(client, tokens, order, "return", "bank", RETURN)
    # Still open: a second application for the same product waits for this one.
    resp = client.post(ORDERS, json={"product_id": 1, "amount": 100, "term_months": 12, "purpose": "采购原材料",
                                     "credit_authorized": True}, headers=tokens["weidu"])
    assert (resp.status_code, resp.json["code"]) == (409, "duplicate_open_order")
    assert post(client, tokens, order, "withdraw", "weidu")["status"] == "withdrawn"


def test_a_returned_order_is_never_marked_overdue(app, client, apply, tokens, monkeypatch):
    monkeypatch.setattr(services, "utcnow", lambda: MONDAY)
    order = apply()
    post(client, tokens, order, "return", "bank", RETURN)
    with app.app_context():
        assert mark_overdue_orders(now=MONDAY + timedelta(days=30)) == 0
    assert outbox(app, "order.accept_overdue") == []


def test_resubmitting_clears_an_earlier_overdue_mark(app, client, apply, tokens, monkeypatch):
    monkeypatch.setattr(services, "utcnow", lambda: MONDAY)
    order = apply()
    with app.app_context():
        assert mark_overdue_orders(now=MONDAY + timedelta(days=7)) == 1
    post(client, tokens, order, "return", "bank", RETURN)
    monkeypatch.setattr(services, "utcnow", lambda: MONDAY + timedelta(days=8))
    again = post(client, tokens, order, "resubmit", "weidu")
    assert (again["accept_overdue"], again["accept_deadline"]) == (False, "2026-12-04")


def test_the_figures_count_returned_orders(app, client, apply, tokens):
    first, second = apply(), apply(product_id=3)
    post(client, tokens, first, "return", "bank", RETURN)
    stats = client.get(f"{ORDERS}/stats", headers=tokens["xuchang"]).json
    assert (stats["by_status"]["returned"], stats["by_status"]["submitted"], stats["total"]) == (1, 1, 2)
    cards = {c["institution_id"]: c for c in client.get(f"{ORDERS}/scorecards", headers=tokens["admin"]).json["items"]}
    assert (cards[first["institution_id"]]["returned"], cards[second["institution_id"]]["returned"]) == (1, 0)
    post(client, tokens, first, "resubmit", "weidu")
    assert client.get(f"{ORDERS}/stats", headers=tokens["xuchang"]).json["by_status"]["returned"] == 0
    with app.app_context():
        assert stored(db.session) == recount(db.session)
