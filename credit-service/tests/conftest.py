import pytest

from credit_service import create_app
from credit_service.models import db
from xyd_testing.service_checks import ServiceInfo

from .support import BANK_ID, OTHER_BANK_ID, app_config, auth, seed_regions

pytest_plugins = ["xyd_testing.pytest_plugin"]


@pytest.fixture
def service_info():
    return ServiceInfo("credit-service", "credit_service", "CREDIT_DATABASE_URL",
                       commands=("relay", "consume", "import-credit", "load-sample-data", "sync-reference-data",
                                 "refresh-credit-states"))


@pytest.fixture
def app(auth_service):
    app = create_app(app_config(auth_service))
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def seeded(app):
    """The app knowing 许昌's regions (delivered as auth-service's region.created events)."""
    seed_regions(app)
    return app


@pytest.fixture
def admin(auth_service):
    return auth(auth_service.token("admin", sub="1"))


@pytest.fixture
def government(auth_service):
    """A supervisor of 许昌市 (and so of every district and county below it)."""
    return auth(auth_service.token("government", sub="11", region_code="411000"))


@pytest.fixture
def weidu_government(auth_service):
    return auth(auth_service.token("government", sub="12", region_code="411002"))


@pytest.fixture
def bank(auth_service):
    return auth(auth_service.token("institution", sub="21", institution_id=BANK_ID))


@pytest.fixture
def other_bank(auth_service):
    return auth(auth_service.token("institution", sub="22", institution_id=OTHER_BANK_ID))


@pytest.fixture
def service(auth_service):
    return auth(auth_service.service_token("order-service"))


@pytest.fixture
def import_batch(client, admin):
    """POST /credit/imports as admin (or `headers`), asserting 200; returns the answer."""

    def post(headers=None, **kinds):
        resp = client.post("/api/v1/credit/imports", json=kinds, headers=headers or admin)
        assert resp.status_code == 200, resp.json
        return resp.json

    return post
