import pytest

from order_service import create_app
from order_service.models import db
from xyd_common.service_checks import ServiceInfo

pytest_plugins = ["xyd_common.pytest_plugin"]


@pytest.fixture
def service_info():
    return ServiceInfo("order-service", "order_service", "ORDER_DATABASE_URL")


@pytest.fixture
def app():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
    return app
