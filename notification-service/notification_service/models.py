"""notification-service tables: SMS sent (or given up on), in-app notifications, webhooks and their
deliveries, the copies of other services' facts it decides with (users, regions, orders) and handled
events. It publishes no events, so it has no outbox (a migration dropped the one it once had)."""

from datetime import datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xyd_common.db_types import UtcDateTime
from xyd_common.events.consumer import ProcessedEventMixin
from xyd_common.events.outbox import utcnow
from xyd_common.reference import RegionCopy

db = SQLAlchemy()

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets the wider type.
BigId = BigInteger().with_variant(Integer, "sqlite")


class SmsMessage(db.Model):
    """One SMS handed to the provider (`sent`), or given up on for good (`failed`, with `error`).

    A failure that may pass (the gateway is down) leaves no row: the event is redelivered instead.
    Secret parameters (the code) are kept in clear only by the console provider, whose texts
    `GET /api/v1/dev/sms` shows; otherwise `params` and `text` hold them masked."""

    __tablename__ = "sms_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), nullable=False)
    template_id: Mapped[str] = mapped_column(String(50), nullable=False)
    params: Mapped[str] = mapped_column(Text, nullable=False)  # JSON object
    text: Mapped[str] = mapped_column(Text, nullable=False)
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)  # sent | failed
    error: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_sms_messages_phone_id", "phone", "id"),)


# --- copies of other services' facts, kept from their events ------------------------------------------

class User(db.Model):
    """auth-service's user, from `auth.user_created` / `auth.user_updated`: who belongs to which
    institution or enterprise, and where to text them."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(11))
    name: Mapped[str | None] = mapped_column(String(100))
    institution_id: Mapped[int | None] = mapped_column(Integer, index=True)
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    # The USCC this user was verified as the owner of (`auth.enterprise_verified`, the only source of
    # that fact): an enterprise's order news goes to its owner, never to whoever merely claims the USCC.
    verified_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    # When auth-service described the user so: an older, redelivered event must not undo a newer one.
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)


class Region(RegionCopy, db.Model):
    """auth-service's region with its path from the root, from `region.created`: a government
    webhook receives the orders whose region has the webhook's region on its path."""


class Order(db.Model):
    """order-service's order as its events last described it: which institutions have an open order
    of an enterprise, for the risk notices."""

    __tablename__ = "orders"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_no: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    institution_id: Mapped[int | None] = mapped_column(Integer)
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    product_name: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(12))
    source_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False)

    __table_args__ = (Index("ix_orders_enterprise_status", "enterprise_uscc", "status"),)


# --- what this service makes -------------------------------------------------------------------------

class Notification(db.Model):
    """One in-app message for one user, made from one event: at most one per (event, user), so a
    redelivered event never notifies twice."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # what the notice is about
    event_id: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_notifications_event_user"),
        Index("ix_notifications_user_id", "user_id", "id"),
        # The unread badge and filter read only this small part of the table.
        Index("ix_notifications_unread", "user_id", "id", postgresql_where=text("read_at IS NULL"),
              sqlite_where=text("read_at IS NULL")),
    )

    @property
    def read(self) -> bool:
        return self.read_at is not None


class Webhook(db.Model):
    """A government system's (or the platform's) subscription to order events over HTTPS.

    `region_code` is the scope: only orders of that region and below are delivered (NULL: all, for
    admin-owned webhooks). The secret is stored encrypted with WEBHOOK_SECRET_KEY."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    owner_role: Mapped[str] = mapped_column(String(20), nullable=False)
    region_code: Mapped[str | None] = mapped_column(String(12))
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    event_types: Mapped[list] = mapped_column(JSON, nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)


class WebhookDelivery(db.Model):
    """One event to send to one webhook, and how sending it went: the retry state lives here, so
    retries survive restarts and any `deliver-webhooks` replica may make the next attempt.

    `payload` is the exact body sent (and signed) at every attempt."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), nullable=False)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")  # pending|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The current round of retries (a manual redeliver starts a new one): its start and failures so far.
    round_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    round_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow)

    webhook: Mapped[Webhook] = relationship()

    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_webhook_event"),
        Index("ix_webhook_deliveries_webhook_id", "webhook_id", "id"),
        # The worker only ever looks for pending rows that are due; keep that index small.
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
    )


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass

