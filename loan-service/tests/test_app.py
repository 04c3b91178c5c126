from loan_service import create_app
from xyd_testing.service_checks import *  # noqa: F403 - the checks every service passes

from .conftest import app_config


def test_factory_applies_the_test_config(auth_service):
    assert not create_app().testing
    assert create_app(app_config(auth_service)).testing
