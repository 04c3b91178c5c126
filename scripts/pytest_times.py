"""A pytest plugin that records where an end-to-end run's time goes: the wall time of each test module
(from its first test's setup to its last test's teardown, module- and session-scoped fixtures included)
and the set-up time of every fixture that takes a second or more (the started platform, the browser,
a fault test's own platform, a sign-in per role). `scripts/test_times.py` loads it with
`-p pytest_times` and `XYD_TEST_TIMES=<file>`; the figures go to that JSON file (one per xdist worker).
"""

import json
import os
import time
from collections import defaultdict

import pytest

SLOW_FIXTURE_SECONDS = 1.0

_modules: dict[str, float] = defaultdict(float)
_fixtures: dict[str, list[float]] = defaultdict(list)
_outcomes: dict[str, int] = defaultdict(int)
_collected = 0


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    started = time.monotonic()
    yield
    seconds = time.monotonic() - started
    if seconds >= SLOW_FIXTURE_SECONDS:
        _fixtures[f"{fixturedef.argname} ({fixturedef.scope})"].append(seconds)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = time.monotonic()
    yield
    _modules[item.nodeid.split("::")[0]] += time.monotonic() - started


def pytest_collection_finish(session):
    global _collected
    _collected = len(session.items)


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        _outcomes[report.outcome] += 1


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("XYD_TEST_TIMES")
    if not path:
        return
    # Under pytest-xdist each worker runs its share of the modules and writes `<file>.<worker>`
    # (test_times.py adds them up); the controller, which runs no test, writes nothing.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        path = f"{path}.{worker}"
    elif session.config.pluginmanager.hasplugin("dsession"):
        return
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"collected": _collected, "outcomes": dict(_outcomes), "modules": dict(_modules),
                   "fixtures": {name: times for name, times in _fixtures.items()}}, out, indent=1)
