"""Loan orders end to end through the gateway: an enterprise applies for a bank's product, the bank
takes orders through their states, a second bank sees nothing, the city's government sees everything
and its statistics add up, and a government system's own queue gets every order event once."""

from datetime import UTC, datetime, timedelta

import pytest
from api_client import Api
from scenario import (
    STAFF_PASSWORD,
    EventSubscriber,
    admin_with_xuchang,
    institution_user,
    new_institution,
    random_uscc,
    staff_user,
    verified_enterprise,
)

from xyd_testing.helpers import wait_until

NEW_PASSWORD = STAFF_PASSWORD
CONTRACT_FIELDS = {"order_id", "order_no", "status", "previous_status", "product_id", "product_name",
                   "institution_id", "institution_name", "enterprise_uscc", "enterprise_name", "region_code",
                   "amount", "term_months", "applicant_user_id"}


def china_today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()


def staff(platform, admin: Api, path: str, body: dict) -> Api:
    return staff_user(platform, admin, path, body)[0]


def bank(platform, admin: Api, name: str) -> tuple[dict, Api]:
    institution = new_institution(admin, name)
    return institution, institution_user(platform, admin, institution)


@pytest.fixture(scope="module")
def world(platform):
    """Regions 许昌市 / 魏都区, two banks with a product, an enterprise of 魏都区 registered, a government
    user of 许昌市, and a subscriber listening before anything is ordered."""
    admin = admin_with_xuchang(platform)
    events = EventSubscriber(platform, "order.#")

    institution, bank_api = bank(platform, admin, "许昌农商银行")
    _other, other_bank_api = bank(platform, admin, "中原银行许昌分行")
    government = staff(platform, admin, "/admin/government-users", {"name": "许昌市发改委", "region_code": "411000"})

    product_body = {"name": "税易贷", "category": "loan", "guarantee_methods": ["credit"],
                    "repayment_methods": ["equal_installment"], "amount_min": 10, "amount_max": 300,
                    "term_min_months": 6, "term_max_months": 36, "rate_min": 3.45, "rate_max": 6.5,
                    "region_codes": ["411000"]}
    # product-service learns of the new bank by its event: retry until it has.
    created = {}

    def publish():
        resp = bank_api.post("/products", json=product_body)
        assert resp.status_code in (201, 409), resp.text
        created.update(resp.json())
        return resp.status_code == 201

    wait_until(publish, timeout=30, interval=0.3, message="product-service to know the bank")

    uscc = random_uscc()
    enterprise, user = verified_enterprise(platform, admin, uscc, "许昌魏都制造有限公司", NEW_PASSWORD)

    # order-service learns of the product and the enterprise by their events: an amount above the
    # product's maximum answers amount_out_of_range only once both are there.
    def order_service_knows_them():
        resp = enterprise.post("/orders", json=order_body(created["id"], amount=300.0001))
        assert resp.status_code in (422, 503), resp.text
        return resp.json()["code"] == "amount_out_of_range"

    wait_until(order_service_knows_them, timeout=30, interval=0.3, message="order-service's read model")
    yield {"admin": admin, "bank": bank_api, "other_bank": other_bank_api, "government": government,
           "enterprise": enterprise, "institution": institution, "product": created, "user": user,
           "uscc": uscc, "events": events, "orders": {}}
    events.close()


def order_body(product_id: int, **overrides) -> dict:
    return {"product_id": product_id, "amount": 100, "term_months": 12, "purpose": "采购原材料",
            "credit_authorized": True, **overrides}


def act(api: Api, order_id: int, action: str, expect: int = 200, **body) -> dict:
    resp = api.post(f"/orders/{order_id}/{action}", json=body or None)
    assert resp.status_code == expect, resp.text
    return resp.json()


def test_an_application_is_taken_from_submitted_to_disbursed(world):
    enterprise, bank_api, product = world["enterprise"], world["bank"], world["product"]
    resp = enterprise.post("/orders", json=order_body(product["id"]), headers={"Idempotency-Key": "e2e-apply-1"})
    assert resp.status_code == 201, resp.text
    order = resp.json()
    assert (order["status"], order["enterprise_uscc"], order["region_code"], order["amount"]) == (
        "submitted", world["uscc"], "411002", 100)
    assert order["order_no"].startswith("XC") and order["accept_deadline"] > china_today()
    again = enterprise.post("/orders", json=order_body(product["id"]), headers={"Idempotency-Key": "e2e-apply-1"})
    assert again.status_code == 201 and again.json()["id"] == order["id"]

    too_much = enterprise.post("/orders", json=order_body(product["id"], amount=301))
    assert too_much.status_code == 422 and too_much.json()["code"] == "amount_out_of_range"
    duplicate = enterprise.post("/orders", json=order_body(product["id"], amount=50))
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate_open_order"

    listed = bank_api.get("/orders", params={"status": "submitted"}).json()
    assert order["id"] in [o["id"] for o in listed["items"]]
    item = next(o for o in listed["items"] if o["id"] == order["id"])
    assert item["risk"]["level"] in ("none", "low", "medium", "high", "unknown") and "whitelisted" in item

    details = bank_api.get(f"/orders/{order['id']}").json()
    assert [h["to_status"] for h in details["history"]] == ["submitted"]
    assert details["credit_authorized"] is True
    # The page loads whether or not credit-service can answer.
    assert isinstance(details["credit_record"], dict) or details["credit_record_error"]

    act(bank_api, order["id"], "accept")
    act(bank_api, order["id"], "grant", amount=80, rate=4.35, term_months=12)
    # The product offers 等额本息 only: another method is refused, and nothing changes.
    refused = bank_api.post(f"/orders/{order['id']}/disburse",
                            json={"amount": 80, "disbursed_on": china_today(), "repayment_method": "bullet"})
    assert (refused.status_code, refused.json()["code"]) == (422, "repayment_method_not_offered")
    done = act(bank_api, order["id"], "disburse", amount=80, disbursed_on=china_today())
    assert (done["status"], done["disbursed_amount"]) == ("disbursed", 80)
    assert (done["repayment_method"], done["renewal"]) == ("equal_installment", False)  # the product's first
    history = bank_api.get(f"/orders/{order['id']}").json()["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "submitted"), ("submitted", "accepted"), ("accepted", "credit_granted"),
        ("credit_granted", "disbursed")]
    world["orders"]["disbursed"] = order["id"]


def test_the_bank_terminates_a_second_order_with_its_reason(world):
    enterprise, bank_api = world["enterprise"], world["bank"]
    order = enterprise.post("/orders", json=order_body(world["product"]["id"], amount=60)).json()
    assert act(bank_api, order["id"], "terminate", expect=422)["code"] == "validation_error"
    done = act(bank_api, order["id"], "terminate", reason="经营年限不满两年，不符合准入条件")
    assert (done["status"], done["reason"]) == ("terminated", "经营年限不满两年，不符合准入条件")
    world["orders"]["terminated"] = order["id"]


def test_the_enterprise_withdraws_after_acceptance_but_not_after_the_grant(world):
    enterprise, bank_api, product_id = world["enterprise"], world["bank"], world["product"]["id"]
    first = enterprise.post("/orders", json=order_body(product_id, amount=20)).json()
    act(bank_api, first["id"], "accept")
    assert act(enterprise, first["id"], "withdraw")["status"] == "withdrawn"
    second = enterprise.post("/orders", json=order_body(product_id, amount=30)).json()
    act(bank_api, second["id"], "accept")
    act(bank_api, second["id"], "grant", amount=25, rate=5, term_months=12)
    assert act(enterprise, second["id"], "withdraw", expect=409)["code"] == "invalid_transition"
    world["orders"].update(withdrawn=first["id"], granted=second["id"])


def test_another_bank_sees_none_of_these_orders(world):
    other = world["other_bank"]
    for key in ("disbursed", "terminated"):
        assert other.get(f"/orders/{world['orders'][key]}").status_code == 404
        assert act(other, world["orders"][key], "accept", expect=404)["code"] == "not_found"
    assert other.get("/orders").json()["items"] == []


def test_the_city_government_sees_the_orders_and_the_statistics_add_up(world):
    government, ours = world["government"], set(world["orders"].values())
    listed = government.get("/orders", params={"per_page": 100}).json()
    assert ours <= {o["id"] for o in listed["items"]}
    assert government.get(f"/orders/{world['orders']['terminated']}").status_code == 200
    assert government.post(f"/orders/{world['orders']['granted']}/accept").status_code == 403

    stats = government.get("/orders/stats", params={"from": china_today(), "to": china_today()}).json()
    assert stats["region_code"] == "411000"
    assert sum(stats["by_status"].values()) == stats["total"] == sum(i["orders"] for i in stats["institutions"])
    [bank_figures] = [i for i in stats["institutions"] if i["institution_id"] == world["institution"]["id"]]
    assert {k: bank_figures[k] for k in ("orders", "accepted", "requested_amount", "granted_amount",
                                          "disbursed_amount", "overdue")} == {
        "orders": 4, "accepted": 3, "requested_amount": 210, "granted_amount": 105, "disbursed_amount": 80,
        "overdue": 0}
    assert bank_figures["average_hours_to_accept"] >= 0
    assert stats["disbursed_amount"] >= 80 and stats["by_status"]["terminated"] >= 1


def test_a_subscriber_gets_every_transition_once_with_every_contract_field(world):
    expected = {
        world["orders"]["disbursed"]: ["order.submitted", "order.accepted", "order.credit_granted", "order.disbursed"],
        world["orders"]["terminated"]: ["order.submitted", "order.terminated"],
        world["orders"]["withdrawn"]: ["order.submitted", "order.accepted", "order.withdrawn"],
        world["orders"]["granted"]: ["order.submitted", "order.accepted", "order.credit_granted"],
    }
    events = world["events"]

    def ours():
        return [e for e in events.drain() if e["data"]["order_id"] in expected]

    wait_until(lambda: len(ours()) >= sum(map(len, expected.values())), timeout=30,
               message="every order event to reach the subscriber")
    received = sorted(ours(), key=lambda e: e["occurred_at"])
    for order_id, types in expected.items():
        assert [e["event_type"] for e in received if e["data"]["order_id"] == order_id] == types, order_id
    for event in received:
        assert event["source"] == "order-service" and event["version"] == 1
        assert CONTRACT_FIELDS <= set(event["data"]), event
        assert event["data"]["applicant_user_id"] == world["user"]["id"]
        assert event["data"]["status"] == event["event_type"].removeprefix("order.")
    by_type = {(e["data"]["order_id"], e["event_type"]): e["data"] for e in received}
    assert by_type[world["orders"]["terminated"], "order.terminated"]["reason"] == "经营年限不满两年，不符合准入条件"
    granted = by_type[world["orders"]["granted"], "order.credit_granted"]
    assert (granted["granted_amount"], granted["granted_rate"], granted["granted_term_months"]) == (25, 5, 12)
    disbursed = by_type[world["orders"]["disbursed"], "order.disbursed"]
    assert (disbursed["disbursed_amount"], disbursed["disbursed_on"]) == (80, china_today())
    # What loan-service opens the loan with.
    assert (disbursed["repayment_method"], disbursed["renewal"], disbursed["whitelisted"]) == (
        "equal_installment", False, False)
    made = world["bank"].get(f"/orders/{world['orders']['disbursed']}").json()["created_at"]
    assert datetime.fromisoformat(disbursed["submitted_at"]) == datetime.fromisoformat(made)
