"""Notifications and webhooks end to end: order events reach a government system's webhook signed,
retried until it answers 200; the people concerned get in-app notifications and SMS; a redelivered
event notifies and delivers once.

Some tests publish order events straight to the platform's broker (as order-service's relay would),
so they do not depend on the order flow; one drives the whole flow through the public API."""

import hashlib
import hmac
import json
import random
import uuid

import pika
import pytest
from api_client import Api
from scenario import (
    STAFF_PASSWORD,
    admin_with_xuchang,
    new_institution,
    random_uscc,
    staff_user,
    verified_enterprise,
)

from xyd_common.events.envelope import new_envelope
from xyd_testing.helpers import RABBITMQ_HOST, RABBITMQ_PORT, NotYet, RecordingServer, amqp_url, wait_until

NEW_PASSWORD = STAFF_PASSWORD


class Receiver(RecordingServer):
    """A government system's webhook endpoint on 127.0.0.1: records every request and answers the
    next of `statuses` (the last one repeats)."""

    def __init__(self, statuses=(200,)):
        super().__init__(statuses, path="/xyd/events")

    def of(self, event_id: str) -> list[tuple[dict, bytes]]:
        with self._lock:
            return [(h, b) for h, b in self.requests if h.get("X-Xyd-Event-Id") == event_id]


def signature_is_valid(secret: str, headers: dict, body: bytes) -> bool:
    expected = hmac.new(secret.encode("utf-8"), headers["X-Xyd-Timestamp"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), headers["X-Xyd-Signature"])


def publish(platform, event: dict) -> None:
    """Publish an envelope to the platform's exchange as a relay does (persistent, confirmed)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url(platform.vhost, RABBITMQ_HOST, RABBITMQ_PORT)))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("xyd.events", event["event_type"], json.dumps(event, ensure_ascii=False).encode(),
                              pika.BasicProperties(content_type="application/json", message_id=event["event_id"],
                                                   delivery_mode=2), mandatory=True)
    finally:
        connection.close()


def order_event(event_type: str, institution_id: int, **data) -> dict:
    """An order event as order-service would publish it (complete by docs/asyncapi.yaml: the session's bus
    recorder checks it like every other event)."""
    status = {"order.submitted": "submitted", "order.accepted": "accepted"}[event_type]
    if status == "submitted":
        data = {"accept_deadline": "2026-12-02", "accept_overdue": False, **data}
    return new_envelope(event_type, {
        "order_id": random.randint(10**6, 10**7), "order_no": f"E2E{uuid.uuid4().hex[:10].upper()}",
        "status": status, "previous_status": None if status == "submitted" else "submitted", "product_id": 1,
        "product_name": "税易贷", "institution_id": institution_id, "institution_name": "许昌农商银行",
        "enterprise_uscc": "91350100M000100Y43", "enterprise_name": "许昌瑞祥机械有限公司",
        "region_code": "411002", "amount": 100, "term_months": 12, "applicant_user_id": 999999, **data,
    }, "order-service")


@pytest.fixture(scope="module")
def xuchang(platform):
    """The admin, with 许昌市 and 魏都区 in place."""
    return admin_with_xuchang(platform)


def new_bank(admin: Api) -> int:
    return new_institution(admin, "许昌农商银行")["id"]


def register_webhook(api: Api, url: str, event_types=("order.*",)) -> dict:
    resp = api.post("/webhooks", json={"url": url, "event_types": list(event_types), "description": "e2e"})
    assert resp.status_code == 201, resp.text
    return resp.json()


def delivery_log(api: Api, webhook_id: int) -> list[dict]:
    resp = api.get(f"/webhooks/{webhook_id}/deliveries")
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def notifications(api: Api, **params) -> list[dict]:
    resp = api.get("/notifications", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


# --- webhooks, without orders ------------------------------------------------------------------------

def test_webhook_registration_is_checked_at_the_gateway(platform, api, xuchang):
    resp = api.post("/webhooks", json={"url": "https://93.184.216.34/", "event_types": ["order.*"]}, token="")
    assert resp.status_code == 401
    for body, field in (({"url": "ftp://x", "event_types": ["order.*"]}, "url"),
                        ({"url": "https://93.184.216.34/", "event_types": ["auth.user_created"]}, "event_types"),
                        ({"url": "https://93.184.216.34/", "event_types": ["order.*"], "secret": "mine"}, "secret")):
        resp = xuchang.post("/webhooks", json=body)
        assert resp.status_code == 422 and field in resp.json()["errors"], resp.text
    webhook = register_webhook(xuchang, "https://93.184.216.34/xyd")
    assert webhook["secret"].startswith("whsec_")
    assert all("secret" not in w for w in xuchang.get("/webhooks").json()["items"])
    assert xuchang.request("DELETE", f"/webhooks/{webhook['id']}").status_code == 204


def test_order_events_reach_a_webhook_signed_and_are_retried_until_it_answers_200(platform, xuchang):
    with Receiver(statuses=[500, 500, 200]) as receiver:
        webhook = register_webhook(xuchang, receiver.url)
        try:
            submitted, accepted = order_event("order.submitted", 1), order_event("order.accepted", 1)
            publish(platform, submitted)
            wait_until(lambda: len(receiver.of(submitted["event_id"])) >= 3, timeout=40, interval=0.2,
                       message="order.submitted to be tried three times")
            publish(platform, accepted)
            wait_until(lambda: receiver.of(accepted["event_id"]), timeout=20, interval=0.2,
                       message="order.accepted to be delivered")

            for event in (submitted, accepted):
                for headers, body in receiver.of(event["event_id"]):
                    assert json.loads(body) == event
                    assert headers["X-Xyd-Event-Type"] == event["event_type"]
                    assert signature_is_valid(webhook["secret"], headers, body)

            def logged():
                log = {d["event_id"]: d for d in delivery_log(xuchang, webhook["id"])}
                done = [log.get(e["event_id"], {}).get("status") == "delivered" for e in (submitted, accepted)]
                return all(done) and log

            log = wait_until(logged, timeout=10, message="the delivery log to show both delivered")
            first = log[submitted["event_id"]]
            assert (first["attempts"], first["last_status_code"], first["last_error"]) == (3, 200, None)
            assert log[accepted["event_id"]]["attempts"] == 1
        finally:
            xuchang.request("DELETE", f"/webhooks/{webhook['id']}")


def test_government_webhook_receives_only_orders_of_its_region(platform, xuchang):
    gov, _ = staff_user(platform, xuchang, "/admin/government-users", {"name": "魏都区发改委", "region_code": "411002"})
    with Receiver() as receiver:
        webhook = register_webhook(gov, receiver.url)
        assert webhook["region_code"] == "411002"
        try:
            outside = order_event("order.submitted", 1, region_code="411000")  # the city, above the district
            inside = order_event("order.submitted", 1, region_code="411002")
            publish(platform, outside)
            publish(platform, inside)
            wait_until(lambda: receiver.of(inside["event_id"]), timeout=20, interval=0.2,
                       message="the district's order to be delivered")
            assert [d["event_id"] for d in delivery_log(gov, webhook["id"])] == [inside["event_id"]]
            assert receiver.of(outside["event_id"]) == []
            assert xuchang.get(f"/webhooks/{webhook['id']}/deliveries").status_code == 200  # admin sees all
        finally:
            gov.request("DELETE", f"/webhooks/{webhook['id']}")


def test_a_redelivered_event_notifies_once_and_is_delivered_once(platform, xuchang):
    bank_id = new_bank(xuchang)
    banker, _ = staff_user(platform, xuchang, f"/admin/institutions/{bank_id}/users", {"name": "李经理"})
    with Receiver() as receiver:
        webhook = register_webhook(xuchang, receiver.url)
        try:
            event = order_event("order.submitted", bank_id)
            publish(platform, event)
            publish(platform, event)  # the same event_id again, as after a lost confirm
            marker = order_event("order.submitted", bank_id)
            publish(platform, marker)

            def both_notified():
                items = notifications(banker)
                orders = [i["data"]["order_no"] for i in items]
                return marker["data"]["order_no"] in orders and event["data"]["order_no"] in orders and items

            items = wait_until(both_notified, timeout=20, interval=0.2, message="the banker's notifications")
            assert [i["data"]["order_no"] for i in items].count(event["data"]["order_no"]) == 1
            notice = next(i for i in items if i["data"]["order_no"] == event["data"]["order_no"])
            assert notice["title"] == "新的融资申请" and "许昌瑞祥机械有限公司" in notice["body"]
            assert notice["read"] is False

            wait_until(lambda: receiver.of(marker["event_id"]), timeout=20, interval=0.2,
                       message="the marker event to be delivered")
            assert len(receiver.of(event["event_id"])) == 1
            assert [d["event_id"] for d in delivery_log(xuchang, webhook["id"])].count(event["event_id"]) == 1

            read = banker.post(f"/notifications/{notice['id']}/read")
            assert read.status_code == 200 and read.json()["read"] is True
            assert notice["id"] not in [i["id"] for i in notifications(banker, unread="true")]
            assert xuchang.post(f"/notifications/{notice['id']}/read").status_code == 404
        finally:
            xuchang.request("DELETE", f"/webhooks/{webhook['id']}")


# --- the whole flow, through the public API ----------------------------------------------------------

PRODUCT = {
    "name": "税易贷", "category": "loan", "guarantee_methods": ["credit"], "repayment_methods": ["interest_first"],
    "amount_min": 10, "amount_max": 300, "term_min_months": 6, "term_max_months": 36, "rate_min": 3.45,
    "rate_max": 6.5, "target_customers": "依法纳税的小微企业", "requirements": "纳税信用等级 B 级及以上",
    "features": "纯信用、线上申请", "description": "以企业纳税信息为依据发放的信用贷款。", "featured": False,
    "region_codes": ["411000"],
}


def created_once_known(create, waiting_code: str, timeout: float = 20) -> dict:
    """POST until it answers 201 (returns the body). While it answers `waiting_code`, another service
    has not caught up with an event yet: poll again; any other answer, or an event that never arrives
    within `timeout`, fails the test (a lost event is a failure, not a skip)."""
    def created():
        resp = create()
        if resp.status_code == 201:
            return resp.json()
        assert resp.json().get("code") == waiting_code, resp.text
        raise NotYet(f"{resp.status_code} {resp.text}")

    return wait_until(created, timeout=timeout, interval=0.5, message=f"the event behind {waiting_code}")


def test_an_order_notifies_the_bank_and_its_acceptance_the_enterprise(platform, api, xuchang):
    bank_id = new_bank(xuchang)
    banker, _ = staff_user(platform, xuchang, f"/admin/institutions/{bank_id}/users", {"name": "李经理"})
    # The bank reaches product-service by an event; until then it refuses the bank's products.
    product = created_once_known(lambda: banker.post("/products", json=PRODUCT), "unknown_institution")

    uscc = random_uscc()
    enterprise, registered = verified_enterprise(platform, xuchang, uscc, "许昌瑞祥机械有限公司", NEW_PASSWORD,
                                                 contact_name="王总")
    phone = registered["phone"]

    with Receiver() as receiver:
        webhook = register_webhook(xuchang, receiver.url)
        try:
            key = uuid.uuid4().hex

            # The product reaches order-service by an event; until then order-service does not know it.
            order = created_once_known(lambda: enterprise.post("/orders", headers={"Idempotency-Key": key}, json={
                "product_id": product["id"], "amount": 100, "term_months": 12, "purpose": "采购原材料",
                "credit_authorized": True}), "product_unavailable")
            wait_until(lambda: any(i["kind"] == "order_submitted" and i["data"]["order_id"] == order["id"]
                                   for i in notifications(banker)),
                       timeout=20, interval=0.3, message="the bank's notification of the new order")

            accepted = banker.post(f"/orders/{order['id']}/accept")
            assert accepted.status_code == 200, accepted.text
            wait_until(lambda: any(i["kind"] == "order_accepted" and i["data"]["order_id"] == order["id"]
                                   for i in notifications(enterprise)),
                       timeout=20, interval=0.3, message="the enterprise's notification of the acceptance")
            texts = wait_until(lambda: [t for t in api.sms_texts(phone) if "受理" in t], timeout=20,
                               message="the acceptance SMS")
            assert order["order_no"] in texts[0]

            def delivered():
                types = {}
                for headers, body in list(receiver.requests):
                    envelope = json.loads(body)
                    if envelope["data"].get("order_id") == order["id"]:
                        assert signature_is_valid(webhook["secret"], headers, body)
                        types[envelope["event_type"]] = envelope
                return {"order.submitted", "order.accepted"} <= set(types) and types

            wait_until(delivered, timeout=20, interval=0.3, message="both order events at the webhook")
        finally:
            xuchang.request("DELETE", f"/webhooks/{webhook['id']}")
