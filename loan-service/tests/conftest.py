import uuid

import pytest

from loan_service import create_app
from loan_service.models import db
from xyd_testing.service_checks import ServiceInfo

from .support import BANK_ID, OTHER_BANK_ID, WEIDU_CO, YANLING_CO, auth, seed_reference_data

pytest_plugins = ["xyd_testing.pytest_plugin"]


@pytest.fixture(scope="session")
def auth_service(auth_service):
    """The plugin's stand-in, also handing loan-service its service token."""
    auth_service.routes["/internal/service-tokens"] = (
        200, {"access_token": auth_service.service_token("loan-service", 3600), "token_type": "Bearer",
              "expires_in": 3600})
    return auth_service


def app_config(auth_service, **overrides) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "AUTH_SERVICE_URL": auth_service.url,
            "REDIS_KEY_PREFIX": f"test-loan-{uuid.uuid4().hex[:8]}:", "SERVICE_TOKEN_SECRET": "test-secret",
            "LOAN_BUSINESS_DATE_ENABLED": True, **overrides}


@pytest.fixture
def service_info():
    return ServiceInfo("loan-service", "loan_service", "LOAN_DATABASE_URL",
                       commands=("relay", "consume", "age-loans", "sync-reference-data"))


@pytest.fixture
def app(auth_service):
    app = create_app(app_config(auth_service))
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def seeded(app):
    seed_reference_data(app)
    return app


@pytest.fixture
def tokens(auth_service):
    """Headers per role: the two enterprises (and an unverified one), the two banks, governments of
    许昌市 and 禹州市, admin."""
    def enterprise(company, evs="verified"):
        user_id, code, _name, region = company
        return auth(auth_service.token("enterprise", sub=str(user_id), enterprise_uscc=code, region_code=region,
                                       evs=evs))

    return {
        "weidu": enterprise(WEIDU_CO), "yanling": enterprise(YANLING_CO),
        "weidu_unverified": enterprise(WEIDU_CO, "pending"),
        "bank": auth(auth_service.token("institution", sub="21", institution_id=BANK_ID)),
        "other_bank": auth(auth_service.token("institution", sub="22", institution_id=OTHER_BANK_ID)),
        "xuchang": auth(auth_service.token("government", sub="41", region_code="411000")),
        "yuzhou": auth(auth_service.token("government", sub="42", region_code="411081")),
        "admin": auth(auth_service.token("admin", sub="1")),
    }
