"""The enterprise's consent to credit reads (授权书): the published texts, each authorization's state,
and the one rule that says whether an institution may read a record under it.

An authorization is given with an order, under one version of the text. It grants access from the
submission until the order ends: at once when the order is withdrawn or terminated; after disbursement
for the post-loan period (`CREDIT_POST_LOAN_ACCESS_DAYS`); never again after the enterprise revokes it.
What an authorization covers is learnt from order events only; a financing need's consent also covers
the institutions the government pushes the need to (推荐清单), from the push until it is answered or
the need closes (need events).
"""

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from xyd_common.errors import ApiError, Conflict, NotFound
from xyd_common.events.outbox import record_event, utcnow
from xyd_common.pagination import SortKey, paginate

from .models import AuthorizationText, OrderAuthorization, OutboxMessage, PushAuthorization, db

SOURCE = "credit-service"
ACTIVE, POST_LOAN, ENDED, REVOKED = "active", "post_loan", "ended", "revoked"
ENDING_STATUSES = ("withdrawn", "terminated")


# --- the texts ---------------------------------------------------------------------------------------

def current_text() -> AuthorizationText:
    text = db.session.scalar(select(AuthorizationText).order_by(AuthorizationText.version.desc()).limit(1))
    if text is None:
        raise NotFound("尚未发布授权书")
    return text


def text_history(args: dict) -> dict:
    return paginate(db.session, select(AuthorizationText), [SortKey(AuthorizationText.version, descending=True)],
                    args)


def text_event_data(text: AuthorizationText) -> dict:
    return {"version": text.version, "digest": text.digest, "purpose": text.purpose,
            "data_categories": list(text.data_categories), "valid_days": text.valid_days,
            "published_at": text.published_at.isoformat()}


def publish_text(body: dict, published_by: str) -> AuthorizationText:
    """A new current version (the older ones stay, as authorizations name them)."""
    latest = db.session.scalar(select(func.max(AuthorizationText.version))) or 0
    text = AuthorizationText(version=latest + 1, text=body["text"], data_categories=body["data_categories"],
                             purpose=body["purpose"], valid_days=body["valid_days"],
                             digest=hashlib.sha256(body["text"].encode()).hexdigest(), published_by=published_by,
                             published_at=utcnow())
    db.session.add(text)
    db.session.flush()
    record_event(db.session, OutboxMessage, "credit.authorization_text_published", text_event_data(text), SOURCE)
    db.session.commit()
    return text


# --- an authorization's state ------------------------------------------------------------------------

def status_of(auth: OrderAuthorization, now: datetime) -> str:
    if auth.revoked_at is not None:
        return REVOKED
    if auth.status in ENDING_STATUSES:
        return ENDED
    if auth.status == "disbursed":
        return POST_LOAN if auth.access_until is not None and now < auth.access_until else ENDED
    return ACTIVE


def grants_access(auth: OrderAuthorization, now: datetime) -> bool:
    return status_of(auth, now) in (ACTIVE, POST_LOAN)


def ends_at(auth: OrderAuthorization) -> datetime | None:
    """Until when the authorization grants access; None while the order is open."""
    if auth.revoked_at is not None:
        return auth.revoked_at
    if auth.status in ENDING_STATUSES or auth.status == "disbursed":
        return auth.access_until or auth.ended_at
    return None


def post_loan_until(disbursed_at: datetime) -> datetime:
    return disbursed_at + timedelta(days=current_app.config["CREDIT_POST_LOAN_ACCESS_DAYS"])


def institution_may_read(institution_id: int | None, uscc: str, order_id: str | None = None,
                         now: datetime | None = None) -> bool:
    """Whether a live authorization of the enterprise covers the institution (through that order,
    when one is named)."""
    if institution_id is None:
        return False
    now = now or utcnow()
    stmt = select(OrderAuthorization).where(OrderAuthorization.institution_id == institution_id,
                                            OrderAuthorization.enterprise_uscc == uscc)
    if order_id is not None:
        stmt = stmt.where(OrderAuthorization.order_id == order_id)
    elif db.session.scalar(select(PushAuthorization.push_id).where(
            PushAuthorization.institution_id == institution_id, PushAuthorization.enterprise_uscc == uscc,
            PushAuthorization.ended_at.is_(None)).limit(1)) is not None:
        return True  # a need pushed to it (推荐清单), not yet answered
    return any(grants_access(auth, now) for auth in db.session.scalars(stmt))


# --- 推荐清单: a need's consent covers the institutions it is pushed to ---------------------------------

LIVE_PUSH_STATUSES = ("pending", "overdue")


def record_push(data: dict, at: datetime) -> None:
    """need.pushed / need.push_*: the push's institution may read the enterprise's record under the
    need's consent while the push waits for its answer."""
    push = db.session.get(PushAuthorization, int(data["push_id"]))
    if push is None:
        push = PushAuthorization(push_id=int(data["push_id"]), authorized_at=at)
        db.session.add(push)
    elif push.updated_at > at:
        return  # an older event arriving late
    push.need_id, push.institution_id = int(data["need_id"]), int(data["institution_id"])
    push.institution_name = data.get("institution_name")
    push.enterprise_uscc = str(data["enterprise_uscc"]).strip().upper()
    push.status, push.updated_at = data["status"], at
    push.version = (data.get("credit_authorization") or {}).get("version")
    if push.status not in LIVE_PUSH_STATUSES:
        push.ended_at = push.ended_at or at
    if push.status == "accepted":  # the need is closed for everyone: the order's authorization takes over
        end_pushes_of_need(push.need_id, at)


def end_pushes_of_need(need_id: int, at: datetime) -> None:
    """The need was claimed, expired or cancelled: its pushes grant nothing any more."""
    for push in db.session.scalars(select(PushAuthorization).where(PushAuthorization.need_id == need_id,
                                                                   PushAuthorization.ended_at.is_(None))):
        push.ended_at = at


# --- the enterprise's own view -----------------------------------------------------------------------

def authorization_item(auth: OrderAuthorization, now: datetime) -> dict:
    return {"id": auth.order_id, "order_id": auth.order_id, "order_no": auth.order_no,
            "institution_id": auth.institution_id, "institution_name": auth.institution_name,
            "version": auth.version, "status": status_of(auth, now), "accepted_at": auth.accepted_at or
            auth.authorized_at, "ends_at": ends_at(auth)}


def enterprise_authorizations(uscc: str, args: dict) -> dict:
    stmt = select(OrderAuthorization).where(OrderAuthorization.enterprise_uscc == uscc)
    page = paginate(db.session, stmt, [SortKey(OrderAuthorization.authorized_at, descending=True),
                                       SortKey(OrderAuthorization.order_id, descending=True)], args)
    now = utcnow()
    page["items"] = [authorization_item(auth, now) for auth in page["items"]]
    return page


def revoke(uscc: str, authorization_id: str, user_id: int | None) -> dict:
    """The enterprise withdraws its consent: access ends at once; order-service withdraws the order
    if it is not disbursed yet (credit.authorization_revoked)."""
    auth = db.session.get(OrderAuthorization, authorization_id)
    if auth is None or auth.enterprise_uscc != uscc:
        raise NotFound("授权记录不存在")
    now = utcnow()
    state = status_of(auth, now)
    if state == REVOKED:
        raise Conflict("already_revoked", "该授权已撤回")
    if state == ENDED:
        raise ApiError(409, "authorization_ended", "该授权已结束，无需撤回")
    auth.revoked_at = now
    auth.updated_at = now
    record_event(db.session, OutboxMessage, "credit.authorization_revoked", {
        # Kept as text here (String(36)); order ids are integers in every event (docs/asyncapi.yaml).
        "order_id": int(auth.order_id), "uscc": uscc, "institution_id": auth.institution_id, "revoked_by": user_id,
        "revoked_at": now.isoformat()}, SOURCE)
    db.session.commit()
    return authorization_item(auth, now)


def institution_names(institution_ids) -> dict[int, str]:
    """Names of institutions as their orders told this service."""
    ids = {i for i in institution_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(OrderAuthorization.institution_id, OrderAuthorization.institution_name)
                              .where(OrderAuthorization.institution_id.in_(ids),
                                     OrderAuthorization.institution_name.is_not(None))).all()
    return {institution_id: name for institution_id, name in rows}
