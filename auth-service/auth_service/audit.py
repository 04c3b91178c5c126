"""The audit log of administrative and security actions, and the login log."""

import json
from dataclasses import dataclass

from .models import AuditLog, LoginLog, db


@dataclass(frozen=True)
class Actor:
    """Who acts, as the API layer saw it (the use cases never read the request)."""

    user_id: int | None
    role: str | None
    ip: str | None = None
    user_agent: str | None = None


def audit(actor: Actor, action: str, target_type: str, target_id, before: dict | None = None,
          after: dict | None = None) -> None:
    """Record an action in the caller's transaction, so it is kept exactly when the action is."""
    db.session.add(AuditLog(actor_id=actor.user_id, actor_role=actor.role, action=action,
                            target_type=target_type, target_id=None if target_id is None else str(target_id),
                            before=_json(before), after=_json(after), ip=actor.ip))


def login_attempt(phone: str, user_id: int | None, result: str, actor: Actor) -> None:
    db.session.add(LoginLog(phone=phone, user_id=user_id, result=result, ip=actor.ip,
                            user_agent=(actor.user_agent or "")[:300] or None))


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
