import contextlib
import os
import tempfile
from pathlib import Path

import pytest
from api_client import Api
from bus_recorder import BusRecorder
from harness import running_platform
from postgres_server import private_postgres

# The browser fixtures (Chromium through Playwright) for the tests of the web console.
pytest_plugins = ["browser"]


_postgres = contextlib.ExitStack()


def pytest_configure(config):
    """The suite's own PostgreSQL server (postgres_server.py), started once by the process that runs
    the session (pytest-xdist's controller, or pytest alone) before any worker starts: the workers
    inherit its address in TEST_PG_ADMIN_URL."""
    if hasattr(config, "workerinput") or os.environ.get("TEST_PG_ADMIN_URL"):
        return
    url = _postgres.enter_context(private_postgres())
    if url is not None:
        os.environ["TEST_PG_ADMIN_URL"] = url
        _postgres.callback(os.environ.pop, "TEST_PG_ADMIN_URL", None)


def pytest_unconfigure(config):
    _postgres.close()


@pytest.fixture(scope="session")
def platform():
    with tempfile.TemporaryDirectory(prefix="xyd-e2e-") as workdir:
        with running_platform(Path(workdir)) as running:
            recorder = running.bus_recorder = BusRecorder(running.vhost).start()
            yield running
            recorder.stop()
            # Every event the suite caused, checked against docs/asyncapi.yaml (a failure here is reported
            # as an error at the teardown of the session's last test).
            problems = recorder.problems()
            assert not problems, f"{len(problems)} events on the bus break docs/asyncapi.yaml:\n" + "\n".join(
                problems[:50])


@pytest.fixture
def api(platform):
    return Api(platform.gateway)


@pytest.fixture
def admin(platform):
    client = Api(platform.gateway)
    client.login()
    return client


# The Makefile hands xdist workers the modules in collection order (--no-loadscope-reorder), and this
# order is chosen:
# - loan-service's business date only moves forward, once per platform. test_loans.py walks a loan from
#   today's date; test_instruments.py and test_web_loans.py take the date as they find it. So
#   test_loans.py runs first.
# - Then the longest modules (`make test-times`), so that no worker starts one of them while the other
#   has nothing left to do: the longest first is what keeps two workers' finishing times close.
FIRST_MODULES = ("test_loans.py", "test_api_documents.py", "test_demo.py", "test_faults.py",
                 "test_authorization_matrix.py", "test_web_institution.py")


def pytest_collection_modifyitems(items):
    rank = {name: position for position, name in enumerate(FIRST_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST_MODULES)))
