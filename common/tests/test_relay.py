"""The broker topology and the outbox relay, against a real RabbitMQ (this module's own vhost)."""

import json
import subprocess
import threading

import pika
import pytest
from sqlalchemy import select, text

from xyd_common.events import topology
from xyd_common.events.amqp import connect
from xyd_common.events.outbox import OutboxRelay, record_event
from xyd_testing.helpers import RABBITMQ_HOST, RABBITMQ_PORT, TcpProxy, amqp_url, wait_until

from .support import EXCHANGE, Inbox, Outbox, db, new_event_type, pending_count, rabbitmqctl_json, running

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def confirm_channel(broker_url):
    connection = connect(broker_url, "test-relay")
    channel = connection.channel()
    channel.confirm_delivery()
    yield channel
    connection.close()


def record(app, event_type, count=1, **data) -> list[dict]:
    """Record `count` events in one committed business transaction; their envelopes."""
    with app.app_context():
        envelopes = [record_event(db.session, Outbox, event_type, {"n": i, **data}, "test-service")
                     for i in range(count)]
        db.session.commit()
    return envelopes


def outbox_rows(app) -> list[Outbox]:
    with app.app_context():
        rows = db.session.scalars(select(Outbox).order_by(Outbox.id)).all()
        db.session.expunge_all()
        return rows


# Topology

def broker_objects(vhost: str) -> dict:
    """Every exchange, queue and binding of the vhost, with their arguments, as the broker exports them."""
    result = subprocess.run(["rabbitmqctl", "-q", "export_definitions", "-"], check=True, capture_output=True,
                            text=True, timeout=60)
    definitions = json.loads(result.stdout)
    return {kind: sorted((item for item in definitions[kind] if item["vhost"] == vhost),
                         key=lambda item: json.dumps(item, sort_keys=True))
            for kind in ("exchanges", "queues", "bindings")}


def test_declaring_the_topology_twice_changes_nothing(broker_url, vhost):
    with connect(broker_url, "test-topology") as connection:
        channel = connection.channel()
        topology.declare_topology(channel, EXCHANGE)
        first = broker_objects(vhost)
        topology.declare_topology(channel, EXCHANGE)
        assert channel.is_open
        assert broker_objects(vhost) == first
    assert {q["name"] for q in first["queues"]} >= {topology.UNROUTED, *(s.name for s in topology.QUEUES.values())}


def test_events_exchange_has_the_unrouted_alternate_exchange_and_queues_have_a_delivery_limit(broker_url,
                                                                                            vhost):
    with connect(broker_url, "test-topology") as connection:
        topology.declare_topology(connection.channel(), EXCHANGE)
    exchanges = {e["name"]: e for e in rabbitmqctl_json("list_exchanges", "-p", vhost, "name", "type",
                                                        "durable", "arguments")}
    events = exchanges[EXCHANGE]
    assert events["type"] == "topic" and events["durable"]
    assert ["alternate-exchange", "longstr", topology.UNROUTED] in events["arguments"]
    assert exchanges[topology.UNROUTED]["type"] == "fanout"
    queues = {q["name"]: q for q in rabbitmqctl_json("list_queues", "-p", vhost, "name", "type", "durable",
                                                     "arguments")}
    assert queues[topology.UNROUTED]["type"] == "quorum"
    for spec in topology.QUEUES.values():
        assert queues[spec.name]["type"] == "quorum" and queues[spec.name]["durable"]
        assert ["x-delivery-limit", "signedint", topology.DELIVERY_LIMIT] in queues[spec.name]["arguments"]
        assert topology.dead_letter_queue(spec.name) in queues


def test_events_exchange_without_its_alternate_exchange_cannot_be_declared_by_mistake(broker_url):
    with connect(broker_url, "test-topology") as connection:
        channel = connection.channel()
        topology.declare_topology(channel, EXCHANGE)
        with pytest.raises(pika.exceptions.ChannelClosedByBroker, match="PRECONDITION_FAILED"):
            channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)


# Relay

def test_committed_events_are_published_with_the_contract_properties_and_marked(
        make_app, database_uri, broker_url, probe, confirm_channel):
    app = make_app(database_uri, broker_url)
    event_type = new_event_type("submitted")
    inbox = Inbox(probe, probe.listen(event_type))
    envelopes = record(app, event_type, count=3, name="企业甲")

    assert OutboxRelay(app, db, Outbox).publish_pending(confirm_channel) == 3

    messages = wait_until(lambda: len(inbox.poll()) >= 3 and inbox.messages, message="3 events")
    assert [m.envelope for m in messages] == envelopes
    for message, envelope in zip(messages, envelopes, strict=True):
        assert message.properties.delivery_mode == pika.DeliveryMode.Persistent.value
        assert message.properties.content_type == "application/json"
        assert message.properties.message_id == envelope["event_id"]
        assert json.loads(message.body.decode("utf-8"))["data"]["name"] == "企业甲"
    rows = outbox_rows(app)
    assert all(row.published_at is not None for row in rows)
    assert all(row.published_at.tzinfo is not None for row in rows)
    assert OutboxRelay(app, db, Outbox).publish_pending(confirm_channel) == 0


def test_rolled_back_business_transaction_publishes_nothing(make_app, database_uri, broker_url, probe,
                                                            confirm_channel):
    app = make_app(database_uri, broker_url)
    event_type = new_event_type("withdrawn")
    inbox = Inbox(probe, probe.listen(event_type))
    with app.app_context():
        record_event(db.session, Outbox, event_type, {"n": "rolled back"}, "test-service")
        db.session.flush()
        db.session.rollback()
    relay = OutboxRelay(app, db, Outbox)
    assert relay.publish_pending(confirm_channel) == 0

    (committed,) = record(app, event_type)
    assert relay.publish_pending(confirm_channel) == 1
    # Messages arrive in publish order: once the committed one is here, nothing else is coming.
    wait_until(lambda: inbox.message_ids(), message="the committed event")
    assert [m.envelope for m in inbox.poll()] == [committed]
    assert len(outbox_rows(app)) == 1


def test_row_the_broker_refuses_stays_pending_with_its_error_and_goes_out_later(
        make_app, sqlite_uri, broker_url, probe, confirm_channel):
    app = make_app(sqlite_uri, broker_url)
    event_type = new_event_type("refused")
    inbox = Inbox(probe, probe.listen(event_type))
    envelopes = record(app, event_type, count=2)
    misconfigured = OutboxRelay(app, db, Outbox)
    misconfigured.exchange = "xyd.no-such-exchange"
    with pytest.raises(pika.exceptions.ChannelClosedByBroker, match="NOT_FOUND"):
        misconfigured.publish_pending(confirm_channel)
    first, second = outbox_rows(app)
    assert first.published_at is None and first.attempts == 1 and "NOT_FOUND" in first.last_error
    assert second.published_at is None and second.attempts == 0

    with connect(broker_url, "test-relay-2") as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        assert OutboxRelay(app, db, Outbox).publish_pending(channel) == 2
    wait_until(lambda: len(inbox.poll()) == 2, message="both events")
    assert [m.envelope for m in inbox.messages] == envelopes


def test_event_nobody_subscribes_to_is_kept_in_the_unrouted_queue_and_not_retried(
        make_app, sqlite_uri, broker_url, probe, confirm_channel):
    app = make_app(sqlite_uri, broker_url)
    (envelope,) = record(app, new_event_type("nobody_listens"))

    assert OutboxRelay(app, db, Outbox).publish_pending(confirm_channel) == 1

    unrouted = Inbox(probe, topology.UNROUTED)
    wait_until(lambda: envelope["event_id"] in unrouted.message_ids(), message="the event in xyd.unrouted")
    (row,) = outbox_rows(app)
    assert row.published_at is not None and row.attempts == 0 and row.last_error is None
    assert OutboxRelay(app, db, Outbox).publish_pending(confirm_channel) == 0


def test_events_recorded_during_a_broker_outage_are_all_published_after_it(
        make_app, sqlite_uri, broker_url, vhost, probe, caplog):
    event_type = new_event_type("during_outage")
    inbox = Inbox(probe, probe.listen(event_type))

    def outage_noticed_since(index):
        return any("broker unavailable" in r.getMessage() for r in caplog.records[index:])

    with TcpProxy(RABBITMQ_HOST, RABBITMQ_PORT) as proxy:
        app = make_app(sqlite_uri, amqp_url(vhost, port=proxy.port))
        with running(OutboxRelay(app, db, Outbox, batch_size=5).run):
            before = record(app, event_type, count=300)
            wait_until(lambda: inbox.message_ids(), message="the relay to start publishing")
            cut_at = len(caplog.records)
            proxy.cut()  # most likely in the middle of the 300
            wait_until(lambda: outage_noticed_since(cut_at), message="the relay to notice the outage")
            during = record(app, event_type, count=20)  # the business writes don't care
            assert pending_count(app) >= 20
            proxy.restore()
            after = record(app, event_type, count=20)
            expected = {e["event_id"] for e in before + during + after}
            wait_until(lambda: expected <= set(inbox.message_ids()), timeout=30,
                       message="every event, including those recorded during the outage")
            wait_until(lambda: pending_count(app) == 0, message="every row marked published")
    # At least once: a confirm lost in the cut may mean a duplicate, never a loss or a stranger.
    assert set(inbox.message_ids()) == expected


def test_two_relays_on_postgresql_publish_every_row_exactly_once(make_app, postgres_uri, broker_url, probe):
    app = make_app(postgres_uri, broker_url)
    event_type = new_event_type("concurrent")
    inbox = Inbox(probe, probe.listen(event_type))
    recorded = record(app, event_type, count=200)
    relays = [OutboxRelay(app, db, Outbox, batch_size=10) for _ in range(2)]
    start = threading.Barrier(2)

    def started(relay):
        def run(stop):
            start.wait()
            relay.run(stop)
        return run

    with running(started(relays[0])), running(started(relays[1])):
        wait_until(lambda: pending_count(app) == 0, timeout=30, message="every row published")
    # Both relays have stopped: whatever they published is in the queue now.
    wait_until(lambda: len(inbox.poll()) >= 200, message="200 messages")
    ids = inbox.message_ids()
    assert sorted(ids) == sorted(e["event_id"] for e in recorded)
    assert len(ids) == len(set(ids)) == 200


def test_an_idle_relay_on_postgresql_publishes_at_the_commit_not_at_the_next_poll(
        make_app, postgres_uri, broker_url, probe):
    app = make_app(postgres_uri, broker_url)
    app.config["OUTBOX_POLL_SECONDS"] = 60  # the poll alone would take a minute
    event_type = new_event_type("woken")
    inbox = Inbox(probe, probe.listen(event_type))
    with running(OutboxRelay(app, db, Outbox).run):
        wait_until(lambda: listening(app), timeout=20, message="the relay to listen for commits")
        for round_ in range(3):  # each commit wakes it again
            event_id = record(app, event_type, round=round_)[0]["event_id"]
            wait_until(lambda event_id=event_id: event_id in inbox.message_ids(), timeout=15,
                       message="the event soon after its commit")
        with app.app_context():  # a rolled back transaction notifies nobody and publishes nothing
            record_event(db.session, Outbox, event_type, {"n": "rolled back"}, "test-service")
            db.session.rollback()
        assert pending_count(app) == 0
    assert len(inbox.message_ids()) == 3


def test_a_relay_whose_listening_connection_dies_keeps_publishing_and_listens_again(
        make_app, postgres_uri, broker_url, probe):
    app = make_app(postgres_uri, broker_url)
    app.config["OUTBOX_POLL_SECONDS"] = 1
    event_type = new_event_type("relisten")
    inbox = Inbox(probe, probe.listen(event_type))
    with running(OutboxRelay(app, db, Outbox).run):
        wait_until(lambda: listening(app), timeout=20, message="the relay to listen for commits")
        with app.app_context():
            db.session.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND query LIKE 'LISTEN%'"))
            db.session.commit()
        recorded = record(app, event_type)
        wait_until(lambda: recorded[0]["event_id"] in inbox.message_ids(), timeout=15,
                   message="the event, by the poll, with the listener gone")
        wait_until(lambda: listening(app), timeout=30, message="the relay to listen again")


def listening(app) -> bool:
    """Whether a session of this database waits on the outbox's notification channel."""
    with app.app_context():
        found = db.session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                       "current_database() AND query LIKE 'LISTEN%'"))
        db.session.rollback()
        return bool(found)
