"""Event type -> handler, for the events loan-service consumes: `order.disbursed` opens a loan, and its
copies of regions, institutions and products (reference.py).

The queue's bindings are in xyd_common.events.topology. Each handler runs inside the consumer's
transaction and never commits; raising makes the consumer roll back and redeliver the event. A
redelivered `order.disbursed` is skipped by the consumer's processed-events table, and one that arrives
after a sync opened its loan finds the loan open (one loan per order).
"""

from . import reference, services


def on_order_disbursed(event: dict) -> None:
    services.open_loan(event["data"])


HANDLERS = {
    **reference.HANDLERS,
    "order.disbursed": on_order_disbursed,
}
