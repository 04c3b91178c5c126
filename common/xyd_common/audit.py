"""The audit log of administrative actions, the same shape in every service that keeps one.

A service's `AuditLog` model takes `AuditLogMixin`; its use cases call `audit(...)` in the transaction of
the action, so a row is kept exactly when the action is. Who acted comes in as an `Actor` the API layer
built (`request_actor()`): use cases never read the request.
"""

import json
from dataclasses import dataclass
from datetime import datetime

import marshmallow as ma
from flask import request
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .db_types import UtcDateTime
from .events.outbox import utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts, as the API layer saw it (the use cases never read the request). A job acting on its own
    (no user) is `Actor(None, "system")`."""

    user_id: int | None
    role: str | None
    ip: str | None = None
    user_agent: str | None = None


SYSTEM = Actor(None, "system")


def request_actor(identity) -> Actor:
    """The caller of the current request: its identity (when logged in), IP and user agent."""
    return Actor(identity.user_id if identity else None, identity.role if identity else None,
                 request.remote_addr, request.headers.get("User-Agent"))


class AuditLogMixin:
    """An administrative action: who did what to which object, with the object before and after."""

    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    target_type: Mapped[str] = mapped_column(String(30), nullable=False)
    target_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), nullable=False, default=utcnow, index=True)


def audit_json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def record_audit(session, model, actor: Actor, action: str, target_type: str, target_id,
                 before: dict | None = None, after: dict | None = None) -> None:
    """Add an audit row of `model` (an `AuditLogMixin` model) to `session`, in the caller's transaction."""
    session.add(model(actor_id=actor.user_id, actor_role=actor.role, action=action, target_type=target_type,
                      target_id=None if target_id is None else str(target_id), before=audit_json(before),
                      after=audit_json(after), ip=actor.ip))


class AuditLogSchema(ma.Schema):
    """An audit row as the API shows it: `before` and `after` as the JSON objects they were."""

    id = ma.fields.Integer()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_role = ma.fields.String(allow_none=True)
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String(allow_none=True)
    before = ma.fields.Method("_before")
    after = ma.fields.Method("_after")
    ip = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()

    def _before(self, obj):
        return json.loads(obj.before) if obj.before else None

    def _after(self, obj):
        return json.loads(obj.after) if obj.after else None
