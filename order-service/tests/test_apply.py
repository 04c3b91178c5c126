"""Applying for a loan (POST /orders): the rules, the snapshot, the number, the deadline and
Idempotency-Key — on SQLite."""

import json
import re
from datetime import UTC, date, datetime

import pytest

from order_service import services
from order_service.models import AuthorizationTextVersion, Order, OrderRegion, db

from .support import (
    BANK_ID,
    OTHER_BANK_ID,
    WEIDU_CO,
    auth,
    deliver,
    institution_data,
    order_body,
    outbox,
    product_data,
    text_published,
    user_data,
    verified_data,
)

ORDERS = "/api/v1/orders"


def test_an_enterprise_applies_and_gets_a_numbered_submitted_order(client, apply, seeded):
    order = apply()
    assert order["status"] == "submitted"
    assert re.fullmatch(r"XC\d{8}\d{6}", order["order_no"])
    assert order["order_no"][2:10] == services.china_date(datetime.now(UTC)).strftime("%Y%m%d")
    assert {k: order[k] for k in ("product_id", "product_name", "institution_id", "institution_name",
                                  "enterprise_uscc", "enterprise_name", "region_code", "amount", "term_months",
                                  "purpose")} == {
        "product_id": 1, "product_name": "税易贷1", "institution_id": BANK_ID, "institution_name": "许昌农商银行",
        "enterprise_uscc": WEIDU_CO[1], "enterprise_name": WEIDU_CO[2], "region_code": "411002", "amount": 100,
        "term_months": 12, "purpose": "采购原材料"}
    assert order["risk"] == {"level": "unknown", "tags": []} and order["whitelisted"] is False
    assert order["accept_overdue"] is False and date.fromisoformat(order["accept_deadline"]) > date.today()


def test_order_numbers_count_up_within_the_day(apply):
    first, second = apply(product_id=1), apply(product_id=3)
    assert int(second["order_no"][-6:]) == int(first["order_no"][-6:]) + 1


def test_the_deadline_is_the_configured_number_of_working_days_later(app, apply, monkeypatch):
    friday_evening_in_china = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(services, "utcnow", lambda: friday_evening_in_china)
    app.config["ORDER_ACCEPT_DAYS"] = 2
    assert apply()["accept_deadline"] == "2026-12-01"  # Mon 30 Nov, Tue 1 Dec


def test_amounts_keep_four_decimals_exactly(apply):
    assert apply(amount=123.4567)["amount"] == 123.4567


@pytest.mark.parametrize("body, code, field", [
    (dict(credit_authorized=False), "credit_authorization_required", "credit_authorization"),
    (dict(credit_authorized=None), "validation_error", "credit_authorization"),
    (dict(credit_authorized=None, credit_authorization={"version": 2}), "credit_authorization_required",
     "credit_authorization"),
    (dict(credit_authorization={"version": "1"}), "validation_error", "credit_authorization.version"),
    (dict(credit_authorization={}), "validation_error", "credit_authorization.version"),
    (dict(credit_authorized="yes"), "validation_error", "credit_authorized"),
    (dict(amount=9.9999), "amount_out_of_range", "amount"),
    (dict(amount=300.5001), "amount_out_of_range", "amount"),
    (dict(amount=1.00001), "validation_error", "amount"),
    (dict(term_months=5), "term_out_of_range", "term_months"),
    (dict(term_months=37), "term_out_of_range", "term_months"),
    (dict(product_id=999), "product_unavailable", "product_id"),
    (dict(product_id=2), "region_not_served", "product_id"),     # 禹州 only; 魏都 is not below it
    (dict(purpose=" "), "validation_error", "purpose"),
    (dict(contact_phone="12345"), "validation_error", "contact_phone"),
    (dict(extra=1), "validation_error", "extra"),
])
def test_bad_applications_are_422_with_a_specific_code(client, seeded, tokens, body, code, field):
    payload = order_body(**body)
    if "credit_authorized" in body and body["credit_authorized"] is None:
        del payload["credit_authorized"]
        code = "credit_authorization_required"
    if "credit_authorization" in body:
        payload.pop("credit_authorized", None)
    resp = client.post(ORDERS, json=payload, headers=tokens["weidu"])
    assert resp.status_code == 422, resp.json
    assert resp.json["code"] == code and field in resp.json["errors"], resp.json


def test_amount_bounds_themselves_are_allowed(apply):
    assert apply(amount=10)["amount"] == 10
    assert apply(product_id=3, amount=300.5)["amount"] == 300.5


def test_a_disabled_product_or_a_disabled_institution_takes_no_applications(client, seeded, tokens):
    deliver(seeded, "product.disabled", product_data(1, status="disabled"), source="product-service")
    resp = client.post(ORDERS, json=order_body(), headers=tokens["weidu"])
    assert resp.status_code == 422 and resp.json["code"] == "product_unavailable"

    deliver(seeded, "institution.disabled", institution_data(OTHER_BANK_ID, "中原银行许昌分行", "disabled"))
    resp = client.post(ORDERS, json=order_body(product_id=3), headers=tokens["weidu"])
    assert resp.status_code == 422 and resp.json["code"] == "product_unavailable"


def test_a_product_serving_a_region_above_the_enterprise_serves_it(apply, seeded):
    deliver(seeded, "product.updated", product_data(1, region_codes=["410000"]), source="product-service")
    assert apply()["status"] == "submitted"


def test_a_second_open_order_for_the_same_product_is_409_until_the_first_is_closed(client, apply, tokens):
    first = apply()
    resp = client.post(ORDERS, json=order_body(amount=50), headers=tokens["weidu"])
    assert resp.status_code == 409 and resp.json["code"] == "duplicate_open_order"
    assert client.post(f"{ORDERS}/{first['id']}/withdraw", headers=tokens["weidu"]).status_code == 200
    assert apply(amount=50)["status"] == "submitted"


def test_another_enterprise_may_apply_for_the_same_product(apply):
    apply()
    assert apply(as_="yanling")["enterprise_name"] == "鄢陵花木有限公司"


def test_only_enterprises_apply(client, seeded, tokens):
    for role in ("bank", "xuchang", "admin"):
        resp = client.post(ORDERS, json=order_body(), headers=tokens[role])
        assert resp.status_code == 403, role


def test_an_enterprise_whose_verification_has_not_arrived_yet_is_asked_to_retry(client, seeded, auth_service):
    token = auth_service.token("enterprise", sub="77", enterprise_uscc="91350100M000100Y43", region_code="411002",
                               evs="verified")
    deliver(seeded, "auth.user_created", user_data(77, "91350100M000100Y43", "福州测试有限公司", "411002"))
    resp = client.post(ORDERS, json=order_body(), headers=auth(token))
    assert resp.status_code == 503 and resp.headers["Retry-After"]
    deliver(seeded, "auth.enterprise_verified", verified_data(77, "91350100M000100Y43", "福州测试有限公司", "411002"))
    assert client.post(ORDERS, json=order_body(), headers=auth(token)).status_code == 201


@pytest.mark.parametrize("status", [None, "unverified", "pending", "rejected"])
def test_an_enterprise_that_is_not_verified_cannot_apply_or_withdraw(client, seeded, auth_service, tokens, status):
    claims = {"evs": status} if status else {}
    token = auth_service.token("enterprise", sub="31", enterprise_uscc=WEIDU_CO[1], region_code="411002", **claims)
    resp = client.post(ORDERS, json=order_body(), headers=auth(token))
    assert resp.status_code == 403 and resp.json["code"] == "enterprise_unverified"
    order = client.post(ORDERS, json=order_body(), headers=tokens["weidu"]).json
    resp = client.post(f"{ORDERS}/{order['id']}/withdraw", headers=auth(token))
    # Its own order (user 31 applied) stays visible to it, but acting on it needs the verification,
    # and the enterprise's credit record is not shown with it.
    assert resp.status_code == 403 and resp.json["code"] == "enterprise_unverified"
    details = client.get(f"{ORDERS}/{order['id']}", headers=auth(token))
    assert details.status_code == 200 and details.json["credit_record"] is None
    assert details.json["credit_record_error"] == "企业认证通过后可查看本企业信用记录"
    with seeded.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 1


def test_a_stranger_claiming_the_uscc_sees_none_of_its_orders(client, seeded, auth_service, tokens):
    order = client.post(ORDERS, json=order_body(), headers=tokens["weidu"]).json
    stranger = auth(auth_service.token("enterprise", sub="99", enterprise_uscc=WEIDU_CO[1], region_code="411002",
                                       evs="unverified"))
    assert client.get(ORDERS, headers=stranger).json["items"] == []
    assert client.get(f"{ORDERS}/{order['id']}", headers=stranger).status_code == 404


def test_the_order_takes_the_name_and_region_of_the_verified_enterprise(client, seeded, auth_service):
    # The token still says 鄢陵县 (the registration claim); the verification said 魏都区.
    token = auth_service.token("enterprise", sub="31", enterprise_uscc=WEIDU_CO[1], region_code="411024",
                               evs="verified")
    order = client.post(ORDERS, json=order_body(), headers=auth(token)).json
    assert (order["enterprise_name"], order["region_code"]) == (WEIDU_CO[2], WEIDU_CO[3])


def test_the_same_idempotency_key_and_body_give_the_same_order(client, seeded, tokens):
    headers = {**tokens["weidu"], "Idempotency-Key": "apply-7f3c"}
    first = client.post(ORDERS, json=order_body(), headers=headers)
    again = client.post(ORDERS, json=order_body(amount=100.0), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert len(outbox(seeded, "order.submitted")) == 1


def test_the_same_idempotency_key_with_another_body_is_refused(client, seeded, tokens):
    headers = {**tokens["weidu"], "Idempotency-Key": "apply-7f3c"}
    assert client.post(ORDERS, json=order_body(), headers=headers).status_code == 201
    resp = client.post(ORDERS, json=order_body(amount=101), headers=headers)
    assert resp.status_code == 422 and resp.json["code"] == "idempotency_key_reused"


def test_idempotency_keys_belong_to_their_user(client, seeded, tokens):
    for who in ("weidu", "yanling"):
        resp = client.post(ORDERS, json=order_body(), headers={**tokens[who], "Idempotency-Key": "k1"})
        assert resp.status_code == 201
    assert outbox(seeded, "order.submitted")[0]["data"]["order_id"] != outbox(seeded, "order.submitted")[1]["data"][
        "order_id"]


def test_an_overlong_idempotency_key_is_a_validation_error(client, seeded, tokens):
    resp = client.post(ORDERS, json=order_body(), headers={**tokens["weidu"], "Idempotency-Key": "k" * 101})
    assert resp.status_code == 422 and "Idempotency-Key" in resp.json["errors"]


def test_applying_publishes_order_submitted_with_every_contract_field(apply, seeded):
    order = apply()
    [event] = outbox(seeded, "order.submitted")
    assert event["source"] == "order-service" and event["version"] == 1
    assert event["data"] == {
        "order_id": order["id"], "order_no": order["order_no"], "status": "submitted", "previous_status": None,
        "product_id": 1, "product_name": "税易贷1", "institution_id": BANK_ID, "institution_name": "许昌农商银行",
        "enterprise_uscc": WEIDU_CO[1], "enterprise_name": WEIDU_CO[2], "region_code": "411002", "amount": 100,
        "term_months": 12, "applicant_user_id": WEIDU_CO[0], "accept_deadline": order["accept_deadline"],
        "accept_overdue": False, "source": "application",
        "credit_authorization": {"version": 1, "accepted_at": event["data"]["credit_authorization"]["accepted_at"]}}


def test_the_order_is_filed_under_every_region_on_its_path(apply, seeded):
    order = apply()
    with seeded.app_context():
        codes = set(db.session.scalars(db.select(OrderRegion.region_code).where(OrderRegion.order_id == order["id"])))
        assert codes == {"410000", "411000", "411002"}
        assert db.session.get(Order, order["id"]).credit_authorized is True


def test_an_application_consents_to_the_current_authorization_text(client, seeded, tokens):
    body = order_body(product_id=1)
    del body["credit_authorized"]
    resp = client.post(ORDERS, json={**body, "credit_authorization": {"version": 1}}, headers=tokens["weidu"])
    assert resp.status_code == 201, resp.json
    details = client.get(f"{ORDERS}/{resp.json['id']}", headers=tokens["weidu"]).json
    assert details["credit_authorization"]["version"] == 1 and details["credit_access_until"] is None
    submitted = outbox(seeded, "order.submitted")[-1]["data"]
    assert submitted["credit_authorization"]["version"] == 1 and submitted["credit_authorization"]["accepted_at"]
    assert "127.0.0.1" not in json.dumps(submitted)  # the applicant's address stays in order-service
    with seeded.app_context():
        order = db.session.get(Order, resp.json["id"])
        assert (order.credit_authorized_by, order.credit_authorization_ip) == (WEIDU_CO[0], "127.0.0.1")

    # A new version is published: the old one no longer does; the deprecated flag means the new one.
    deliver(seeded, "credit.authorization_text_published", text_published(2), source="credit-service")
    old = client.post(ORDERS, json={**body, "product_id": 3, "credit_authorization": {"version": 1}},
                      headers=tokens["weidu"])
    assert old.status_code == 422 and old.json["code"] == "credit_authorization_required"
    new = client.post(ORDERS, json={**body, "product_id": 3, "credit_authorized": True}, headers=tokens["weidu"])
    assert new.status_code == 201 and outbox(seeded, "order.submitted")[-1]["data"]["credit_authorization"][
        "version"] == 2


def test_before_any_text_event_arrives_credit_service_is_asked_for_the_current_version(seeded, tokens):
    from xyd_testing.helpers import StubServer

    with seeded.app_context():
        db.session.execute(db.delete(AuthorizationTextVersion))
        db.session.commit()
    client = seeded.test_client()
    # credit-service unreachable: the application cannot be checked, and is not taken.
    resp = client.post(ORDERS, json=order_body(), headers=tokens["weidu"])
    assert resp.status_code == 503 and resp.json["code"] == "service_unavailable"
    with StubServer() as credit:
        credit.routes["/api/v1/credit/authorization-text"] = (200, {"version": 4, "text": "授权书……"})
        seeded.config["CREDIT_SERVICE_URL"] = credit.url
        stale = client.post(ORDERS, json={**order_body(), "credit_authorization": {"version": 3}},
                            headers=tokens["weidu"])
        assert stale.status_code == 422 and stale.json["code"] == "credit_authorization_required"
        assert client.post(ORDERS, json={**order_body(), "credit_authorization": {"version": 4}},
                           headers=tokens["weidu"]).status_code == 201


def test_a_whitelist_only_product_takes_only_whitelisted_enterprises(client, seeded, tokens):
    deliver(seeded, "product.published", product_data(9, whitelist_only=True), source="product-service")
    deliver(seeded, "credit.whitelist_changed", {"uscc": WEIDU_CO[1], "whitelisted": False, "batch": None,
                                                 "valid_until": None}, source="credit-service")
    resp = client.post(ORDERS, json=order_body(product_id=9), headers=tokens["weidu"])
    assert resp.status_code == 422 and resp.json["code"] == "whitelist_required", resp.json
    deliver(seeded, "credit.whitelist_changed", {"uscc": WEIDU_CO[1], "whitelisted": True, "batch": "2026年第一批",
                                                 "valid_until": "2027-03-19"}, source="credit-service")
    assert client.post(ORDERS, json=order_body(product_id=9), headers=tokens["weidu"]).status_code == 201
