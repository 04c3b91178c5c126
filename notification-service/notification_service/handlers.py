"""Event type -> handler, for the events notification-service consumes.

The queue's bindings are in xyd_common.events.topology. Each handler runs inside the consumer's
transaction and never commits; raising makes the consumer roll back and redeliver the event.
"""

import logging
from datetime import timedelta

from flask import current_app

from xyd_common.events.envelope import occurred_at
from xyd_common.events.outbox import utcnow
from xyd_common.events.topology import (
    FUND_EVENTS,
    LOAN_EVENTS,
    NEED_EVENTS,
    ORDER_EVENTS,
    POLICY_EVENTS,
    PUSH_EVENTS,
    SUBSIDY_EVENTS,
)
from xyd_common.sealed import NO_SMS_CODE, InvalidToken, unseal

from . import reference, services
from .sms import CODE_TEMPLATES, masked_phone

log = logging.getLogger(__name__)


def _expired(event: dict, expires_in: int) -> bool:
    return utcnow() > occurred_at(event) + timedelta(seconds=expires_in)


def on_sms_code_requested(event: dict) -> None:
    """Text the verification code auth-service sealed for this service to the phone."""
    data = event["data"]
    phone, expires_in, event_id = data["phone"], int(data["expires_in"]), event["event_id"]
    template_id = CODE_TEMPLATES.get(data.get("purpose"), "verification_code")
    params = {"minutes": max(1, expires_in // 60)}
    log_fields = {"event_id": event_id, "phone": masked_phone(phone), "template_id": template_id}
    # A code that expired while the event waited (consumer down, broker backlog) would only confuse.
    if _expired(event, expires_in):
        log.warning("verification code expired before it could be sent", extra=log_fields)
        services.record_undeliverable(phone, template_id, params, event_id, "code expired before sending")
        return
    try:
        code = unseal(current_app.config["SMS_EVENT_KEY"], data["sealed_code"])
    except InvalidToken:
        # Redelivery cannot fix a key mismatch, and the code expires within minutes anyway.
        log.error("sealed verification code could not be opened: is SMS_EVENT_KEY the one auth-service "
                  "uses?", extra=log_fields)
        services.record_undeliverable(phone, template_id, params, event_id, "sealed code could not be opened")
        return
    if code == NO_SMS_CODE:
        return  # a phone without an account asked: auth-service did the same work, nobody gets a text
    services.send_sms(phone, template_id, {"code": code, **params}, event_id=event_id)
    log.info("verification code SMS sent", extra=log_fields)


def on_verification_decided(event: dict) -> None:
    """Tell the account holder how its enterprise verification ended, in the app and by SMS."""
    services.record_verification_decision(event)


def on_order_event(event: dict) -> None:
    """Notify, text and queue webhook deliveries for one order event."""
    services.record_order_event(event)


def on_risk_changed(event: dict) -> None:
    """Tell the institutions with an open order of the enterprise."""
    services.record_risk_change(event)


def on_application_submitted(event: dict) -> None:
    """Tell the reviewers that an institution's application to join waits for them."""
    services.record_application_submitted(event)


def on_dispute_opened(event: dict) -> None:
    """Tell the reviewers that an enterprise disputed one of its credit records."""
    services.record_dispute_opened(event)


def on_dispute_resolved(event: dict) -> None:
    """Tell the enterprise how its dispute (异议) about a credit record was decided."""
    services.record_dispute_decision(event)


def on_application_decided(event: dict) -> None:
    """Text an applying institution the decision on its application to join (申请入驻)."""
    services.record_application_decision(event)


def on_loan_event(event: dict) -> None:
    """Remind the enterprise of a due or overdue instalment; tell the institution of a non-performing
    loan; deliver every loan event to the webhooks that take it."""
    services.record_loan_event(event)


def on_policy_event(event: dict) -> None:
    """Tell the enterprises a published policy matches (its `audience`), in the app; deliver every
    policy event to the webhooks that take it."""
    services.record_policy_event(event)


def on_need_event(event: dict) -> None:
    services.record_need_event(event)


def on_push_event(event: dict) -> None:
    """推荐清单: tell the institution, the government user who pushed and the enterprise what concerns them."""
    services.record_push_event(event)


def on_instrument_event(event: dict) -> None:
    """A fund or subsidy step (loan-service): deliver it to the webhooks that take it (region-scoped)."""
    services.enqueue_deliveries(event)


HANDLERS = {
    **reference.HANDLERS,  # the copies of users (and who owns which USCC) and regions
    "auth.sms_code_requested": on_sms_code_requested,
    "auth.enterprise_verification_decided": on_verification_decided,
    **{event_type: on_order_event for event_type in ORDER_EVENTS},
    "credit.risk_changed": on_risk_changed,
    "credit.dispute_opened": on_dispute_opened,
    "credit.dispute_resolved": on_dispute_resolved,
    **dict.fromkeys(NEED_EVENTS, on_need_event),
    **dict.fromkeys(PUSH_EVENTS, on_push_event),
    "institution.application_submitted": on_application_submitted,
    "institution.application_decided": on_application_decided,
    **dict.fromkeys(LOAN_EVENTS, on_loan_event),
    **dict.fromkeys((*FUND_EVENTS, *SUBSIDY_EVENTS), on_instrument_event),
    **dict.fromkeys(POLICY_EVENTS, on_policy_event),
}
