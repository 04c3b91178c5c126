"""The skeleton end to end, through the gateway: SMS login, the personal center, logout."""

import time

from harness import ADMIN_PASSWORD, ADMIN_PHONE

from xyd_testing.helpers import wait_until


def test_admin_logs_in_with_sms_code_sees_me_and_logout_is_refused_within_a_second(api):
    code = api.request_code(ADMIN_PHONE)
    resp = api.post("/auth/login", json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD, "sms_code": code})
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]
    assert resp.json()["user"]["role"] == "admin"

    me = api.get("/auth/me", token=token)
    assert me.status_code == 200 and me.json()["phone"] == ADMIN_PHONE

    assert api.post("/auth/logout", token=token).status_code == 204
    logged_out_at = time.monotonic()
    wait_until(lambda: api.get("/auth/me", token=token).status_code == 401, timeout=1.0, interval=0.05,
               message="the logged-out token to be refused")
    assert time.monotonic() - logged_out_at <= 1.0


def test_requests_carry_a_request_id(api):
    resp = api.get("/auth/me")
    assert resp.status_code == 401 and resp.headers.get("X-Request-ID")
    echoed = api.get("/auth/me", headers={"X-Request-ID": "trace-e2e-1"})
    assert echoed.headers["X-Request-ID"] == "trace-e2e-1"


def test_wrong_sms_code_five_times_kills_the_code(api):
    code = api.request_code(ADMIN_PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        resp = api.post("/auth/login", json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD, "sms_code": wrong})
        assert resp.status_code == 401
    resp = api.post("/auth/login", json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD, "sms_code": code})
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_credentials"


def test_resend_inside_the_interval_answers_429_with_retry_after(api):
    phone = "13700001111"
    assert api.post("/auth/sms-codes", json={"phone": phone, "purpose": "register"}).status_code == 202
    resp = api.post("/auth/sms-codes", json={"phone": phone, "purpose": "register"})
    assert resp.status_code == 429
    assert resp.json()["code"] == "throttled"
    assert int(resp.headers["Retry-After"]) >= 1


def test_gateway_health_reports_every_service(platform, api):
    body = api.get(platform.gateway + "/health").json()
    assert set(body["services"]) >= {"auth-service", "product-service", "order-service", "credit-service",
                                     "notification-service"}
    assert all(v == "ok" for v in body["services"].values())
