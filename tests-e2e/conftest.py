import tempfile
from pathlib import Path

import pytest
from api_client import Api
from harness import running_platform

# The browser fixtures (Chromium through Playwright) for the tests of the web console.
pytest_plugins = ["browser"]


@pytest.fixture(scope="session")
def platform():
    with tempfile.TemporaryDirectory(prefix="xyd-e2e-") as workdir:
        with running_platform(Path(workdir)) as running:
            yield running


@pytest.fixture
def api(platform):
    return Api(platform.gateway)


@pytest.fixture
def admin(platform):
    client = Api(platform.gateway)
    client.login()
    return client
