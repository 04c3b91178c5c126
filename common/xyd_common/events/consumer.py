"""Event consumers: one durable quorum queue per service, handlers looked up by event type.

Rules every consumer follows:
- The handler runs in a worker thread while the connection's own thread keeps answering heartbeats,
  so a slow handler never gets the connection dropped; acks go back through
  `add_callback_threadsafe` because a pika connection is never used from two threads.
- The `event_id` is recorded in the handler's own transaction (table `processed_events`); a
  redelivered event finds it there and is acknowledged without running the handler again.
- Ack only after that transaction committed. A failing handler is requeued; at the queue's delivery
  limit the consumer itself sends the message to `<queue>.dlq` (through `xyd.dlx`) with a header saying
  why it failed (`x-xyd-failure`), then acknowledges it, and the messages behind it go on. The publish
  and the ack go out on the same channel in that order, so the broker has the copy before it drops the
  original; should the consumer die in between, the broker's own dead-lettering (one delivery later)
  still moves it, just without the reason. A malformed message goes the same way at once.
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

from .. import metrics
from ..db_types import UtcDateTime
from .amqp import CONNECTION_ERRORS, Backoff, connect
from .envelope import occurred_at
from .outbox import utcnow
from .topology import DEAD_LETTER_EXCHANGE, DELIVERY_LIMIT, QUEUES, declare_topology

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
# Headers a dead-lettered message carries for the `dead-letters` command: why and when it failed.
FAILURE_HEADER = "x-xyd-failure"
FAILED_AT_HEADER = "x-xyd-failed-at"


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
                    metrics.HEARTBEAT.beat()
                    if not channel.consumer_tags:
                        # The broker cancelled our consumer (its queue was deleted) and pika raises
                        # nothing: reconnect, which declares the queue again, rather than idle forever.
                        raise ConsumerCancelled(f"the broker cancelled the consumer of {self.queue}")
            except CONNECTION_ERRORS as exc:
                delay = backoff.next()
                log.warning("broker unavailable (%s); consumer reconnects in %.1fs", exc.__class__.__name__,
                            delay)
                metrics.HEARTBEAT.beat()  # waiting for the broker is not being stuck
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
            metrics.EVENT_REDELIVERIES.labels(self.service).inc()
            # Don't spin on a failing handler: wait a little longer at each redelivery.
            time.sleep(min(self.retry_delay * redeliveries, 10))
        try:
            outcome, failure = self.handle_delivery(body)
        except Exception as exc:
            # Failed outside the handler (the database, say, while recording the event id). The
            # delivery must still be settled: left unacknowledged it would hold the queue (prefetch 1)
            # until the connection dies.
            log.exception("could not handle delivery %s; requeued", method.delivery_tag)
            outcome, failure = REQUEUE, describe_failure(exc)
        if outcome == REQUEUE and redeliveries >= DELIVERY_LIMIT:
            outcome = REJECT  # the last delivery the queue allows: dead-letter it with its reason
        tag = method.delivery_tag
        if outcome == ACK:
            settle = lambda: channel.basic_ack(tag)  # noqa: E731
        elif outcome == REQUEUE:
            settle = lambda: channel.basic_nack(tag, requeue=True)  # noqa: E731
        else:
            reason = "malformed" if failure == MALFORMED else "handler_failed"
            metrics.EVENTS_DEAD_LETTERED.labels(self.service, reason).inc()
            settle = lambda: self._dead_letter(channel, tag, properties, body, failure)  # noqa: E731
        try:
            connection.add_callback_threadsafe(settle)
        except CONNECTION_ERRORS:
            # The connection died while we worked: the broker redelivers, the event id dedupes.
            log.warning("could not settle delivery %s; it will be redelivered", tag)

    def _dead_letter(self, channel, tag, properties, body, failure: str | None) -> None:
        """On the connection's thread: a copy with the failure headers to `<queue>.dlq`, then the ack."""
        headers = {k: v for k, v in (properties.headers or {}).items() if k != "x-delivery-count"}
        headers[FAILURE_HEADER] = (failure or "unknown")[:500]
        headers[FAILED_AT_HEADER] = utcnow().isoformat()
        try:
            channel.basic_publish(DEAD_LETTER_EXCHANGE, self.queue, body, pika.BasicProperties(
                content_type=properties.content_type, content_encoding=properties.content_encoding,
                delivery_mode=pika.DeliveryMode.Persistent, message_id=properties.message_id,
                type=properties.type, headers=headers))
            channel.basic_ack(tag)
        except CONNECTION_ERRORS:
            raise
        except Exception:
            log.exception("could not dead-letter delivery %s myself; the broker dead-letters it", tag)
            channel.basic_nack(tag, requeue=False)
        log.error("event dead-lettered to %s: %s", self.queue, failure,
                  extra={"message_id": properties.message_id})

    def handle(self, body: bytes) -> str:
        """Run the handler for one message body in one transaction; say how to settle it."""
        return self.handle_delivery(body)[0]

    def handle_delivery(self, body: bytes) -> tuple[str, str | None]:
        """Run the handler for one message body in one transaction; how to settle it, and why it
        failed when it did."""
        try:
            envelope = json.loads(body)
            event_id = str(envelope["event_id"])
            event_type = str(envelope["event_type"])
            occurred_at(envelope)  # every handler may rely on it
        except (ValueError, KeyError, TypeError):
            log.error("malformed event dead-lettered")
            return REJECT, MALFORMED
        handler = self.handlers.get(event_type)
        if handler is None:
            log.warning("no handler for %s; acknowledged", event_type)
            return ACK, None
        with self.app.app_context():
            session = self.db.session
            try:
                session.add(self.processed_model(event_id=event_id, event_type=event_type))
                session.flush()
            except IntegrityError:
                session.rollback()
                log.info("event %s already processed", event_id)
                return ACK, None
            try:
                handler(envelope)
                session.commit()
            except Exception as exc:
                session.rollback()
                log.exception("handler for %s failed on event %s", event_type, event_id)
                metrics.EVENT_HANDLER_FAILURES.labels(self.service, event_type).inc()
                return REQUEUE, describe_failure(exc)
        metrics.EVENTS_HANDLED.labels(self.service, event_type).inc()
        return ACK, None


MALFORMED = "malformed: not an event envelope (JSON with event_id, event_type and occurred_at)"


def describe_failure(exc: BaseException) -> str:
    """What an operator reads in `dead-letters show`: the error's class and its first line."""
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{exc.__class__.__name__}: {first_line}"[:500]
