"""The fault scenarios too long for `make test` (several minutes each); `make faults` runs them with the
others of test_faults.py: 500 applications through a 30 s broker outage, and a consumer killed after its
commit and before its ack, 100 times."""

import signal
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from api_client import Api
from harness import running_platform
from scenario import (
    LOAN_PRODUCT,
    EventSubscriber,
    admin_with_xuchang,
    institution_user,
    new_institution,
    order_service_ready,
    published_product,
    unique_phone,
    verified_enterprise,
)
from test_faults import assert_everything_alive, pending_outbox_rows

from xyd_testing.helpers import wait_until

pytestmark = [pytest.mark.fault, pytest.mark.fault_long]


@pytest.fixture(scope="module")
def platform():
    with tempfile.TemporaryDirectory(prefix="xyd-faults-long-") as workdir:
        with running_platform(Path(workdir)) as running:
            yield running


# 1. The broker cut off for 30 s while 500 applications arrive through the gateway.

ENTERPRISES, PRODUCTS = 10, 50


def test_500_applications_during_a_30_s_broker_outage_all_answer_201_and_each_is_announced_once(platform):
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin))
    products = [published_product(bank, {**LOAN_PRODUCT, "name": f"故障演练贷{n}号", "region_codes": ["411000"]})
                for n in range(PRODUCTS)]
    enterprises = [verified_enterprise(platform, admin, name=f"许昌演练企业{n}有限公司")[0] for n in range(ENTERPRISES)]

    for enterprise in enterprises:
        wait_until(lambda e=enterprise: order_service_ready(e, products[-1]), timeout=120, interval=0.5,
                   message="order-service to know the enterprise and the products")
    wait_until(lambda: all(order_service_ready(enterprises[0], p) for p in products), timeout=120, interval=1,
               message="order-service to know every product")

    subscriber = EventSubscriber(platform, "order.submitted")
    answers, created = [], []
    lock = threading.Lock()

    def apply(enterprise: Api, product: dict) -> None:
        resp = enterprise.post("/orders", json={"product_id": product["id"], "amount": 100, "term_months": 12,
                                                "purpose": "采购原材料", "credit_authorized": True}, timeout=60)
        with lock:
            answers.append(resp.status_code)
            if resp.status_code == 201:
                created.append(resp.json()["id"])

    try:
        platform.proxy.cut()
        cut_at = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for enterprise in enterprises:
                for product in products:
                    pool.submit(apply, enterprise, product)
        submitted_in = time.monotonic() - cut_at
        time.sleep(max(0.0, 30 - (time.monotonic() - cut_at)))
        assert pending_outbox_rows(platform, "ORDER_DATABASE_URL") >= len(created)
    finally:
        platform.proxy.restore()
    restored_at = time.monotonic()
    print(f"500 applications in {submitted_in:.1f}s with the broker cut off")
    assert answers.count(201) == ENTERPRISES * PRODUCTS, {code: answers.count(code) for code in set(answers)}

    def all_announced() -> bool:
        return {e["data"]["order_id"] for e in subscriber.drain()} >= set(created)

    try:
        wait_until(all_announced, timeout=60, interval=1, message="every order.submitted within 60 s")
        print(f"all announced {time.monotonic() - restored_at:.1f}s after the broker came back; "
              f"{subscriber.deliveries} deliveries of {len(subscriber.by_id)} events")
        ids = [e["data"]["order_id"] for e in subscriber.drain()]
        assert sorted(ids) == sorted(created)  # exactly once after deduplication on event_id
        wait_until(lambda: pending_outbox_rows(platform, "ORDER_DATABASE_URL") == 0, timeout=30,
                   message="no outbox row left unsent")
    finally:
        subscriber.close()
    assert_everything_alive(platform)


# 4. A consumer killed after its commit and before its ack, 100 times.

LOCK_KEY = 727999
HOLD_COMMIT = f"""
CREATE FUNCTION fault_hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.event_type = 'auth.sms_code_requested' THEN
        PERFORM pg_advisory_xact_lock_shared({LOCK_KEY});
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER fault_hold_commit AFTER INSERT ON processed_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fault_hold_commit();
"""
KILLS = 100


@pytest.mark.timeout(2400)  # a consumer's restart takes seconds on a busy machine, 100 times
def test_a_consumer_killed_after_its_commit_and_before_its_ack_100_times_has_exactly_100_effects(platform):
    api = Api(platform.gateway)
    database = platform.database_urls["NOTIFICATION_DATABASE_URL"]
    platform.kill("notification-worker-1", signal.SIGTERM)  # one consumer: the one the test stops
    phones = [unique_phone("133") for _ in range(KILLS)]
    kills = [0]
    with psycopg.connect(database, autocommit=True) as control:
        control.execute(HOLD_COMMIT)

        def processed() -> int:
            return control.execute("SELECT count(*) FROM processed_events "
                                   "WHERE event_type = 'auth.sms_code_requested'").fetchone()[0]

        def commit_waiting() -> bool:
            return control.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND wait_event = 'advisory'").fetchone()[0] > 0

        try:
            for phone in phones:
                control.execute(f"SELECT pg_advisory_lock({LOCK_KEY})")  # the next commit will wait here
                before = processed()
                assert api.post("/auth/sms-codes", json={"phone": phone, "purpose": "register"},
                                token="").status_code == 202
                wait_until(commit_waiting, timeout=60, interval=0.05, message="the consumer's commit under way")
                # Frozen before the server confirms the commit: it cannot have acknowledged anything.
                platform.kill("notification-worker-0", signal.SIGSTOP)
                control.execute(f"SELECT pg_advisory_unlock({LOCK_KEY})")
                wait_until(lambda b=before: processed() == b + 1, timeout=30, message="the commit done")
                platform.kill("notification-worker-0", signal.SIGKILL)
                platform.restart("notification-worker-0")
                kills[0] += 1
        finally:
            control.execute("SELECT pg_advisory_unlock_all()")
            control.execute("DROP TRIGGER IF EXISTS fault_hold_commit ON processed_events; "
                            "DROP FUNCTION IF EXISTS fault_hold_commit()")
            if "notification-worker-0" in platform.dead_processes():
                platform.restart("notification-worker-0")
            platform.restart("notification-worker-1")
    print(f"{kills[0]} kills after the commit and before the ack")
    # Every message was redelivered after its kill and found already processed.
    wait_until(lambda: all(len(api.sms_texts(p)) >= 1 for p in phones), timeout=60, message="every code sent")
    time.sleep(3)  # let any late redelivery land: it must change nothing
    assert [len(api.sms_texts(p)) for p in phones] == [1] * KILLS
    assert_everything_alive(platform)
