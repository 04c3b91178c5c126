"""Webhooks: registration, the delivery log, signed deliveries to a real receiver, retries that
survive a restart, region scoping and redelivery."""

import hashlib
import hmac
import ipaddress
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from notification_service import webhooks
from notification_service.delivery import WebhookDispatcher, retry_delay
from notification_service.models import Webhook, WebhookDelivery, db
from notification_service.webhooks import decrypt_secret
from xyd_common.events.outbox import utcnow
from xyd_common.sealed import new_key

from .support import BANK_ID, USCC, WebhookReceiver, order_event, seed


@pytest.fixture
def admin(auth_service):
    return auth_service.headers("admin", 1)


@pytest.fixture
def gov(auth_service):
    """许昌市's supervising department."""
    return auth_service.headers("government", 41, region_code="411000")


@pytest.fixture
def changge(auth_service):
    """长葛市's, a district of 许昌."""
    return auth_service.headers("government", 42, region_code="411082")


@pytest.fixture
def local(make_app):
    """An app that may deliver to 127.0.0.1 (as `make run` and the end-to-end tests are set up)."""
    app = make_app(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True)
    seed(app)
    return app


@pytest.fixture
def receiver():
    with WebhookReceiver() as r:
        yield r


def register(client, headers, url, event_types=("order.*",), **extra):
    response = client.post("/api/v1/webhooks", json={"url": url, "event_types": list(event_types), **extra},
                           headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def deliveries(client, headers, webhook_id) -> list[dict]:
    response = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What a receiver does (docs/subscribing.md)."""
    expected = hmac.new(secret.encode(), headers["X-Xyd-Timestamp"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + expected.hexdigest(), headers["X-Xyd-Signature"])


# --- registration ------------------------------------------------------------------------------------

def test_government_registers_a_webhook_and_sees_its_secret_only_once(app, client, gov):
    response = client.post("/api/v1/webhooks", headers=gov, json={
        "url": "https://93.184.216.34/xyd/hook", "event_types": ["order.*"], "description": "市大数据局订单同步"})
    assert response.status_code == 201
    body = response.json
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert {k: body[k] for k in ("url", "event_types", "description", "region_code", "owner_id")} == {
        "url": "https://93.184.216.34/xyd/hook", "event_types": ["order.*"], "description": "市大数据局订单同步",
        "region_code": "411000", "owner_id": 41}
    listed = client.get("/api/v1/webhooks", headers=gov).json
    assert listed["total"] == 1 and "secret" not in listed["items"][0]
    with app.app_context():
        stored = db.session.get(Webhook, body["id"])
        assert body["secret"] not in stored.secret_encrypted
        assert decrypt_secret(app.config["WEBHOOK_SECRET_KEY"], stored.secret_encrypted) == body["secret"]


@pytest.mark.parametrize(("role", "claims"), [("institution", {"institution_id": BANK_ID}),
                                              ("enterprise", {"enterprise_uscc": USCC})])
def test_institutions_and_enterprises_cannot_subscribe(client, auth_service, role, claims):
    headers = auth_service.headers(role, 50, **claims)
    response = client.post("/api/v1/webhooks", headers=headers, json={"url": "ftp://x", "event_types": []})
    assert response.status_code == 403 and response.json["code"] == "forbidden"
    assert client.get("/api/v1/webhooks", headers=headers).status_code == 403


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://localhost/", "http://10.0.0.1/", "ftp://x",
                                 "http://[::1]:8080/"])
def test_webhook_urls_into_private_networks_are_refused(client, gov, url):
    response = client.post("/api/v1/webhooks", headers=gov, json={"url": url, "event_types": ["order.*"]})
    assert response.status_code == 422
    assert response.json["code"] == "validation_error" and list(response.json["errors"]) == ["url"]


def test_a_public_looking_address_is_accepted(client, gov):
    assert register(client, gov, "http://93.184.216.34/hook")["url"] == "http://93.184.216.34/hook"


@pytest.mark.parametrize("event_types", [["auth.user_created"], ["auth.*"], ["auth.sms_code_requested"],
                                         ["credit.risk_changed"], ["*"], ["order.#"], ["order.accepted", "product.*"],
                                         []])
def test_only_order_events_may_be_subscribed(client, admin, event_types):
    response = client.post("/api/v1/webhooks", headers=admin,
                           json={"url": "https://93.184.216.34/", "event_types": event_types})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["event_types"]


def test_named_order_events_are_accepted_once_each(client, admin):
    body = register(client, admin, "https://93.184.216.34/", ["order.accepted", "order.terminated", "order.accepted"])
    assert body["event_types"] == ["order.accepted", "order.terminated"]
    assert body["region_code"] is None  # the platform's own subscription sees every region


def test_unknown_fields_and_missing_url_are_a_422(client, admin):
    response = client.post("/api/v1/webhooks", headers=admin, json={"event_types": ["order.*"], "secret": "x"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"url", "secret"}


def test_government_sees_and_deletes_only_its_own_webhooks_admin_sees_all(client, gov, changge, admin):
    mine = register(client, gov, "https://93.184.216.34/mine")
    theirs = register(client, changge, "https://93.184.216.34/theirs")
    assert [w["id"] for w in client.get("/api/v1/webhooks", headers=gov).json["items"]] == [mine["id"]]
    assert {w["id"] for w in client.get("/api/v1/webhooks", headers=admin).json["items"]} == {mine["id"], theirs["id"]}
    for method, path in (("delete", f"/api/v1/webhooks/{theirs['id']}"),
                         ("get", f"/api/v1/webhooks/{theirs['id']}/deliveries")):
        response = getattr(client, method)(path, headers=gov)
        assert response.status_code == 404 and response.json["code"] == "not_found"
    assert client.delete(f"/api/v1/webhooks/{mine['id']}", headers=gov).status_code == 204
    assert client.get("/api/v1/webhooks", headers=gov).json["items"] == []
    assert client.delete(f"/api/v1/webhooks/{mine['id']}", headers=gov).status_code == 404


# --- deliveries --------------------------------------------------------------------------------------

def test_delivery_is_the_signed_event_envelope(local, deliver, receiver, admin):
    client = local.test_client()
    webhook = register(client, admin, receiver.url)
    event = order_event("order.submitted")
    deliver(local, event)
    assert WebhookDispatcher(local).deliver_due() == 1

    [(headers, body)] = receiver.requests
    assert json.loads(body) == event
    assert headers["X-Xyd-Event-Id"] == event["event_id"]
    assert headers["X-Xyd-Event-Type"] == "order.submitted"
    assert abs(int(headers["X-Xyd-Timestamp"]) - utcnow().timestamp()) < 60
    assert headers["Content-Type"].startswith("application/json")
    assert verify(webhook["secret"], headers, body)
    assert not verify("whsec_wrong", headers, body)

    [log] = deliveries(client, admin, webhook["id"])
    assert {k: log[k] for k in ("event_id", "event_type", "status", "attempts", "last_status_code", "last_error",
                                "next_attempt_at")} == {
        "event_id": event["event_id"], "event_type": "order.submitted", "status": "delivered", "attempts": 1,
        "last_status_code": 200, "last_error": None, "next_attempt_at": None}
    assert log["delivered_at"]


def test_failing_receiver_is_retried_with_backoff_until_it_answers_200(local, deliver, admin):
    client = local.test_client()
    with WebhookReceiver(statuses=[500, 503, 200]) as receiver:
        webhook = register(client, admin, receiver.url)
        deliver(local, order_event("order.accepted"))
        worker = WebhookDispatcher(local)
        start = utcnow()
        assert worker.deliver_due(now=start) == 1
        [log] = deliveries(client, admin, webhook["id"])
        assert (log["status"], log["attempts"], log["last_status_code"]) == ("pending", 1, 500)
        assert log["last_error"] == "对方返回 HTTP 500"
        assert log["next_attempt_at"].startswith((start + timedelta(seconds=30)).isoformat()[:19])

        assert worker.deliver_due(now=start + timedelta(seconds=29)) == 0  # not due yet
        assert worker.deliver_due(now=start + timedelta(seconds=31)) == 1
        [log] = deliveries(client, admin, webhook["id"])
        assert (log["status"], log["attempts"], log["last_status_code"]) == ("pending", 2, 503)
        # The second retry waits twice as long.
        assert log["next_attempt_at"].startswith((start + timedelta(seconds=91)).isoformat()[:19])
        assert worker.deliver_due(now=start + timedelta(seconds=92)) == 1

    [log] = deliveries(client, admin, webhook["id"])
    assert (log["status"], log["attempts"], log["last_status_code"], log["last_error"]) == ("delivered", 3, 200, None)
    bodies = {body for _, body in receiver.requests}
    assert len(receiver.requests) == 3 and len(bodies) == 1  # the same bytes every time
    assert all(verify(webhook["secret"], headers, body) for headers, body in receiver.requests)


def test_backoff_doubles_from_the_base_up_to_the_cap(app):
    delays = [retry_delay(app.config, n) for n in range(1, 16)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == delays[-1] == 6 * 3600
    assert sum(delays[:13]) >= 24 * 3600  # at least a day's worth of attempts before giving up


def test_a_delivery_fails_for_good_after_a_day_of_attempts(local, deliver, admin):
    client = local.test_client()
    with WebhookReceiver(statuses=[500]) as receiver:
        webhook = register(client, admin, receiver.url)
        deliver(local, order_event("order.accepted"))
        worker = WebhookDispatcher(local)
        now = utcnow()
        for _ in range(30):
            if worker.deliver_due(now=now) == 0:
                break
            [log] = deliveries(client, admin, webhook["id"])
            if log["status"] != "pending":
                break
            now = now + timedelta(seconds=retry_delay(local.config, log["attempts"]) + 1)
    [log] = deliveries(client, admin, webhook["id"])
    assert log["status"] == "failed" and log["next_attempt_at"] is None
    assert 12 <= log["attempts"] == len(receiver.requests) <= 20
    assert now - utcnow() >= timedelta(hours=24)


def test_unreachable_receiver_is_retried(local, deliver, admin):
    client = local.test_client()
    with WebhookReceiver() as receiver:
        url = receiver.url
    webhook = register(client, admin, url)  # nobody listens there any more
    deliver(local, order_event("order.accepted"))
    WebhookDispatcher(local).deliver_due()
    [log] = deliveries(client, admin, webhook["id"])
    assert log["status"] == "pending" and log["last_status_code"] is None and "无法连接" in log["last_error"]


def test_a_receiver_slower_than_the_timeout_is_retried(make_app, deliver, admin):
    app = make_app(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True, WEBHOOK_TIMEOUT_SECONDS=0.3)
    seed(app)
    client = app.test_client()
    with WebhookReceiver(delay=1) as receiver:
        webhook = register(client, admin, receiver.url)
        deliver(app, order_event("order.accepted"))
        WebhookDispatcher(app).deliver_due()
    [log] = deliveries(client, admin, webhook["id"])
    assert (log["status"], log["last_status_code"]) == ("pending", None)
    assert "超时" in log["last_error"]


def test_redirects_are_not_followed(local, deliver, admin):
    client = local.test_client()
    with WebhookReceiver(statuses=[302]) as receiver:
        webhook = register(client, admin, receiver.url)
        deliver(local, order_event("order.accepted"))
        WebhookDispatcher(local).deliver_due()
    [log] = deliveries(client, admin, webhook["id"])
    assert (log["status"], log["last_status_code"]) == ("pending", 302)
    assert len(receiver.requests) == 1


def test_redelivered_event_makes_one_delivery(local, deliver, admin, receiver):
    client = local.test_client()
    webhook = register(client, admin, receiver.url)
    event = order_event("order.submitted")
    assert [deliver(local, event), deliver(local, event)] == ["ack", "ack"]
    assert len(deliveries(client, admin, webhook["id"])) == 1
    WebhookDispatcher(local).deliver_due()
    assert len(receiver.requests) == 1


def test_webhook_takes_only_the_event_types_it_subscribed(local, deliver, admin, receiver):
    client = local.test_client()
    webhook = register(client, admin, receiver.url, ["order.accepted"])
    for event_type in ("order.submitted", "order.accepted", "order.terminated"):
        deliver(local, order_event(event_type))
    assert [d["event_type"] for d in deliveries(client, admin, webhook["id"])] == ["order.accepted"]


def test_government_webhook_receives_only_orders_of_its_region_and_below(local, deliver, admin, gov, changge,
                                                                         receiver):
    client = local.test_client()
    city = register(client, gov, receiver.url + "?who=city")
    district = register(client, changge, receiver.url + "?who=district")
    platform = register(client, admin, receiver.url + "?who=platform")
    for order_id, region in ((1, "411002"), (2, "411082"), (3, "410100"), (4, "411000")):
        deliver(local, order_event("order.submitted", order_id=order_id, region_code=region))

    def regions(webhook, headers):
        return sorted(json.loads(_payload(local, d["id"]))["data"]["region_code"]
                      for d in deliveries(client, headers, webhook["id"]))

    assert regions(city, gov) == ["411000", "411002", "411082"]     # 许昌市 and its districts
    assert regions(district, changge) == ["411082"]                 # 长葛市 only
    assert regions(platform, admin) == ["410100", "411000", "411002", "411082"]


def _payload(app, delivery_id: int) -> str:
    with app.app_context():
        return db.session.get(WebhookDelivery, delivery_id).payload


def test_redeliver_sends_a_delivery_again(local, deliver, admin, gov, receiver):
    client = local.test_client()
    webhook = register(client, gov, receiver.url)
    deliver(local, order_event("order.accepted"))
    WebhookDispatcher(local).deliver_due()
    [log] = deliveries(client, gov, webhook["id"])
    assert log["status"] == "delivered"

    response = client.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/{log['id']}/redeliver", headers=gov)
    assert response.status_code == 200
    assert response.json["id"] == log["id"] and response.json["status"] == "pending"
    assert WebhookDispatcher(local).deliver_due() == 1
    [log] = deliveries(client, gov, webhook["id"])
    assert (log["status"], log["attempts"]) == ("delivered", 2)
    assert [h["X-Xyd-Event-Id"] for h, _ in receiver.requests] == [log["event_id"]] * 2

    assert client.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/999999/redeliver",
                       headers=gov).status_code == 404
    other_gov = client.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/{log['id']}/redeliver",
                            headers=admin)  # admin manages every webhook
    assert other_gov.status_code == 200


def test_others_cannot_redeliver(local, deliver, gov, changge, receiver):
    client = local.test_client()
    webhook = register(client, gov, receiver.url)
    deliver(local, order_event("order.accepted"))
    [log] = deliveries(client, gov, webhook["id"])
    response = client.post(f"/api/v1/webhooks/{webhook['id']}/deliveries/{log['id']}/redeliver", headers=changge)
    assert response.status_code == 404


def test_a_due_delivery_is_sent_after_the_worker_restarts(make_app, deliver, admin, tmp_path):
    database = f"sqlite:///{tmp_path / 'notification.db'}"
    key = new_key()
    before = make_app(SQLALCHEMY_DATABASE_URI=database, WEBHOOK_SECRET_KEY=key, WEBHOOK_ALLOW_PRIVATE_NETWORKS=True)
    seed(before)
    with WebhookReceiver(statuses=[500, 200]) as receiver:
        webhook = register(before.test_client(), admin, receiver.url)
        deliver(before, order_event("order.accepted"))
        start = utcnow()
        assert WebhookDispatcher(before).deliver_due(now=start) == 1
        with before.app_context():
            db.engine.dispose()
        del before  # the worker process is gone; what it knew is in the database

        after = make_app(SQLALCHEMY_DATABASE_URI=database, WEBHOOK_SECRET_KEY=key,
                         WEBHOOK_ALLOW_PRIVATE_NETWORKS=True)
        assert WebhookDispatcher(after).deliver_due(now=start + timedelta(seconds=31)) == 1
    [log] = deliveries(after.test_client(), admin, webhook["id"])
    assert (log["status"], log["attempts"]) == ("delivered", 2)
    assert all(verify(webhook["secret"], h, b) for h, b in receiver.requests)


def test_a_name_resolving_to_a_private_address_at_delivery_time_gets_nothing(make_app, deliver, admin, receiver,
                                                                             monkeypatch):
    app = make_app()  # private networks not allowed
    seed(app)
    client = app.test_client()
    answers = {"gov.example.test": "93.184.216.34"}
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [ipaddress.ip_address(answers[host])])
    webhook = register(client, admin, f"http://gov.example.test:{receiver.port}/xyd/events")
    answers["gov.example.test"] = "127.0.0.1"  # the name now points at the receiver on this machine
    deliver(app, order_event("order.accepted"))
    WebhookDispatcher(app).deliver_due()
    assert receiver.requests == []
    [log] = deliveries(client, admin, webhook["id"])
    assert log["status"] == "pending" and "127.0.0.1" in log["last_error"]


def test_deleting_a_webhook_stops_its_deliveries(local, deliver, admin, receiver):
    client = local.test_client()
    webhook = register(client, admin, receiver.url)
    deliver(local, order_event("order.submitted"))
    assert client.delete(f"/api/v1/webhooks/{webhook['id']}", headers=admin).status_code == 204
    deliver(local, order_event("order.accepted"))
    assert WebhookDispatcher(local).deliver_due() == 0
    assert receiver.requests == []
    with local.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_a_disabled_accounts_webhook_rests(local, deliver, gov, receiver):
    from .support import user_event

    client = local.test_client()
    webhook = register(client, gov, receiver.url)
    deliver(local, user_event(41, "government", "13600000041", event_type="auth.user_updated",
                              region_code="411000", status="disabled"))
    deliver(local, order_event("order.submitted"))
    assert deliveries(client, gov, webhook["id"]) == []


def test_government_webhook_receives_loan_events_of_its_region_and_below(local, deliver, gov, changge, receiver):
    from xyd_common.events.envelope import new_envelope
    from xyd_testing.helpers import loan_data

    client = local.test_client()
    city = register(client, gov, receiver.url + "?who=city", ["loan.*"])
    district = register(client, changge, receiver.url + "?who=district", ["loan.non_performing"])
    orders = register(client, gov, receiver.url + "?who=orders", ["order.*"])
    for order_id, region, event_type in ((1, "411002", "loan.opened"), (2, "411082", "loan.non_performing"),
                                         (3, "410100", "loan.settled"), (4, "411082", "loan.overdue")):
        data = {**loan_data(order_id, "91350100M000100Y43", 7), "region_code": region}
        assert deliver(local, new_envelope(event_type, data, "loan-service")) == "ack"
    assert sorted(d["event_type"] for d in deliveries(client, gov, city["id"])) == [
        "loan.non_performing", "loan.opened", "loan.overdue"]                  # 许昌市 and below
    assert [d["event_type"] for d in deliveries(client, changge, district["id"])] == ["loan.non_performing"]
    assert deliveries(client, gov, orders["id"]) == []


def test_government_webhook_receives_policy_events_of_its_region_and_below(local, deliver, gov, changge, receiver):
    from .test_policy_notices import policy_event

    client = local.test_client()
    city = register(client, gov, receiver.url + "?who=city", ["policy.*"])
    district = register(client, changge, receiver.url + "?who=district", ["policy.published"])
    for event_type, region in (("policy.published", "411000"), ("policy.withdrawn", "411082"),
                               ("policy.published", "410100")):
        assert deliver(local, policy_event(event_type, region, audience=[])) == "ack"
    assert sorted(d["event_type"] for d in deliveries(client, gov, city["id"])) == [
        "policy.published", "policy.withdrawn"]
    assert deliveries(client, changge, district["id"]) == []
