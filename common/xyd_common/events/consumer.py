"""Event consumers: one durable quorum queue per service, handlers looked up by event type.

Rules every consumer follows:
- The handler runs in a worker thread while the connection's own thread keeps answering heartbeats,
  so a slow handler never gets the connection dropped; acks go back through
  `add_callback_threadsafe` because a pika connection is never used from two threads.
- The `event_id` is recorded in the handler's own transaction (table `processed_events`); a
  redelivered event finds it there and is acknowledged without running the handler again.
- Ack only after that transaction committed. A failing handler is requeued; past the queue's
  delivery limit RabbitMQ dead-letters the message to `<queue>.dlq`, and the messages behind it go on.
- Broker restarts, `CONNECTION_FORCED`, network cuts and a consumer cancelled by the broker (its queue
  deleted) end in a reconnect with back-off, which declares the topology again.
"""

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

import pika
from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UtcDateTime
from .amqp import CONNECTION_ERRORS, Backoff, connect
from .outbox import utcnow
from .topology import QUEUES, declare_topology

log = logging.getLogger(__name__)

Handler = Callable[[dict], None]


class ProcessedEventMixin:
    """Columns of a service's record of handled events: `class ProcessedEvent(ProcessedEventMixin,
    db.Model)`."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)


ACK, REQUEUE, REJECT = "ack", "requeue", "reject"


class ConsumerCancelled(pika.exceptions.AMQPChannelError):
    """The broker cancelled the consumer (Basic.Cancel), e.g. because its queue was deleted."""


class EventConsumer:
    """Consumes the service's queue from the topology table and dispatches to `handlers`."""

    def __init__(self, app, db, processed_model, handlers: dict[str, Handler], retry_delay: float = 0.5):
        self.app = app
        self.db = db
        self.processed_model = processed_model
        self.handlers = handlers
        self.retry_delay = retry_delay
        self.service = app.config["SERVICE_NAME"]
        self.queue = QUEUES[self.service].name
        self.exchange = app.config["EVENTS_EXCHANGE"]
        unbound = set(handlers) - set(QUEUES[self.service].bindings)
        if unbound:
            raise ValueError(f"handlers without a binding in the topology table: {sorted(unbound)}")

    def run(self, stop: threading.Event) -> None:
        backoff = Backoff()
        while not stop.is_set():
            connection = None
            worker: list[threading.Thread] = []
            try:
                connection = connect(self.app.config["AMQP_URL"], f"{self.service}-consumer")
                channel = connection.channel()
                declare_topology(channel, self.exchange)
                channel.basic_qos(prefetch_count=1)

                def on_message(ch, method, properties, body, connection=connection, worker=worker):
                    thread = threading.Thread(target=self._work, daemon=True,
                                              args=(connection, ch, method, properties, body))
                    # Normally one at a time (prefetch 1), but RabbitMQ 3.10 can exceed the prefetch
                    # after dead-lettering a message: keep every live worker, so all are joined below.
                    worker[:] = [t for t in worker if t.is_alive()] + [thread]
                    thread.start()

                channel.basic_consume(self.queue, on_message_callback=on_message)
                log.info("consuming %s", self.queue)
                backoff.reset()
                while not stop.is_set():
                    connection.process_data_events(time_limit=1)
                    if not channel.consumer_tags:
                        # The broker cancelled our consumer (its queue was deleted) and pika raises
                        # nothing: reconnect, which declares the queue again, rather than idle forever.
                        raise ConsumerCancelled(f"the broker cancelled the consumer of {self.queue}")
            except CONNECTION_ERRORS as exc:
                delay = backoff.next()
                log.warning("broker unavailable (%s); consumer reconnects in %.1fs", exc.__class__.__name__,
                            delay)
                stop.wait(delay)
            except Exception:
                log.exception("consumer failed; reconnecting")
                stop.wait(backoff.next())
            finally:
                for thread in worker:
                    thread.join(timeout=60)
                if connection is not None and connection.is_open:
                    try:
                        # Let the worker's pending ack go out before closing.
                        connection.process_data_events(time_limit=0)
                        connection.close()
                    except CONNECTION_ERRORS:
                        pass

    def _work(self, connection, channel, method, properties, body) -> None:
        redeliveries = int((properties.headers or {}).get("x-delivery-count", 0) or 0)
        if redeliveries:
            # Don't spin on a failing handler: wait a little longer at each redelivery.
            time.sleep(min(self.retry_delay * redeliveries, 10))
        try:
            outcome = self.handle(body)
        except Exception:
            # Failed outside the handler (the database, say, while recording the event id). The
            # delivery must still be settled: left unacknowledged it would hold the queue (prefetch 1)
            # until the connection dies.
            log.exception("could not handle delivery %s; requeued", method.delivery_tag)
            outcome = REQUEUE
        tag = method.delivery_tag
        if outcome == ACK:
            settle = lambda: channel.basic_ack(tag)  # noqa: E731
        else:
            settle = lambda: channel.basic_nack(tag, requeue=outcome == REQUEUE)  # noqa: E731
        try:
            connection.add_callback_threadsafe(settle)
        except CONNECTION_ERRORS:
            # The connection died while we worked: the broker redelivers, the event id dedupes.
            log.warning("could not settle delivery %s; it will be redelivered", tag)

    def handle(self, body: bytes) -> str:
        """Run the handler for one message body in one transaction; say how to settle it."""
        try:
            envelope = json.loads(body)
            event_id = str(envelope["event_id"])
            event_type = str(envelope["event_type"])
        except (ValueError, KeyError, TypeError):
            log.error("malformed event dead-lettered")
            return REJECT
        handler = self.handlers.get(event_type)
        if handler is None:
            log.warning("no handler for %s; acknowledged", event_type)
            return ACK
        with self.app.app_context():
            session = self.db.session
            try:
                session.add(self.processed_model(event_id=event_id, event_type=event_type))
                session.flush()
            except IntegrityError:
                session.rollback()
                log.info("event %s already processed", event_id)
                return ACK
            try:
                handler(envelope)
                session.commit()
            except Exception:
                session.rollback()
                log.exception("handler for %s failed on event %s", event_type, event_id)
                return REQUEUE
        return ACK
