"""`flask work`: a service's looping commands in one process, and the periodic jobs' one-round-at-a-time
lock on PostgreSQL. (The real relays and consumers run this way in every end-to-end test.)"""

import os
import signal
import threading
import time

import click
import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from xyd_common import metrics
from xyd_common.processes import register_work_command, run_periodic, run_until_signalled
from xyd_testing.helpers import free_port


def looping_app(database_uri: str = "sqlite://") -> tuple[Flask, dict]:
    """An app with two looping commands (one a periodic job), one that fails, and `work`; `seen` records
    which thread ran each round."""
    app = Flask(__name__)
    app.config.update(SERVICE_NAME="work-test", SQLALCHEMY_DATABASE_URI=database_uri, TICK_SECONDS=0.05)
    SQLAlchemy().init_app(app)
    seen: dict[str, list[str]] = {"listen": [], "tick": []}

    @app.cli.command("listen")
    def listen():
        def target(stop: threading.Event) -> None:
            while not stop.wait(0.02):
                seen["listen"].append(threading.current_thread().name)
                metrics.HEARTBEAT.beat()

        run_until_signalled(target, app)

    @app.cli.command("tick")
    @click.option("--once", is_flag=True)
    def tick(once):
        def tick_job() -> None:
            seen["tick"].append(threading.current_thread().name)

        run_periodic(app, tick_job, "TICK_SECONDS", once)

    @app.cli.command("crash")
    def crash():
        def target(stop: threading.Event) -> None:
            time.sleep(0.2)
            raise RuntimeError("the loop broke")

        run_until_signalled(target, app)

    register_work_command(app)
    return app, seen


@pytest.fixture
def terminate_after():
    """Send this process SIGTERM after `seconds` (what stops a worker), restoring the handlers after."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    timers = []

    def schedule(seconds: float) -> None:
        timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGTERM))
        timers.append(timer)
        timer.start()

    yield schedule
    for timer in timers:
        timer.cancel()
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


def test_work_runs_each_named_loop_in_a_thread_of_its_own_until_sigterm(terminate_after):
    app, seen = looping_app()
    terminate_after(0.6)
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["work", "listen", "tick"])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 5
    assert set(seen["listen"]) == {"listen"} and len(seen["listen"]) >= 5
    assert set(seen["tick"]) == {"tick"} and len(seen["tick"]) >= 3


def test_a_loop_that_fails_stops_the_others_and_the_worker_exits_non_zero(terminate_after):
    app, seen = looping_app()
    terminate_after(10)  # only if the worker failed to stop by itself: the test then fails on time
    started = time.monotonic()
    result = app.test_cli_runner().invoke(args=["work", "listen", "crash"])
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert "crash stopped" in str(result.exception)
    rounds = len(seen["listen"])
    time.sleep(0.1)
    assert len(seen["listen"]) == rounds  # the other loop was stopped too


def test_work_refuses_a_command_it_does_not_have():
    app, _ = looping_app()
    result = app.test_cli_runner().invoke(args=["work", "listen", "relay"])
    assert result.exit_code == 2
    assert "no looping command 'relay'" in result.output


def test_the_heartbeat_is_as_old_as_its_most_stalled_loop():
    heartbeat = metrics.Heartbeat()
    assert heartbeat.age() == 0.0
    other = threading.Thread(target=heartbeat.beat)
    other.start()
    other.join()
    heartbeat.beat()
    heartbeat.last[other.ident] -= 100  # the other loop has not gone round for 100 s
    assert heartbeat.age() >= 100
    heartbeat.beat()
    assert heartbeat.age() >= 100  # this thread going round does not hide the stalled one
    del heartbeat.last[other.ident]
    assert heartbeat.age() < 1
    heartbeat.forget()
    assert heartbeat.last == {}


def test_on_postgresql_a_looping_replica_skips_a_round_another_is_in_and_a_once_run_waits(postgres_uri,
                                                                                         terminate_after):
    app, seen = looping_app(postgres_uri)
    release = threading.Event()
    rounds: list[str] = []

    def slow_round() -> None:
        rounds.append("held")
        release.wait(10)

    slow_round.__name__ = "tick_job"  # the same job as `tick`'s, so the same lock
    holder = threading.Thread(target=run_periodic, args=(app, slow_round, "TICK_SECONDS", True))
    holder.start()
    while not rounds:
        time.sleep(0.01)

    # While the lock is held, the looping replica's rounds are skipped...
    terminate_after(0.5)
    assert app.test_cli_runner().invoke(args=["work", "tick"]).exit_code == 0
    assert seen["tick"] == []
    # ...and a run with --once waits for the round in progress, then runs.
    waiting = threading.Thread(target=lambda: app.test_cli_runner().invoke(args=["tick", "--once"]))
    waiting.start()
    time.sleep(0.3)
    assert seen["tick"] == []
    release.set()
    holder.join(10)
    waiting.join(10)
    assert seen["tick"] == [waiting.name]
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def test_a_periodic_loop_goes_on_while_its_database_cannot_be_reached(terminate_after, caplog):
    app, seen = looping_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere")
    terminate_after(0.8)
    result = app.test_cli_runner().invoke(args=["work", "listen", "tick"])
    assert result.exit_code == 0, result.exception  # no loop ended: the worker was stopped, not broken
    assert seen["tick"] == [] and len(seen["listen"]) >= 5
    assert "tick-job failed; retrying in the next round" in caplog.text
