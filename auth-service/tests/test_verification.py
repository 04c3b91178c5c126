"""企业认证: the states of an enterprise account, the documents, the pre-check against credit-service's
registration data, the review (admin, or government by the registered region) and what approval does
to the other claims on the USCC."""

import base64
import io
import json
from datetime import timedelta

import pytest

from auth_service.models import EnterpriseVerification, OutboxMessage, User, VerificationFile, db
from xyd_common.events.outbox import utcnow
from xyd_testing.helpers import StubServer

from .test_admin import events
from .test_login import auth

USCC = "91411002MA44XY0U1A"
REGISTRATION = f"/internal/credit/enterprises/{USCC}/registration"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
PASSWORD = "Qiye2026ab"


@pytest.fixture
def credit():
    with StubServer() as stub:
        stub.routes[REGISTRATION] = (200, {"uscc": USCC, "name": "许昌瑞祥机械有限公司",
                                           "legal_representative": "刘建国", "region_code": "411002",
                                           "industry": "通用设备制造业"})
        yield stub


@pytest.fixture
def app(app, credit):
    app.config.update(CREDIT_SERVICE_URL=credit.url, VERIFICATION_FILE_MAX_BYTES=64 * 1024)
    return app


@pytest.fixture
def regions(client, login):
    token = login()["access_token"]
    for body in ({"code": "411000", "name": "许昌市", "parent_code": None},
                 {"code": "411002", "name": "魏都区", "parent_code": "411000"},
                 {"code": "411003", "name": "建安区", "parent_code": "411000"}):
        assert client.post("/api/v1/admin/regions", json=body, headers=auth(token)).status_code == 201
    return token


@pytest.fixture
def enterprise(client, request_code, regions, login):
    """Registers and logs in an enterprise account claiming `uscc`; answers its login body."""
    def make(phone, uscc=USCC, contact_name="刘建国", region="411002"):
        resp = client.post("/api/v1/auth/register", json={
            "phone": phone, "sms_code": request_code(phone, "register"), "password": PASSWORD,
            "contact_name": contact_name, "enterprise_name": "许昌瑞祥机械有限公司", "uscc": uscc,
            "region_code": region})
        assert resp.status_code == 201, resp.json
        return login(phone, PASSWORD)
    return make


def staff(client, admin_token, login, phone, region):
    resp = client.post("/api/v1/admin/government-users", headers=auth(admin_token),
                       json={"phone": phone, "name": "发改局", "region_code": region})
    assert resp.status_code == 201, resp.json
    token = login(phone, "111111")["access_token"]
    resp = client.post("/api/v1/auth/password", headers=auth(token),
                       json={"old_password": "111111", "new_password": "Gov2026pass"})
    return resp.json["access_token"]


def submit(client, token, legal_representative="刘建国", licence=("licence.png", PNG), **extra):
    data = {"legal_representative": legal_representative, **extra}
    if licence is not None:
        data["licence"] = (io.BytesIO(licence[1]), licence[0])
    return client.post("/api/v1/auth/enterprise-verification", headers=auth(token), data=data,
                       content_type="multipart/form-data")


def claims(token) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def test_a_request_is_prechecked_against_the_registration_data(client, enterprise):
    login_body = enterprise("13600000001")
    assert login_body["user"]["verification_status"] == "unverified"
    assert claims(login_body["access_token"])["evs"] == "unverified"
    resp = submit(client, login_body["access_token"])
    assert resp.status_code == 201, resp.json
    assert resp.json["status"] == "pending" and resp.json["precheck"] == "match"
    assert resp.json["registered_region_code"] == "411002"
    assert resp.json["documents"] == [{"kind": "licence", "content_type": "image/png", "size": len(PNG)}]
    me = client.get("/api/v1/auth/me", headers=auth(login_body["access_token"])).json
    assert me["verification_status"] == "pending"
    again = submit(client, login_body["access_token"])
    assert again.status_code == 409 and again.json["code"] == "verification_pending"


def test_a_different_legal_representative_is_a_mismatch_and_needs_a_letter(client, enterprise):
    token = enterprise("13600000001", contact_name="王会计")["access_token"]
    resp = submit(client, token, legal_representative="王会计")  # not who the registration data names
    assert resp.status_code == 201 and resp.json["precheck"] == "mismatch"
    assert resp.json["precheck_details"]["legal_representative"] == "mismatch"
    other = enterprise("13600000002", uscc="91350100M000100Y43", contact_name="王会计")["access_token"]
    no_letter = submit(client, other, legal_representative="刘建国")
    assert no_letter.status_code == 422 and "authorization_letter" in no_letter.json["errors"]
    with_letter = client.post("/api/v1/auth/enterprise-verification", headers=auth(other),
                              content_type="multipart/form-data", data={
                                  "legal_representative": "刘建国", "licence": (io.BytesIO(PDF), "l.pdf"),
                                  "authorization_letter": (io.BytesIO(JPEG), "letter.jpg")})
    assert with_letter.status_code == 201, with_letter.json
    assert with_letter.json["precheck"] == "unknown"  # credit-service holds nothing of that USCC
    assert {d["content_type"] for d in with_letter.json["documents"]} == {"application/pdf", "image/jpeg"}


def test_the_precheck_is_unknown_while_credit_service_is_unreachable(app, client, enterprise):
    app.config["CREDIT_SERVICE_URL"] = "http://127.0.0.1:9"
    resp = submit(client, enterprise("13600000001")["access_token"])
    assert resp.status_code == 201 and resp.json["precheck"] == "unknown"
    assert resp.json["precheck_details"]["available"] is False


@pytest.mark.parametrize("name, content, field", [
    ("licence.png", b"<html>not a picture</html>", "licence"),
    ("licence.pdf", b"MZ\x90\x00 an executable", "licence"),
    ("licence.png", PNG + b"\0" * (64 * 1024), "licence"),
])
def test_documents_are_checked_by_their_bytes_and_size_and_nothing_is_written(app, client, enterprise, name,
                                                                               content, field):
    token = enterprise("13600000001")["access_token"]
    resp = submit(client, token, licence=(name, content))
    assert resp.status_code == 422 and field in resp.json["errors"], resp.json
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(EnterpriseVerification)) == 0
        assert db.session.scalar(db.select(User.verification_status).where(User.phone == "13600000001")) == "unverified"
    assert submit(client, token, licence=None).status_code == 422


def test_approval_makes_one_owner_and_closes_every_other_claim(app, client, enterprise, regions, request_code):
    owner = enterprise("13600000001")
    stranger = enterprise("13600000002", contact_name="冒用者", region="411003")
    idle = enterprise("13600000003", contact_name="另一人")  # claimed but never asked to be verified
    request = submit(client, owner["access_token"]).json
    stranger_request = submit(client, stranger["access_token"], legal_representative="冒用者",
                              applicant_is_legal_representative="true").json
    assert stranger_request["precheck"] == "mismatch"

    resp = client.post(f"/api/v1/admin/enterprise-verifications/{request['id']}/approve", headers=auth(regions))
    assert resp.status_code == 200 and resp.json["status"] == "approved"
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": owner["refresh_token"]}).json
    assert refreshed["user"]["verification_status"] == "verified"
    assert claims(refreshed["access_token"])["evs"] == "verified"

    verified = events(app, "auth.enterprise_verified")
    # The credit record's industry travels along: product-service matches policies by it.
    assert verified == [{"user_id": owner["user"]["id"], "uscc": USCC, "enterprise_name": "许昌瑞祥机械有限公司",
                         "region_code": "411002", "industry": "通用设备制造业"}]
    decided = {e["user_id"]: e for e in events(app, "auth.enterprise_verification_decided")}
    assert decided[owner["user"]["id"]]["status"] == "approved"
    for other in (stranger, idle):
        assert decided[other["user"]["id"]]["status"] == "rejected"
        assert decided[other["user"]["id"]]["closed_by_owner"] is True
        assert decided[other["user"]["id"]]["reason"] == "该统一社会信用代码已由其他账户完成认证"
    with app.app_context():
        closed = db.session.get(EnterpriseVerification, stranger_request["id"])
        assert closed.status == "rejected" and closed.closed_by_owner
        assert db.session.get(User, stranger["user"]["id"]).verification_status == "rejected"

    # The closed account cannot claim the USCC again, may claim another; nobody may register it now.
    again = submit(client, stranger["access_token"], legal_representative="冒用者")
    assert again.status_code == 409 and again.json["code"] == "enterprise_registered"
    another = submit(client, stranger["access_token"], legal_representative="冒用者", uscc="91350100M000100Y43",
                     enterprise_name="许昌冒用者商贸有限公司")
    assert another.status_code == 201 and another.json["uscc"] == "91350100M000100Y43"
    third = client.post("/api/v1/auth/register", json={
        "phone": "13600000009", "sms_code": request_code("13600000009", "register"), "password": PASSWORD,
        "contact_name": "赵六", "enterprise_name": "许昌瑞祥机械有限公司", "uscc": USCC, "region_code": "411002"})
    assert third.status_code == 409 and third.json["code"] == "enterprise_registered"
    twice = client.post(f"/api/v1/admin/enterprise-verifications/{request['id']}/approve", headers=auth(regions))
    assert twice.status_code == 409


def test_rejection_needs_a_reason_and_the_applicant_may_try_again(app, client, enterprise, regions):
    token = enterprise("13600000001")["access_token"]
    request = submit(client, token).json
    path = f"/api/v1/admin/enterprise-verifications/{request['id']}/reject"
    assert client.post(path, json={}, headers=auth(regions)).status_code == 422
    resp = client.post(path, json={"reason": "营业执照不清晰"}, headers=auth(regions))
    assert resp.status_code == 200 and resp.json["status"] == "rejected" and resp.json["reason"] == "营业执照不清晰"
    mine = client.get("/api/v1/auth/enterprise-verification", headers=auth(token)).json
    assert mine["status"] == "rejected" and mine["reason"] == "营业执照不清晰"
    assert events(app, "auth.enterprise_verification_decided")[-1]["reason"] == "营业执照不清晰"
    assert submit(client, token).status_code == 201


def test_government_reviews_only_requests_its_region_holds_by_registration(app, client, enterprise, regions, login,
                                                                            credit):
    weidu = staff(client, regions, login, "13700000001", "411002")
    jian_an = staff(client, regions, login, "13700000002", "411003")
    # The stranger claims 建安区; the registration data says 魏都区, and that decides.
    request = submit(client, enterprise("13600000001", region="411003")["access_token"]).json
    del credit.routes[REGISTRATION]  # credit-service knows nothing of the next one: the admin's alone
    unknown = submit(client, enterprise("13600000002", uscc="91350100M000100Y43")["access_token"]).json

    def listed(token):
        page = client.get("/api/v1/admin/enterprise-verifications", headers=auth(token)).json
        return [item["id"] for item in page["items"]]

    assert listed(weidu) == [request["id"]]
    assert listed(jian_an) == []
    assert set(listed(regions)) == {request["id"], unknown["id"]}
    assert client.get(f"/api/v1/admin/enterprise-verifications/{request['id']}/files/licence",
                      headers=auth(jian_an)).status_code == 404
    licence = client.get(f"/api/v1/admin/enterprise-verifications/{request['id']}/files/licence",
                         headers=auth(weidu))
    assert licence.status_code == 200 and licence.data == PNG and licence.mimetype == "image/png"
    assert client.post(f"/api/v1/admin/enterprise-verifications/{unknown['id']}/approve",
                       headers=auth(weidu)).status_code == 404


def test_enterprises_and_institutions_cannot_review(client, enterprise):
    token = enterprise("13600000001")["access_token"]
    request = submit(client, token).json
    assert client.get("/api/v1/admin/enterprise-verifications", headers=auth(token)).status_code == 403
    assert client.post(f"/api/v1/admin/enterprise-verifications/{request['id']}/approve",
                       headers=auth(token)).status_code == 403
    assert client.get(f"/api/v1/admin/enterprise-verifications/{request['id']}/files/licence").status_code == 401


def test_operators_verify_reviewed_accounts_in_bulk(app, client, enterprise):
    single = enterprise("13600000001")
    enterprise("13600000002", uscc="91350100M000100Y43")
    enterprise("13600000003", uscc="91350100M000100Y43")
    result = app.test_cli_runner().invoke(args=["verify-enterprises", USCC, "91350100M000100Y43"])
    assert result.exit_code == 0, result.output
    assert f"{USCC}: verified user {single['user']['id']}" in result.output
    assert "91350100M000100Y43: 2 open claims" in result.output
    with app.app_context():
        assert db.session.get(User, single["user"]["id"]).verification_status == "verified"
        audited = db.session.scalar(db.text("SELECT count(*) FROM audit_logs WHERE actor_role = 'operator' "
                                            "AND action = 'enterprise_verification.approved'"))
        assert audited == 1
    assert events(app, "auth.enterprise_verified")[-1]["user_id"] == single["user"]["id"]


def test_documents_are_deleted_once_their_retention_passes(app, client, enterprise, regions):
    request = submit(client, enterprise("13600000001")["access_token"]).json
    client.post(f"/api/v1/admin/enterprise-verifications/{request['id']}/reject", json={"reason": "不清晰"},
                headers=auth(regions))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["purge-expired", "--once"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(VerificationFile)) == 1
        db.session.get(EnterpriseVerification, request["id"]).files_kept_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert runner.invoke(args=["purge-expired", "--once"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(VerificationFile)) == 0
    resp = client.get(f"/api/v1/admin/enterprise-verifications/{request['id']}/files/licence", headers=auth(regions))
    assert resp.status_code == 404


def test_the_directory_store_keeps_documents_outside_the_database(app, client, enterprise, regions, tmp_path):
    app.config.update(VERIFICATION_STORAGE="directory", VERIFICATION_STORAGE_DIR=str(tmp_path / "documents"))
    request = submit(client, enterprise("13600000001")["access_token"]).json
    with app.app_context():
        row = db.session.scalar(db.select(VerificationFile))
        assert row.storage == "directory" and row.content is None and row.storage_key
    stored = list((tmp_path / "documents").rglob("*"))
    assert [p.read_bytes() for p in stored if p.is_file()] == [PNG]
    licence = client.get(f"/api/v1/admin/enterprise-verifications/{request['id']}/files/licence",
                         headers=auth(regions))
    assert licence.data == PNG


def test_no_event_carries_the_documents(app, client, enterprise):
    submit(client, enterprise("13600000001")["access_token"])
    with app.app_context():
        payloads = db.session.scalars(db.select(OutboxMessage.payload)).all()
    assert not any("iVBOR" in p or "PNG" in p for p in payloads)


ACTIVE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction 2 0 R>>endobj\n"
              b"2 0 obj<</S/JavaScript/JS(app.alert(document.domain))>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_an_uploaded_file_is_typed_by_its_bytes_and_served_only_as_a_download(client, enterprise, regions):
    token = enterprise("13600000001")["access_token"]
    # Named and declared a picture, it is a PDF with JavaScript to run when opened.
    resp = client.post("/api/v1/auth/enterprise-verification", headers=auth(token), content_type="multipart/form-data",
                       data={"legal_representative": "刘建国",
                             "licence": (io.BytesIO(ACTIVE_PDF), "licence.png", "image/png")})
    assert resp.status_code == 201, resp.json
    assert resp.json["documents"] == [{"kind": "licence", "content_type": "application/pdf", "size": len(ACTIVE_PDF)}]
    served = client.get(f"/api/v1/admin/enterprise-verifications/{resp.json['id']}/files/licence",
                        headers=auth(regions))
    assert served.status_code == 200 and served.data == ACTIVE_PDF and served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"] == f'attachment; filename="licence-{resp.json["id"]}.pdf"'
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert served.headers["Cache-Control"] == "no-store"
    # Only reviewers fetch it: not the enterprise itself, nor anyone without a token.
    assert client.get(f"/api/v1/admin/enterprise-verifications/{resp.json['id']}/files/licence",
                      headers=auth(token)).status_code == 403
    assert client.get(f"/api/v1/admin/enterprise-verifications/{resp.json['id']}/files/licence").status_code == 401
