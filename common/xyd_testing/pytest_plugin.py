"""Fixtures every service's tests share: `pytest_plugins = ["xyd_testing.pytest_plugin"]` in the
service's conftest, which then only defines `app` and `service_info` (and overrides what differs: a
suite's own `FakeAuthService` subclass through `auth_service_class`, its own callers through
`bad_input_headers`)."""

import pytest

from .helpers import FakeAuthService, role_headers


@pytest.fixture(autouse=True, scope="session")
def _var_dir(tmp_path_factory):
    # Settings resolve the default SQLite path (creating var/) even when a test overrides it.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XYD_VAR_DIR", str(tmp_path_factory.mktemp("var")))
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def auth_service_class() -> type[FakeAuthService]:
    return FakeAuthService


@pytest.fixture(scope="session")
def auth_service(auth_service_class):
    """The stand-in auth-service the app's token checks fetch their keys from, one per test session
    (started only when a test asks for it)."""
    with auth_service_class() as fake:
        yield fake


@pytest.fixture
def bad_input_headers(auth_service) -> dict[str, dict]:
    """Callers the generated bad-input check sends each request as: name -> headers, one per role
    and anonymous, signed by `auth_service`."""
    return role_headers(auth_service)
