"""Redis down: SMS throttles fail open (logged and counted), everything that reads or writes the
revocation list fails closed with 503, and nothing is half done."""

import logging

import pytest
import redis
from prometheus_client import REGISTRY

from xyd_testing.helpers import free_port

from .conftest import ADMIN_PASSWORD, ADMIN_PHONE


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def redis_down(app):
    """Swap the app's Redis client for one pointing at a closed port; the real one comes back after."""
    real = app.extensions["xyd_redis"] if "xyd_redis" in app.extensions else None
    app.extensions["xyd_redis"] = redis.Redis(port=free_port(), socket_timeout=0.5, socket_connect_timeout=0.5)

    def restore():
        if real is None:
            app.extensions.pop("xyd_redis")
        else:
            app.extensions["xyd_redis"] = real

    yield restore
    restore()


def fail_open_count() -> float:
    return REGISTRY.get_sample_value("xyd_fail_open_total",
                                     {"service": "auth-service", "check": "sms_throttles"}) or 0.0


def test_sms_codes_are_still_sent_without_redis_with_a_warning_and_a_metric(app, client, sent_codes, redis_down,
                                                                            caplog):
    app.config["SMS_RESEND_SECONDS"] = 60
    before = fail_open_count()
    with caplog.at_level(logging.WARNING):
        for _ in range(2):  # the resend interval cannot be checked either: both go out
            resp = client.post("/api/v1/auth/sms-codes", json={"phone": ADMIN_PHONE, "purpose": "login"})
            assert resp.status_code == 202, resp.json
    assert [c[:2] for c in sent_codes()] == [(ADMIN_PHONE, "login")] * 2
    assert fail_open_count() == before + 2
    assert any("SMS throttles unchecked" in r.getMessage() for r in caplog.records)


def test_without_redis_tokens_are_refused_with_503_and_a_logout_is_not_half_done(client, login, redis_down):
    pair = login()  # logging in needs no Redis (the code was requested with throttles failing open)
    resp = client.get("/api/v1/auth/me", headers=auth(pair["access_token"]))
    assert resp.status_code == 503 and resp.json["code"] == "service_unavailable"
    # The revocation cannot be written: the logout is refused rather than leaving a token that works
    # again once Redis is back.
    resp = client.post("/api/v1/auth/logout", headers=auth(pair["access_token"]))
    assert resp.status_code == 503 and resp.json["code"] == "service_unavailable"

    redis_down()  # Redis is back: the session is whole, and the logout now takes effect
    assert client.get("/api/v1/auth/me", headers=auth(pair["access_token"])).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=auth(pair["access_token"])).status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth(pair["access_token"])).status_code == 401


def test_a_password_change_without_redis_changes_nothing(client, login, redis_down):
    pair = login()
    redis_down()
    app_client_headers = auth(pair["access_token"])
    # Only the revocation write fails: point the client at the closed port again just for the change.
    with pytest.MonkeyPatch.context() as mp:
        from xyd_common import redis_store

        mp.setattr(redis_store, "get_redis", lambda app=None: redis.Redis(port=free_port(),
                                                                          socket_connect_timeout=0.5))
        resp = client.post("/api/v1/auth/password", headers=app_client_headers,
                           json={"old_password": ADMIN_PASSWORD, "new_password": "Changed-Pass-2026-xyz"})
    assert resp.status_code == 503, resp.json
    assert client.get("/api/v1/auth/me", headers=app_client_headers).status_code == 200
    login(password=ADMIN_PASSWORD)  # the old password still holds: the change was not committed
