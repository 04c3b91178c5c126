import uuid

import pytest

from order_service import create_app
from order_service.models import db
from xyd_testing.service_checks import ServiceInfo

from .support import BANK_ID, OTHER_BANK_ID, WEIDU_CO, YANLING_CO, auth, order_body, seed_reference_data

pytest_plugins = ["xyd_testing.pytest_plugin"]


@pytest.fixture(scope="session")
def auth_service(auth_service):
    """The plugin's stand-in, also handing order-service its service token."""
    auth_service.routes["/internal/service-tokens"] = (
        200, {"access_token": auth_service.service_token("order-service", 3600), "token_type": "Bearer",
              "expires_in": 3600})
    return auth_service


def app_config(auth_service, **overrides) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "AUTH_SERVICE_URL": auth_service.url,
            "REDIS_KEY_PREFIX": f"test-order-{uuid.uuid4().hex[:8]}:", "SERVICE_TOKEN_SECRET": "test-secret",
            # Nothing listens here: details answer without a credit record unless a test says otherwise.
            "CREDIT_SERVICE_URL": "http://127.0.0.1:9", "CREDIT_SERVICE_TIMEOUT_SECONDS": 0.5, **overrides}


@pytest.fixture
def service_info():
    return ServiceInfo("order-service", "order_service", "ORDER_DATABASE_URL",
                       commands=("relay", "consume", "mark-overdue", "reconcile-credit", "sync-reference-data"))


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
    """Headers per role: the two enterprises, the two banks, governments of 许昌市 and 禹州市, admin."""
    def enterprise(company):
        user_id, code, _name, region = company
        return auth(auth_service.token("enterprise", sub=str(user_id), enterprise_uscc=code, region_code=region,
                                       evs="verified"))

    return {
        "weidu": enterprise(WEIDU_CO), "yanling": enterprise(YANLING_CO),
        "bank": auth(auth_service.token("institution", sub="21", institution_id=BANK_ID)),
        "other_bank": auth(auth_service.token("institution", sub="22", institution_id=OTHER_BANK_ID)),
        "xuchang": auth(auth_service.token("government", sub="41", region_code="411000")),
        "yuzhou": auth(auth_service.token("government", sub="42", region_code="411081")),
        "admin": auth(auth_service.token("admin", sub="1")),
    }


@pytest.fixture
def apply(client, seeded, tokens):
    """POST /orders as 魏都制造 (or `as_`), asserting 201; returns the order."""

    def apply(as_="weidu", headers=None, **overrides):
        resp = client.post("/api/v1/orders", json=order_body(**overrides), headers={**tokens[as_], **(headers or {})})
        assert resp.status_code == 201, resp.json
        return resp.json

    return apply
