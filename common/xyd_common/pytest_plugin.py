"""Fixtures every service's tests share: `pytest_plugins = ["xyd_common.pytest_plugin"]` in the
service's conftest, which then only defines `app` and `service_info`."""

import pytest


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


@pytest.fixture
def bad_input_headers() -> dict[str, dict]:
    """Callers the generated bad-input check sends each request as: name -> headers. A service's
    conftest overrides this with its roles' tokens; anonymous alone reaches only public operations."""
    return {"anonymous": {}}
