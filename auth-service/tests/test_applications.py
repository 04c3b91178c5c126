"""申请入驻: the public application with its SMS code (answering alike whether or not anyone else applied
for the USCC), the status lookup,
the review (admin everywhere, government in its region) and an approval that creates the institution
and its administrator in one transaction or nothing at all."""

import pytest

from auth_service.models import AuditLog, Institution, InstitutionApplication, User, db

from .conftest import ADMIN_PASSWORD
from .test_admin import count, events
from .test_login import auth

USCC = "91411000MA45RK3T2L"
OTHER_USCC = "91350100M000100Y43"
INITIAL = "111111"


@pytest.fixture
def admin_token(client, login):
    token = login()["access_token"]
    for body in ({"code": "411000", "name": "许昌市", "parent_code": None},
                 {"code": "411002", "name": "魏都区", "parent_code": "411000"},
                 {"code": "411081", "name": "禹州市", "parent_code": "411000"}):
        assert client.post("/api/v1/admin/regions", json=body, headers=auth(token)).status_code == 201
    return token


@pytest.fixture
def apply(client, request_code, admin_token):
    def submit(phone="13937455210", uscc=USCC, name="许昌魏都农村商业银行", region="411002", **changes):
        body = {"sms_code": request_code(phone, "apply"), "name": name, "type": "bank", "uscc": uscc,
                "region_code": region, "address": "许昌市魏都区七一路88号", "contact_name": "李娜",
                "contact_phone": phone, "licence_no": "B1086H341100001", "description": "普惠小微信用贷款", **changes}
        return client.post("/api/v1/institution-applications", json=body)

    return submit


def government(client, admin_token, login, phone, region):
    resp = client.post("/api/v1/admin/government-users",
                       json={"phone": phone, "name": "政府用户", "region_code": region}, headers=auth(admin_token))
    assert resp.status_code == 201, resp.json
    first = login(phone, INITIAL)
    resp = client.post("/api/v1/auth/password", json={"old_password": INITIAL, "new_password": "Zhengfu2026#xc"},
                       headers=auth(first["access_token"]))
    assert resp.status_code == 200, resp.json
    return resp.json["access_token"]


def test_an_institution_applies_with_a_code_sent_to_its_contact_phone(app, client, apply):
    resp = apply()
    assert resp.status_code == 201, resp.json
    assert resp.json["status"] == "pending" and resp.json["uscc"] == USCC
    assert resp.json["contact_phone"] == "13937455210"
    [submitted] = events(app, "institution.application_submitted")
    assert submitted["application_id"] == resp.json["id"] and submitted["status"] == "pending"
    with app.app_context():
        assert db.session.scalar(db.select(AuditLog.action).where(AuditLog.target_type == "institution_application")) \
            == "institution_application.submitted"


def test_the_code_is_required_and_used_once(client, apply, sent_codes):
    resp = apply(sms_code="000000")
    assert resp.status_code == 422 and resp.json["code"] == "invalid_sms_code"
    resp = apply()
    assert resp.status_code == 201
    # The code was used by that application: sending it again with another USCC fails.
    [*_, (_, purpose, used)] = sent_codes()
    assert purpose == "apply"
    resp = client.post("/api/v1/institution-applications", json={
        "sms_code": used, "name": "又一家银行", "type": "bank", "uscc": OTHER_USCC, "region_code": "411002",
        "address": "许昌市", "contact_name": "李娜", "contact_phone": "13937455210"})
    assert resp.status_code == 422 and resp.json["code"] == "invalid_sms_code"


def test_the_answer_does_not_tell_whether_someone_else_applied_for_the_uscc(app, client, apply, admin_token):
    first = apply()
    assert first.status_code == 201
    # A stranger proving their own phone learns nothing from the answer: the same 201 and shape.
    second = apply(phone="13937455211", name="另一家银行")
    assert second.status_code == 201 and second.json["status"] == "pending"
    assert set(second.json) == set(first.json) and second.json["id"] != first.json["id"]
    # The same phone again is its own open application, not a second one.
    again = apply()
    assert again.status_code == 201 and again.json["id"] == first.json["id"]
    assert count(app, InstitutionApplication) == 2
    # Approving one closes the other, whose applicant is told.
    resp = client.post(f"/api/v1/admin/institution-applications/{first.json['id']}/approve", headers=auth(admin_token))
    assert resp.status_code == 200, resp.json
    with app.app_context():
        other = db.session.get(InstitutionApplication, second.json["id"])
        assert other.status == "rejected" and "另一份入驻申请" in other.reason
    decided = {e["application_id"]: e["status"] for e in events(app, "institution.application_decided")}
    assert decided == {first.json["id"]: "approved", second.json["id"]: "rejected"}


def test_an_institution_already_on_the_platform_cannot_apply_and_the_code_is_used_up_anyway(client, apply,
                                                                                          admin_token, sent_codes):
    resp = client.post("/api/v1/admin/institutions", json={"name": "许昌银行", "type": "bank", "region_code": "411000",
                                                           "uscc": OTHER_USCC}, headers=auth(admin_token))
    assert resp.status_code == 201
    resp = apply(phone="13937455212", uscc=OTHER_USCC, name="许昌银行二部")
    assert resp.status_code == 409 and resp.json["code"] == "institution_exists"
    # The refused submission used the code: it cannot try another USCC.
    [*_, (_, purpose, used)] = sent_codes()
    assert purpose == "apply"
    resp = client.post("/api/v1/institution-applications", json={
        "sms_code": used, "name": "又一家银行", "type": "bank", "uscc": USCC, "region_code": "411002",
        "address": "许昌市", "contact_name": "李娜", "contact_phone": "13937455212"})
    assert resp.status_code == 422 and resp.json["code"] == "invalid_sms_code"


def test_status_guesses_count_against_the_caller_not_the_applicants_code(app, client, apply, request_code):
    apply()
    code = request_code("13937455210", "apply")
    stranger = {"REMOTE_ADDR": "192.0.2.66"}
    limit = app.config["APPLICATION_STATUS_GUESSES_PER_HOUR"]
    assert limit > app.config["SMS_MAX_ATTEMPTS"]  # more than would have killed the applicant's code
    for _ in range(limit):
        wrong = client.get("/api/v1/institution-applications/status", query_string={"uscc": USCC, "sms_code": "000000"},
                           environ_base=stranger)
        assert wrong.status_code == 404
    throttled = client.get("/api/v1/institution-applications/status", query_string={"uscc": USCC, "sms_code": code},
                           environ_base=stranger)
    assert throttled.status_code == 429 and throttled.json["code"] == "throttled"
    # The applicant's code still works, from the applicant's own address.
    resp = client.get("/api/v1/institution-applications/status", query_string={"uscc": USCC, "sms_code": code},
                      environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert resp.status_code == 200 and resp.json["status"] == "pending"


def test_a_bad_uscc_or_region_is_refused_and_nothing_is_written(app, client, apply):
    resp = apply(uscc="91411000MA45RK3T2D")  # wrong check character
    assert resp.status_code == 422 and "uscc" in resp.json["errors"]
    resp = apply(region="419999")
    assert resp.status_code == 422 and "region_code" in resp.json["errors"]
    assert count(app, InstitutionApplication) == 0


def test_the_applicant_looks_up_the_status_with_uscc_and_a_fresh_code(client, apply, request_code, admin_token):
    application = apply().json
    code = request_code("13937455210", "apply")
    resp = client.get("/api/v1/institution-applications/status", query_string={"uscc": USCC, "sms_code": code})
    assert resp.status_code == 200 and resp.json["status"] == "pending"
    resp = client.post(f"/api/v1/admin/institution-applications/{application['id']}/reject",
                       json={"reason": "金融许可证编号与机构名称不符"}, headers=auth(admin_token))
    assert resp.status_code == 200
    resp = client.get("/api/v1/institution-applications/status", query_string={"uscc": USCC, "sms_code": code})
    assert resp.json["status"] == "rejected" and resp.json["reason"] == "金融许可证编号与机构名称不符"
    # A wrong code and an unknown USCC answer alike.
    wrong = client.get("/api/v1/institution-applications/status", query_string={"uscc": USCC, "sms_code": "000000"})
    unknown = client.get("/api/v1/institution-applications/status",
                         query_string={"uscc": OTHER_USCC, "sms_code": code})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json == unknown.json
    # Rejected: the USCC may apply again.
    assert apply().status_code == 201


def test_approval_creates_the_institution_and_its_administrator_with_the_initial_password(app, client, apply,
                                                                                        admin_token, login):
    application = apply().json
    resp = client.post(f"/api/v1/admin/institution-applications/{application['id']}/approve", headers=auth(admin_token))
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["application"]["status"] == "approved"
    assert body["institution"]["name"] == "许昌魏都农村商业银行" and body["institution"]["uscc"] == USCC
    assert body["user"]["phone"] == "13937455210" and body["user"]["role"] == "institution"
    assert body["user"]["institution_id"] == body["institution"]["id"] and body["user"]["must_change_password"]
    assert [e["id"] for e in events(app, "institution.created")] == [body["institution"]["id"]]
    assert body["user"]["id"] in [e["id"] for e in events(app, "auth.user_created")]
    [decided] = events(app, "institution.application_decided")
    assert decided["status"] == "approved" and decided["contact_phone"] == "13937455210"
    assert login("13937455210", INITIAL)["user"]["must_change_password"] is True
    again = client.post(f"/api/v1/admin/institution-applications/{application['id']}/approve",
                        headers=auth(admin_token))
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"


def test_approval_with_a_phone_that_has_an_account_creates_nothing(app, client, apply, admin_token):
    application = apply(phone="13937455213").json
    resp = client.post("/api/v1/admin/government-users", json={"phone": "13937455213", "name": "同号用户",
                                                               "region_code": "411000"}, headers=auth(admin_token))
    assert resp.status_code == 201
    institutions_before = count(app, Institution)
    users_before = count(app, User)
    resp = client.post(f"/api/v1/admin/institution-applications/{application['id']}/approve",
                       headers=auth(admin_token))
    assert resp.status_code == 409 and resp.json["code"] == "phone_in_use"
    assert count(app, Institution) == institutions_before and count(app, User) == users_before
    assert events(app, "institution.created") == [] and events(app, "institution.application_decided") == []
    listed = client.get("/api/v1/admin/institution-applications", headers=auth(admin_token)).json
    assert listed["items"][0]["status"] == "pending"


def test_rejection_needs_a_reason(client, apply, admin_token):
    application = apply().json
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        resp = client.post(f"/api/v1/admin/institution-applications/{application['id']}/reject", json=body,
                           headers=auth(admin_token))
        assert resp.status_code == 422 and "reason" in resp.json["errors"], body


def test_government_reviews_only_its_region_and_below(client, apply, admin_token, login):
    weidu = apply().json
    yuzhou = apply(phone="13937455214", uscc=OTHER_USCC, name="禹州农商银行", region="411081").json
    token = government(client, admin_token, login, "13937455215", "411002")
    listed = client.get("/api/v1/admin/institution-applications", headers=auth(token)).json
    assert [a["id"] for a in listed["items"]] == [weidu["id"]]
    for path in (f"/{yuzhou['id']}", f"/{yuzhou['id']}/approve"):
        method = client.post if path.endswith("approve") else client.get
        assert method(f"/api/v1/admin/institution-applications{path}", headers=auth(token)).status_code == 404
    resp = client.post(f"/api/v1/admin/institution-applications/{yuzhou['id']}/reject", json={"reason": "不符"},
                       headers=auth(token))
    assert resp.status_code == 404
    city = government(client, admin_token, login, "13937455216", "411000")
    listed = client.get("/api/v1/admin/institution-applications", headers=auth(city)).json
    assert {a["id"] for a in listed["items"]} == {weidu["id"], yuzhou["id"]}


def test_only_reviewers_see_the_queue(client, request_code, admin_token, login):
    assert client.get("/api/v1/admin/institution-applications").status_code == 401
    enterprise_phone = "13937455217"
    resp = client.post("/api/v1/auth/register", json={
        "phone": enterprise_phone, "sms_code": request_code(enterprise_phone, "register"), "password": ADMIN_PASSWORD,
        "contact_name": "王五", "enterprise_name": "许昌某企业", "uscc": OTHER_USCC, "region_code": "411002"})
    assert resp.status_code == 201, resp.json
    token = login(enterprise_phone, ADMIN_PASSWORD)["access_token"]
    assert client.get("/api/v1/admin/institution-applications", headers=auth(token)).status_code == 403
