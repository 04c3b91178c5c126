"""Events are never lost: a broker outage neither fails requests nor loses SMS codes, nothing is
delivered twice, and an event nobody subscribes to is kept."""

import json
import uuid

import pika
import psycopg

from xyd_testing.helpers import RABBITMQ_HOST, RABBITMQ_PORT, amqp_url, wait_until


def pending_outbox_rows(platform) -> int:
    url = platform.database_urls["AUTH_DATABASE_URL"]
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]


def test_sms_codes_requested_while_the_broker_is_cut_off_are_delivered_exactly_once(platform, api):
    phones = [f"1360000{n:04d}" for n in range(6)]
    platform.proxy.cut()
    try:
        for phone in phones:
            resp = api.post("/auth/sms-codes", json={"phone": phone, "purpose": "register"})
            assert resp.status_code == 202, resp.text
        assert pending_outbox_rows(platform) >= len(phones)
        assert all(api.sms_texts(phone) == [] for phone in phones)
    finally:
        platform.proxy.restore()

    wait_until(lambda: all(len(api.sms_texts(p)) >= 1 for p in phones), timeout=60, interval=0.3,
               message="every code to be delivered after the broker came back")
    wait_until(lambda: pending_outbox_rows(platform) == 0, timeout=30, message="the outbox to drain")
    # Relays may republish a row whose confirm was lost in the cut; consumers dedupe on event_id.
    assert all(len(api.sms_texts(p)) == 1 for p in phones), {p: api.sms_texts(p) for p in phones}


def test_an_event_no_queue_subscribes_to_is_kept_in_the_unrouted_queue(platform):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url(platform.vhost, RABBITMQ_HOST,
                                                                      RABBITMQ_PORT)))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        before = channel.queue_declare("xyd.unrouted", passive=True).method.message_count
        event_id = str(uuid.uuid4())
        channel.basic_publish("xyd.events", "nobody.listens", json.dumps({
            "event_id": event_id, "event_type": "nobody.listens", "version": 1,
            "occurred_at": "2026-11-27T08:00:00Z", "source": "e2e", "data": {}}).encode(),
            pika.BasicProperties(message_id=event_id, delivery_mode=2), mandatory=True)
        assert channel.queue_declare("xyd.unrouted", passive=True).method.message_count == before + 1
    finally:
        connection.close()
