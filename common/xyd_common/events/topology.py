"""The broker topology, declared from this one table by every relay and consumer.

- `xyd.events` (EVENTS_EXCHANGE): durable topic exchange, routing key = event type.
- `xyd.unrouted`: its alternate exchange (fanout) and a queue of the same name, so an event nobody
  subscribes to yet is kept, not lost and not retried forever.
- One quorum queue per consuming service, bound to the keys that service handles. A handler that keeps
  failing is redelivered at most DELIVERY_LIMIT times, then RabbitMQ dead-letters the message through
  `xyd.dlx` to `<queue>.dlq`, where an operator can look at it.

Queue arguments are decided once: RabbitMQ refuses to redeclare a queue with other arguments
(PRECONDITION_FAILED), so changing DELIVERY_LIMIT on a running broker means a new queue name.
"""

from dataclasses import dataclass

UNROUTED = "xyd.unrouted"
DEAD_LETTER_EXCHANGE = "xyd.dlx"
DELIVERY_LIMIT = 5


@dataclass(frozen=True)
class QueueSpec:
    name: str
    bindings: tuple[str, ...]


# Who listens to what. A service's consumer handles exactly these keys (see its handlers.py).
ORDER_EVENTS = ("order.submitted", "order.accepted", "order.credit_granted", "order.disbursed",
                "order.terminated", "order.withdrawn", "order.accept_overdue", "order.urged",
                "order.returned", "order.resubmitted")
INSTITUTION_EVENTS = ("institution.created", "institution.updated", "institution.disabled",
                      "institution.enabled")
PRODUCT_EVENTS = ("product.published", "product.updated", "product.disabled", "product.enabled")
USER_EVENTS = ("auth.user_created", "auth.user_updated")
# 企业认证: who owns a USCC (the only source of that fact), and each request's decision.
VERIFICATION_EVENTS = ("auth.enterprise_verified", "auth.enterprise_verification_decided")
# 申请入驻: an institution's application to join and its decision (the applicant is texted the result).
APPLICATION_EVENTS = ("institution.application_submitted", "institution.application_decided")
CREDIT_EVENTS = ("credit.risk_changed", "credit.whitelist_changed")
# Financing needs (融资需求) that institutions claim.
# 推荐清单: a need the government pushed to an institution, and the institution's answer.
PUSH_EVENTS = ("need.pushed", "need.push_accepted", "need.push_declined", "need.push_overdue")
CLOSING_NEED_EVENTS = ("need.claimed", "need.expired", "need.cancelled")
NEED_EVENTS = ("need.posted", *CLOSING_NEED_EVENTS, *PUSH_EVENTS)
# Loans after disbursement (loan-service): government systems and webhooks subscribe to them as to orders.
LOAN_EVENTS = ("loan.opened", "loan.repayment_recorded", "loan.instalment_due_soon", "loan.overdue",
               "loan.recovered", "loan.non_performing", "loan.settled", "loan.written_off")
# Government instruments (loan-service): risk compensation funds with their claims, interest subsidies.
# Government systems and webhooks subscribe to them as to loans (region-scoped).
FUND_EVENTS = ("fund.created", "fund.topped_up", "fund.closed", "fund.claim_submitted", "fund.claim_approved",
               "fund.claim_rejected", "fund.claim_paid", "fund.claim_withdrawn")
SUBSIDY_EVENTS = ("subsidy.program_created", "subsidy.application_submitted", "subsidy.application_approved",
                  "subsidy.application_rejected", "subsidy.application_paid")
# The claims counted on the institutions' scorecards (order-service).
CLAIM_EVENTS = ("fund.claim_submitted",)
# 政策资讯 (product-service): the portal's policies; notification-service tells the matching enterprises of a
# published one and delivers all three to webhooks, region-scoped like orders.
POLICY_EVENTS = ("policy.published", "policy.updated", "policy.withdrawn")
# The enterprise's consent to credit reads (授权书): the current text's version, and revocations.
CONSENT_EVENTS = ("credit.authorization_text_published", "credit.authorization_revoked")
# The steps that change a loan's status or outstanding principal: order-service's copy follows them
# (the scorecards' non-performing ratio).
LOAN_BALANCE_EVENTS = tuple(e for e in LOAN_EVENTS if e != "loan.instalment_due_soon")

# Who listens to what. A service's consumer handles exactly these keys (see its handlers.py); keys are
# listed one by one (no wildcards) so that a handler without a binding is caught at start.
QUEUES: dict[str, QueueSpec] = {
    "product-service": QueueSpec("product-service.events", (
        "region.created", *INSTITUTION_EVENTS, "order.submitted", "order.accepted", "credit.whitelist_changed",
        "auth.enterprise_verified", "order.disbursed", "fund.created", "subsidy.program_created",
    )),
    "order-service": QueueSpec("order-service.events", (
        "region.created", *INSTITUTION_EVENTS, *PRODUCT_EVENTS, *USER_EVENTS, "auth.enterprise_verified",
        *CREDIT_EVENTS, *CONSENT_EVENTS, *LOAN_BALANCE_EVENTS, *CLAIM_EVENTS,
    )),
    "credit-service": QueueSpec("credit-service.events", (
        "region.created", *ORDER_EVENTS, "loan.non_performing", "loan.written_off", "loan.settled",
        *PUSH_EVENTS, *CLOSING_NEED_EVENTS,
    )),
    "notification-service": QueueSpec("notification-service.events", (
        "auth.sms_code_requested", "region.created", *USER_EVENTS, *VERIFICATION_EVENTS, *ORDER_EVENTS,
        "credit.risk_changed", "credit.dispute_opened", "credit.dispute_resolved", *NEED_EVENTS,
        "institution.application_submitted", "institution.application_decided", *LOAN_EVENTS,
        *FUND_EVENTS, *SUBSIDY_EVENTS, *POLICY_EVENTS,
    )),
    "loan-service": QueueSpec("loan-service.events", (
        "region.created", *INSTITUTION_EVENTS, *PRODUCT_EVENTS, "order.disbursed", "credit.whitelist_changed",
    )),
}


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


def declare_topology(channel, exchange: str) -> None:
    """Declare the exchanges, every service queue with its bindings, the DLX and the DLQs.

    Every declaration is idempotent, so relays and consumers call this on each (re)connect."""
    channel.exchange_declare(UNROUTED, exchange_type="fanout", durable=True)
    channel.queue_declare(UNROUTED, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(UNROUTED, UNROUTED)
    channel.exchange_declare(exchange, exchange_type="topic", durable=True,
                             arguments={"alternate-exchange": UNROUTED})
    channel.exchange_declare(DEAD_LETTER_EXCHANGE, exchange_type="direct", durable=True)
    for spec in QUEUES.values():
        dlq = dead_letter_queue(spec.name)
        channel.queue_declare(dlq, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(dlq, DEAD_LETTER_EXCHANGE, routing_key=spec.name)
        channel.queue_declare(spec.name, durable=True, arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": spec.name,
        })
        for key in spec.bindings:
            channel.queue_bind(spec.name, exchange, routing_key=key)
