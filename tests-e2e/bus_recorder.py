"""Records every event the platform publishes while the end-to-end suite runs, to check each one against
the event contract (docs/asyncapi.yaml) with the example subscriber's own checker.

Its queue is bound to `<domain>.#` for every domain the contract knows (order, need, auth, …), not to
`#`: an event of a domain nobody subscribes to must still reach `xyd.unrouted`, as a test checks."""

import importlib.util
import json
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pika

from xyd_testing.helpers import RABBITMQ_HOST, RABBITMQ_PORT, amqp_url, wait_until

ROOT = Path(__file__).resolve().parent.parent


def load_example_subscriber():
    spec = importlib.util.spec_from_file_location("example_subscriber", ROOT / "deploy" / "example_subscriber.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Recorded:
    routing_key: str
    message_id: str | None
    content_type: str | None
    body: bytes


class BusRecorder:
    """A thread consuming a queue of its own bound to every contract domain on `xyd.events`."""

    def __init__(self, vhost: str):
        self.contract = load_example_subscriber().EventContract()
        self.domains = sorted({event_type.split(".")[0] for event_type in self.contract.validators})
        self.messages: list[Recorded] = []
        self._url = amqp_url(vhost, RABBITMQ_HOST, RABBITMQ_PORT)  # the broker itself, not the cuttable proxy
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bus-recorder", daemon=True)

    def start(self) -> "BusRecorder":
        self._thread.start()
        wait_until(lambda: self._ready.is_set() or self._error, timeout=30, message="the bus recorder to bind")
        if self._error:
            raise self._error
        return self

    def _bind(self, connection, channel, queue):
        for domain in self.domains:
            try:
                channel.queue_bind(queue, "xyd.events", routing_key=f"{domain}.#")
            except pika.exceptions.ChannelClosedByBroker:  # no exchange yet: a relay declares it
                return None
        return channel

    def _run(self) -> None:
        try:
            connection = pika.BlockingConnection(pika.URLParameters(self._url))
            channel = connection.channel()
            queue = f"e2e-bus-recorder-{uuid.uuid4().hex[:8]}"
            while True:
                channel.queue_declare(queue, exclusive=True, auto_delete=True)
                if self._bind(connection, channel, queue):
                    break
                connection.sleep(0.3)
                channel = connection.channel()

            def on_message(_ch, method, properties, body):
                self.messages.append(Recorded(method.routing_key, properties.message_id, properties.content_type,
                                              body))

            channel.basic_consume(queue, on_message, auto_ack=True)
            self._ready.set()
            while not self._stop.is_set():
                connection.process_data_events(time_limit=0.3)
            connection.close()
        except BaseException as exc:  # reported by start() or by problems()
            self._error = exc

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def problems(self) -> list[str]:
        """Every recorded message that breaks the contract, described; empty when all conform."""
        found = [f"the recorder failed: {self._error!r}"] if self._error else []
        for message in list(self.messages):
            try:
                event = json.loads(message.body)
            except ValueError:
                found.append(f"{message.routing_key}: not JSON: {message.body[:200]!r}")
                continue
            where = f"{message.routing_key} {event.get('event_id') if isinstance(event, dict) else ''}"
            if not isinstance(event, dict) or event.get("event_type") != message.routing_key:
                found.append(f"{where}: routing key is not the event type")
                continue
            if message.message_id != event.get("event_id") or message.content_type != "application/json":
                found.append(f"{where}: message_id {message.message_id!r} / content_type {message.content_type!r}")
            found.extend(f"{where}: {problem}" for problem in self.contract.problems(event))
        return found
