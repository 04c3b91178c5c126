"""Event consumers against a real RabbitMQ (this module's own vhost) and a real database."""

import json
import threading
from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from xyd_common.events import amqp, topology
from xyd_common.events.consumer import FAILURE_HEADER, MALFORMED, EventConsumer
from xyd_common.events.envelope import new_envelope
from xyd_testing.helpers import RABBITMQ_HOST, RABBITMQ_PORT, TcpProxy, amqp_url, unique_name, wait_until

from .support import (
    Effect,
    Inbox,
    Processed,
    close_connections,
    connection_pids,
    db,
    effects,
    metric_value,
    new_event_type,
    queue_counts,
    running,
)

pytestmark = pytest.mark.timeout(120)


@dataclass(frozen=True)
class Service:
    """A consuming service of the test's own: its queue is bound to event types no other test uses."""

    name: str
    queue: str
    happened: str       # handled: one Effect row per run
    always_fails: str   # the handler raises every time
    slow: str           # the handler takes seconds

    @property
    def dead_letter_queue(self) -> str:
        return topology.dead_letter_queue(self.queue)

    @property
    def connection_name(self) -> str:
        return f"{self.name}-consumer"


@pytest.fixture
def service(monkeypatch, probe):
    name = unique_name("test-consumer")
    svc = Service(name, f"{name}.events", new_event_type("happened"), new_event_type("always_fails"),
                  new_event_type("slow"))
    monkeypatch.setitem(topology.QUEUES, name, topology.QueueSpec(
        svc.queue, (svc.happened, svc.always_fails, svc.slow)))
    topology.declare_topology(probe.channel, "xyd.events")
    return svc


class Handlers:
    """The service's handlers; `calls` counts every run, committed or not."""

    def __init__(self, service: Service, slow_seconds: float = 3.0):
        self.service = service
        self.slow_seconds = slow_seconds
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def table(self) -> dict:
        return {self.service.happened: self.happened, self.service.always_fails: self.always_fails,
                self.service.slow: self.slow}

    def _count(self, envelope):
        with self._lock:
            self.calls[envelope["event_id"]] += 1
        db.session.add(Effect(event_id=envelope["event_id"], event_type=envelope["event_type"]))

    def happened(self, envelope):
        self._count(envelope)

    def always_fails(self, envelope):
        self._count(envelope)  # written, then rolled back
        raise RuntimeError("a bug in the handler")

    def slow(self, envelope):
        self._count(envelope)
        threading.Event().wait(self.slow_seconds)  # the handler's own slowness, not the test waiting


def event(event_type: str, **data) -> dict:
    return new_envelope(event_type, data, "test-source")


def consumer(app, handlers: Handlers) -> EventConsumer:
    return EventConsumer(app, db, Processed, handlers.table(), retry_delay=0.01)


def processed_ids(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Processed.event_id)))


def test_handlers_must_have_a_binding_in_the_topology_table(make_app, sqlite_uri, broker_url, service):
    app = make_app(sqlite_uri, broker_url, service.name)
    with pytest.raises(ValueError, match="without a binding"):
        EventConsumer(app, db, Processed, {"nobody.binds.this": lambda envelope: None})


def test_handled_event_is_committed_with_its_id_and_acknowledged(make_app, database_uri, broker_url, vhost,
                                                                 probe, service):
    app = make_app(database_uri, broker_url, service.name)
    handlers = Handlers(service)
    first = event(service.happened, order_id=1)
    with running(consumer(app, handlers).run):
        probe.publish_envelope(first)
        wait_until(lambda: effects(app) == [first["event_id"]], message="the handler's effect")
        assert processed_ids(app) == [first["event_id"]]
        # Acknowledged: nothing ready, nothing held by the consumer.
        wait_until(lambda: queue_counts(vhost, service.queue) == (0, 0), message="the ack")


def test_event_delivered_twice_is_handled_once(make_app, database_uri, broker_url, probe, service):
    app = make_app(database_uri, broker_url, service.name)
    handlers = Handlers(service)
    twice, marker = event(service.happened), event(service.happened)
    with running(consumer(app, handlers).run):
        probe.publish_envelope(twice)
        probe.publish_envelope(twice)  # at-least-once delivery: the same event_id again
        probe.publish_envelope(marker)
        # One consumer, one message at a time, in order: once the marker is handled so are both copies.
        wait_until(lambda: marker["event_id"] in effects(app), message="the marker event")
    assert effects(app) == [twice["event_id"], marker["event_id"]]
    assert handlers.calls[twice["event_id"]] == 1


def test_same_event_given_to_two_replicas_at_once_is_handled_once(make_app, postgres_uri, broker_url, vhost,
                                                                  probe, service):
    app = make_app(postgres_uri, broker_url, service.name)
    handlers = Handlers(service, slow_seconds=1.0)  # long enough for both copies to be in flight together
    twice = event(service.slow)
    with running(consumer(app, handlers).run), running(consumer(app, handlers).run):
        wait_until(lambda: len(connection_pids(vhost, service.connection_name)) == 2, message="two replicas")
        probe.publish_envelope(twice)
        probe.publish_envelope(twice)
        wait_until(lambda: queue_counts(vhost, service.queue) == (0, 0), timeout=20, message="both copies acked")
    assert effects(app) == [twice["event_id"]]
    assert handlers.calls[twice["event_id"]] == 1


def test_event_whose_handler_keeps_failing_is_dead_lettered_after_the_delivery_limit_and_others_go_on(
        make_app, sqlite_uri, broker_url, probe, service):
    app = make_app(sqlite_uri, broker_url, service.name)
    handlers = Handlers(service)
    poison = event(service.always_fails)
    behind = [event(service.happened, n=n) for n in range(3)]
    dead = Inbox(probe, service.dead_letter_queue)
    with running(consumer(app, handlers).run):
        probe.publish_envelope(poison)
        for envelope in behind:
            probe.publish_envelope(envelope)
        wait_until(lambda: poison["event_id"] in dead.message_ids(), timeout=30,
                   message="the failing event in the dead-letter queue")
        # As a set: RabbitMQ 3.10 may hand them out together once the failing one is dead-lettered
        # (it grants the consumer extra credit then, rabbitmq-server#5609), so their order is not kept.
        wait_until(lambda: sorted(effects(app)) == sorted(e["event_id"] for e in behind), timeout=30,
                   message="the events published after it")
    assert handlers.calls[poison["event_id"]] == 1 + topology.DELIVERY_LIMIT
    assert poison["event_id"] not in effects(app) and poison["event_id"] not in processed_ids(app)
    (dead_letter,) = dead.messages
    assert dead_letter.envelope == poison
    # Why it failed travels with it, for `flask dead-letters`; the metric counts it.
    assert dead_letter.properties.headers[FAILURE_HEADER] == "RuntimeError: a bug in the handler"
    assert dead_letter.properties.message_id == poison["event_id"]
    assert metric_value("xyd_events_dead_lettered_total", service=service.name, reason="handler_failed") == 1
    assert metric_value("xyd_event_handler_failures_total", service=service.name,
                        event_type=service.always_fails) == 1 + topology.DELIVERY_LIMIT
    assert metric_value("xyd_event_redeliveries_total", service=service.name) >= topology.DELIVERY_LIMIT
    assert metric_value("xyd_events_handled_total", service=service.name, event_type=service.happened) == 3


def test_malformed_messages_are_dead_lettered_and_do_not_block_the_queue(make_app, sqlite_uri, broker_url,
                                                                        probe, service):
    app = make_app(sqlite_uri, broker_url, service.name)
    handlers = Handlers(service)
    without_time = json.dumps({**event(service.happened), "occurred_at": "yesterday"}).encode()
    bad_bodies = [b"{not json", b'{"event_type": "no.event_id"}', b"[1, 2]", "\ufeff乱码".encode("gb18030"),
                  without_time]
    good = event(service.happened)
    dead = Inbox(probe, service.dead_letter_queue)
    with running(consumer(app, handlers).run):
        for body in bad_bodies:
            probe.publish_raw(service.happened, body)
        probe.publish_envelope(good)
        wait_until(lambda: effects(app) == [good["event_id"]], message="the good event after the bad ones")
        wait_until(lambda: len(dead.poll()) == len(bad_bodies), message="the malformed messages dead-lettered")
    assert sorted(m.body for m in dead.messages) == sorted(bad_bodies)
    assert sum(handlers.calls.values()) == 1
    assert {m.properties.headers[FAILURE_HEADER] for m in dead.messages} == {MALFORMED}
    assert metric_value("xyd_events_dead_lettered_total", service=service.name, reason="malformed") == 5


def test_database_error_before_the_handler_runs_is_retried_not_left_unacknowledged(
        make_app, sqlite_uri, broker_url, probe, service, caplog):
    app = make_app(sqlite_uri, broker_url, service.name)
    handlers = Handlers(service)
    first = event(service.happened)
    with app.app_context():
        Processed.__table__.drop(db.engine)  # recording the event id fails until the table is back
    with running(EventConsumer(app, db, Processed, handlers.table(), retry_delay=0.5).run):
        probe.publish_envelope(first)
        wait_until(lambda: any(r.name == "xyd_common.events.consumer" and "held" in r.getMessage()
                               for r in caplog.records), message="the consumer to report the failure")
        with app.app_context():
            Processed.__table__.create(db.engine)
        wait_until(lambda: effects(app) == [first["event_id"]], message="the event handled once the table is back")


def test_consumer_reconnects_after_the_broker_closes_its_connection(make_app, sqlite_uri, broker_url, vhost,
                                                                     probe, service):
    app = make_app(sqlite_uri, broker_url, service.name)
    handlers = Handlers(service)
    before, after = event(service.happened), event(service.happened)
    with running(consumer(app, handlers).run):
        probe.publish_envelope(before)
        wait_until(lambda: effects(app) == [before["event_id"]], message="the first event")
        old = connection_pids(vhost, service.connection_name)
        assert len(old) == 1
        assert close_connections(vhost, service.connection_name) == 1  # CONNECTION_FORCED
        probe.publish_envelope(after)
        wait_until(lambda: effects(app) == [before["event_id"], after["event_id"]], timeout=20,
                   message="the event published after the broker closed the connection")
        new = connection_pids(vhost, service.connection_name)
        assert len(new) == 1 and new != old


def test_consumer_reconnects_after_a_network_cut(make_app, sqlite_uri, vhost, probe, service, caplog):
    handlers = Handlers(service)
    before, during = event(service.happened), event(service.happened)
    with TcpProxy(RABBITMQ_HOST, RABBITMQ_PORT) as proxy:
        app = make_app(sqlite_uri, amqp_url(vhost, port=proxy.port), service.name)
        with running(consumer(app, handlers).run):
            probe.publish_envelope(before)
            wait_until(lambda: effects(app) == [before["event_id"]], message="the first event")
            cut_at = len(caplog.records)
            proxy.cut()
            wait_until(lambda: any("broker unavailable" in r.getMessage() for r in caplog.records[cut_at:]),
                       message="the consumer to notice the cut")
            probe.publish_envelope(during)  # the broker itself is up: the event waits in the queue
            proxy.restore()
            wait_until(lambda: effects(app) == [before["event_id"], during["event_id"]], timeout=20,
                       message="the event published during the cut")


def test_slow_handler_keeps_the_connection_alive_and_is_acknowledged_once(
        make_app, sqlite_uri, broker_url, vhost, probe, service, monkeypatch, caplog):
    # Heartbeats every second instead of 30: a handler blocking the connection's thread for 3 s would
    # get the connection dropped by the broker, and the event delivered again.
    original = amqp.connection_parameters

    def fast_heartbeats(url, name):
        params = original(url, name)
        params.heartbeat = 1
        return params

    monkeypatch.setattr(amqp, "connection_parameters", fast_heartbeats)
    app = make_app(sqlite_uri, broker_url, service.name)
    handlers = Handlers(service, slow_seconds=3.0)
    slow, after = event(service.slow), event(service.happened)
    with running(consumer(app, handlers).run):
        probe.publish_envelope(slow)
        probe.publish_envelope(after)
        wait_until(lambda: effects(app) == [slow["event_id"], after["event_id"]], timeout=20,
                   message="the slow event, then the next")
        wait_until(lambda: queue_counts(vhost, service.queue) == (0, 0), message="both acknowledged")
    assert handlers.calls[slow["event_id"]] == 1
    assert not [r for r in caplog.records if "broker unavailable" in r.getMessage()]


def test_consumer_whose_queue_was_deleted_declares_it_again_and_goes_on(make_app, sqlite_uri, broker_url, vhost,
                                                                         probe, service):
    app = make_app(sqlite_uri, broker_url, service.name)
    handlers = Handlers(service)
    before, after = event(service.happened), event(service.happened)
    with running(consumer(app, handlers).run):
        probe.publish_envelope(before)
        wait_until(lambda: effects(app) == [before["event_id"]], message="the first event")
        probe.channel.queue_delete(service.queue)  # an operator's mistake; the broker cancels the consumer
        wait_until(lambda: queue_counts(vhost, service.queue), timeout=20, message="the queue declared again")
        probe.publish_envelope(after)
        wait_until(lambda: effects(app) == [before["event_id"], after["event_id"]], timeout=20,
                   message="the event published after the queue came back")


def test_a_database_outage_longer_than_the_delivery_limit_holds_events_instead_of_dead_lettering_them(
        make_app, postgres_uri, broker_url, vhost, probe, service, caplog):
    from sqlalchemy.engine import make_url

    url = make_url(postgres_uri)
    with TcpProxy(url.host, url.port) as proxy:
        app = make_app(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                       broker_url, service.name)
        handlers = Handlers(service)
        first, second = event(service.happened), event(service.happened)
        # retry_delay 0.01: requeued, the delivery limit would be used up within a fraction of a second.
        with running(consumer(app, handlers).run):
            proxy.cut()
            probe.publish_envelope(first)
            probe.publish_envelope(second)
            wait_until(lambda: sum("delivery" in r.getMessage() and "held" in r.getMessage()
                                   for r in caplog.records) >= 3, timeout=30,
                       message="the consumer to hold the event through several retries")
            assert queue_counts(vhost, service.dead_letter_queue) == (0, 0)
            proxy.restore()
            wait_until(lambda: sorted(effects(app)) == sorted([first["event_id"], second["event_id"]]),
                       timeout=60, message="both events handled once the database is back")
        assert queue_counts(vhost, service.dead_letter_queue) == (0, 0)
        assert queue_counts(vhost, service.queue) == (0, 0)
