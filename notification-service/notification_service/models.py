"""notification-service tables: SMS sent (or given up on), handled events, and the outbox."""

from datetime import datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xyd_common.db_types import UtcDateTime
from xyd_common.events.consumer import ProcessedEventMixin
from xyd_common.events.outbox import OutboxMixin, utcnow

db = SQLAlchemy()


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


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class OutboxMessage(OutboxMixin, db.Model):
    pass
