from credit_service import create_app
from xyd_testing.service_checks import *  # noqa: F403 - the checks every service passes


def test_factory_applies_the_test_config():
    assert not create_app().testing
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).testing
