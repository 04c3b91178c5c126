"""The fault suite (`make faults`; these scenarios also run in `make test`): the real platform of the
end-to-end harness — two replicas of every relay and consumer, PostgreSQL and Redis behind proxies the
tests cut — through broker connections forced closed, a relay killed between publishing and marking
sent, a poison message, a service killed behind the gateway, PostgreSQL and Redis outages. After each,
the platform must serve again by itself, and every event must have had its effect exactly once.

The longer scenarios (500 orders through a 30 s broker cut, 100 consumer kills) are in
test_faults_long.py and run only in `make faults`.
"""

import json
import re
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pika
import psycopg
import pytest
import requests
from api_client import Api
from harness import BIN, ROOT, running_platform
from scenario import admin_with_xuchang, institution_user, new_institution, published_product, unique_phone
from test_operations import total

from xyd_testing.helpers import (
    RABBITMQ_HOST,
    RABBITMQ_PORT,
    amqp_url,
    close_connections,
    connections,
    wait_until,
)

pytestmark = pytest.mark.fault

RELAYS = ("auth-service", "product-service", "order-service", "credit-service")
CONSUMERS = ("product-service", "order-service", "credit-service", "notification-service")


@pytest.fixture(scope="module")
def platform():
    """A platform of this module's own: these tests break things the other tests rely on."""
    with tempfile.TemporaryDirectory(prefix="xyd-faults-") as workdir:
        with running_platform(Path(workdir), cuttable=("postgres", "redis")) as running:
            yield running


@pytest.fixture
def api(platform):
    return Api(platform.gateway)


class Deliveries:
    """A subscriber's own queue bound to `binding`: how many times each event id was delivered."""

    def __init__(self, platform, binding: str):
        self.connection = pika.BlockingConnection(pika.URLParameters(
            amqp_url(platform.vhost, RABBITMQ_HOST, RABBITMQ_PORT)))
        self.channel = self.connection.channel()
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, "xyd.events", routing_key=binding)
        self.counts: Counter[str] = Counter()
        self.envelopes: dict[str, dict] = {}

    def poll(self) -> Counter:
        while True:
            method, _, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return self.counts
            envelope = json.loads(body)
            self.counts[envelope["event_id"]] += 1
            self.envelopes.setdefault(envelope["event_id"], envelope)

    def of_phone(self, phone: str) -> list[str]:
        self.poll()
        return [i for i, e in self.envelopes.items() if e["data"].get("phone") == phone]

    def close(self):
        self.connection.close()


def sms_round_trip(api: Api, timeout: float = 60) -> None:
    """An SMS code asked for and received: auth-service, its outbox and relay, the broker and
    notification-service's consumer all work."""
    phone = unique_phone("135")
    wait_until(lambda: api.post("/auth/sms-codes", json={"phone": phone, "purpose": "register"},
                                token="").status_code == 202, timeout=timeout, interval=0.5,
               message="the SMS code request to be accepted")
    wait_until(lambda: len(api.sms_texts(phone)) == 1, timeout=timeout, interval=0.3,
               message="the code to be delivered")


def pending_outbox_rows(platform, setting: str = "AUTH_DATABASE_URL") -> int:
    with psycopg.connect(platform.database_urls[setting]) as conn:
        return conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]


def assert_everything_alive(platform) -> None:
    assert platform.dead_processes() == [], {n: platform.log_tail(n) for n in platform.dead_processes()}


# 2. Graceful broker restart: the broker closes every connection with CONNECTION_FORCED.

def test_every_relay_and_consumer_resumes_within_15_s_after_the_broker_forces_their_connections_closed(
        platform, api):
    expected = Counter({**{f"{s}-relay": 2 for s in RELAYS}, **{f"{s}-consumer": 2 for s in CONSUMERS}})

    def connected(excluding: set = frozenset()) -> bool:
        now = connections(platform.vhost)
        # New connections only: none of those the broker closed may still be counted.
        return (not excluding & {pid for pid, _ in now}
                and Counter(name for _, name in now if name in expected) == expected)

    wait_until(connected, timeout=60, interval=1, message="every relay and consumer connected")
    before = {pid for pid, _ in connections(platform.vhost)}
    assert close_connections(platform.vhost) >= sum(expected.values())
    closed_at = time.monotonic()
    wait_until(lambda: connected(before), timeout=15, interval=0.5,
               message="every relay and consumer back within 15 s")
    print(f"all {sum(expected.values())} connections back after {time.monotonic() - closed_at:.1f}s")
    sms_round_trip(api)
    assert_everything_alive(platform)


# 3. A relay killed between the broker's confirm and marking the row sent.

HOLD_MARK_SENT = """
CREATE FUNCTION fault_hold_mark_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NULL AND NEW.published_at IS NOT NULL AND OLD.payload LIKE '%{phone}%' THEN
        PERFORM pg_sleep(60);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER fault_hold_mark_sent BEFORE UPDATE ON outbox FOR EACH ROW
    EXECUTE FUNCTION fault_hold_mark_sent();
"""


def test_a_relay_killed_between_publish_and_mark_sent_publishes_again_with_the_same_id_applied_once(
        platform, api):
    auth_db = platform.database_urls["AUTH_DATABASE_URL"]
    phone = unique_phone("136")
    deliveries = Deliveries(platform, "auth.sms_code_requested")
    with psycopg.connect(auth_db, autocommit=True) as conn:
        # The relay's UPDATE of this event's row waits inside its transaction: published and
        # confirmed, not yet marked sent — the point at which the relay is killed.
        conn.execute(HOLD_MARK_SENT.replace("{phone}", phone))
    try:
        assert api.post("/auth/sms-codes", json={"phone": phone, "purpose": "register"},
                        token="").status_code == 202
        event_ids = wait_until(lambda: deliveries.of_phone(phone), timeout=30, message="the event published")
        with psycopg.connect(auth_db, autocommit=True) as conn:
            wait_until(lambda: conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                            "current_database() AND query LIKE 'UPDATE outbox%'").fetchone()[0],
                       timeout=15, message="the relay to be marking the row sent")
        for replica in ("auth-worker-0", "auth-worker-1"):
            platform.kill(replica, signal.SIGKILL)
        with psycopg.connect(auth_db, autocommit=True) as conn:
            # The killed relay's session ends as a crashed client's would once the server notices.
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                         "current_database() AND query LIKE 'UPDATE outbox%'")
            conn.execute("DROP TRIGGER fault_hold_mark_sent ON outbox; DROP FUNCTION fault_hold_mark_sent()")
        assert pending_outbox_rows(platform) >= 1  # the row was never marked sent
        for replica in ("auth-worker-0", "auth-worker-1"):
            platform.restart(replica)
        wait_until(lambda: deliveries.poll()[event_ids[0]] >= 2, timeout=60,
                   message="the event published again")
        assert deliveries.of_phone(phone) == event_ids  # the same event id, not a new event
        wait_until(lambda: pending_outbox_rows(platform) == 0, timeout=30, message="the row marked sent")
        wait_until(lambda: len(api.sms_texts(phone)) >= 1, timeout=30, message="the code delivered")
        time.sleep(2)  # the second copy has reached notification-service by now; it must change nothing
        assert len(api.sms_texts(phone)) == 1
    finally:
        deliveries.close()
        with psycopg.connect(auth_db, autocommit=True) as conn:
            conn.execute("DROP TRIGGER IF EXISTS fault_hold_mark_sent ON outbox; "
                         "DROP FUNCTION IF EXISTS fault_hold_mark_sent()")
        for replica in ("auth-worker-0", "auth-worker-1"):
            if replica in platform.dead_processes():
                platform.restart(replica)
    assert_everything_alive(platform)


# 5. A poison message: dead-lettered after the delivery limit, the queue goes on, the command handles it.

def dead_letters(platform, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "notification_service", "dead-letters", *args], cwd=ROOT,
                          env=platform.env, capture_output=True, text=True, timeout=120)


def test_a_poison_message_is_dead_lettered_the_queue_goes_on_and_dead_letters_replays_and_drops_it(
        platform, api):
    poison_id = str(uuid.uuid4())
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url(platform.vhost, RABBITMQ_HOST,
                                                                      RABBITMQ_PORT)))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        # A well-formed envelope whose data its handler cannot use: it fails at every delivery.
        channel.basic_publish("xyd.events", "auth.sms_code_requested", json.dumps({
            "event_id": poison_id, "event_type": "auth.sms_code_requested", "version": 1,
            "occurred_at": "2026-11-29T08:00:00Z", "source": "e2e", "data": {}}).encode(),
            pika.BasicProperties(message_id=poison_id, content_type="application/json", delivery_mode=2),
            mandatory=True)
    finally:
        connection.close()
    sms_round_trip(api)  # an event behind the poison one is handled meanwhile

    def listed() -> str:
        result = dead_letters(platform, "list")
        assert result.returncode == 0, result.stderr
        return result.stdout

    wait_until(lambda: poison_id in listed(), timeout=120, interval=2, message="the poison message dead-lettered")
    line = next(line for line in listed().splitlines() if poison_id in line)
    assert "KeyError" in line, line  # why it failed, from the consumer's header
    shown = dead_letters(platform, "show", poison_id)
    assert shown.returncode == 0 and json.loads(shown.stdout)["failure"].startswith("KeyError"), shown.stdout

    dead_lettered = total(platform, "notification-worker", "xyd_events_dead_lettered_total",
                          service="notification-service")
    replayed = dead_letters(platform, "replay", poison_id)
    assert replayed.returncode == 0, replayed.stderr
    # Replayed to the service's queue, it fails its deliveries again and comes back.
    wait_until(lambda: total(platform, "notification-worker", "xyd_events_dead_lettered_total",
                             service="notification-service") > dead_lettered,
               timeout=120, interval=2, message="the replayed message to fail and be dead-lettered again")
    wait_until(lambda: poison_id in listed(), timeout=30, interval=1, message="it back in the dead-letter queue")
    dropped = dead_letters(platform, "drop", poison_id)
    assert dropped.returncode == 0, dropped.stderr
    assert poison_id not in listed()
    assert_everything_alive(platform)


# 6. A service killed behind the gateway.

def test_a_service_killed_behind_the_gateway_answers_503_at_once_others_go_on_and_it_comes_back_whole(
        platform, api):
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin))
    product = published_product(bank)
    platform.kill("product-service-0", signal.SIGKILL)
    try:
        started = time.monotonic()
        down = api.get(f"/products/{product['id']}", token="")
        assert time.monotonic() - started < 5
        assert down.status_code == 503 and down.json()["code"] == "service_unavailable", down.text
        assert re.search(r"[\u4e00-\u9fff]", down.json()["message"])  # a message in Chinese
        # The other services are not affected.
        assert api.get("/auth/password-policy", params={"role": "enterprise"}, token="").status_code == 200
        assert admin.get("/orders").status_code == 200
        assert admin.get("/auth/me").status_code == 200
    finally:
        platform.restart("product-service-0")
    wait_until(lambda: api.get(f"/products/{product['id']}", token="").status_code == 200, timeout=90,
               interval=0.5, message="product-service to serve again")
    assert api.get(f"/products/{product['id']}", token="").json()["name"] == product["name"]
    assert_everything_alive(platform)


# 7. PostgreSQL unreachable under load (the server is shared on this machine: the outage is a cut).

def test_requests_during_a_database_outage_get_503_json_and_every_process_recovers_by_itself(platform, api):
    admin = admin_with_xuchang(platform)
    answers: Counter[int] = Counter()
    slowest = [0.0]
    stop = threading.Event()

    # Every answer that breaks the contract (not JSON; a 5xx without its code) and anything a worker
    # raised: a failure inside a worker thread would only be a warning, so the test's thread asserts these.
    problems: list[str] = []

    def load():
        client = Api(platform.gateway, admin.token)
        try:
            while not stop.is_set():
                for path, token in (("/market/products", ""), ("/auth/me", None), ("/orders", None)):
                    started = time.monotonic()
                    try:
                        resp = client.get(path, token=token, timeout=30)
                    except requests.RequestException:
                        answers["no answer"] += 1
                        continue
                    slowest[0] = max(slowest[0], time.monotonic() - started)
                    answers[resp.status_code] += 1
                    if not resp.headers.get("Content-Type", "").startswith("application/json"):
                        problems.append(f"{path}: {resp.status_code} {resp.headers.get('Content-Type')} "
                                        f"{resp.text[:200]}")
                    elif resp.status_code >= 500 and resp.json().get("code") not in ("service_unavailable",
                                                                                      "gateway_timeout"):
                        problems.append(f"{path}: {resp.status_code} {resp.text[:200]}")
        except Exception as exc:  # noqa: BLE001 - reported in the test's thread below
            problems.append(f"the worker stopped: {exc!r}")

    workers = [threading.Thread(target=load, daemon=True) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(2)
        platform.proxies["postgres"].cut()
        time.sleep(15)
        during = dict(answers)
        platform.proxies["postgres"].restore()
        wait_until(lambda: admin.get("/auth/me").status_code == 200 and admin.get("/orders").status_code == 200
                   and api.get("/market/products", token="").status_code == 200,
                   timeout=60, interval=0.5, message="every service to answer again")
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    print("answers:", dict(answers), "slowest:", round(slowest[0], 1))
    if answers[500]:
        for name in ("auth-service-0", "product-service-0", "order-service-0", "gateway-0"):
            print(f"--- {name}\n" + "\n".join(line for line in platform.log_tail(name, 100000).splitlines()
                                               if "Traceback" in line or "Error" in line or "unhandled" in line))
    assert all(not worker.is_alive() for worker in workers), "a load worker did not stop"
    assert problems == [], problems[:20]
    assert during.get(503, 0) > 0, during
    assert answers[500] == 0 and answers["no answer"] == 0, dict(answers)
    assert slowest[0] < 30
    sms_round_trip(api)  # relays and consumers reconnected to the database by themselves
    assert_everything_alive(platform)


# 8. Redis unreachable: tokens refused (never a revoked one accepted), public routes and SMS go on.

def test_without_redis_tokens_fail_closed_public_routes_work_sms_throttles_fail_open_and_all_recovers(
        platform, api):
    admin = Api(platform.gateway)
    admin.login()
    revoked = Api(platform.gateway)
    revoked.login()
    assert revoked.post("/auth/logout").status_code == 204
    metrics_url = platform.service_url("auth-service") + "/metrics"

    def fail_open_count() -> float:
        text = requests.get(metrics_url, timeout=5).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("xyd_fail_open_total{") and 'check="sms_throttles"' in line)

    fail_open = fail_open_count()
    platform.proxies["redis"].cut()
    try:
        resp = admin.get("/auth/me")
        assert resp.status_code == 503 and resp.json()["code"] == "service_unavailable", resp.text
        # The revoked token is refused either way: 401 where the revocation was heard, else 503.
        assert revoked.get("/auth/me").status_code in (401, 503)
        assert admin.get("/orders").status_code == 503
        assert api.get("/market/products", token="").status_code == 200
        assert api.get("/auth/password-policy", params={"role": "enterprise"}, token="").status_code == 200
        phone = unique_phone("134")
        assert api.post("/auth/sms-codes", json={"phone": phone, "purpose": "register"},
                        token="").status_code == 202
        wait_until(lambda: len(api.sms_texts(phone)) == 1, timeout=60, message="the code sent without Redis")
        assert fail_open_count() > fail_open
    finally:
        platform.proxies["redis"].restore()
    wait_until(lambda: admin.get("/auth/me").status_code == 200, timeout=60, interval=0.5,
               message="tokens accepted again once Redis is back")
    assert revoked.get("/auth/me").status_code == 401  # the revocation held throughout
    assert_everything_alive(platform)
