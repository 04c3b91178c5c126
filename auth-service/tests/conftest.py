import json
import uuid

import pytest

from auth_service import create_app
from auth_service.models import OutboxMessage, db
from auth_service.signing import generate_key_file
from xyd_common.sealed import NO_SMS_CODE, new_key, unseal
from xyd_testing.helpers import WsgiServer, free_port

ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "Admin2026pass"


@pytest.fixture
def app(tmp_path):
    key_file = tmp_path / "jwt.pem"
    generate_key_file(key_file)
    port = free_port()
    app = create_app({
        "TESTING": True,  # among others: passwords hashed at a test cost (passwords.py)
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'auth.db'}",
        "JWT_PRIVATE_KEY_FILE": str(key_file),
        "SMS_EVENT_KEY": new_key(),
        "SERVICE_TOKEN_SECRET": "service-secret-for-tests",
        "REDIS_KEY_PREFIX": f"test-auth-{uuid.uuid4().hex[:8]}:",
        "AUTH_SERVICE_URL": f"http://127.0.0.1:{port}",
        "SMS_RESEND_SECONDS": 0,
        "SMS_DAILY_LIMIT": 1000,
        "SMS_IP_HOURLY_LIMIT": 1000,
    })
    with app.app_context():
        db.create_all()
        from auth_service.services import bootstrap_admin

        bootstrap_admin(ADMIN_PHONE, ADMIN_PASSWORD)
    # The token checks fetch the JWKS over HTTP, as in production: serve the app for real.
    with WsgiServer(app, port):
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def sent_codes(app):
    """The SMS codes auth-service asked to send, unsealed, newest last: [(phone, purpose, code)]."""

    def read():
        with app.app_context():
            rows = db.session.scalars(db.select(OutboxMessage).where(
                OutboxMessage.event_type == "auth.sms_code_requested").order_by(OutboxMessage.id)).all()
            out = []
            for row in rows:
                data = json.loads(row.payload)["data"]
                code = unseal(app.config["SMS_EVENT_KEY"], data["sealed_code"])
                if code != NO_SMS_CODE:  # what a phone without an account gets: no text at all
                    out.append((data["phone"], data["purpose"], code))
            return out

    return read


@pytest.fixture
def request_code(client, sent_codes):
    def request(phone=ADMIN_PHONE, purpose="login"):
        resp = client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": purpose})
        assert resp.status_code == 202, resp.json
        return sent_codes()[-1][2]

    return request


@pytest.fixture
def login(client, request_code):
    def do_login(phone=ADMIN_PHONE, password=ADMIN_PASSWORD):
        code = request_code(phone)
        resp = client.post("/api/v1/auth/login", json={"phone": phone, "password": password, "sms_code": code})
        assert resp.status_code == 200, resp.json
        return resp.json

    return do_login


@pytest.fixture
def bad_input_headers(login):
    return {"anonymous": {}, "admin": {"Authorization": f"Bearer {login()['access_token']}"}}
