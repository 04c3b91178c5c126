"""Transactional outbox: events are rows written in the business transaction, published later.

A request never talks to the broker. It adds its event with `record_event` in the same session as its
business change, and both commit or neither does. `OutboxRelay` (run as `flask relay`, any number of
replicas) publishes pending rows with publisher confirms and `mandatory=True`, marks a row published
only after the broker confirmed it, and leaves the rest pending for the next round: a broker outage
delays events, never loses them, and never fails the user's request. On PostgreSQL each batch is
claimed with `FOR UPDATE SKIP LOCKED`, so two relays never publish the same row at the same time.
Delivery is at least once (a confirm lost with the connection means the row is sent again);
consumers deduplicate on `event_id`.

On PostgreSQL `record_event` also sends `NOTIFY` in the business transaction, which PostgreSQL
delivers only if and when that transaction commits, and an idle relay `LISTEN`s for it: an event
leaves within milliseconds of its commit instead of waiting for the next poll. The poll
(`OUTBOX_POLL_SECONDS`) stays as the safety net for a lost listener connection, SQLite, and rows
written some other way; a notification carries nothing, so a missed or extra one costs one poll.
"""

import json
import logging
import threading
import time
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


def notify_channel(model) -> str:
    """The PostgreSQL notification channel of an outbox table (one per database and table)."""
    return f"{model.__tablename__}_committed"


def record_event(session, model, event_type: str, data: dict, source: str) -> dict:
    """Add an event to the outbox in `session`'s transaction; it is published once that commits."""
    envelope = new_envelope(event_type, data, source)
    session.add(model(event_id=envelope["event_id"], event_type=event_type,
                      payload=json.dumps(envelope, ensure_ascii=False, default=str)))
    # The transaction's own connection, not session.execute: that would flush the business changes
    # early. PostgreSQL holds the notification until COMMIT and drops it on ROLLBACK, and folds
    # repeats within one transaction into one.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": notify_channel(model)})
    return envelope


class CommitListener:
    """An idle relay's wait: until a commit that recorded an event notifies, or `timeout` passes.

    Its own autocommit connection (LISTEN must not sit in a transaction, and the relay's session
    holds row locks while it publishes). If the database cannot be reached the wait is a plain sleep
    and the listener reconnects later; the relay's poll keeps everything moving meanwhile."""

    RECONNECT_SECONDS = 5.0

    def __init__(self, dsn: str, channel: str):
        self.dsn = dsn
        self.channel = channel
        self.connection = None
        self.retry_at = 0.0

    def _listen(self) -> None:
        import psycopg
        from psycopg import sql

        connection = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5)
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
        self.connection = connection

    def wait(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """True when a notification arrived (then more rows are likely pending). Returns early once
        `stop` is set, so a long poll interval never delays a shutdown by more than a second."""
        import psycopg

        if self.connection is None and time.monotonic() >= self.retry_at:
            try:
                self._listen()
            except psycopg.Error as exc:
                log.warning("outbox relay cannot listen for commits (%s); polling only",
                            exc.__class__.__name__)
                self.retry_at = time.monotonic() + self.RECONNECT_SECONDS
        if self.connection is None:
            time.sleep(timeout)
            return False
        deadline = time.monotonic() + timeout
        try:
            while (left := deadline - time.monotonic()) > 0 and not (stop is not None and stop.is_set()):
                # Any one notification is enough: the relay then reads every pending row anyway.
                if any(True for _ in self.connection.notifies(timeout=min(left, 1.0), stop_after=1)):
                    return True
            return False
        except psycopg.Error:
            self.close()
            self.retry_at = time.monotonic() + self.RECONNECT_SECONDS
            return False

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection; nothing left to do
                pass
            self.connection = None


def commit_listener(app, db, model) -> CommitListener | None:
    """A listener for the outbox's commits on PostgreSQL; None on SQLite (the relay polls)."""
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "postgresql":
        return None
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return CommitListener(dsn, notify_channel(model))


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
        listener = commit_listener(self.app, self.db, self.model)
        try:
            self._run(stop, backoff, listener)
        finally:
            if listener is not None:
                listener.close()

    def _run(self, stop: threading.Event, backoff: Backoff, listener: CommitListener | None) -> None:
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
                        # Idle: wait for a commit (or the poll), then answer the broker's heartbeats.
                        if listener is None:
                            connection.sleep(self.poll_seconds)
                        else:
                            listener.wait(self.poll_seconds, stop)
                            connection.process_data_events(time_limit=0)
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
