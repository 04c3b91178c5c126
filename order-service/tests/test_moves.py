"""The state moves through the API: who may make them, what they check, the history and the events."""

from datetime import UTC, datetime, timedelta

import pytest

from order_service.models import Order, Product, db
from order_service.workdays import china_date

from .support import BANK_ID, OTHER_BANK_ID, WEIDU_CO, deliver, outbox, product_data

ORDERS = "/api/v1/orders"
CONTRACT_FIELDS = {"order_id", "order_no", "status", "previous_status", "product_id", "product_name",
                   "institution_id", "institution_name", "enterprise_uscc", "enterprise_name", "region_code",
                   "amount", "term_months", "applicant_user_id"}


@pytest.fixture
def act(client, tokens):
    def act(order, action, as_="bank", expect=200, **body):
        resp = client.post(f"{ORDERS}/{order['id']}/{action}", json=body or None, headers=tokens[as_])
        assert resp.status_code == expect, resp.json
        return resp.json

    return act


def today() -> str:
    return china_date(datetime.now(UTC)).isoformat()


def test_an_order_goes_from_submitted_to_disbursed(client, apply, act, tokens, seeded):
    order = apply()
    assert act(order, "accept")["status"] == "accepted"
    granted = act(order, "grant", amount=80.5, rate=4.35, term_months=12)
    assert (granted["status"], granted["granted_amount"], granted["granted_rate"], granted["granted_term_months"]) == (
        "credit_granted", 80.5, 4.35, 12)
    done = act(order, "disburse", amount=80, disbursed_on=today())
    assert (done["status"], done["disbursed_amount"], done["disbursed_on"]) == ("disbursed", 80, today())

    details = client.get(f"{ORDERS}/{order['id']}", headers=tokens["bank"]).json
    assert [(h["from_status"], h["to_status"], h["actor_role"]) for h in details["history"]] == [
        (None, "submitted", "enterprise"), ("submitted", "accepted", "institution"),
        ("accepted", "credit_granted", "institution"), ("credit_granted", "disbursed", "institution")]
    assert details["history"][0]["actor_id"] == WEIDU_CO[0] and details["history"][1]["actor_id"] == 21

    events = outbox(seeded)
    assert [e["event_type"] for e in events] == ["order.submitted", "order.accepted", "order.credit_granted",
                                                 "order.disbursed"]
    for event in events:
        assert CONTRACT_FIELDS <= set(event["data"]), event["event_type"]
        assert event["data"]["applicant_user_id"] == WEIDU_CO[0]
    assert [e["data"]["previous_status"] for e in events] == [None, "submitted", "accepted", "credit_granted"]
    assert {k: events[2]["data"][k] for k in ("granted_amount", "granted_rate", "granted_term_months")} == {
        "granted_amount": 80.5, "granted_rate": 4.35, "granted_term_months": 12}
    assert (events[3]["data"]["disbursed_amount"], events[3]["data"]["disbursed_on"]) == (80, today())


def test_termination_needs_a_reason_and_publishes_it(apply, act, seeded):
    order = apply()
    act(order, "accept")
    assert act(order, "terminate", expect=422)["errors"]["reason"]
    assert act(order, "terminate", expect=422, reason="  ")["errors"]["reason"]
    done = act(order, "terminate", reason="企业经营状况不符合准入条件")
    assert (done["status"], done["reason"]) == ("terminated", "企业经营状况不符合准入条件")
    event = outbox(seeded, "order.terminated")[0]["data"]
    assert (event["reason"], event["previous_status"]) == ("企业经营状况不符合准入条件", "accepted")


def test_a_granted_order_can_still_be_terminated(apply, act):
    order = apply()
    act(order, "accept")
    act(order, "grant", amount=50, rate=4, term_months=12)
    assert act(order, "terminate", reason="企业放弃用款")["status"] == "terminated"


def test_the_enterprise_withdraws_before_the_grant_but_not_after(apply, act):
    first = apply()
    act(first, "accept")
    assert act(first, "withdraw", as_="weidu")["status"] == "withdrawn"
    second = apply()
    act(second, "accept")
    act(second, "grant", amount=50, rate=4, term_months=12)
    assert act(second, "withdraw", as_="weidu", expect=409)["code"] == "invalid_transition"


@pytest.mark.parametrize("moves, action, body", [
    ([], "grant", dict(amount=50, rate=4, term_months=12)),
    ([], "disburse", dict(amount=50, disbursed_on="2026-11-27")),
    (["accept"], "accept", {}),
    (["accept"], "disburse", dict(amount=50, disbursed_on="2026-11-27")),
    (["terminate"], "accept", {}),
    (["terminate"], "terminate", dict(reason="重复终止")),
])
def test_moves_the_table_does_not_allow_are_409(apply, act, moves, action, body):
    order = apply()
    for move in moves:
        act(order, move, **({"reason": "不符合条件"} if move == "terminate" else {}))
    assert act(order, action, expect=409, **body)["code"] == "invalid_transition"


def test_grants_and_disbursements_stay_within_what_was_asked_and_granted(apply, act):
    order = apply(amount=100)
    act(order, "accept")
    assert "amount" in act(order, "grant", expect=422, amount=100.0001, rate=4, term_months=12)["errors"]
    assert "rate" in act(order, "grant", expect=422, amount=50, rate=4.355, term_months=12)["errors"]
    assert "rate" in act(order, "grant", expect=422, amount=50, rate=0, term_months=12)["errors"]
    assert "term_months" in act(order, "grant", expect=422, amount=50, rate=4, term_months=0)["errors"]
    act(order, "grant", amount=100, rate=4, term_months=12)
    tomorrow = (china_date(datetime.now(UTC)) + timedelta(days=1)).isoformat()
    assert "amount" in act(order, "disburse", expect=422, amount=100.01, disbursed_on=today())["errors"]
    assert "disbursed_on" in act(order, "disburse", expect=422, amount=100, disbursed_on=tomorrow)["errors"]
    assert "disbursed_on" in act(order, "disburse", expect=422, amount=100, disbursed_on="2020-01-01")["errors"]
    assert "disbursed_on" in act(order, "disburse", expect=422, amount=100, disbursed_on="27/11/2026")["errors"]
    assert act(order, "disburse", amount=100, disbursed_on=today())["status"] == "disbursed"


def test_only_the_owning_institution_acts_and_others_see_nothing(apply, act):
    order = apply()
    assert act(order, "accept", as_="other_bank", expect=404)["code"] == "not_found"
    assert act(order, "accept", as_="weidu", expect=403)["code"] == "forbidden"
    assert act(order, "accept", as_="xuchang", expect=403)["code"] == "forbidden"
    assert act(order, "withdraw", as_="yanling", expect=404)["code"] == "not_found"
    assert act(order, "withdraw", as_="bank", expect=403)["code"] == "forbidden"
    assert act({"id": 999999}, "accept", expect=404)["code"] == "not_found"


def test_accepting_records_how_long_it_took(apply, act, seeded):
    order = apply()
    accepted = act(order, "accept", remark="资料齐全")
    assert accepted["accepted_at"] >= order["created_at"]
    assert outbox(seeded, "order.accepted")[0]["data"]["institution_id"] == BANK_ID


def test_an_action_with_a_body_that_is_not_json_is_400(client, apply, tokens):
    order = apply()
    resp = client.post(f"{ORDERS}/{order['id']}/terminate", data="reason", headers={**tokens["bank"],
                                                                               "Content-Type": "application/json"})
    assert resp.status_code == 400 and resp.json["code"] == "bad_request"


def test_loan_service_lists_every_disbursed_order_as_order_disbursed_carries_it(client, apply, act, auth_service):
    disbursed = []
    for _ in range(2):
        order = apply()
        act(order, "accept")
        act(order, "grant", amount=80, rate=4.35, term_months=12)
        disbursed.append(act(order, "disburse", amount=80, disbursed_on=today()))
    apply()  # still submitted: not listed
    service = {"Authorization": f"Bearer {auth_service.service_token('loan-service')}"}
    resp = client.get("/internal/orders/disbursed", headers=service)
    assert resp.status_code == 200 and resp.json["next_cursor"] is None
    assert [i["order_id"] for i in resp.json["items"]] == [o["id"] for o in disbursed]
    item = resp.json["items"][0]
    assert (item["status"], item["disbursed_amount"], item["granted_rate"], item["disbursed_on"]) == (
        "disbursed", 80, 4.35, today())
    assert client.get("/internal/orders/disbursed", headers={}).status_code == 401
    assert client.get("/internal/orders/disbursed?after=nonsense", headers=service).status_code == 422


def test_a_disbursement_names_one_of_the_products_repayment_methods_and_announces_the_loan_terms(
        apply, act, seeded):
    with_default, chosen, refused = apply(), apply(product_id=3), apply(as_="yanling")
    for order in (with_default, chosen, refused):
        act(order, "accept", as_="other_bank" if order["product_id"] == 3 else "bank")
        act(order, "grant", as_="other_bank" if order["product_id"] == 3 else "bank",
            amount=50, rate=4, term_months=12)
    done = act(with_default, "disburse", amount=50, disbursed_on=today())
    assert (done["repayment_method"], done["renewal"]) == ("equal_installment", False)  # the product's first

    deliver(seeded, "product.updated", product_data(3, OTHER_BANK_ID, repayment_methods=["interest_first", "bullet"]),
            source="product-service")
    done = act(chosen, "disburse", as_="other_bank", amount=50, disbursed_on=today(), repayment_method="bullet",
               renewal=True)
    assert (done["repayment_method"], done["renewal"]) == ("bullet", True)

    answer = act(refused, "disburse", expect=422, amount=50, disbursed_on=today(), repayment_method="bullet")
    assert answer["code"] == "repayment_method_not_offered" and "等额本息" in answer["errors"]["repayment_method"][0]
    assert act(refused, "disburse", expect=422, amount=50, disbursed_on=today(),
               repayment_method="monthly")["code"] == "validation_error"
    assert act(refused, "disburse", expect=422, amount=50, disbursed_on=today(), renewal="yes")["code"] == (
        "validation_error")
    with seeded.app_context():  # nothing written
        order = db.session.get(Order, refused["id"])
        assert (order.status, order.repayment_method, order.renewal) == ("credit_granted", None, None)

    events = {e["data"]["order_id"]: e["data"] for e in outbox(seeded, "order.disbursed")}
    assert refused["id"] not in events
    first, second = events[with_default["id"]], events[chosen["id"]]
    assert (first["repayment_method"], first["renewal"], first["whitelisted"]) == ("equal_installment", False, False)
    assert (second["repayment_method"], second["renewal"]) == ("bullet", True)
    assert datetime.fromisoformat(first["submitted_at"]) == datetime.fromisoformat(with_default["created_at"])


def test_the_whitelist_state_a_loan_is_disbursed_with_stays_when_the_enterprise_later_leaves(apply, act, seeded):
    order = apply()
    deliver(seeded, "credit.whitelist_changed", {"uscc": WEIDU_CO[1], "whitelisted": True, "batch": "2026-1",
                                                  "valid_until": None}, source="credit-service")
    act(order, "accept")
    act(order, "grant", amount=50, rate=4, term_months=12)
    act(order, "disburse", amount=50, disbursed_on=today())
    deliver(seeded, "credit.whitelist_changed", {"uscc": WEIDU_CO[1], "whitelisted": False, "batch": None,
                                                  "valid_until": None}, source="credit-service")
    assert outbox(seeded, "order.disbursed")[0]["data"]["whitelisted"] is True
    with seeded.app_context():
        order = db.session.get(Order, order["id"])
        assert (order.whitelisted, order.disbursed_whitelisted) == (False, True)


def test_a_product_copied_before_repayment_methods_were_copied_takes_any_method_and_flexible_by_default(
        apply, act, seeded):
    first, second = apply(), apply(as_="yanling")
    with seeded.app_context():
        db.session.get(Product, 1).repayment_methods = []  # a row from before the migration
        db.session.commit()
    for order in (first, second):
        act(order, "accept")
        act(order, "grant", amount=50, rate=4, term_months=12)
    assert act(first, "disburse", amount=50, disbursed_on=today())["repayment_method"] == "flexible"
    assert act(second, "disburse", amount=50, disbursed_on=today(),
               repayment_method="equal_principal")["repayment_method"] == "equal_principal"
