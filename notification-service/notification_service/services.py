"""notification-service use cases.

Those called from event handlers add their rows to the session and leave the commit to the event
consumer, which commits them together with the handled event's id (so a redelivery sends nothing
twice). Those called from the HTTP layer commit themselves.
"""

import json
import logging

from flask import current_app
from sqlalchemy import delete, func, select, update

from xyd_common.errors import ApiError, NotFound, ValidationFailed
from xyd_common.events.envelope import occurred_at
from xyd_common.events.outbox import utcnow
from xyd_common.metrics import SMS_MESSAGES
from xyd_common.pagination import SortKey, paginate
from xyd_common.tokens import Identity

from . import reference, webhooks
from .models import Notification, SmsMessage, User, Webhook, WebhookDelivery, db
from .notices import (
    ENTERPRISE_ORDER_EVENTS,
    INSTITUTION_LOAN_EVENTS,
    INSTITUTION_ORDER_EVENTS,
    Notice,
    application_review_notice,
    application_sms,
    dispute_notice,
    dispute_review_notice,
    dispute_sms,
    loan_notice,
    loan_sms,
    need_notice,
    order_notice,
    order_sms,
    policy_notice,
    push_notice,
    push_sms,
    risk_notice,
    urge_sms,
    verification_notice,
    verification_sms,
)
from .sms import SmsDeliveryError, masked, masked_phone, masked_text, render, sms_provider

log = logging.getLogger(__name__)

DEV_SMS_LIMIT = 100
WEBHOOKS_PER_OWNER = 20


# --- SMS ---------------------------------------------------------------------------------------------

def send_sms(phone: str, template_id: str, params: dict, event_id: str | None = None) -> SmsMessage:
    """Send one SMS through the configured provider and record it. Raises SmsTemplateError (nothing
    sent) or SmsDeliveryError (the gateway failed; the caller's transaction should roll back)."""
    provider = sms_provider()
    text = render(template_id, params)  # a bad template or missing parameter fails before sending
    try:
        provider.send(phone, template_id, params)
    except SmsDeliveryError:
        SMS_MESSAGES.labels("failed").inc()
        raise
    SMS_MESSAGES.labels("sent").inc()
    if not provider.keeps_secrets:
        params, text = masked(params), masked_text(template_id, params)
    message = SmsMessage(phone=phone, template_id=template_id, params=json.dumps(params, ensure_ascii=False),
                         text=text, provider=provider.name, status="sent", event_id=event_id)
    db.session.add(message)
    return message


def record_undeliverable(phone: str, template_id: str, params: dict, event_id: str | None,
                         error: str) -> SmsMessage:
    """Record an SMS that will never be sent (retrying cannot help), so operators can see it."""
    message = SmsMessage(phone=phone, template_id=template_id,
                         params=json.dumps(masked(params), ensure_ascii=False),
                         text=masked_text(template_id, params), provider=sms_provider().name,
                         status="failed", error=error, event_id=event_id)
    db.session.add(message)
    return message


def console_sms(phone: str) -> list[SmsMessage]:
    """The newest SMS the console provider printed for one phone. Exists only while
    SMS_PROVIDER=console: with a real gateway nobody may read codes back."""
    if current_app.config["SMS_PROVIDER"] != "console":
        raise NotFound()
    query = select(SmsMessage).where(SmsMessage.provider == "console", SmsMessage.status == "sent",
                                     SmsMessage.phone == phone)
    query = query.order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(DEV_SMS_LIMIT)
    return list(db.session.scalars(query))


# --- what events make (called by handlers; the consumer commits) -------------------------------------

def notify(user_ids, notice: Notice, event_id: str) -> list[Notification]:
    """One notification per user for this event (the table's unique key keeps it at one)."""
    rows = []
    for user_id in dict.fromkeys(_user_ids(user_ids)):
        row = Notification(user_id=user_id, kind=notice.kind, title=notice.title, body=notice.body,
                           data=notice.data, event_id=event_id)
        db.session.add(row)
        rows.append(row)
    return rows


def _user_ids(values) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue  # no user to notify (an event without applicant_user_id, say)
    return ids


def _enterprise_recipients(data: dict) -> tuple[list[int], list[str]]:
    """Who hears about the enterprise's order: the applicant and the enterprise's active users; and
    the phones to text (the applicant's, else every enterprise user's)."""
    applicant = reference.user(data.get("applicant_user_id"))
    users = reference.enterprise_users(data.get("enterprise_uscc"))
    ids = [data.get("applicant_user_id"), *(u.id for u in users)]
    if applicant is not None and applicant.status == "active" and applicant.phone:
        phones = [applicant.phone]
    else:
        phones = [u.phone for u in users if u.phone]
    return ids, list(dict.fromkeys(phones))


def _text_enterprise(event: dict, phones: list[str]) -> None:
    sms = order_sms(event["event_type"], event["data"])
    if sms is None:
        return
    template_id, params = sms
    if not phones:
        log.warning("no phone known for the enterprise of order %s; no SMS sent",
                    event["data"].get("order_no"), extra={"event_id": event["event_id"]})
        return
    for phone in phones:
        # A failure is recorded, not raised: a redelivery of the event would also hold back its
        # notifications and webhook deliveries, and past the queue's delivery limit lose them.
        _send_or_record(phone, template_id, params, event["event_id"])


def record_order_event(event: dict) -> None:
    """An order event: keep the order's status, notify the institution or the enterprise, text the
    enterprise about the important steps, and queue a delivery to every webhook that takes it."""
    event_type, data, event_id = event["event_type"], event["data"], event["event_id"]
    reference.track_order(data, occurred_at(event))
    notice = order_notice(event_type, data)
    if notice is not None and event_type in INSTITUTION_ORDER_EVENTS:
        notify(reference.institution_user_ids(data.get("institution_id")), notice, event_id)
        if event_type == "order.urged":
            template_id, params = urge_sms(data)
            for phone in reference.institution_phones(data.get("institution_id")):
                _send_or_record(phone, template_id, params, event_id)
    elif notice is not None and event_type in ENTERPRISE_ORDER_EVENTS:
        user_ids, phones = _enterprise_recipients(data)
        notify(user_ids, notice, event_id)
        _text_enterprise(event, phones)
    enqueue_deliveries(event)


def _send_or_record(phone: str, template_id: str, params: dict, event_id: str) -> None:
    try:
        send_sms(phone, template_id, params, event_id=event_id)
    except SmsDeliveryError as exc:
        # Not raised on: a redelivery would hold back the in-app notice too. The provider already
        # retried; the failure is kept for operators.
        log.error("SMS could not be sent: %s", exc,
                  extra={"event_id": event_id, "phone": masked_phone(phone), "template_id": template_id})
        record_undeliverable(phone, template_id, params, event_id, str(exc))


def record_verification_decision(event: dict) -> None:
    """An enterprise verification was decided: tell the account holder in the app and by SMS."""
    data, event_id = event["data"], event["event_id"]
    notify([data.get("user_id")], verification_notice(data), event_id)
    user = reference.user(data.get("user_id"))
    if user is None or not user.phone:
        log.warning("no phone known for user %s; verification SMS not sent", data.get("user_id"),
                    extra={"event_id": event_id})
        return
    template_id, params = verification_sms(data)
    _send_or_record(user.phone, template_id, params, event_id)


def record_application_decision(event: dict) -> None:
    """An institution's application to join (申请入驻) was decided: text its contact phone (the
    applicant has no account to be notified in the app before approval)."""
    data, event_id = event["data"], event["event_id"]
    phone = data.get("contact_phone")
    if not phone:
        log.warning("application %s has no contact phone; decision SMS not sent", data.get("application_id"),
                    extra={"event_id": event_id})
        return
    template_id, params = application_sms(data)
    _send_or_record(phone, template_id, params, event_id)


def record_application_submitted(event: dict) -> None:
    """An institution applied to join: tell the reviewers of its region (admins, its government)."""
    data = event["data"]
    notify(reference.reviewer_ids(data.get("region_code")), application_review_notice(data), event["event_id"])


def record_dispute_opened(event: dict) -> None:
    """An enterprise disputed a credit record: tell the reviewers of the enterprise's region (its
    verified users' region; the admins alone when that is not known here)."""
    data = event["data"]
    region = next((u.region_code for u in reference.enterprise_users(data.get("uscc")) if u.region_code), None)
    notify(reference.reviewer_ids(region), dispute_review_notice(data), event["event_id"])


def record_dispute_decision(event: dict) -> None:
    """A dispute about a credit record was decided: tell the enterprise's verified users."""
    data, event_id = event["data"], event["event_id"]
    users = reference.enterprise_users(data.get("uscc"))
    notify([u.id for u in users], dispute_notice(data), event_id)
    template_id, params = dispute_sms(data)
    for phone in dict.fromkeys(u.phone for u in users if u.phone):
        _send_or_record(phone, template_id, params, event_id)


def record_need_event(event: dict) -> None:
    """A financing-need event: tell the institutions serving it (posted) or the enterprise (claimed),
    and queue deliveries to the webhooks that take it (region-scoped like orders)."""
    event_type, data, event_id = event["event_type"], event["data"], event["event_id"]
    notice = need_notice(event_type, data)
    if notice is not None and event_type == "need.posted":
        users = [uid for institution_id in data.get("institution_ids") or []
                 for uid in reference.institution_user_ids(institution_id)]
        notify(users, notice, event_id)
    elif notice is not None and event_type == "need.claimed":
        notify([u.id for u in reference.enterprise_users(data.get("enterprise_uscc"))], notice, event_id)
    enqueue_deliveries(event)


def record_push_event(event: dict) -> None:
    """A 推荐清单 event: tell the institution of a new push (in the app and by SMS) and of one past its
    date; tell the government user who pushed it of the answer and of the passed date; tell the
    enterprise its need was accepted; queue deliveries to the webhooks that take it (region-scoped)."""
    event_type, data, event_id = event["event_type"], event["data"], event["event_id"]
    notice = push_notice(event_type, data)
    institution_users = reference.institution_user_ids(data.get("institution_id"))
    if event_type == "need.pushed":
        notify(institution_users, notice, event_id)
        template_id, params = push_sms(data)
        for phone in reference.institution_phones(data.get("institution_id")):
            _send_or_record(phone, template_id, params, event_id)
    elif event_type == "need.push_overdue":
        notify([*institution_users, data.get("pushed_by")], notice, event_id)
    elif event_type == "need.push_accepted":
        notify([data.get("pushed_by"), *(u.id for u in reference.enterprise_users(data.get("enterprise_uscc")))],
               notice, event_id)
    elif event_type == "need.push_declined":
        notify([data.get("pushed_by")], notice, event_id)
    enqueue_deliveries(event)


def record_loan_event(event: dict) -> None:
    """A loan event: remind the enterprise's verified users of an instalment due in three days or
    overdue, in the app and by SMS; tell the institution's users when its loan becomes non-performing;
    and queue a delivery to every webhook that takes it (region-scoped like orders)."""
    enqueue_deliveries(event)
    event_type, data, event_id = event["event_type"], event["data"], event["event_id"]
    order = reference.tracked_order(data.get("order_id"))
    product_name = order.product_name if order is not None else None
    enterprise_name = order.enterprise_name if order is not None else None
    notice = loan_notice(event_type, data, product_name, enterprise_name)
    if notice is None:
        return
    if event_type in INSTITUTION_LOAN_EVENTS:
        notify(reference.institution_user_ids(data.get("institution_id")), notice, event_id)
        return
    users = reference.enterprise_users(data.get("enterprise_uscc"))
    notify([u.id for u in users], notice, event_id)
    template_id, params = loan_sms(event_type, data, product_name)
    phones = list(dict.fromkeys(u.phone for u in users if u.phone))
    if not phones:
        log.warning("no phone known for the enterprise of loan %s; no SMS sent", data.get("loan_id"),
                    extra={"event_id": event_id})
    for phone in phones:
        _send_or_record(phone, template_id, params, event_id)


def record_policy_event(event: dict) -> None:
    """A policy event: every one to the webhooks that take it; a published policy also to the active
    verified users of each enterprise it matches (product-service lists them as `audience`)."""
    enqueue_deliveries(event)
    if event["event_type"] != "policy.published":
        return
    data = event["data"]
    users = reference.enterprises_users(data.get("audience") or [])
    notify([u.id for u in users], policy_notice(data), event["event_id"])


def record_risk_change(event: dict) -> None:
    """An enterprise's risk level changed: tell every institution with an open order of it."""
    data = event["data"]
    by_institution: dict[int, list] = {}
    for order in reference.open_orders_of(str(data.get("uscc"))):
        if order.institution_id is not None:
            by_institution.setdefault(order.institution_id, []).append(order)
    for institution_id, orders in by_institution.items():
        name = next((o.enterprise_name for o in orders if o.enterprise_name), None)
        notice = risk_notice(data, name, [o.order_no or o.id for o in orders])
        notify(reference.institution_user_ids(institution_id), notice, event["event_id"])


def enqueue_deliveries(event: dict) -> list[WebhookDelivery]:
    """A pending delivery of the event to every webhook that takes its type and region. The body is
    fixed here, so every attempt sends (and signs) the same bytes."""
    event_type, data = event["event_type"], event["data"]
    candidates = [w for w in db.session.scalars(select(Webhook).order_by(Webhook.id))
                  if webhooks.matches(w.event_types, event_type)]
    if not candidates:
        return []
    owners = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({w.owner_id for w in candidates})))}
    path = reference.region_path(data.get("region_code"))
    payload = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    now = utcnow()
    rows = []
    for webhook in candidates:
        owner = owners.get(webhook.owner_id)
        if owner is not None and owner.status != "active":
            continue  # a disabled account's subscription rests until it is enabled again
        if webhook.region_code is not None and webhook.region_code not in path:
            continue
        row = WebhookDelivery(webhook_id=webhook.id, event_id=event["event_id"], event_type=event_type,
                              payload=payload, status="pending", next_attempt_at=now)
        db.session.add(row)
        rows.append(row)
    return rows


# --- in-app notifications ----------------------------------------------------------------------------

def list_notifications(user_id: int, args: dict) -> dict:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if args.get("unread") is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif args.get("unread") is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    return paginate(db.session, stmt, [SortKey(Notification.id, descending=True)], args)


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None)))


def mark_read(user_id: int, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (once: reading it again keeps the first time)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound("通知不存在")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = db.session.execute(update(Notification)
                                .where(Notification.user_id == user_id, Notification.read_at.is_(None))
                                .values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount


# --- webhooks ----------------------------------------------------------------------------------------

def _visible_webhooks(identity: Identity):
    """Admin sees every webhook; a government user only its own."""
    stmt = select(Webhook)
    if identity.role != "admin":
        stmt = stmt.where(Webhook.owner_id == identity.user_id)
    return stmt


def get_webhook(identity: Identity, webhook_id: int) -> Webhook:
    webhook = db.session.scalar(_visible_webhooks(identity).where(Webhook.id == webhook_id))
    if webhook is None:
        raise NotFound("订阅不存在")
    return webhook


def create_webhook(identity: Identity, body: dict) -> tuple[Webhook, str]:
    """Register a webhook; returns it with its secret, which is shown this once and kept encrypted."""
    config = current_app.config
    errors = {}
    try:
        webhooks.check_url(body["url"], config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"])
    except webhooks.UnsafeUrl as exc:
        errors["url"] = [str(exc)]
    event_types = list(dict.fromkeys(body["event_types"]))
    unknown = webhooks.unknown_event_types(event_types)
    if unknown:
        errors["event_types"] = [f"不支持的事件类型：{'、'.join(unknown)}（只能订阅订单事件，如 order.* 或 "
                                 f"order.accepted）"]
    region_code = None
    if identity.role == "government":
        region_code = identity.region_code
        if not region_code:
            raise ApiError(403, "forbidden", "账号未绑定行政区，不能订阅")
    if errors:
        raise ValidationFailed(errors)
    owned = db.session.scalar(select(func.count()).select_from(Webhook).where(Webhook.owner_id == identity.user_id))
    if owned >= WEBHOOKS_PER_OWNER:
        raise ApiError(409, "webhook_limit_reached", f"每个账号最多 {WEBHOOKS_PER_OWNER} 个订阅")
    secret = webhooks.new_secret()
    webhook = Webhook(owner_id=identity.user_id, owner_role=identity.role, region_code=region_code,
                      url=body["url"].strip(), event_types=event_types, description=body.get("description") or "",
                      secret_encrypted=webhooks.encrypt_secret(config["WEBHOOK_SECRET_KEY"], secret))
    db.session.add(webhook)
    db.session.commit()
    log.info("webhook %s registered", webhook.id, extra={"owner_id": identity.user_id})
    return webhook, secret


def list_webhooks(identity: Identity, args: dict) -> dict:
    return paginate(db.session, _visible_webhooks(identity), [SortKey(Webhook.id, descending=True)], args)


def delete_webhook(identity: Identity, webhook_id: int) -> None:
    """Remove a webhook with its delivery log; nothing more is sent to it (an attempt already on its
    way finishes)."""
    webhook = get_webhook(identity, webhook_id)
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id))
    db.session.delete(webhook)
    db.session.commit()
    log.info("webhook %s deleted", webhook_id, extra={"by": identity.user_id})


def list_deliveries(identity: Identity, webhook_id: int, args: dict) -> dict:
    webhook = get_webhook(identity, webhook_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    if args.get("status"):
        stmt = stmt.where(WebhookDelivery.status == args["status"])
    return paginate(db.session, stmt, [SortKey(WebhookDelivery.id, descending=True)], args)


def redeliver(identity: Identity, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again as soon as a worker is free, with a new round of retries if it fails."""
    webhook = get_webhook(identity, webhook_id)
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                                               WebhookDelivery.webhook_id == webhook.id))
    if delivery is None:
        raise NotFound("投递记录不存在")
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    delivery.round_started_at = None
    delivery.round_failures = 0
    db.session.commit()
    return delivery
