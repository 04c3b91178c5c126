"""Transactional outbox: events are rows written in the business transaction, published later.

A request never talks to the broker. It adds its event with `record_event` in the same session as its
business change, and both commit or neither does. `OutboxRelay` (run as `flask relay`, any number of
replicas) publishes pending rows with publisher confirms and `mandatory=True`, marks a row published
only after the broker confirmed it, and leaves the rest pending for the next round: a broker outage
delays events, never loses them, and never fails the user's request. On PostgreSQL each batch is
claimed with `FOR UPDATE SKIP LOCKED`, so two relays never publish the same row at the same time.
Delivery is at least once (a confirm lost with the connection means the row is sent again);
consumers deduplicate on `event_id`.
"""

import json
import logging
import threading
from datetime import UTC, datetime

import pika
from sqlalchemy import BigInteger, Index, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .. import metrics
from ..db_types import UtcDateTime
from .amqp import CONNECTION_ERRORS, Backoff, connect
from .envelope import new_envelope
from .topology import declare_topology

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxMixin:
    """Columns of a service's outbox table: `class OutboxMessage(OutboxMixin, db.Model)`."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    @declared_attr.directive
    def __table_args__(cls):
        # The relay only ever looks for pending rows in id order; keep that index small.
        return (Index(f"ix_{cls.__tablename__}_pending", "id",
                      postgresql_where=text("published_at IS NULL"),
                      sqlite_where=text("published_at IS NULL")),)


def record_event(session, model, event_type: str, data: dict, source: str) -> dict:
    """Add an event to the outbox in `session`'s transaction; it is published once that commits."""
    envelope = new_envelope(event_type, data, source)
    session.add(model(event_id=envelope["event_id"], event_type=event_type,
                      payload=json.dumps(envelope, ensure_ascii=False, default=str)))
    return envelope


def publish(channel, exchange: str, event_type: str, event_id: str, body: bytes) -> None:
    """Publish one envelope; raises unless the broker confirmed it (needs `confirm_delivery`)."""
    channel.basic_publish(
        exchange=exchange,
        routing_key=event_type,
        body=body,
        properties=pika.BasicProperties(content_type="application/json", content_encoding="utf-8",
                                        delivery_mode=pika.DeliveryMode.Persistent,
                                        message_id=event_id, type=event_type),
        mandatory=True,
    )


class OutboxRelay:
    """Publishes a service's pending outbox rows, batch by batch, until `stop` is set."""

    def __init__(self, app, db, model, batch_size: int = 100):
        self.app = app
        self.db = db
        self.model = model
        self.batch_size = batch_size
        self.exchange = app.config["EVENTS_EXCHANGE"]
        self.poll_seconds = app.config["OUTBOX_POLL_SECONDS"]
        self.service = app.config["SERVICE_NAME"]
        self.name = f"{self.service}-relay"

    def run(self, stop: threading.Event) -> None:
        backoff = Backoff()
        while not stop.is_set():
            connection = None
            try:
                connection = connect(self.app.config["AMQP_URL"], self.name)
                channel = connection.channel()
                declare_topology(channel, self.exchange)
                channel.confirm_delivery()
                log.info("outbox relay connected")
                backoff.reset()
                while not stop.is_set():
                    metrics.HEARTBEAT.beat()
                    if self.publish_pending(channel) == 0:
                        # Idle: wait, but keep the connection's heartbeats answered meanwhile.
                        connection.sleep(self.poll_seconds)
            except CONNECTION_ERRORS as exc:
                delay = backoff.next()
                log.warning("broker unavailable (%s); outbox relay retries in %.1fs", exc.__class__.__name__,
                            delay)
                metrics.HEARTBEAT.beat()  # waiting for the broker is not being stuck
                stop.wait(delay)
            except Exception:  # a database outage, say: log it, back off, go on
                log.exception("outbox relay failed; retrying")
                stop.wait(backoff.next())
            finally:
                if connection is not None and connection.is_open:
                    try:
                        connection.close()
                    except CONNECTION_ERRORS:
                        pass

    def publish_pending(self, channel) -> int:
        """Publish one batch of pending rows; returns how many were confirmed."""
        with self.app.app_context():
            session = self.db.session
            rows = session.scalars(
                select(self.model).where(self.model.published_at.is_(None)).order_by(self.model.id)
                .limit(self.batch_size).with_for_update(skip_locked=True)
            ).all()
            if not rows:
                session.rollback()
                return 0
            published = 0
            try:
                for row in rows:
                    publish(channel, self.exchange, row.event_type, row.event_id, row.payload.encode())
                    row.published_at = utcnow()
                    published += 1
            except Exception as exc:
                # Keep what the broker confirmed; the failed row and the rest stay pending.
                failed = rows[published]
                failed.attempts += 1
                failed.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
                session.commit()
                metrics.OUTBOX_PUBLISHED.labels(self.service).inc(published)
                metrics.OUTBOX_PUBLISH_FAILURES.labels(self.service).inc()
                raise
            session.commit()
            metrics.OUTBOX_PUBLISHED.labels(self.service).inc(published)
            return published


def outbox_gauges(app, db, model) -> "metrics.ScrapeGauges":
    """Pending outbox rows and the age of the oldest, read from the service's database when scraped."""
    from sqlalchemy import func

    service = app.config["SERVICE_NAME"]

    def read() -> dict:
        with app.app_context():
            try:
                pending, oldest = db.session.execute(
                    select(func.count(), func.min(model.created_at)).where(model.published_at.is_(None))
                ).one()
            finally:
                db.session.remove()
        if isinstance(oldest, str):  # SQLite hands aggregate timestamps back as text
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        return {
            "xyd_outbox_pending": ("Outbox rows not yet published", ["service"], [((service,), pending)]),
            "xyd_outbox_oldest_pending_age_seconds": ("Age of the oldest unpublished outbox row (0: none)",
                                                      ["service"], [((service,), max(age, 0.0))]),
        }

    return metrics.ScrapeGauges(read)
