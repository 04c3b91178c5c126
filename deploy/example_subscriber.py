"""A minimal subscriber to the platform's order events, for government systems to start from.

It declares (idempotently) a durable queue of its own, binds it to `order.#` on the events exchange,
and prints every event once: the ids of handled events are kept in a local SQLite file, so a
redelivered event (delivery is at least once) is acknowledged without being handled again. The event
is acknowledged only after it was handled and its id recorded; a crash in between means it is handled
again on restart, never lost. Broker restarts and network cuts end in a reconnect.

    python deploy/example_subscriber.py --amqp-url amqp://gov-xuchang:<password>@broker:5672/%2F \\
        --queue gov-xuchang.orders

Needs only `pika` (pip install pika). The broker user and its permissions: docs/subscribing.md; the
events and their fields: docs/events.md.
"""

import argparse
import json
import signal
import sqlite3
import sys
import time

import pika
from pika.exceptions import AMQPChannelError, AMQPConnectionError


class SeenEvents:
    """The event ids already handled, in a SQLite file that survives restarts."""

    def __init__(self, path: str):
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY, event_type TEXT, "
                        "seen_at TEXT DEFAULT CURRENT_TIMESTAMP)")
        self.db.commit()

    def __contains__(self, event_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM seen WHERE event_id = ?", (event_id,)).fetchone() is not None

    def add(self, event_id: str, event_type: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO seen (event_id, event_type) VALUES (?, ?)", (event_id, event_type))
        self.db.commit()


def handle(event: dict) -> None:
    """What a real system would do with the event (store it, update its own records); here: print it."""
    data = event.get("data", {})
    print(f"{event['occurred_at']}  {event['event_type']:<22} {data.get('order_no', '')}  "
          f"{data.get('previous_status')} → {data.get('status')}  {data.get('enterprise_name', '')} / "
          f"{data.get('institution_name', '')}  {data.get('amount')} 万元")
    print("    " + json.dumps(event, ensure_ascii=False), flush=True)


def consume(args, seen: SeenEvents) -> None:
    params = pika.URLParameters(args.amqp_url)
    params.heartbeat = 30
    params.client_properties = {"connection_name": f"example-subscriber:{args.queue}"}
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    # Same arguments every time: RabbitMQ refuses to redeclare a queue with different ones.
    channel.queue_declare(args.queue, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(args.queue, args.exchange, routing_key="order.#")
    channel.basic_qos(prefetch_count=20)

    def on_message(ch, method, properties, body):
        try:
            event = json.loads(body)
            event_id, event_type = str(event["event_id"]), str(event["event_type"])
        except (ValueError, KeyError, TypeError):
            print(f"malformed message dropped: {body[:200]!r}", file=sys.stderr)
            ch.basic_reject(method.delivery_tag, requeue=False)
            return
        if event_id not in seen:
            handle(event)
            seen.add(event_id, event_type)
        ch.basic_ack(method.delivery_tag)

    channel.basic_consume(args.queue, on_message_callback=on_message)
    print(f"listening on queue {args.queue} (order.# on {args.exchange}); Ctrl-C to stop", file=sys.stderr)
    try:
        channel.start_consuming()
    finally:
        if connection.is_open:
            connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Print the platform's order events, each once.")
    parser.add_argument("--amqp-url", required=True, help="amqp://user:password@host:5672/vhost (vhost %%2F for /)")
    parser.add_argument("--queue", required=True, help="this system's own queue, e.g. gov-xuchang.orders")
    parser.add_argument("--exchange", default="xyd.events", help="the platform's events exchange [xyd.events]")
    parser.add_argument("--seen-db", default="seen-events.sqlite3",
                        help="SQLite file of handled event ids [seen-events.sqlite3]")
    args = parser.parse_args()
    seen = SeenEvents(args.seen_db)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    delay = 1.0
    while True:
        started = time.monotonic()
        try:
            consume(args, seen)
        except KeyboardInterrupt:
            return
        except (AMQPConnectionError, AMQPChannelError, OSError) as exc:
            # Back off while the broker stays away; start again from 1 s after a connection that lasted.
            delay = 1.0 if time.monotonic() - started > 60 else delay
            print(f"broker unavailable ({exc.__class__.__name__}); reconnecting in {delay:.0f}s", file=sys.stderr)
            time.sleep(delay)
            delay = min(delay * 2, 30)


if __name__ == "__main__":
    main()
