import uuid

import pytest

from notification_service import create_app
from notification_service.models import db
from xyd_common.events.envelope import new_envelope
from xyd_common.sealed import new_key, seal
from xyd_testing.helpers import RecordingServer
from xyd_testing.service_checks import ServiceInfo

from .support import FakeAuthService, seed
from .support import deliver as deliver_event

pytest_plugins = ["xyd_testing.pytest_plugin"]


@pytest.fixture(scope="session")
def auth_service_class():
    return FakeAuthService


@pytest.fixture
def service_info():
    return ServiceInfo("notification-service", "notification_service", "NOTIFICATION_DATABASE_URL",
                       commands=("consume", "deliver-webhooks", "sync-reference-data"),
                       extra_env={"SMS_PROVIDER": "console", "DEVELOPMENT_MODE": "true", "SMS_EVENT_KEY": new_key(),
                                  "WEBHOOK_SECRET_KEY": new_key()})


@pytest.fixture
def make_app(auth_service):
    """An app on a fresh in-memory database: console SMS unless told otherwise."""

    def make(**overrides):
        config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SMS_PROVIDER": "console",
                  "DEVELOPMENT_MODE": True,
                  "SMS_HTTP_URL": None, "SMS_EVENT_KEY": new_key(), "WEBHOOK_SECRET_KEY": new_key(),
                  "AUTH_SERVICE_URL": auth_service.url,
                  "REDIS_KEY_PREFIX": f"test-notification-{uuid.uuid4().hex[:8]}:", **overrides}
        app = create_app(config)
        with app.app_context():
            db.create_all()
        return app

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def deliver():
    """Hand one event to the app's consumer as the broker would; returns how it was settled."""
    return deliver_event


@pytest.fixture
def seeded(app):
    """The app knowing the regions and users of support.seed."""
    seed(app)
    return app


@pytest.fixture
def sms_code_event():
    """The event auth-service records when a code is requested, sealed with the app's key."""

    def make(app, phone: str, code: str, purpose: str = "login", expires_in: int = 300) -> dict:
        return new_envelope("auth.sms_code_requested", {
            "phone": phone, "purpose": purpose, "expires_in": expires_in,
            "sealed_code": seal(app.config["SMS_EVENT_KEY"], code),
        }, "auth-service")

    return make


class FakeSmsGateway(RecordingServer):
    """A real HTTP server standing in for the SMS gateway: `received` holds each request's JSON; it
    answers the next status of `statuses` (the last one repeats)."""

    def __init__(self):
        super().__init__(path="/sms", body='{"ok": true}', content_type="application/json")

    @property
    def received(self) -> list:
        return self.json_bodies()


@pytest.fixture
def sms_gateway():
    with FakeSmsGateway() as gateway:
        yield gateway
