"""The webhook worker (`flask deliver-webhooks`): sends due deliveries and schedules the retries.

Every step's state is in `webhook_deliveries`, so the worker keeps no memory: it can be restarted or
run as several replicas. A due delivery is claimed in a short transaction (on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so two replicas never take the same row) by pushing its `next_attempt_at`
past the time the attempt may take (a lease); the POST happens outside any transaction; the outcome
is written afterwards. A worker that dies mid-attempt leaves the lease to run out, and another worker
tries again. Delivery is therefore at least once.
"""

import logging
import math
import threading
import time
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from xyd_common.events.amqp import Backoff
from xyd_common.events.outbox import utcnow
from xyd_common.metrics import HEARTBEAT, WEBHOOK_DELIVERIES, ScrapeGauges

from .models import WebhookDelivery, db
from .webhooks import InvalidToken, Outcome, WebhookSender, decrypt_secret, signed_headers

log = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 30


def retry_delay(config, failures: int) -> float:
    """Seconds before the next try after `failures` failed attempts in a row: the base, doubling,
    capped."""
    base = config["WEBHOOK_RETRY_BASE_SECONDS"]
    cap = config["WEBHOOK_RETRY_MAX_DELAY_SECONDS"]
    exponent = max(0, failures - 1)
    # 2**exponent grows without bound; past the cap the exact value no longer matters.
    if exponent > 60 or base * math.pow(2, exponent) > cap:
        return cap
    return base * 2 ** exponent


class WebhookDispatcher:
    """Sends the app's due webhook deliveries, one at a time, until stopped."""

    def __init__(self, app: Flask, sender: WebhookSender | None = None):
        self.app = app
        config = app.config
        self.sender = sender or WebhookSender(config["WEBHOOK_TIMEOUT_SECONDS"],
                                              config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"])
        self.poll_seconds = config["WEBHOOK_POLL_SECONDS"]
        self.lease = timedelta(seconds=config["WEBHOOK_TIMEOUT_SECONDS"] + LEASE_MARGIN_SECONDS)

    def run(self, stop: threading.Event) -> None:
        backoff = Backoff()
        log.info("webhook worker started")
        while not stop.is_set():
            HEARTBEAT.beat()
            try:
                sent = self.deliver_due(stop=stop)
                backoff.reset()
                if sent == 0:
                    stop.wait(self.poll_seconds)
            except Exception:  # the database is down, say: log it, back off, go on
                log.exception("webhook worker failed; retrying")
                stop.wait(backoff.next())

    def deliver_due(self, now: datetime | None = None, stop: threading.Event | None = None,
                    limit: int | None = None) -> int:
        """Attempt every delivery due at `now` (default: the clock); returns how many were attempted."""
        attempted = 0
        while (stop is None or not stop.is_set()) and (limit is None or attempted < limit):
            delivery_id = self.claim(now)
            if delivery_id is None:
                break
            self.attempt(delivery_id, now)
            attempted += 1
            HEARTBEAT.beat()  # a long backlog is work, not a stuck worker
        return attempted

    def claim(self, now: datetime | None = None) -> int | None:
        """Take one due delivery for this worker (its next attempt moved past the lease); its id."""
        now = now or utcnow()
        with self.app.app_context():
            session = db.session
            delivery = session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(1).with_for_update(skip_locked=True, of=WebhookDelivery)
            ).first()
            if delivery is None:
                session.rollback()
                return None
            delivery.next_attempt_at = now + self.lease
            session.commit()
            return delivery.id

    def attempt(self, delivery_id: int, now: datetime | None = None) -> Outcome | None:
        """POST one claimed delivery and record how it went."""
        with self.app.app_context():
            delivery = db.session.get(WebhookDelivery, delivery_id)
            if delivery is None:  # its webhook was deleted meanwhile
                db.session.rollback()
                return None
            webhook = delivery.webhook
            webhook_id, url = webhook.id, webhook.url
            body, event_id, event_type = delivery.payload.encode("utf-8"), delivery.event_id, delivery.event_type
            try:
                secret = decrypt_secret(self.app.config["WEBHOOK_SECRET_KEY"], webhook.secret_encrypted)
            except InvalidToken:
                secret = None
            # No transaction stays open while the receiver takes its time.
            db.session.rollback()

        if secret is None:
            log.error("webhook %s: its secret cannot be decrypted with WEBHOOK_SECRET_KEY", webhook_id)
            outcome = Outcome(None, "签名密钥无法解密，请联系平台运维")
        else:
            timestamp = int(time.time())
            headers = signed_headers(secret, event_id, event_type, timestamp, body, delivery_id)
            outcome = self.sender.post(url, body, headers)
        self.record(delivery_id, outcome, now)
        return outcome

    def record(self, delivery_id: int, outcome: Outcome, now: datetime | None = None) -> None:
        now = now or utcnow()
        config = self.app.config
        with self.app.app_context():
            delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
            if delivery is None:
                db.session.rollback()
                return
            delivery.attempts += 1
            delivery.last_attempt_at = now
            delivery.last_status_code = outcome.status_code
            delivery.last_error = outcome.error
            if delivery.round_started_at is None:
                delivery.round_started_at = now
            if outcome.delivered:
                WEBHOOK_DELIVERIES.labels("delivered").inc()
                delivery.status = "delivered"
                delivery.delivered_at = now
                delivery.next_attempt_at = None
                log.info("webhook delivery %s delivered", delivery_id,
                         extra={"event_id": delivery.event_id, "attempts": delivery.attempts})
            else:
                delivery.round_failures += 1
                retrying_for = (now - delivery.round_started_at).total_seconds()
                if retrying_for >= config["WEBHOOK_RETRY_WINDOW_SECONDS"]:
                    WEBHOOK_DELIVERIES.labels("failed").inc()
                    delivery.status = "failed"
                    delivery.next_attempt_at = None
                    log.warning("webhook delivery %s failed for good: %s", delivery_id, outcome.error,
                                extra={"event_id": delivery.event_id, "attempts": delivery.attempts})
                else:
                    WEBHOOK_DELIVERIES.labels("retrying").inc()
                    delay = retry_delay(config, delivery.round_failures)
                    delivery.next_attempt_at = now + timedelta(seconds=delay)
                    log.info("webhook delivery %s failed (%s); next attempt in %ss", delivery_id,
                             outcome.error, round(delay, 1), extra={"event_id": delivery.event_id})
            db.session.commit()


def webhook_gauges(app: Flask) -> ScrapeGauges:
    """Deliveries waiting for their first attempt and those waiting for a retry, read when scraped."""

    def read() -> dict:
        with app.app_context():
            try:
                rows = db.session.execute(
                    select(WebhookDelivery.attempts > 0, func.count())
                    .where(WebhookDelivery.status == "pending").group_by(WebhookDelivery.attempts > 0)
                ).all()
            finally:
                db.session.remove()
        counts = {"first_attempt": 0, "retry": 0}
        for retrying, count in rows:
            counts["retry" if retrying else "first_attempt"] += count
        return {"xyd_webhook_deliveries_pending": (
            "Webhook deliveries not yet delivered, by whether they await a retry", ["waiting_for"],
            [((name,), value) for name, value in counts.items()])}

    return ScrapeGauges(read)
