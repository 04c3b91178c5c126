"""`flask dead-letters list|show|replay|drop` and the dead-letter gauge, against a real RabbitMQ."""

import json

import pika
import pytest

from xyd_common.events import topology
from xyd_common.events.dead_letters import dead_letter_gauges, register_dead_letter_command
from xyd_common.events.envelope import new_envelope
from xyd_testing.helpers import unique_name, wait_until

from .support import Effect, db, effects, new_event_type, running
from .test_consumer import consumer

pytestmark = pytest.mark.timeout(120)


class FlakyHandlers:
    """A handler that fails until `fixed` is set: a bug, then its fix."""

    def __init__(self, event_type: str):
        self.event_type = event_type
        self.fixed = False

    def table(self) -> dict:
        return {self.event_type: self.handle}

    def handle(self, envelope):
        if not self.fixed:
            raise LookupError("区域 411002 not known yet")
        db.session.add(Effect(event_id=envelope["event_id"], event_type=envelope["event_type"]))


@pytest.fixture
def setup(monkeypatch, make_app, sqlite_uri, broker_url, probe):
    name = unique_name("test-dlq")
    event_type = new_event_type("flaky")
    monkeypatch.setitem(topology.QUEUES, name, topology.QueueSpec(f"{name}.events", (event_type,)))
    topology.declare_topology(probe.channel, "xyd.events")
    app = make_app(sqlite_uri, broker_url, name)
    register_dead_letter_command(app)
    return app, FlakyHandlers(event_type), name


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=["dead-letters", *args])
    return result


def waiting(app) -> float:
    (family,) = dead_letter_gauges(app).collect()
    (sample,) = family.samples
    return sample.value


def test_failed_event_is_listed_with_its_reason_then_replayed_once_the_cause_is_fixed(setup, probe):
    app, handlers, name = setup
    failing = new_envelope(handlers.event_type, {"region_code": "411002"}, "test-source")
    flaky = consumer(app, handlers)
    with running(flaky.run):
        probe.publish_envelope(failing)
        wait_until(lambda: waiting(app) == 1, timeout=30, message="the event in the dead-letter queue")

        listed = cli(app, "list")
        assert listed.exit_code == 0, listed.output
        assert f"{name}.events.dlq: 1 waiting" in listed.output
        assert failing["event_id"] in listed.output
        assert "LookupError: 区域 411002 not known yet" in listed.output
        # Looking changes nothing.
        assert waiting(app) == 1

        shown = cli(app, "show", failing["event_id"])
        assert shown.exit_code == 0, shown.output
        details = json.loads(shown.output)
        assert details["event"] == failing
        assert details["failure"] == "LookupError: 区域 411002 not known yet"
        assert details["failed_at"]

        assert cli(app, "show", "no-such-id").exit_code != 0
        assert cli(app, "replay").exit_code != 0  # neither ids nor --all: nothing is touched
        assert waiting(app) == 1

        handlers.fixed = True
        replayed = cli(app, "replay", failing["event_id"])
        assert replayed.exit_code == 0, replayed.output
        assert "replayed 1 message(s)" in replayed.output
        wait_until(lambda: effects(app) == [failing["event_id"]], timeout=30,
                   message="the replayed event handled")
    assert waiting(app) == 0


def test_drop_removes_only_the_named_messages_and_all_removes_the_rest(setup, probe):
    app, handlers, _ = setup
    with running(consumer(app, handlers).run):
        for n in range(3):
            probe.publish_raw(handlers.event_type, f"not an envelope {n}".encode())
        wait_until(lambda: waiting(app) == 3, timeout=30, message="three malformed messages dead-lettered")
    # Malformed messages have no id; two that have one, put there without the consumer's headers.
    events = [new_envelope(handlers.event_type, {}, "test-source") for _ in range(2)]
    for event in events:
        probe.channel.basic_publish(topology.DEAD_LETTER_EXCHANGE, topology.QUEUES[app.config["SERVICE_NAME"]].name,
                                    json.dumps(event).encode(), pika.BasicProperties(message_id=event["event_id"]))
    wait_until(lambda: waiting(app) == 5, message="the two messages with ids")

    dropped = cli(app, "drop", events[0]["event_id"])
    assert dropped.exit_code == 0, dropped.output
    assert "dropped 1 message(s)" in dropped.output
    assert waiting(app) == 4
    listed = cli(app, "list").output
    assert events[0]["event_id"] not in listed
    # No reason header: said so, not invented.
    assert f"{events[1]['event_id']}\tNone\tNone\tunknown" in listed

    assert cli(app, "drop", "--all").exit_code == 0
    assert waiting(app) == 0
