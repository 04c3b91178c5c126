"""A minimal subscriber to the platform's order events, for government systems to start from.

It declares (idempotently) a durable queue of its own, binds it to `order.#` on the events exchange,
and prints every event once: the ids of handled events are kept in a local SQLite file, so a
redelivered event (delivery is at least once) is acknowledged without being handled again. The event
is acknowledged only after it was handled and its id recorded; a crash in between means it is handled
again on restart, never lost. Broker restarts and network cuts end in a reconnect. Every event is
checked against the platform's event contract (docs/asyncapi.yaml) before it is handled: one that does
not match is reported and set aside (rejected), never half-handled.

    python deploy/example_subscriber.py --amqp-url amqp://gov-xuchang:<password>@broker:5672/%2F \\
        --queue gov-xuchang.orders

Needs `pika`, `PyYAML` and `jsonschema` (pip install pika pyyaml jsonschema). The broker user and its
permissions: docs/subscribing.md; the events and their fields: docs/events.md and docs/asyncapi.yaml.
"""

import argparse
import json
import signal
import sqlite3
import sys
import time
from datetime import datetime
from pathlib import Path

import pika
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from pika.exceptions import AMQPChannelError, AMQPConnectionError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.yaml"
_DOCUMENT_URI = "urn:xyd:asyncapi"

_formats = FormatChecker()


@_formats.checks("date-time", raises=ValueError)
def _is_timestamp(value) -> bool:
    """RFC 3339: a date, a time and an offset (`Z` or ±hh:mm)."""
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


class EventContract:
    """The payload schema of every event type in the AsyncAPI document, ready to check envelopes."""

    def __init__(self, path: Path = CONTRACT):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        registry = Registry().with_resource(_DOCUMENT_URI, Resource(document, DRAFT202012))
        self.validators = {
            message["name"]: Draft202012Validator(
                {"$ref": f"{_DOCUMENT_URI}#/components/messages/{key}/payload"}, registry=registry,
                format_checker=_formats)
            for key, message in document["components"]["messages"].items()
            if "bindings" in message and "amqp" in message["bindings"]
        }

    def problems(self, event) -> list[str]:
        """What is wrong with `event` (a decoded envelope) by the contract; empty when it conforms."""
        event_type = event.get("event_type") if isinstance(event, dict) else None
        validator = self.validators.get(event_type)
        if validator is None:
            return [f"event type {event_type!r} is not in the contract"]
        return [f"{'/'.join(str(p) for p in error.absolute_path) or '(envelope)'}: {error.message}"
                for error in validator.iter_errors(event)]


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


def consume(args, seen: SeenEvents, contract: EventContract) -> None:
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
        problems = contract.problems(event)
        if problems:
            # Not what the contract promises: report it and set it aside rather than act on it.
            print(f"event {event_id} ({event_type}) does not match the contract, rejected: {problems}",
                  file=sys.stderr)
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
    parser.add_argument("--contract", type=Path, default=CONTRACT,
                        help="the platform's AsyncAPI document [docs/asyncapi.yaml of this repository]")
    parser.add_argument("--seen-db", default="seen-events.sqlite3",
                        help="SQLite file of handled event ids [seen-events.sqlite3]")
    args = parser.parse_args()
    seen = SeenEvents(args.seen_db)
    contract = EventContract(args.contract)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    delay = 1.0
    while True:
        started = time.monotonic()
        try:
            consume(args, seen, contract)
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
