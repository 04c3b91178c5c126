"""The dead-letter queue of a service: what is waiting there, why, and putting it back or away.

`flask --app <service> dead-letters list|show|replay|drop` (registered for every service that consumes
events). Messages are read with `basic_get` without acknowledging them; what a command does not take
(acknowledge) goes back to the queue when its channel closes, so `list` and `show` change nothing.
`replay` publishes the message, unchanged but for the failure headers, to the service's own queue with
a publisher confirm and only then removes it from the dead-letter queue; the consumer runs the handler
again (the event id was never recorded as processed, since the handler failed). `drop` removes it.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass

import click
import pika

from .. import metrics
from .amqp import connect
from .consumer import FAILED_AT_HEADER, FAILURE_HEADER
from .outbox import utcnow
from .topology import QUEUES, dead_letter_queue, declare_topology

# Headers that describe the failure or the broker's dead-lettering, not the event: a replayed message
# starts afresh without them.
_FAILURE_HEADERS = {FAILURE_HEADER, FAILED_AT_HEADER, "x-death", "x-delivery-count", "x-first-death-exchange",
                    "x-first-death-queue", "x-first-death-reason", "x-last-death-exchange",
                    "x-last-death-queue", "x-last-death-reason"}
REPLAYED_AT_HEADER = "x-xyd-replayed-at"


@dataclass
class DeadLetter:
    delivery_tag: int
    message_id: str | None
    event_type: str | None
    failure: str
    failed_at: str | None
    properties: pika.BasicProperties
    body: bytes

    def summary(self) -> dict:
        return {"message_id": self.message_id, "event_type": self.event_type, "failed_at": self.failed_at,
                "failure": self.failure}


def _text(value) -> str | None:
    if value is None:
        return None
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def failure_of(properties: pika.BasicProperties) -> tuple[str, str | None]:
    """Why and when the message failed: the consumer's headers, else what the broker recorded."""
    headers = properties.headers or {}
    if FAILURE_HEADER in headers:
        return _text(headers[FAILURE_HEADER]), _text(headers.get(FAILED_AT_HEADER))
    deaths = headers.get("x-death") or []
    if deaths:
        death = deaths[0]
        when = death.get("time")
        return (f"dead-lettered by the broker: {_text(death.get('reason'))} (no reason recorded by the consumer)",
                when.isoformat() if hasattr(when, "isoformat") else _text(when))
    return "unknown", None


class DeadLetterQueue:
    """One service's dead-letter queue, on a connection of its own (close it with `close()`)."""

    def __init__(self, app, declare: bool = True):
        self.service = app.config["SERVICE_NAME"]
        self.queue = QUEUES[self.service].name
        self.dlq = dead_letter_queue(self.queue)
        self.connection = connect(app.config["AMQP_URL"], f"{self.service}-dead-letters")
        self.channel = self.connection.channel()
        if declare:  # a command may run before any consumer has declared the queues
            declare_topology(self.channel, app.config["EVENTS_EXCHANGE"])
        self.channel.confirm_delivery()

    def close(self) -> None:
        # Closing returns every message this channel took and did not acknowledge to the queue.
        if self.connection.is_open:
            self.connection.close()

    def __enter__(self) -> "DeadLetterQueue":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def waiting(self) -> int:
        return self.channel.queue_declare(self.dlq, passive=True).method.message_count

    def messages(self, limit: int) -> Iterator[DeadLetter]:
        """Up to `limit` messages, oldest first, taken but not acknowledged."""
        for _ in range(limit):
            method, properties, body = self.channel.basic_get(self.dlq, auto_ack=False)
            if method is None:
                return
            failure, failed_at = failure_of(properties)
            yield DeadLetter(method.delivery_tag, properties.message_id, properties.type, failure, failed_at,
                             properties, body)

    def replay(self, message: DeadLetter) -> None:
        """Back to the service's queue (confirmed by the broker), then out of the dead-letter queue."""
        headers = {k: v for k, v in (message.properties.headers or {}).items() if k not in _FAILURE_HEADERS}
        headers[REPLAYED_AT_HEADER] = utcnow().isoformat()
        properties = message.properties
        # The default exchange routes by queue name: only this service's queue gets it, not every
        # subscriber of the event type again.
        self.channel.basic_publish("", self.queue, message.body, pika.BasicProperties(
            content_type=properties.content_type, content_encoding=properties.content_encoding,
            delivery_mode=pika.DeliveryMode.Persistent, message_id=properties.message_id,
            type=properties.type, headers=headers), mandatory=True)
        self.channel.basic_ack(message.delivery_tag)

    def drop(self, message: DeadLetter) -> None:
        self.channel.basic_ack(message.delivery_tag)


def dead_letter_gauges(app) -> metrics.ScrapeGauges:
    """Messages waiting in the service's dead-letter queue, asked of the broker when scraped."""

    def read() -> dict:
        with DeadLetterQueue(app, declare=False) as dead_letters:
            waiting = dead_letters.waiting()
            return {"xyd_dead_letter_messages": ("Messages waiting in a dead-letter queue", ["queue"],
                                                 [((dead_letters.dlq,), waiting)])}

    return metrics.ScrapeGauges(read)


def register_dead_letter_command(app) -> None:
    @app.cli.group("dead-letters")
    def dead_letters():
        """Inspect, replay or drop the messages in this service's dead-letter queue."""

    limit_option = click.option("--limit", default=1000, show_default=True,
                                help="Look at no more than this many messages.")

    @dead_letters.command("list")
    @limit_option
    def list_(limit):
        """One line per message: id, event type, when and why it failed."""
        with DeadLetterQueue(app) as queue:
            click.echo(f"{queue.dlq}: {queue.waiting()} waiting")
            for message in queue.messages(limit):
                click.echo(f"{message.message_id}\t{message.event_type}\t{message.failed_at}\t{message.failure}")

    @dead_letters.command("show")
    @click.argument("message_id")
    @limit_option
    def show(message_id, limit):
        """One message in full: the failure, its headers and the event."""
        with DeadLetterQueue(app) as queue:
            for message in queue.messages(limit):
                if message.message_id == message_id:
                    try:
                        event = json.loads(message.body)
                    except ValueError:
                        event = message.body.decode(errors="replace")
                    click.echo(json.dumps({**message.summary(), "headers": {
                        k: _text(v) if not isinstance(v, list) else str(v)
                        for k, v in (message.properties.headers or {}).items()}, "event": event},
                        ensure_ascii=False, indent=2, default=str))
                    return
        raise click.ClickException(f"no message {message_id} in the dead-letter queue")

    def select(queue: DeadLetterQueue, message_ids: tuple[str, ...], everything: bool, limit: int):
        if not message_ids and not everything:
            raise click.UsageError("name the message ids, or --all")
        wanted = set(message_ids)
        for message in queue.messages(limit):
            if everything or message.message_id in wanted:
                wanted.discard(message.message_id)
                yield message
        if wanted:
            raise click.ClickException(f"not in the dead-letter queue: {', '.join(sorted(wanted))}")

    def settle_command(verb: str, done: str, where, act, help_text: str) -> None:
        @dead_letters.command(verb, help=help_text)
        @click.argument("message_ids", nargs=-1)
        @click.option("--all", "everything", is_flag=True, help="Every message in the queue.")
        @limit_option
        def command(message_ids, everything, limit):
            with DeadLetterQueue(app) as queue:
                count = 0
                for message in select(queue, message_ids, everything, limit):
                    act(queue, message)
                    count += 1
                click.echo(f"{done} {count} message(s) {where(queue)}")

    settle_command("replay", "replayed", lambda queue: f"to {queue.queue}", DeadLetterQueue.replay,
                   "Send messages back to the service's queue (fix the cause first).")
    settle_command("drop", "dropped", lambda queue: f"from {queue.dlq}", DeadLetterQueue.drop,
                   "Delete messages from the dead-letter queue for good.")
