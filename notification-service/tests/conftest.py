import json
import threading
import uuid

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from notification_service import create_app
from notification_service.models import db
from xyd_common.events.envelope import new_envelope
from xyd_common.sealed import new_key, seal
from xyd_common.service_checks import ServiceInfo
from xyd_common.testing import free_port, role_headers

from .support import FakeAuthService, seed
from .support import deliver as deliver_event

pytest_plugins = ["xyd_common.pytest_plugin"]


@pytest.fixture(scope="session")
def auth_service():
    with FakeAuthService() as fake:
        yield fake


@pytest.fixture
def bad_input_headers(auth_service):
    return role_headers(auth_service)


@pytest.fixture
def service_info():
    return ServiceInfo("notification-service", "notification_service", "NOTIFICATION_DATABASE_URL",
                       commands=("consume", "deliver-webhooks", "sync-reference-data"),
                       extra_env={"SMS_PROVIDER": "console", "SMS_EVENT_KEY": new_key(),
                                  "WEBHOOK_SECRET_KEY": new_key()})


@pytest.fixture
def make_app(auth_service):
    """An app on a fresh in-memory database: console SMS unless told otherwise."""

    def make(**overrides):
        config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SMS_PROVIDER": "console",
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


class FakeSmsGateway:
    """A real HTTP server standing in for the SMS gateway: records each request's JSON and answers
    the next status of `statuses` (the last one repeats)."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses = [200]
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/sms"
        self._server = make_server("127.0.0.1", port, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _app(self, environ, start_response):
        request = Request(environ)
        self.received.append(request.get_json(silent=True))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return Response(json.dumps({"ok": True}), status=status, content_type="application/json")(
            environ, start_response)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def sms_gateway():
    with FakeSmsGateway() as gateway:
        yield gateway
