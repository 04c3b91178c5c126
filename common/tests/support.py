"""What the event tests share: a tiny service app with an outbox, a processed-events table and a table
of handler effects; the test's own broker connection; and helpers to run a relay or consumer loop."""

import contextlib
import json
import subprocess
import threading
from dataclasses import dataclass

import pika
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from xyd_common.events.consumer import ProcessedEventMixin
from xyd_common.events.outbox import OutboxMixin, publish
from xyd_common.events.topology import declare_topology
from xyd_testing.helpers import close_connections, connection_pids, unique_name  # noqa: F401 - re-exported

EXCHANGE = "xyd.events"

db = SQLAlchemy()


class Outbox(OutboxMixin, db.Model):
    pass


class Processed(ProcessedEventMixin, db.Model):
    pass


class Effect(db.Model):
    """One row per handler run that committed; no unique key, so a duplicate run would show."""

    __tablename__ = "effects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)


def event_app(database_uri: str, amqp_url: str, service: str = "test-service") -> Flask:
    """A service app reduced to what the relay and the consumer need, its tables created."""
    app = Flask(__name__)
    app.config.update(
        SERVICE_NAME=service,
        SQLALCHEMY_DATABASE_URI=database_uri,
        AMQP_URL=amqp_url,
        EVENTS_EXCHANGE=EXCHANGE,
        OUTBOX_POLL_SECONDS=0.05,
    )
    db.init_app(app)
    with app.app_context():
        db.create_all()
    return app


def dispose(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


def effects(app: Flask, event_id: str | None = None) -> list[str]:
    """The event ids the handlers committed effects for, in order."""
    with app.app_context():
        query = select(Effect.event_id).order_by(Effect.id)
        if event_id is not None:
            query = query.where(Effect.event_id == event_id)
        return list(db.session.scalars(query))


def pending_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.published_at.is_(None)))


def new_event_type(label: str) -> str:
    """An event type no other test uses, so tests sharing a vhost never see each other's events."""
    return f"{unique_name('test')}.{label}"


@dataclass
class Received:
    properties: pika.BasicProperties
    body: bytes

    @property
    def envelope(self) -> dict:
        return json.loads(self.body)


class BrokerProbe:
    """The test's own connection to the broker (always direct, never through a TcpProxy)."""

    def __init__(self, url: str):
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        declare_topology(self.channel, EXCHANGE)

    def close(self) -> None:
        with contextlib.suppress(pika.exceptions.AMQPError):
            self.connection.close()

    def listen(self, *routing_keys: str) -> str:
        """A private queue bound to `routing_keys` on the events exchange."""
        queue = self.channel.queue_declare("", exclusive=True).method.queue
        for key in routing_keys:
            self.channel.queue_bind(queue, EXCHANGE, routing_key=key)
        return queue

    def take(self, queue: str) -> list[Received]:
        """Every message now ready in `queue`, acknowledged."""
        out = []
        while True:
            method, properties, body = self.channel.basic_get(queue, auto_ack=True)
            if method is None:
                return out
            out.append(Received(properties, body))

    def ready_count(self, queue: str) -> int:
        return self.channel.queue_declare(queue, passive=True).method.message_count

    def publish_envelope(self, envelope: dict) -> None:
        """Publish as a relay would, confirmed."""
        publish(self.channel, EXCHANGE, envelope["event_type"], envelope["event_id"],
                json.dumps(envelope).encode())

    def publish_raw(self, routing_key: str, body: bytes) -> None:
        self.channel.basic_publish(EXCHANGE, routing_key, body,
                                   pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent))


class Inbox:
    """Accumulates what arrives in a queue, for polling with wait_until."""

    def __init__(self, probe: BrokerProbe, queue: str):
        self.probe = probe
        self.queue = queue
        self.messages: list[Received] = []

    def poll(self) -> list[Received]:
        self.messages.extend(self.probe.take(self.queue))
        return self.messages

    def message_ids(self) -> list[str]:
        return [m.properties.message_id for m in self.poll()]


@contextlib.contextmanager
def running(loop):
    """Run `loop(stop)` (OutboxRelay.run, EventConsumer.run) in a thread; stop and join it after."""
    stop = threading.Event()
    thread = threading.Thread(target=loop, args=(stop,), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "the loop did not stop within 30s of being asked to"


def rabbitmqctl_json(*args: str) -> list[dict]:
    result = subprocess.run(["rabbitmqctl", "-q", *args, "--formatter", "json"], check=True,
                            capture_output=True, text=True, timeout=60)
    return json.loads(result.stdout or "[]")


def queue_counts(vhost: str, queue: str) -> tuple[int, int]:
    """(ready, unacknowledged) messages of `queue`, as the broker reports them."""
    for row in rabbitmqctl_json("list_queues", "-p", vhost, "name", "messages_ready",
                                "messages_unacknowledged"):
        if row["name"] == queue:
            return row["messages_ready"], row["messages_unacknowledged"]
    raise LookupError(queue)


def metric_value(name: str, **labels) -> float:
    """The current value of one series of this process's default Prometheus registry (0 if absent)."""
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0
