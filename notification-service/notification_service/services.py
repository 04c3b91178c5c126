"""notification-service use cases.

Called from event handlers, they add their rows to the session and leave the commit to the event
consumer, which commits them together with the handled event's id (so a redelivery sends nothing twice).
"""

import json

from flask import current_app
from sqlalchemy import select

from xyd_common.errors import NotFound

from .models import SmsMessage, db
from .sms import masked, masked_text, render, sms_provider

DEV_SMS_LIMIT = 100


def send_sms(phone: str, template_id: str, params: dict, event_id: str | None = None) -> SmsMessage:
    """Send one SMS through the configured provider and record it. Raises SmsTemplateError (nothing
    sent) or SmsDeliveryError (the gateway failed; the caller's transaction should roll back)."""
    provider = sms_provider()
    text = render(template_id, params)  # a bad template or missing parameter fails before sending
    provider.send(phone, template_id, params)
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


def console_sms(phone: str | None = None) -> list[SmsMessage]:
    """The newest SMS the console provider printed, optionally for one phone. Exists only while
    SMS_PROVIDER=console: with a real gateway nobody may read codes back."""
    if current_app.config["SMS_PROVIDER"] != "console":
        raise NotFound()
    query = select(SmsMessage).where(SmsMessage.provider == "console", SmsMessage.status == "sent")
    if phone is not None:
        query = query.where(SmsMessage.phone == phone)
    query = query.order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(DEV_SMS_LIMIT)
    return list(db.session.scalars(query))
