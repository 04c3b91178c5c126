"""Administration end to end through the gateway: regions, a bank, its administrator's first login."""

import uuid

import pytest
from api_client import Api


def unique_phone() -> str:
    return "135" + f"{uuid.uuid4().int % 10**8:08d}"


@pytest.fixture(scope="module")
def xuchang(platform):
    admin = Api(platform.gateway)
    admin.login()
    for body in ({"code": "411000", "name": "许昌市", "parent_code": None},
                 {"code": "411002", "name": "魏都区", "parent_code": "411000"}):
        resp = admin.post("/admin/regions", json=body)
        assert resp.status_code in (201, 409), resp.text
    return admin


def test_bank_administrator_changes_the_initial_password_at_first_login(platform, api, xuchang):
    admin = xuchang
    regions = api.get("/regions").json()["items"]
    assert {"code": "411002", "name": "魏都区", "parent_code": "411000"} in regions

    bank = admin.post("/admin/institutions", json={"name": f"许昌银行{uuid.uuid4().hex[:4]}", "type": "bank",
                                                   "region_code": "411000"})
    assert bank.status_code == 201, bank.text
    phone = unique_phone()
    user = admin.post(f"/admin/institutions/{bank.json()['id']}/users", json={"phone": phone, "name": "张行长"})
    assert user.status_code == 201 and user.json()["must_change_password"] is True

    first = api.login(phone, "111111")
    assert first["user"]["must_change_password"] is True
    for path in ("/products/mine", "/orders"):
        resp = api.get(path)
        assert resp.status_code == 403 and resp.json()["code"] == "password_change_required", path
    assert api.get("/auth/me").status_code == 200

    changed = api.post("/auth/password", json={"old_password": "111111", "new_password": "Xuchang2026bank"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["user"]["must_change_password"] is False
    api.token = changed.json()["access_token"]
    assert api.get("/auth/me").status_code == 200

    code = api.request_code(phone)
    old = api.post("/auth/login", json={"phone": phone, "password": "111111", "sms_code": code})
    assert old.status_code == 401
    assert api.login(phone, "Xuchang2026bank")["user"]["role"] == "institution"
    assert api.get("/admin/users").status_code == 403


def test_disabled_user_token_is_refused_within_a_second(platform, api, xuchang):
    import time

    from xyd_testing.helpers import wait_until

    admin = xuchang
    phone = unique_phone()
    user = admin.post("/admin/government-users", json={"phone": phone, "name": "市发改委", "region_code": "411000"})
    assert user.status_code == 201, user.text
    api.login(phone, "111111")
    assert api.get("/auth/me").status_code == 200
    assert admin.post(f"/admin/users/{user.json()['id']}/disable").status_code == 200
    disabled_at = time.monotonic()
    wait_until(lambda: api.get("/auth/me").status_code == 401, timeout=1.0, interval=0.05,
               message="the disabled user's token to be refused")
    assert time.monotonic() - disabled_at <= 1.0
    logs = admin.get("/admin/audit-logs", params={"action": "user.disabled"}).json()["items"]
    assert any(item["target_id"] == str(user.json()["id"]) for item in logs)
