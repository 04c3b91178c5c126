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
