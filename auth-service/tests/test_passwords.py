"""The password policy (zxcvbn strength per role, the user's own data counted against it, published at
a public endpoint) and the attempt limit on changing one's password."""

import pytest

from auth_service.models import AuditLog, User, db
from auth_service.passwords import MAX_LENGTH, hash_password, strength_problems, verify_password

from .test_admin import VALID_USCC, admin_token, bank, first_login, xuchang  # noqa: F401 - fixtures
from .test_login import auth


def test_the_policy_is_public_and_stricter_for_staff(client):
    staff = client.get("/api/v1/auth/password-policy?role=institution")
    assert staff.status_code == 200
    assert staff.json["min_length"] == 8 and staff.json["max_length"] == MAX_LENGTH
    assert staff.json["min_score"] == 3 and staff.json["hints"] and all(isinstance(h, str) for h in staff.json["hints"])
    assert client.get("/api/v1/auth/password-policy?role=admin").json["min_score"] == 3
    assert client.get("/api/v1/auth/password-policy?role=enterprise").json["min_score"] == 2
    assert client.get("/api/v1/auth/password-policy").json["min_score"] == 2
    assert client.get("/api/v1/auth/password-policy?role=root").status_code == 422


@pytest.mark.parametrize("password", ["password1", "abc12345", "aaaaaaa1", "qwerty123", "Passw0rd1"])
def test_common_passwords_fail_for_every_role(password):
    for role in ("enterprise", "institution"):
        problems = strength_problems(password, role, [])
        assert problems and all("密码" in p or "包含" in p for p in problems), (password, role)


def test_the_users_own_phone_and_names_count_against_the_password():
    assert strength_problems("zhangsan2026", "institution", []) == []
    assert strength_problems("zhangsan2026", "institution", ["张三", "zhangsan"])
    assert strength_problems("a13712345678", "enterprise", ["13712345678"])


def test_only_the_first_128_characters_are_scored():
    # Scoring grows with the length; a very long password costs no more than one of 128 characters.
    long_password = "".join(chr(48 + (i * 7919) % 75) for i in range(5000))
    assert strength_problems(long_password, "admin", []) == []


def test_staff_need_a_stronger_password_than_enterprises():
    # zxcvbn scores this 2 of 4: enough for an enterprise, not for a bank's user.
    password = "Tiger2026"
    assert strength_problems(password, "enterprise", []) == []
    assert strength_problems(password, "institution", [])


def test_register_refuses_a_weak_password_with_the_reason_in_chinese(app, client, xuchang, request_code):  # noqa: F811
    body = {"phone": "13600000009", "contact_name": "刘总", "enterprise_name": "许昌瑞祥机械有限公司",
            "uscc": VALID_USCC, "region_code": "411002"}
    resp = client.post("/api/v1/auth/register", json={**body, "password": "password1",
                                                     "sms_code": request_code("13600000009", "register")})
    assert resp.status_code == 422 and resp.json["code"] == "weak_password"
    assert "常见密码" in resp.json["errors"]["password"][0]
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.phone == "13600000009")) is None


def test_a_staff_password_change_refuses_what_an_enterprise_could_use(client, admin_token, bank,  # noqa: F811
                                                                      request_code):
    resp = client.post(f"/api/v1/admin/institutions/{bank['id']}/users", headers=auth(admin_token),
                       json={"phone": "13700000005", "name": "赵六"})
    assert resp.status_code == 201
    token = first_login(client, request_code, "13700000005").json["access_token"]
    weak = client.post("/api/v1/auth/password", headers=auth(token),
                       json={"old_password": "111111", "new_password": "Tiger2026"})
    assert weak.status_code == 422 and weak.json["code"] == "weak_password"
    assert client.post("/api/v1/auth/password", headers=auth(token),
                       json={"old_password": "111111", "new_password": "Bank2026xc"}).status_code == 200


def test_wrong_old_passwords_end_the_session_and_lock_the_account(app, client, login, request_code):
    token = login()["access_token"]
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        resp = client.post("/api/v1/auth/password", headers=auth(token),
                           json={"old_password": "Guess2026xyz", "new_password": "Brand2026new"})
        assert resp.status_code == 422 and resp.json["code"] == "wrong_password"
    last = client.post("/api/v1/auth/password", headers=auth(token),
                       json={"old_password": "Guess2026xyz", "new_password": "Brand2026new"})
    assert last.status_code == 429 and last.json["code"] == "account_locked" and int(last.headers["Retry-After"]) > 0
    # The session that guessed is over, and the right password does not open the account either.
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401
    locked = client.post("/api/v1/auth/login", json={"phone": "13800000000", "password": "Admin2026pass",
                                                     "sms_code": request_code()})
    assert locked.status_code == 429 and locked.json["code"] == "account_locked"
    with app.app_context():
        actions = db.session.scalars(db.select(AuditLog.action)).all()
        assert actions.count("password.change_failed") == app.config["LOGIN_MAX_FAILURES"]
        assert "account.locked" in actions


def test_a_right_old_password_resets_the_count(app, client, login):
    token = login()["access_token"]
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        client.post("/api/v1/auth/password", headers=auth(token),
                    json={"old_password": "Guess2026xyz", "new_password": "Brand2026new"})
    changed = client.post("/api/v1/auth/password", headers=auth(token),
                          json={"old_password": "Admin2026pass", "new_password": "Brand2026new"})
    assert changed.status_code == 200
    token = changed.json["access_token"]
    resp = client.post("/api/v1/auth/password", headers=auth(token),
                       json={"old_password": "Guess2026xyz", "new_password": "Other2026new"})
    assert resp.status_code == 422 and resp.json["code"] == "wrong_password"


def test_production_hashes_at_full_cost_and_tests_cheaply_both_verify(app):
    with app.app_context():
        cheap = hash_password("Xuchang-credit-2026")
        app.testing = False
        try:
            full = hash_password("Xuchang-credit-2026")
        finally:
            app.testing = True
    assert full.startswith("scrypt:32768:8:1$") and cheap.startswith("scrypt:1024:8:1$")
    assert verify_password(full, "Xuchang-credit-2026") and verify_password(cheap, "Xuchang-credit-2026")
    assert not verify_password(full, "Xuchang-credit-2025")
