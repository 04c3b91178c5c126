"""申请入驻 through the gateway on PostgreSQL: the public application with its SMS code, the rules of
the USCC (no answer tells a stranger whether a USCC has applied), the reviewers' scope, a rejection's
reason, and an approval that creates the institution and its administrator in one transaction (or, for
a phone already in use, nothing), with the applicant texted the decision. Also the portal's public figures."""

import re
import uuid

import pytest
from api_client import Api
from scenario import INITIAL_PASSWORD, admin_with_xuchang, random_uscc, staff_user, unique_phone

from xyd_testing.helpers import wait_until


@pytest.fixture(scope="module", autouse=True)
def reviewer(platform):
    """The platform admin, with the regions the applications name."""
    admin = admin_with_xuchang(platform)
    for body in ({"code": "411081", "name": "禹州市", "parent_code": "411000"},):
        resp = admin.post("/admin/regions", json=body)
        assert resp.status_code in (201, 409), resp.text
    return admin


def application_body(api: Api, phone: str | None = None, uscc: str | None = None, **changes) -> dict:
    phone = phone or unique_phone("139")
    return {"sms_code": api.request_code(phone, "apply"), "name": f"许昌农商银行{uuid.uuid4().hex[:6]}",
            "type": "bank", "uscc": uscc or random_uscc("411002"), "region_code": "411002",
            "address": "许昌市魏都区七一路88号", "contact_name": "李娜", "contact_phone": phone,
            "licence_no": "B1086H341100001", "description": "普惠小微信用贷款", **changes}


def apply(api: Api, **changes) -> dict:
    resp = api.post("/institution-applications", token="", json=application_body(api, **changes))
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_an_application_needs_the_code_sent_to_its_contact_phone(api):
    body = application_body(api)
    resp = api.post("/institution-applications", token="", json={**body, "sms_code": "000000"})
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_sms_code"
    resp = api.post("/institution-applications", token="", json=body)
    assert resp.status_code == 201 and resp.json()["status"] == "pending"


def test_a_bad_uscc_is_refused_on_the_field(api):
    uscc = random_uscc()
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    resp = api.post("/institution-applications", token="", json=application_body(api, uscc=wrong))
    assert resp.status_code == 422 and "uscc" in resp.json()["errors"]


def test_a_stranger_cannot_probe_whether_a_uscc_has_applied(api, reviewer):
    first = apply(api)
    # A stranger with a code for their own phone gets the answer any applicant gets.
    probe = api.post("/institution-applications", token="", json=application_body(api, uscc=first["uscc"]))
    fresh = api.post("/institution-applications", token="", json=application_body(api))
    assert probe.status_code == fresh.status_code == 201, probe.text
    assert probe.json()["status"] == fresh.json()["status"] == "pending" and set(probe.json()) == set(fresh.json())
    # Every submission uses its code up: the same code cannot probe a second USCC.
    body = application_body(api)
    assert api.post("/institution-applications", token="", json=body).status_code == 201
    again = api.post("/institution-applications", token="", json={**body, "uscc": first["uscc"]})
    assert again.status_code == 422 and again.json()["code"] == "invalid_sms_code"
    # Approving one application closes the other applications for the USCC; then it is on the platform,
    # and a refused submission uses its code up too.
    assert reviewer.post(f"/admin/institution-applications/{first['id']}/approve").status_code == 200
    listed = reviewer.get("/admin/institution-applications", params={"q": first["uscc"]}).json()["items"]
    assert {a["id"]: a["status"] for a in listed} == {first["id"]: "approved", probe.json()["id"]: "rejected"}
    body = application_body(api, uscc=first["uscc"])
    resp = api.post("/institution-applications", token="", json=body)
    assert resp.status_code == 409 and resp.json()["code"] == "institution_exists"
    resp = api.post("/institution-applications", token="", json={**body, "uscc": random_uscc("411002")})
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_sms_code"


def test_after_a_rejection_the_uscc_may_apply_again(api, reviewer):
    first = apply(api)
    assert reviewer.post(f"/admin/institution-applications/{first['id']}/reject",
                         json={"reason": "材料不全"}).status_code == 200
    second = apply(api, uscc=first["uscc"])
    assert second["id"] != first["id"] and second["status"] == "pending"


def test_a_rejection_needs_a_reason_and_the_applicant_is_texted_it(api, reviewer):
    application = apply(api)
    for body in ({}, {"reason": ""}, {"reason": "  "}):
        resp = reviewer.post(f"/admin/institution-applications/{application['id']}/reject", json=body)
        assert resp.status_code == 422, body
    resp = reviewer.post(f"/admin/institution-applications/{application['id']}/reject",
                         json={"reason": "金融许可证编号与机构名称不符"})
    assert resp.status_code == 200 and resp.json()["status"] == "rejected"
    phone = application["contact_phone"]
    wait_until(lambda: any("未通过审核" in t and "金融许可证编号与机构名称不符" in t for t in api.sms_texts(phone)),
               timeout=30, message="the decision SMS")
    code = api.request_code(phone, "apply")
    status = api.get("/institution-applications/status", token="",
                     params={"uscc": application["uscc"], "sms_code": code})
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "rejected" and status.json()["reason"] == "金融许可证编号与机构名称不符"


def test_government_reviews_only_its_region_and_below(platform, api, reviewer):
    weidu = apply(api)
    yuzhou = apply(api, region_code="411081", uscc=random_uscc("411081"))
    government, _ = staff_user(platform, reviewer, "/admin/government-users", {"name": "魏都区金融办",
                                                                               "region_code": "411002"})
    listed = government.get("/admin/institution-applications", params={"per_page": 100}).json()["items"]
    ids = {a["id"] for a in listed}
    assert weidu["id"] in ids and yuzhou["id"] not in ids
    assert all(a["region_code"] == "411002" for a in listed)
    assert government.get(f"/admin/institution-applications/{yuzhou['id']}").status_code == 404
    assert government.post(f"/admin/institution-applications/{yuzhou['id']}/approve").status_code == 404
    assert government.post(f"/admin/institution-applications/{yuzhou['id']}/reject",
                           json={"reason": "不在辖区"}).status_code == 404
    resp = government.post(f"/admin/institution-applications/{weidu['id']}/approve")
    assert resp.status_code == 200, resp.text


def test_approval_creates_the_institution_and_its_administrator_at_once(platform, api, reviewer):
    application = apply(api)
    resp = reviewer.post(f"/admin/institution-applications/{application['id']}/approve")
    assert resp.status_code == 200, resp.text
    institution, user = resp.json()["institution"], resp.json()["user"]
    assert institution["uscc"] == application["uscc"] and user["institution_id"] == institution["id"]
    assert reviewer.get(f"/admin/institutions/{institution['id']}").json()["name"] == application["name"]
    phone = application["contact_phone"]
    wait_until(lambda: any("入驻申请已通过审核" in t for t in api.sms_texts(phone)), timeout=30,
               message="the approval SMS")
    administrator = Api(platform.gateway)
    assert administrator.login(phone, INITIAL_PASSWORD)["user"]["must_change_password"] is True
    assert administrator.get("/products/mine").json()["code"] == "password_change_required"
    audit = reviewer.get("/admin/audit-logs", params={"target_type": "institution_application",
                                                      "target_id": str(application["id"])}).json()["items"]
    assert {a["action"] for a in audit} == {"institution_application.submitted", "institution_application.approved"}


def test_approval_with_a_phone_in_use_creates_nothing(platform, api, reviewer):
    phone = unique_phone("139")
    application = apply(api, phone=phone)
    resp = reviewer.post("/admin/government-users", json={"phone": phone, "name": "同号", "region_code": "411000"})
    assert resp.status_code == 201
    resp = reviewer.post(f"/admin/institution-applications/{application['id']}/approve")
    assert resp.status_code == 409 and resp.json()["code"] == "phone_in_use"
    found = reviewer.get("/admin/institutions", params={"q": application["name"]}).json()
    assert found["total"] == 0
    listed = reviewer.get("/admin/institution-applications", params={"q": application["uscc"]}).json()["items"]
    assert [a["status"] for a in listed] == ["pending"]


def test_the_status_lookup_tells_strangers_nothing(api):
    application = apply(api)
    code = api.request_code(application["contact_phone"], "apply")
    wrong = api.get("/institution-applications/status", token="", params={"uscc": application["uscc"],
                                                                         "sms_code": "000000"})
    unknown = api.get("/institution-applications/status", token="", params={"uscc": random_uscc(), "sms_code": code})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json()["message"] == unknown.json()["message"]


def test_portal_figures_are_public(api):
    resp = api.get("/portal/figures", token="")
    assert resp.status_code == 200, resp.text
    assert set(resp.json()) == {"institutions", "active_products", "orders", "granted_amount", "disbursed_amount"}
    assert re.search(r"max-age=\d+", resp.headers["Cache-Control"])
