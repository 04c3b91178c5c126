"""企业认证 end to end: a stranger who registers under a real enterprise's USCC can read nothing of it and
do nothing in its name; the real enterprise proves itself with its licence, the pre-check matches the
registration data, a reviewer of the right region approves, and the stranger's claim is closed."""

import pytest
from api_client import Api
from scenario import (
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    random_uscc,
    register_enterprise,
    staff_user,
    submit_verification,
    tiny_png,
    unique_phone,
)

from xyd_testing.helpers import wait_until

LEGAL_REPRESENTATIVE = "张建国"


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    resp = admin.post("/admin/regions", json={"code": "411003", "name": "建安区", "parent_code": "411000"})
    assert resp.status_code in (201, 409), resp.text
    bank = institution_user(platform, admin, new_institution(admin, "许昌农商银行"))
    product = published_product(bank)
    weidu_gov, _ = staff_user(platform, admin, "/admin/government-users",
                              {"name": "魏都区发改局", "region_code": "411002"})
    jian_an_gov, _ = staff_user(platform, admin, "/admin/government-users",
                                {"name": "建安区发改局", "region_code": "411003"})
    return {"admin": admin, "bank": bank, "product": product, "weidu_gov": weidu_gov, "jian_an_gov": jian_an_gov}


def imported_enterprise(admin: Api, name: str) -> str:
    uscc = random_uscc("411002")
    resp = admin.post("/credit/imports", json={"enterprises": [{
        "uscc": uscc, "name": name, "legal_representative": LEGAL_REPRESENTATIVE, "registered_capital": 800,
        "established_on": "2012-03-15", "status": "存续", "industry": "制造业", "region_code": "411002",
        "tax_credit_rating": "A"}]})
    assert resp.status_code == 200 and resp.json()["errors"] == [], resp.text
    return uscc


def order_body(product_id: int) -> dict:
    return {"product_id": product_id, "amount": 100, "term_months": 12, "purpose": "购置设备",
            "credit_authorized": True}


def test_a_stranger_claiming_a_real_uscc_sees_nothing_until_the_owner_is_verified(platform, world):
    admin, product = world["admin"], world["product"]
    name = "许昌恒达精密机械有限公司"
    uscc = imported_enterprise(admin, name)

    # A stranger registers under the real enterprise's USCC, claiming another district.
    stranger, stranger_user = register_enterprise(platform, uscc, "随便填的公司", region="411003")
    for path in (f"/credit/enterprises/{uscc}", "/credit/me"):
        resp = stranger.get(path)
        assert resp.status_code == 403 and resp.json()["code"] == "enterprise_unverified", (path, resp.text)
    resp = stranger.post("/orders", json=order_body(product["id"]))
    assert resp.status_code == 403 and resp.json()["code"] == "enterprise_unverified", resp.text
    assert stranger.get(f"/credit/enterprises/{random_uscc()}").status_code == 404
    assert stranger.get("/orders").json()["items"] == []

    # The real enterprise registers too (allowed while nobody is verified) and sends its licence.
    owner, _ = register_enterprise(platform, uscc, name, contact_name=LEGAL_REPRESENTATIVE)
    request = submit_verification(owner, legal_representative=LEGAL_REPRESENTATIVE)
    assert request["status"] == "pending" and request["precheck"] == "match", request
    assert request["registered_region_code"] == "411002"
    assert owner.get("/auth/me").json()["verification_status"] == "pending"
    assert owner.get("/auth/enterprise-verification").json()["id"] == request["id"]

    # Reviewers: the district the registration data names sees it, another district does not.
    def ids(api: Api) -> list[int]:
        resp = api.get("/admin/enterprise-verifications", params={"status": "pending", "uscc": uscc})
        assert resp.status_code == 200, resp.text
        return [item["id"] for item in resp.json()["items"]]

    assert request["id"] in ids(world["weidu_gov"]) and request["id"] in ids(admin)
    assert request["id"] not in ids(world["jian_an_gov"])
    assert world["jian_an_gov"].get(f"/admin/enterprise-verifications/{request['id']}").status_code == 404
    licence = world["weidu_gov"].get(f"/admin/enterprise-verifications/{request['id']}/files/licence")
    assert licence.status_code == 200 and licence.headers["Content-Type"] == "image/png"
    assert licence.content == tiny_png()
    assert world["bank"].get(f"/admin/enterprise-verifications/{request['id']}").status_code == 403

    approved = world["weidu_gov"].post(f"/admin/enterprise-verifications/{request['id']}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    assert owner.refresh()["user"]["verification_status"] == "verified"

    # The owner applies (once order-service has heard of the verification) and reads its record.
    def apply():
        resp = owner.post("/orders", json=order_body(product["id"]))
        assert resp.status_code in (201, 503), resp.text
        return resp.json() if resp.status_code == 201 else None

    order = wait_until(apply, timeout=20, interval=0.3, message="order-service to learn of the verification")
    assert order["enterprise_uscc"] == uscc and order["enterprise_name"] == name
    assert order["region_code"] == "411002"
    record = owner.get(f"/credit/enterprises/{uscc}")
    assert record.status_code == 200 and record.json()["enterprise"]["legal_representative"] == LEGAL_REPRESENTATIVE
    assert owner.get("/credit/me").json()["enterprise"]["uscc"] == uscc

    # The stranger's claim is closed, it is told in the app and by SMS, and still sees nothing.
    assert stranger.refresh()["user"]["verification_status"] == "rejected"
    wait_until(lambda: [n for n in stranger.get("/notifications").json()["items"]
                        if n["kind"] == "enterprise_verification_closed"],
               timeout=20, message="the stranger's notification")
    wait_until(lambda: [t for t in stranger.sms_texts(stranger_user["phone"]) if "已由其他账户完成认证" in t],
               timeout=20, message="the stranger's SMS")
    assert stranger.get(f"/credit/enterprises/{uscc}").json()["code"] == "enterprise_unverified"
    assert stranger.get("/orders").json()["items"] == []
    assert stranger.get(f"/orders/{order['id']}").status_code == 404
    resp = stranger.post("/auth/enterprise-verification", data={"legal_representative": "王五"},
                         files={"licence": ("l.png", tiny_png(), "image/png")})
    assert resp.status_code == 409 and resp.json()["code"] == "enterprise_registered", resp.text

    # A third registration with that USCC is refused.
    third = Api(platform.gateway)
    phone = unique_phone()
    code = third.request_code(phone, "register")
    resp = third.post("/auth/register", token="", json={
        "phone": phone, "sms_code": code, "password": "Xuchang2026staff", "contact_name": "赵六",
        "enterprise_name": name, "uscc": uscc, "region_code": "411002"})
    assert resp.status_code == 409 and resp.json()["code"] == "enterprise_registered", resp.text


def test_a_licence_that_is_not_an_image_or_pdf_or_is_too_large_is_refused(platform, world):
    enterprise, _ = register_enterprise(platform, random_uscc(), "许昌某某商贸有限公司")
    not_an_image = enterprise.post("/auth/enterprise-verification", data={"legal_representative": "李会计"},
                                   files={"licence": ("licence.png", b"<html>not a picture</html>", "image/png")})
    assert not_an_image.status_code == 422 and "licence" in not_an_image.json()["errors"], not_an_image.text
    too_large = tiny_png() + b"\0" * (5 * 1024 * 1024)
    resp = enterprise.post("/auth/enterprise-verification", data={"legal_representative": "李会计"},
                           files={"licence": ("licence.png", too_large, "image/png")})
    assert resp.status_code == 422 and "licence" in resp.json()["errors"], resp.text
    # Someone other than the legal representative needs the authorization letter.
    resp = enterprise.post("/auth/enterprise-verification", data={"legal_representative": "张建国"},
                           files={"licence": ("licence.png", tiny_png(), "image/png")})
    assert resp.status_code == 422 and "authorization_letter" in resp.json()["errors"], resp.text
    assert enterprise.get("/auth/me").json()["verification_status"] == "unverified"
    assert enterprise.get("/auth/enterprise-verification").status_code == 404
