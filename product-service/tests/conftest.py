import pytest

from product_service import create_app
from product_service.models import db
from xyd_testing.service_checks import ServiceInfo

from .support import BANK_ID, OTHER_BANK_ID, FakeAuthService, app_config, auth, product_body, seed_reference_data

pytest_plugins = ["xyd_testing.pytest_plugin"]


@pytest.fixture(scope="session")
def auth_service_class():
    return FakeAuthService


@pytest.fixture
def service_info():
    return ServiceInfo("product-service", "product_service", "PRODUCT_DATABASE_URL",
                       commands=("relay", "consume", "sync-reference-data"))


@pytest.fixture
def app(auth_service):
    app = create_app(app_config(auth_service))
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def seeded(app):
    """The app with 许昌's regions and two banks, delivered as auth-service's events."""
    seed_reference_data(app)
    return app


@pytest.fixture
def bank(auth_service):
    """Headers of a user of the bank (BANK_ID)."""
    return auth(auth_service.token("institution", BANK_ID, sub="21"))


@pytest.fixture
def other_bank(auth_service):
    return auth(auth_service.token("institution", OTHER_BANK_ID, sub="22"))


@pytest.fixture
def enterprise(auth_service):
    return auth(auth_service.token("enterprise", sub="31", enterprise_uscc="91350100M000100Y43"))


@pytest.fixture
def publish(client, bank, seeded):
    """POST /products as the bank (or `headers`), asserting 201; returns the product."""

    def publish(headers=None, **overrides):
        resp = client.post("/api/v1/products", json=product_body(**overrides), headers=headers or bank)
        assert resp.status_code == 201, resp.json
        return resp.json

    return publish
