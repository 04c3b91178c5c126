"""The audit log of administrative and security actions (xyd_common.audit), and the login log."""

from xyd_common.audit import Actor, record_audit

from .models import AuditLog, LoginLog, db

__all__ = ["Actor", "audit", "login_attempt"]


def audit(actor: Actor, action: str, target_type: str, target_id, before: dict | None = None,
          after: dict | None = None) -> None:
    """Record an action in the caller's transaction, so it is kept exactly when the action is."""
    record_audit(db.session, AuditLog, actor, action, target_type, target_id, before, after)


def login_attempt(phone: str, user_id: int | None, result: str, actor: Actor) -> None:
    db.session.add(LoginLog(phone=phone, user_id=user_id, result=result, ip=actor.ip,
                            user_agent=(actor.user_agent or "")[:300] or None))
