import json

from auth_service.models import OutboxMessage, db
from xyd_common.redis_store import get_redis, redis_key
from xyd_common.trusted_proxies import proof_key, sign_client
from xyd_testing.helpers import bearer as auth

from .conftest import ADMIN_PASSWORD, ADMIN_PHONE


def test_admin_logs_in_with_password_and_sms_code_and_sees_personal_center(client, login):
    pair = login()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 900
    assert pair["user"]["role"] == "admin" and pair["user"]["phone"] == ADMIN_PHONE
    me = client.get("/api/v1/auth/me", headers=auth(pair["access_token"]))
    assert me.status_code == 200
    assert me.json["phone"] == ADMIN_PHONE and me.json["last_login_at"]


def test_logged_out_token_is_refused(client, login):
    pair = login()
    assert client.post("/api/v1/auth/logout", headers=auth(pair["access_token"])).status_code == 204
    resp = client.get("/api/v1/auth/me", headers=auth(pair["access_token"]))
    assert resp.status_code == 401 and resp.json["code"] == "unauthorized"
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401


def test_unknown_phone_wrong_code_and_wrong_password_get_the_same_answer(client, request_code):
    code = request_code()
    unknown = client.post("/api/v1/auth/login",
                          json={"phone": "13900000001", "password": ADMIN_PASSWORD, "sms_code": code})
    wrong_code = client.post("/api/v1/auth/login",
                             json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD,
                                   "sms_code": f"{(int(code) + 1) % 10**6:06d}"})
    wrong_password = client.post("/api/v1/auth/login",
                                 json={"phone": ADMIN_PHONE, "password": "nope", "sms_code": code})
    assert unknown.status_code == wrong_code.status_code == wrong_password.status_code == 401
    assert unknown.json == wrong_code.json == wrong_password.json


def test_sms_code_request_answers_the_same_for_unknown_phone_but_sends_nothing(client, sent_codes):
    known = client.post("/api/v1/auth/sms-codes", json={"phone": ADMIN_PHONE, "purpose": "login"})
    unknown = client.post("/api/v1/auth/sms-codes", json={"phone": "13900000002", "purpose": "login"})
    assert known.status_code == unknown.status_code == 202
    assert known.json == unknown.json
    assert [p for p, _, _ in sent_codes()] == [ADMIN_PHONE]


def test_sms_code_never_travels_in_clear(app, client, sent_codes):
    client.post("/api/v1/auth/sms-codes", json={"phone": ADMIN_PHONE, "purpose": "login"})
    code = sent_codes()[-1][2]
    with app.app_context():
        payload = db.session.scalars(db.select(OutboxMessage.payload)).all()[-1]
    assert code not in payload
    assert json.loads(payload)["source"] == "auth-service"


def test_wrong_code_five_times_kills_the_code(client, request_code):
    code = request_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        resp = client.post("/api/v1/auth/login",
                           json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD, "sms_code": wrong})
        assert resp.status_code == 401
    resp = client.post("/api/v1/auth/login",
                       json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD, "sms_code": code})
    assert resp.status_code == 401


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, request_code):
    code = request_code()
    for _ in range(5):
        resp = client.post("/api/v1/auth/login", json={"phone": ADMIN_PHONE, "password": "bad", "sms_code": code})
        assert resp.status_code == 401
    resp = client.post("/api/v1/auth/login",
                       json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD, "sms_code": code})
    assert resp.status_code == 429 and resp.json["code"] == "account_locked"
    assert int(resp.headers["Retry-After"]) > 500


def test_wrong_codes_do_not_count_towards_the_lock(client, request_code):
    for _ in range(6):
        code = request_code()
        client.post("/api/v1/auth/login",
                    json={"phone": ADMIN_PHONE, "password": "bad", "sms_code": f"{(int(code) + 1) % 10**6:06d}"})
    code = request_code()
    resp = client.post("/api/v1/auth/login",
                       json={"phone": ADMIN_PHONE, "password": ADMIN_PASSWORD, "sms_code": code})
    assert resp.status_code == 200


def test_resend_inside_the_interval_is_throttled_with_retry_after(app, client):
    app.config["SMS_RESEND_SECONDS"] = 60
    assert client.post("/api/v1/auth/sms-codes", json={"phone": ADMIN_PHONE, "purpose": "login"}).status_code == 202
    resp = client.post("/api/v1/auth/sms-codes", json={"phone": ADMIN_PHONE, "purpose": "login"})
    assert resp.status_code == 429 and resp.json["code"] == "throttled"
    assert 0 < int(resp.headers["Retry-After"]) <= 60
    # Another purpose has its own interval.
    assert client.post("/api/v1/auth/sms-codes",
                       json={"phone": ADMIN_PHONE, "purpose": "reset_password"}).status_code == 202


def test_resend_retry_after_rounds_up_so_an_obedient_client_is_let_through(app, client):
    app.config["SMS_RESEND_SECONDS"] = 60
    assert client.post("/api/v1/auth/sms-codes", json={"phone": ADMIN_PHONE, "purpose": "login"}).status_code == 202
    with app.app_context():
        # 1.4 s left: TTL would say 1, and a client waiting 1 s would be refused again.
        get_redis().pexpire(redis_key("sms", "resend", "login", ADMIN_PHONE), 1400)
    resp = client.post("/api/v1/auth/sms-codes", json={"phone": ADMIN_PHONE, "purpose": "login"})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "2"


def test_daily_limit_per_phone(app, client):
    app.config["SMS_DAILY_LIMIT"] = 2
    for _ in range(2):
        assert client.post("/api/v1/auth/sms-codes",
                           json={"phone": "13900000003", "purpose": "register"}).status_code == 202
    resp = client.post("/api/v1/auth/sms-codes", json={"phone": "13900000003", "purpose": "register"})
    assert resp.status_code == 429 and "Retry-After" in resp.headers


def test_hourly_limit_per_client_ip(app, client):
    app.config["SMS_IP_HOURLY_LIMIT"] = 3
    statuses = [client.post("/api/v1/auth/sms-codes", json={"phone": f"1390000001{i}", "purpose": "register"},
                            environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code for i in range(4)]
    assert statuses == [202, 202, 202, 429]
    other_ip = client.post("/api/v1/auth/sms-codes", json={"phone": "13900000019", "purpose": "register"},
                           environ_base={"REMOTE_ADDR": "10.9.8.8"})
    assert other_ip.status_code == 202


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(client, login):
    pair = login()
    new = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert new.status_code == 200 and new.json["refresh_token"] != pair["refresh_token"]
    assert client.get("/api/v1/auth/me", headers=auth(new.json["access_token"])).status_code == 200
    reused = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert reused.status_code == 401
    # The thief's reuse revoked the session: the rotated pair is dead too.
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": new.json["refresh_token"]}).status_code == 401
    assert client.get("/api/v1/auth/me", headers=auth(new.json["access_token"])).status_code == 401


def test_bad_input_gets_flat_field_errors_and_nothing_is_sent(client, sent_codes):
    resp = client.post("/api/v1/auth/sms-codes", json={"phone": "12345", "purpose": "spam"})
    assert resp.status_code == 422 and resp.json["code"] == "validation_error"
    assert set(resp.json["errors"]) == {"phone", "purpose"}
    assert client.post("/api/v1/auth/login", data="{", content_type="application/json").status_code == 400
    assert sent_codes() == []


def test_phone_with_country_code_is_accepted(client, sent_codes):
    assert client.post("/api/v1/auth/sms-codes",
                       json={"phone": "+86 138-0000-0000", "purpose": "login"}).status_code == 202
    assert sent_codes()[-1][0] == ADMIN_PHONE


def test_profile_update_publishes_user_updated(app, client, login):
    pair = login()
    resp = client.patch("/api/v1/auth/me", json={"name": "许昌市管理员", "email": "admin@example.cn"},
                        headers=auth(pair["access_token"]))
    assert resp.status_code == 200 and resp.json["name"] == "许昌市管理员"
    with app.app_context():
        types = db.session.scalars(db.select(OutboxMessage.event_type)).all()
    assert "auth.user_updated" in types


def test_a_client_reaching_the_service_directly_cannot_choose_its_ip_for_the_throttle(app, client):
    app.config["SMS_IP_HOURLY_LIMIT"] = 2
    statuses = [client.post("/api/v1/auth/sms-codes", json={"phone": f"1390000002{i}", "purpose": "register"},
                            headers={"X-Forwarded-For": f"198.51.100.{i}"},
                            environ_base={"REMOTE_ADDR": "10.9.8.9"}).status_code for i in range(3)]
    assert statuses == [202, 202, 429]
    # Another unsigned address from the same peer: still that peer's bucket.
    local = client.post("/api/v1/auth/sms-codes", json={"phone": "13900000028", "purpose": "register"},
                        headers={"X-Forwarded-For": "198.51.100.8"}, environ_base={"REMOTE_ADDR": "10.9.8.9"})
    assert local.status_code == 429
    # Through the gateway (its signed X-Forwarded-For), the forwarded address is the client's.
    key = proof_key(app.config["SERVICE_TOKEN_SECRET"])
    via_gateway = client.post("/api/v1/auth/sms-codes", json={"phone": "13900000029", "purpose": "register"},
                              headers={"X-Forwarded-For": "198.51.100.9",
                                       "X-Xyd-Client-Proof": sign_client("198.51.100.9", key)},
                              environ_base={"REMOTE_ADDR": "10.9.8.9"})
    assert via_gateway.status_code == 202
