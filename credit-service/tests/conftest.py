import pytest

from credit_service import create_app
from credit_service.models import db
from xyd_common.service_checks import ServiceInfo

pytest_plugins = ["xyd_common.pytest_plugin"]


@pytest.fixture
def service_info():
    return ServiceInfo("credit-service", "credit_service", "CREDIT_DATABASE_URL")


@pytest.fixture
def app():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
    return app
