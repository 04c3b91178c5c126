import json

import pytest

from auth_service.models import Institution, OutboxMessage, Region, User, db

from .test_login import auth

VALID_USCC = "91350100M000100Y43"


@pytest.fixture
def admin_token(login):
    return login()["access_token"]


@pytest.fixture
def xuchang(client, admin_token):
    for body in ({"code": "411000", "name": "许昌市", "parent_code": None},
                 {"code": "411002", "name": "魏都区", "parent_code": "411000"}):
        resp = client.post("/api/v1/admin/regions", json=body, headers=auth(admin_token))
        assert resp.status_code == 201, resp.json
    return "411000"


@pytest.fixture
def bank(client, admin_token, xuchang):
    resp = client.post("/api/v1/admin/institutions", headers=auth(admin_token), json={
        "name": "许昌银行", "type": "bank", "region_code": "411000", "uscc": VALID_USCC,
        "contact_name": "王经理", "contact_phone": "13700000001"})
    assert resp.status_code == 201, resp.json
    return resp.json


def events(app, event_type):
    with app.app_context():
        rows = db.session.scalars(db.select(OutboxMessage.payload).where(OutboxMessage.event_type == event_type))
        return [json.loads(r)["data"] for r in rows]


def count(app, model):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def first_login(client, request_code, phone, password="111111"):
    code = request_code(phone)
    return client.post("/api/v1/auth/login", json={"phone": phone, "password": password, "sms_code": code})


def test_regions_form_a_tree_and_are_public(app, client, xuchang):
    items = client.get("/api/v1/regions").json["items"]
    assert {"code": "411002", "name": "魏都区", "parent_code": "411000"} in items
    assert events(app, "region.created")[-1]["path"] == ["411000", "411002"]


def test_region_with_unknown_parent_is_422_and_duplicate_is_409(app, client, admin_token, xuchang):
    resp = client.post("/api/v1/admin/regions", headers=auth(admin_token),
                       json={"code": "411099", "name": "无名区", "parent_code": "419999"})
    assert resp.status_code == 422 and "parent_code" in resp.json["errors"]
    resp = client.post("/api/v1/admin/regions", headers=auth(admin_token),
                       json={"code": "411002", "name": "魏都区", "parent_code": "411000"})
    assert resp.status_code == 409
    assert count(app, Region) == 2


def test_invalid_uscc_phone_or_region_is_422_with_field_errors_and_nothing_written(app, client, admin_token,
                                                                                   xuchang):
    resp = client.post("/api/v1/admin/institutions", headers=auth(admin_token), json={
        "name": "坏数据银行", "type": "bank", "region_code": "999999", "uscc": "91350100M000100Y44",
        "contact_phone": "12345"})
    assert resp.status_code == 422
    assert {"uscc", "contact_phone"} <= set(resp.json["errors"])
    resp = client.post("/api/v1/admin/institutions", headers=auth(admin_token),
                       json={"name": "坏数据银行", "type": "bank", "region_code": "999999"})
    assert resp.status_code == 422 and "region_code" in resp.json["errors"]
    resp = client.post("/api/v1/admin/institutions", headers=auth(admin_token),
                       json={"name": "坏数据银行", "type": "casino", "region_code": "411000"})
    assert resp.status_code == 422 and "type" in resp.json["errors"]
    assert count(app, Institution) == 0


def test_institutions_are_listed_filtered_edited_and_announced(app, client, admin_token, bank):
    client.post("/api/v1/admin/institutions", headers=auth(admin_token),
                json={"name": "许昌市融资担保公司", "type": "guarantee", "region_code": "411002"})
    page = client.get("/api/v1/admin/institutions?type=bank", headers=auth(admin_token)).json
    assert [i["name"] for i in page["items"]] == ["许昌银行"] and page["total"] == 1
    page = client.get("/api/v1/admin/institutions?q=担保&per_page=1", headers=auth(admin_token)).json
    assert [i["name"] for i in page["items"]] == ["许昌市融资担保公司"]
    resp = client.patch(f"/api/v1/admin/institutions/{bank['id']}", headers=auth(admin_token),
                        json={"contact_name": "李经理"})
    assert resp.status_code == 200 and resp.json["contact_name"] == "李经理"
    assert events(app, "institution.updated")[-1]["contact_name"] == "李经理"
    assert client.get("/api/v1/admin/institutions/9999", headers=auth(admin_token)).status_code == 404


def test_institution_admin_must_change_the_initial_password_before_anything_else(app, client, admin_token, bank,
                                                                                  request_code):
    resp = client.post(f"/api/v1/admin/institutions/{bank['id']}/users", headers=auth(admin_token),
                       json={"phone": "13700000002", "name": "张三"})
    assert resp.status_code == 201 and resp.json["must_change_password"] is True
    assert events(app, "auth.user_created")[-1]["institution_id"] == bank["id"]

    resp = first_login(client, request_code, "13700000002")
    assert resp.status_code == 200 and resp.json["user"]["must_change_password"] is True
    token = resp.json["access_token"]
    assert client.get("/api/v1/auth/me", headers=auth(token)).json["institution"] == {"id": bank["id"],
                                                                                     "name": "许昌银行"}
    blocked = client.get("/api/v1/admin/users", headers=auth(token))
    assert blocked.status_code == 403 and blocked.json["code"] == "password_change_required"

    for weak in ("short1", "onlyletters", "12345678", "111111"):
        resp = client.post("/api/v1/auth/password", headers=auth(token),
                           json={"old_password": "111111", "new_password": weak})
        assert resp.status_code == 422, weak
    resp = client.post("/api/v1/auth/password", headers=auth(token),
                       json={"old_password": "111111", "new_password": "Bank2026xc"})
    assert resp.status_code == 200 and resp.json["user"]["must_change_password"] is False
    # The old session is gone; the fresh pair works.
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401
    assert client.get("/api/v1/auth/me", headers=auth(resp.json["access_token"])).status_code == 200

    assert first_login(client, request_code, "13700000002", "111111").status_code == 401
    assert first_login(client, request_code, "13700000002", "Bank2026xc").status_code == 200


def test_institution_user_cannot_call_admin_endpoints(client, admin_token, bank, request_code):
    client.post(f"/api/v1/admin/institutions/{bank['id']}/users", headers=auth(admin_token),
                json={"phone": "13700000003", "name": "李四"})
    token = first_login(client, request_code, "13700000003").json["access_token"]
    token = client.post("/api/v1/auth/password", headers=auth(token),
                        json={"old_password": "111111", "new_password": "Bank2026xc"}).json["access_token"]
    for method, path in (("get", "/api/v1/admin/users"), ("get", "/api/v1/admin/institutions"),
                         ("post", "/api/v1/admin/regions"), ("get", "/api/v1/admin/audit-logs")):
        resp = getattr(client, method)(path, headers=auth(token), json={} if method == "post" else None)
        assert resp.status_code == 403 and resp.json["code"] == "forbidden", path


def test_disabling_a_user_or_institution_ends_their_sessions(client, admin_token, bank, request_code):
    user = client.post(f"/api/v1/admin/institutions/{bank['id']}/users", headers=auth(admin_token),
                       json={"phone": "13700000004", "name": "王五"}).json
    token = first_login(client, request_code, "13700000004").json["access_token"]
    assert client.post(f"/api/v1/admin/users/{user['id']}/disable", headers=auth(admin_token)).status_code == 200
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401
    assert first_login(client, request_code, "13700000004").status_code == 401
    client.post(f"/api/v1/admin/users/{user['id']}/enable", headers=auth(admin_token))
    token = first_login(client, request_code, "13700000004").json["access_token"]

    resp = client.post(f"/api/v1/admin/institutions/{bank['id']}/disable", headers=auth(admin_token))
    assert resp.status_code == 200 and resp.json["status"] == "disabled"
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401
    assert first_login(client, request_code, "13700000004").status_code == 401
    client.post(f"/api/v1/admin/institutions/{bank['id']}/enable", headers=auth(admin_token))
    assert first_login(client, request_code, "13700000004").status_code == 200


def test_admin_reset_password_returns_the_user_to_the_initial_password(client, admin_token, xuchang, request_code):
    user = client.post("/api/v1/admin/government-users", headers=auth(admin_token),
                       json={"phone": "13700000005", "name": "赵局长", "region_code": "411002"}).json
    assert user["role"] == "government" and user["region_code"] == "411002"
    token = first_login(client, request_code, "13700000005").json["access_token"]
    client.post("/api/v1/auth/password", headers=auth(token),
                json={"old_password": "111111", "new_password": "Gov2026abc"})
    resp = client.post(f"/api/v1/admin/users/{user['id']}/reset-password", headers=auth(admin_token))
    assert resp.status_code == 200 and resp.json["must_change_password"] is True
    login = first_login(client, request_code, "13700000005")
    assert login.status_code == 200 and login.json["user"]["must_change_password"] is True


def test_enterprise_registers_once_per_phone_and_several_accounts_may_claim_an_unverified_uscc(
        app, client, xuchang, request_code):
    body = {"phone": "13600000001", "password": "Qiye2026ab", "contact_name": "刘总",
            "enterprise_name": "许昌瑞祥机械有限公司", "uscc": VALID_USCC, "region_code": "411002"}
    bad = client.post("/api/v1/auth/register", json={**body, "sms_code": "000000", "uscc": "123"})
    assert bad.status_code == 422 and "uscc" in bad.json["errors"]
    resp = client.post("/api/v1/auth/register", json={**body, "sms_code": request_code("13600000001", "register")})
    assert resp.status_code == 201 and resp.json["role"] == "enterprise"
    assert resp.json["verification_status"] == "unverified"
    created = events(app, "auth.user_created")[-1]
    assert created["enterprise_name"] == "许昌瑞祥机械有限公司" and created["verification_status"] == "unverified"
    again = client.post("/api/v1/auth/register",
                        json={**body, "sms_code": request_code("13600000001", "register")})
    assert again.status_code == 409 and again.json["code"] == "phone_registered"
    # Nobody owns the USCC yet: a second account may claim it too (the review decides).
    other_phone = client.post("/api/v1/auth/register", json={**body, "phone": "13600000002",
                                                             "sms_code": request_code("13600000002", "register")})
    assert other_phone.status_code == 201 and other_phone.json["verification_status"] == "unverified"
    assert count(app, User) == 3


def test_register_with_a_wrong_code_writes_nothing(app, client, xuchang):
    resp = client.post("/api/v1/auth/register", json={
        "phone": "13600000003", "sms_code": "123456", "password": "Qiye2026ab", "contact_name": "刘总",
        "enterprise_name": "许昌某公司", "uscc": VALID_USCC, "region_code": "411002"})
    assert resp.status_code == 422 and resp.json["code"] == "invalid_sms_code"
    assert count(app, User) == 1


def test_forgot_password_resets_with_an_sms_code_and_ends_every_session(client, login, request_code):
    token = login()["access_token"]
    code = request_code("13800000000", "reset_password")
    resp = client.post("/api/v1/auth/password/reset",
                       json={"phone": "13800000000", "sms_code": code, "new_password": "NewAdmin2026"})
    assert resp.status_code == 204
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401
    assert first_login(client, request_code, "13800000000", "NewAdmin2026").status_code == 200


def test_lock_ends_after_the_lock_time(app, client, request_code):
    import time

    app.config["LOGIN_LOCK_SECONDS"] = 1
    code = request_code()
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"phone": "13800000000", "password": "bad", "sms_code": code})
    locked = client.post("/api/v1/auth/login",
                         json={"phone": "13800000000", "password": "Admin2026pass", "sms_code": code})
    assert locked.status_code == 429
    time.sleep(1.1)  # the lock time itself is what is tested
    ok = client.post("/api/v1/auth/login", json={"phone": "13800000000", "password": "Admin2026pass",
                                                 "sms_code": code})
    assert ok.status_code == 200


def test_audit_and_login_logs_record_what_happened(client, admin_token, bank, request_code):
    first_login(client, request_code, "13800000000", "wrong-password")
    logs = client.get("/api/v1/admin/login-logs?phone=13800000000", headers=auth(admin_token)).json
    assert {"success", "wrong_password"} <= {i["result"] for i in logs["items"]}
    audit = client.get("/api/v1/admin/audit-logs", headers=auth(admin_token)).json["items"]
    actions = [i["action"] for i in audit]
    assert {"region.created", "institution.created"} <= set(actions)
    created = next(i for i in audit if i["action"] == "institution.created")
    assert created["after"]["name"] == "许昌银行" and created["actor_role"] == "admin"


def test_an_admin_cannot_reset_or_disable_its_own_account(client, admin_token):
    me = client.get("/api/v1/auth/me", headers=auth(admin_token)).json
    for action in ("reset-password", "disable"):
        resp = client.post(f"/api/v1/admin/users/{me['id']}/{action}", headers=auth(admin_token))
        assert resp.status_code == 422 and resp.json["code"] == "invalid_target", action
    assert client.get("/api/v1/auth/me", headers=auth(admin_token)).status_code == 200  # session intact
