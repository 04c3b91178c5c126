"""The authorization matrix, as data: every operation of the public API × every role, each on its own
and on someone else's object, with the answer expected in each cell — and no answer may leak another
party's data or be a 5xx.

Roles are one table (ROLES: how to make a logged-in caller); each row of MATRIX names an operation,
the object it is tried on, and the expected status per role, with `"*"` for every role not named. A new
role is one entry in ROLES (plus the rows where it answers differently from `"*"`). Rows that change
state run only the cells that must be refused (nothing may change), unless marked safe to repeat.
Every operation in the services' documents must have a row, so a new endpoint cannot slip past.
"""

import re
from dataclasses import dataclass, field

import pytest
import requests
from api_client import Api
from harness import SERVICE_DIRECTORIES
from scenario import (
    LOAN_PRODUCT,
    admin_with_xuchang,
    approve_verification,
    institution_user,
    new_institution,
    post_need,
    published_product,
    random_uscc,
    register_enterprise,
    staff_user,
    submit_verification,
)

from xyd_testing.helpers import wait_until

SERVICES = SERVICE_DIRECTORIES


def verified(platform, admin: Api, region: str, name: str) -> tuple[Api, str, int]:
    """An enterprise that registered and was verified: (its caller, its USCC, its verification's id)."""
    uscc = random_uscc(region)
    api, _ = register_enterprise(platform, uscc, name, region=region)
    request = submit_verification(api)
    approve_verification(admin, api, request["id"])
    return api, uscc, request["id"]


def policy_body(title: str = "矩阵政策") -> dict:
    """A policy of 魏都区 (side A's district), published today."""
    return {"title": title, "body": "矩阵政策正文。", "issuer": "魏都区金融办", "region_code": "411002",
            "published_on": "2026-01-05", "valid_until": None}


def order_of(applicant: Api, product: dict) -> dict:
    created = {}

    def apply():
        resp = applicant.post("/orders", json={"product_id": product["id"], "amount": 100, "term_months": 12,
                                               "purpose": "采购原材料", "credit_authorized": True})
        assert resp.status_code in (201, 422, 503), resp.text
        if resp.status_code == 422:  # order-service has not yet heard of the product
            assert resp.json()["code"] == "product_unavailable", resp.text
        created.update(resp.json())
        return resp.status_code == 201

    wait_until(apply, timeout=30, interval=0.3, message="order-service to know the product and applicant")
    return created


# 魏都区's fund and subsidy programme (side A's government instruments).
MATRIX_FUND = {"name": "魏都矩阵风险补偿资金池", "region_code": "411002", "budget": 100, "share_percent": 40,
               "cap_per_loan": 20, "institution_types": ["bank"], "loans_from": "2026-01-01",
               "loans_to": "2027-12-31", "claims_until": "2028-12-31"}
MATRIX_PROGRAM = {"name": "魏都矩阵贴息", "region_code": "411002", "share_percent": 50, "cap_per_enterprise": 5,
                  "budget": 100, "loans_from": "2026-01-01", "loans_to": "2027-12-31", "apply_until": "2028-12-31"}


def instrument_of(government: Api, path: str, body: dict) -> dict:
    """A fund or programme, once loan-service knows the region (from auth-service's region.created)."""
    def created():
        resp = government.post(path, json=body)
        assert resp.status_code in (201, 422), resp.text
        return resp.json() if resp.status_code == 201 else None

    return wait_until(created, timeout=30, interval=0.3, message=f"loan-service to know 魏都区 ({path})")


# --- the roles: name -> how the world makes its logged-in caller -------------------------------------------

ROLES = {
    "anonymous": lambda w: Api(w["platform"].gateway, token=""),
    "enterprise_a": lambda w: w["enterprise_a"],
    "enterprise_b": lambda w: w["enterprise_b"],
    "enterprise_unverified": lambda w: w["enterprise_unverified"],  # registered, never verified
    "institution_a": lambda w: w["institution_a"],
    "institution_b": lambda w: w["institution_b"],
    "government_a": lambda w: w["government_a"],  # 魏都区, where enterprise A is
    "government_b": lambda w: w["government_b"],  # 建安区, where enterprise B is
    "admin": lambda w: w["admin"],
}


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    assert admin.post("/admin/regions", json={"code": "411003", "name": "建安区", "parent_code": "411000"}
                      ).status_code in (201, 409)
    bank_a, bank_b = new_institution(admin, "矩阵银行甲"), new_institution(admin, "矩阵银行乙")
    institution_a, institution_b = institution_user(platform, admin, bank_a), institution_user(platform, admin, bank_b)
    government_a, gov_a_user = staff_user(platform, admin, "/admin/government-users",
                                          {"name": "魏都区金融办", "region_code": "411002"})
    government_b, _ = staff_user(platform, admin, "/admin/government-users",
                                 {"name": "建安区金融办", "region_code": "411003"})
    enterprise_a, uscc_a, verification_a = verified(platform, admin, "411002", "魏都矩阵制造有限公司")
    enterprise_b, uscc_b, _ = verified(platform, admin, "411003", "建安矩阵商贸有限公司")
    enterprise_unverified, _ = register_enterprise(platform, random_uscc("411002"), "魏都未认证商行")
    product_a = published_product(institution_a, {**LOAN_PRODUCT, "name": "矩阵甲贷"})
    product_b = published_product(institution_b, {**LOAN_PRODUCT, "name": "矩阵乙贷"})
    order_a, order_b = order_of(enterprise_a, product_a), order_of(enterprise_b, product_b)
    imported = admin.post("/credit/imports", json={"enterprises": [
        {"uscc": uscc_a, "name": "魏都矩阵制造有限公司", "region_code": "411002"},
        {"uscc": uscc_b, "name": "建安矩阵商贸有限公司", "region_code": "411003"}]})
    assert imported.status_code == 200, imported.text
    webhook_a = government_a.post("/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["order.*"]})
    assert webhook_a.status_code == 201, webhook_a.text
    authorization_a = wait_until(lambda: enterprise_a.get("/credit/me/authorizations").json()["items"],
                                 timeout=20, message="enterprise A's authorization of its order")[0]
    notification_a = wait_until(lambda: institution_a.get("/notifications").json()["items"], timeout=20,
                                message="institution A's notice of the new order")[0]
    # 推荐清单: enterprise A's need, pushed by its district's government to bank A.
    need_a = post_need(enterprise_a)
    push_a = wait_until(lambda: (resp := government_a.post(f"/needs/{need_a['id']}/pushes", json={
        "institution_ids": [bank_a["id"]]})).status_code == 201 and resp.json()["items"][0], timeout=20,
        message="order-service to know bank A")
    fund_a = instrument_of(government_a, "/funds", MATRIX_FUND)
    program_a = instrument_of(government_a, "/subsidy-programs", MATRIX_PROGRAM)
    policy_a = government_a.post("/policies", json=policy_body("魏都区矩阵政策"))
    assert policy_a.status_code == 201, policy_a.text
    return {"platform": platform, "admin": admin, "enterprise_a": enterprise_a, "enterprise_b": enterprise_b,
            "enterprise_unverified": enterprise_unverified,
            "institution_a": institution_a, "institution_b": institution_b, "government_a": government_a,
            "government_b": government_b,
            # The objects rows are tried on, all belonging to side A (own for *_a, foreign for *_b).
            "ids": {"institution": bank_a["id"], "product": product_a["id"], "order": order_a["id"],
                    "uscc": uscc_a, "webhook": webhook_a.json()["id"], "notification": notification_a["id"],
                    "user": gov_a_user["id"], "user_phone": gov_a_user["phone"], "verification": verification_a,
                    "authorization": authorization_a["id"], "need": need_a["id"], "push": push_a["id"],
                    "fund": fund_a["id"], "program": program_a["id"], "policy": policy_a.json()["id"]},
            # What side A's objects look like in an answer: no caller outside A's reach may see them.
            "markers": {"order": order_a["order_no"], "uscc": uscc_a, "product": product_a["name"],
                        "fund": fund_a["name"], "program": program_a["name"], "policy": "魏都区矩阵政策"},
            "order_b": order_b}


# --- side A's objects as one who may see them reads them: what a refused change must leave as it was ---------

# object -> (reader, path, the list's item with the object's id or None for the object itself)
VIEWS = {
    "institution": ("admin", "/admin/institutions/{institution}", None),
    "product": ("institution_a", "/products/{product}", None),
    "order": ("admin", "/orders/{order}", None),
    "uscc": ("admin", "/credit/enterprises/{uscc}", None),
    "verification": ("admin", "/admin/enterprise-verifications/{verification}", None),
    "user": ("admin", "/admin/users?q={user_phone}", "user"),
    "webhook": ("government_a", "/webhooks", "webhook"),
    "notification": ("institution_a", "/notifications", "notification"),
    "authorization": ("enterprise_a", "/credit/me/authorizations", "authorization"),
    "need": ("enterprise_a", "/needs", "need"),
    "push": ("government_a", "/needs/{need}/pushes", "push"),
    "fund": ("admin", "/funds/{fund}", None),
    "program": ("admin", "/subsidy-programs/{program}", None),
    "policy": ("government_a", "/policies/{policy}", None),
}


def view(world, name: str):
    reader, path, item = VIEWS[name]
    resp = world[reader].get(path.format(**world["ids"]))
    assert resp.status_code == 200, f"reading side A's {name}: {resp.status_code} {resp.text[:200]}"
    if item is None:
        return resp.json()
    found = [entry for entry in resp.json()["items"] if entry["id"] == world["ids"][item]]
    assert len(found) == 1, f"side A's {name} is not in {path}"
    return found[0]


def views_of(row) -> list[str]:
    """The objects a refused change of `row` could have touched: the one its path names, or, for a row
    on no object of side A (creating one, acting on the caller's own), all of them."""
    named = [name for name in re.findall(r"\{(\w+)\}", row.path) if name in VIEWS]
    return named or list(VIEWS)


# --- the matrix ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    method: str
    path: str  # {institution}, {product}, {order}, {uscc}, {webhook}, {notification}, {user}: side A's ids
    expect: dict  # role -> status; "*" for every role not named
    body: object = None  # a JSON body, or a function of side A's ids returning one
    mutates: bool = False  # then only refused cells are sent
    # Marker names (see world["markers"]) that must not appear in a 2xx answer to these roles.
    hides: dict = field(default_factory=dict)

    def status_for(self, role: str) -> int:
        return self.expect.get(role, self.expect["*"])


STAFF_ONLY = {"anonymous": 401, "*": 403}
ADMIN_ONLY = {"admin": 200, "anonymous": 401, "*": 403}
ANY_USER = {"anonymous": 401, "*": 200}
PUBLIC = {"*": 200}
NOT_A = ("enterprise_b", "institution_b", "government_b")
GRANT = {"amount": 100, "rate": 4.2, "term_months": 12}
LOAN_STATS = {"anonymous": 401, "enterprise_a": 403, "enterprise_b": 403, "enterprise_unverified": 403, "*": 200}
VERIFIED_ENTERPRISE = {"anonymous": 401, "enterprise_a": 200, "enterprise_b": 200, "*": 403}
REVIEWERS = {"anonymous": 401, "admin": 200, "government_a": 200, "government_b": 200, "*": 403}
DECIDED_REQUEST = {**REVIEWERS, "government_a": 404, "government_b": 404}
NO_SUCH_APPLICATION = {**REVIEWERS, "admin": 404, "government_a": 404, "government_b": 404}
# Side A's fund or programme: managed by 魏都区's government and the admin; hidden from 建安区's.
MANAGERS_OF_A = {"anonymous": 401, "government_a": 200, "admin": 200, "government_b": 404, "*": 403}
NO_SUCH_DECISION = {"anonymous": 401, "government_a": 404, "government_b": 404, "admin": 404, "*": 403}
NO_ENTERPRISES = {"anonymous": 401, "enterprise_a": 403, "enterprise_b": 403, "enterprise_unverified": 403}
NO_INSTITUTIONS = {"anonymous": 401, "institution_a": 403, "institution_b": 403}
SUPERVISORS = {"anonymous": 401, "government_a": 200, "government_b": 200, "admin": 200, "*": 403}
# Side A's fund and programme must not show in 建安区's figures (nor their names in its CSV).
NOT_FOR_B = {"fund": ("government_b",), "program": ("government_b",)}

MATRIX = [
    # accounts (the public sign-in operations are covered by their own suites: they take no object)
    Row("get", "/auth/me", ANY_USER),
    Row("patch", "/auth/me", ANY_USER, body={"name": "新名字"}, mutates=True),
    Row("post", "/auth/logout", {"anonymous": 401, "*": 204}, mutates=True),
    Row("post", "/auth/password", {"anonymous": 401, "*": 422}, body={}, mutates=True),
    Row("get", "/auth/password-policy", PUBLIC),
    Row("post", "/auth/sms-codes", {"*": 422}, body={}),
    Row("post", "/auth/login", {"*": 422}, body={}),
    Row("post", "/auth/register", {"*": 422}, body={}),
    Row("post", "/auth/refresh", {"*": 422}, body={}),
    Row("post", "/auth/password/reset", {"*": 422}, body={}),
    Row("get", "/regions", PUBLIC),
    # administration
    Row("post", "/admin/regions", {**ADMIN_ONLY, "admin": 201}, body={"code": "411099", "name": "矩阵区",
                                                                      "parent_code": "411000"}, mutates=True),
    Row("get", "/admin/institutions", ADMIN_ONLY),
    Row("post", "/admin/institutions", {**ADMIN_ONLY, "admin": 201}, body={}, mutates=True),
    Row("get", "/admin/institutions/{institution}", ADMIN_ONLY),
    Row("patch", "/admin/institutions/{institution}", ADMIN_ONLY, body={"name": "改名银行"}, mutates=True),
    Row("post", "/admin/institutions/{institution}/disable", ADMIN_ONLY, mutates=True),
    Row("post", "/admin/institutions/{institution}/enable", ADMIN_ONLY, mutates=True),
    Row("post", "/admin/institutions/{institution}/users", {**ADMIN_ONLY, "admin": 201}, body={}, mutates=True),
    Row("post", "/admin/government-users", {**ADMIN_ONLY, "admin": 201}, body={}, mutates=True),
    Row("get", "/admin/users", ADMIN_ONLY),
    Row("post", "/admin/users/{user}/disable", ADMIN_ONLY, mutates=True),
    Row("post", "/admin/users/{user}/enable", ADMIN_ONLY, mutates=True),
    Row("post", "/admin/users/{user}/reset-password", ADMIN_ONLY, mutates=True),
    Row("get", "/admin/audit-logs", ADMIN_ONLY),
    Row("get", "/admin/login-logs", ADMIN_ONLY),
    # products
    Row("post", "/products", {"anonymous": 401, "institution_a": 201, "institution_b": 201, "*": 403},
        body=LOAN_PRODUCT, mutates=True),
    Row("get", "/products/mine", {"anonymous": 401, "institution_a": 200, "institution_b": 200, "*": 403},
        hides={"product": ("institution_b",)}),
    Row("get", "/products/{product}", PUBLIC),
    Row("patch", "/products/{product}", {"anonymous": 401, "institution_a": 200, "institution_b": 404, "*": 403},
        body={"description": "矩阵修改"}, mutates=True),
    Row("post", "/products/{product}/disable", {"anonymous": 401, "institution_a": 200, "institution_b": 404,
                                                "*": 403}, mutates=True),
    Row("post", "/products/{product}/enable", {"anonymous": 401, "institution_a": 200, "institution_b": 404,
                                               "*": 403}, mutates=True),
    Row("get", "/market/products", PUBLIC),
    Row("get", "/market/recommendations", {"anonymous": 401, "enterprise_a": 200, "enterprise_b": 200,
                                           "enterprise_unverified": 200, "*": 403}),
    # orders
    Row("post", "/orders", {"anonymous": 401, "enterprise_a": 201, "enterprise_b": 201, "*": 403},
        body=lambda ids: {"product_id": ids["product"], "amount": 100, "term_months": 12, "purpose": "矩阵",
                          "credit_authorized": True}, mutates=True),
    Row("get", "/orders", ANY_USER, hides={"order": NOT_A}),
    Row("get", "/orders/stats", {"anonymous": 401, "government_a": 200, "government_b": 200, "admin": 200,
                                 "*": 403}),
    # Spreadsheets of the caller's own scope (the list's rules); the statistics for supervisors only.
    Row("get", "/orders/export", {"anonymous": 401, "enterprise_a": 403, "enterprise_b": 403,
                                  "enterprise_unverified": 403, "*": 200}),
    Row("get", "/orders/stats/export", {"anonymous": 401, "government_a": 200, "government_b": 200, "admin": 200,
                                        "*": 403}),
    Row("get", "/orders/{order}", {"anonymous": 401, "enterprise_b": 404, "enterprise_unverified": 404,
                                   "institution_b": 404, "government_b": 404, "*": 200}),
    Row("post", "/orders/{order}/accept", {"anonymous": 401, "institution_a": 200, "institution_b": 404,
                                           "*": 403}, mutates=True),
    Row("post", "/orders/{order}/grant", {"anonymous": 401, "institution_a": 409, "institution_b": 404,
                                          "*": 403}, body=GRANT, mutates=True),
    Row("post", "/orders/{order}/disburse", {"anonymous": 401, "institution_a": 409, "institution_b": 404,
                                             "*": 403}, body={"amount": 100, "disbursed_on": "2026-01-05"},
        mutates=True),
    Row("post", "/orders/{order}/terminate", {"anonymous": 401, "institution_a": 200, "institution_b": 404,
                                              "*": 403}, body={"reason": "矩阵"}, mutates=True),
    Row("post", "/orders/{order}/withdraw", {"anonymous": 401, "enterprise_a": 200, "enterprise_b": 404,
                                             "enterprise_unverified": 404, "*": 403}, mutates=True),
    Row("get", "/orders/scorecards", {"anonymous": 401, "enterprise_a": 403, "enterprise_b": 403,
                                      "enterprise_unverified": 403, "*": 200}),
    Row("post", "/orders/{order}/urge", {"anonymous": 401, "government_a": 200, "government_b": 404, "admin": 200,
                                         "*": 403}, body={"message": "请尽快受理"}, mutates=True),
    Row("post", "/orders/{order}/return", {"anonymous": 401, "institution_a": 200, "institution_b": 404,
                                           "*": 403}, body={"reason": "矩阵退回", "items": ["营业执照副本"]},
        mutates=True),
    # A submitted order is not waiting for documents: the enterprise's own answer is a 409.
    Row("post", "/orders/{order}/resubmit", {"anonymous": 401, "enterprise_a": 409, "enterprise_b": 404,
                                             "enterprise_unverified": 404, "*": 403}, mutates=True),
    # 走访 (visits) of side A's enterprise: side B's government does not find it in its region.
    Row("post", "/visits", {"anonymous": 401, "government_a": 201, "government_b": 404, "admin": 201, "*": 403},
        body=lambda ids: {"uscc": ids["uscc"], "enterprise_name": "矩阵企业", "visited_on": "2026-01-05",
                          "visitors": "矩阵走访组", "findings": "矩阵走访情况"}, mutates=True),
    Row("get", "/visits", {"anonymous": 401, "government_a": 200, "government_b": 200, "admin": 200, "*": 403}),
    Row("get", "/visits/export", {"anonymous": 401, "government_a": 200, "government_b": 200, "admin": 200,
                                  "*": 403}),
    # financing needs (on an id that names no need: only who may ask is under test here)
    Row("post", "/needs", {"anonymous": 401, "enterprise_a": 201, "enterprise_b": 201, "*": 403},
        body={"amount": 100, "term_months": 12, "purpose": "矩阵", "guarantee_methods": ["credit"],
              "credit_authorization": {"version": 1}}, mutates=True),
    Row("get", "/needs", ANY_USER),
    Row("post", "/needs/987654321/cancel", {"anonymous": 401, "enterprise_a": 404, "enterprise_b": 404,
                                            "enterprise_unverified": 404, "*": 403}, mutates=True),
    Row("post", "/needs/987654321/claim", {"anonymous": 401, "institution_a": 404, "institution_b": 404,
                                           "*": 403}, body=lambda ids: {"product_id": ids["product"]}, mutates=True),
    # 推荐清单 (on enterprise A's need, pushed to bank A)
    Row("post", "/needs/{need}/pushes", {"anonymous": 401, "government_a": 409, "government_b": 404, "admin": 409,
                                         "*": 403},
        body=lambda ids: {"institution_ids": [ids["institution"]]}, mutates=True),
    Row("get", "/needs/{need}/pushes", {"anonymous": 401, "government_a": 200, "government_b": 404, "admin": 200,
                                        "*": 403}),
    Row("get", "/needs/pushes", {"anonymous": 401, "enterprise_a": 403, "enterprise_b": 403,
                                 "enterprise_unverified": 403, "*": 200}, hides={"uscc": NOT_A}),
    Row("post", "/needs/pushes/{push}/accept", {"anonymous": 401, "institution_a": 200, "institution_b": 404,
                                                "*": 403},
        body=lambda ids: {"product_id": ids["product"]}, mutates=True),
    Row("post", "/needs/pushes/{push}/decline", {"anonymous": 401, "institution_a": 200, "institution_b": 404,
                                                 "*": 403}, body={"reason": "矩阵原因"}, mutates=True),
    # credit
    Row("post", "/credit/imports", {"anonymous": 401, "admin": 200, "government_a": 200, "government_b": 200,
                                    "*": 403}, body={}, mutates=True),
    Row("get", "/credit/enterprises/{uscc}", {"anonymous": 401, "enterprise_a": 200, "institution_a": 200,
                                              "government_a": 200, "admin": 200, "*": 404}),
    Row("get", "/credit/whitelist", {"anonymous": 401, "enterprise_a": 403, "enterprise_b": 403,
                                     "enterprise_unverified": 403, "*": 200}),
    Row("get", "/credit/access-logs", ADMIN_ONLY),
    Row("get", "/credit/authorization-text", PUBLIC),
    Row("post", "/admin/credit/authorization-texts", {**ADMIN_ONLY, "admin": 422}, body={}),
    Row("get", "/admin/credit/authorization-texts", ADMIN_ONLY),
    Row("get", "/credit/me", VERIFIED_ENTERPRISE),
    Row("get", "/credit/me/access-logs", VERIFIED_ENTERPRISE),
    Row("get", "/credit/me/authorizations", VERIFIED_ENTERPRISE),
    Row("post", "/credit/me/authorizations/{authorization}/revoke", {**VERIFIED_ENTERPRISE, "enterprise_b": 404},
        mutates=True),
    Row("get", "/credit/me/disputes", VERIFIED_ENTERPRISE),
    Row("post", "/credit/me/disputes", {**VERIFIED_ENTERPRISE, "enterprise_a": 404, "enterprise_b": 404},
        body={"record_id": 987654321, "reason": "这条记录有误，矩阵", "contact": "13700000000"}, mutates=True),
    Row("get", "/credit/disputes", {"anonymous": 401, "admin": 200, "government_a": 200, "government_b": 200,
                                    "*": 403}),
    Row("post", "/credit/disputes/987654321/decide", {"anonymous": 401, "admin": 404, "government_a": 404,
                                                      "government_b": 404, "*": 403},
        body={"decision": "uphold", "note": "矩阵"}, mutates=True),
    # enterprise verification
    Row("post", "/auth/enterprise-verification", {"anonymous": 401, "enterprise_a": 201, "enterprise_b": 201,
                                                  "enterprise_unverified": 201, "*": 403}, mutates=True),
    Row("get", "/auth/enterprise-verification", {"anonymous": 401, "enterprise_a": 200, "enterprise_b": 200,
                                                 "enterprise_unverified": 404, "*": 403}),
    Row("get", "/admin/enterprise-verifications", REVIEWERS, hides={"uscc": ("government_b",)}),
    # Side A asked before credit-service knew its enterprise: such a request is the admin's alone.
    Row("get", "/admin/enterprise-verifications/{verification}", DECIDED_REQUEST),
    Row("get", "/admin/enterprise-verifications/{verification}/files/licence", DECIDED_REQUEST),
    Row("post", "/admin/enterprise-verifications/{verification}/approve", DECIDED_REQUEST, mutates=True),
    Row("post", "/admin/enterprise-verifications/{verification}/reject", DECIDED_REQUEST,
        body={"reason": "矩阵"}, mutates=True),
    # institutions applying to join (申请入驻; on an id that names no application: who may ask is under test)
    Row("post", "/institution-applications", {"*": 422}, body={}),
    Row("get", "/institution-applications/status", {"*": 422}),
    Row("get", "/admin/institution-applications", REVIEWERS),
    Row("get", "/admin/institution-applications/987654321", NO_SUCH_APPLICATION),
    Row("post", "/admin/institution-applications/987654321/approve", NO_SUCH_APPLICATION, mutates=True),
    Row("post", "/admin/institution-applications/987654321/reject", NO_SUCH_APPLICATION, body={"reason": "矩阵"},
        mutates=True),
    Row("get", "/portal/figures", PUBLIC),
    # 政策资讯: side A's policy is 魏都区's; 建安区's government does not find it (nor may publish there).
    Row("get", "/policies", PUBLIC),
    Row("get", "/policies/{policy}", PUBLIC),
    Row("get", "/policies/managed", {"anonymous": 401, "government_a": 200, "government_b": 200, "admin": 200,
                                     "*": 403}, hides={"policy": ("government_b",)}),
    Row("get", "/policies/recommended", {"anonymous": 401, "enterprise_a": 200, "enterprise_b": 200,
                                         "enterprise_unverified": 403, "*": 403}),
    Row("post", "/policies", {"anonymous": 401, "government_a": 201, "government_b": 404, "admin": 201, "*": 403},
        body=policy_body(), mutates=True),
    Row("patch", "/policies/{policy}", {"anonymous": 401, "government_a": 200, "government_b": 404, "admin": 200,
                                        "*": 403}, body={"title": "矩阵修改"}, mutates=True),
    Row("post", "/policies/{policy}/withdraw", {"anonymous": 401, "government_a": 200, "government_b": 404,
                                                "admin": 200, "*": 403}, mutates=True),
    # notifications and webhooks
    Row("get", "/notifications", ANY_USER),
    Row("get", "/notifications/unread-count", ANY_USER),
    Row("post", "/notifications/{notification}/read", {"anonymous": 401, "institution_a": 200, "*": 404},
        mutates=True),
    Row("post", "/notifications/read-all", ANY_USER, mutates=True),
    Row("post", "/webhooks", {"anonymous": 401, "government_a": 201, "government_b": 201, "admin": 201,
                              "*": 403}, body={}, mutates=True),
    Row("get", "/webhooks", {"anonymous": 401, "government_a": 200, "government_b": 200, "admin": 200,
                             "*": 403}),
    Row("delete", "/webhooks/{webhook}", {"anonymous": 401, "government_a": 204, "government_b": 404,
                                          "admin": 204, "*": 403}, mutates=True),
    Row("get", "/webhooks/{webhook}/deliveries", {"anonymous": 401, "government_a": 200, "government_b": 404,
                                                  "admin": 200, "*": 403}),
    Row("post", "/webhooks/{webhook}/deliveries/987654321/redeliver",
        {"anonymous": 401, "government_a": 404, "government_b": 404, "admin": 404, "*": 403}, mutates=True),
    Row("get", "/dev/sms", {"*": 422}),
    # loan-service: side A has no loan here (test_loans.py follows a loan through its life), so a loan id
    # is one nobody holds: every role allowed past the role check gets 404, like a loan of another's.
    Row("get", "/loans", {"anonymous": 401, "enterprise_unverified": 403, "*": 200}),
    # The loan list as a spreadsheet, in the caller's own scope; not for enterprises.
    Row("get", "/loans/export", {"anonymous": 401, "enterprise_a": 403, "enterprise_b": 403,
                                 "enterprise_unverified": 403, "*": 200}),
    # Loan statistics and their spreadsheet: supervisors over their region and below, each institution over
    # its own loans, no enterprise. Another district's government asking for side A's district, or a bank
    # for side A's bank, is refused (403, as for /orders/stats), never answered with A's figures.
    Row("get", "/loans/stats", LOAN_STATS),
    Row("get", "/loans/stats?region_code=411002&group_by=region", {**LOAN_STATS, "government_b": 403}),
    Row("get", "/loans/stats?institution_id={institution}&group_by=month", {**LOAN_STATS, "institution_b": 403}),
    Row("get", "/loans/stats/export", LOAN_STATS),
    Row("get", "/loans/stats/export?format=csv&region_code=411002", {**LOAN_STATS, "government_b": 403}),
    Row("get", "/loans/stats/export?institution_id={institution}", {**LOAN_STATS, "institution_b": 403}),
    Row("get", "/loans/987654321", {"anonymous": 401, "enterprise_unverified": 403, "*": 404}),
    Row("post", "/loans/987654321/repayments", {"anonymous": 401, "institution_a": 404, "institution_b": 404,
                                                "*": 403},
        body={"paid_on": "2026-12-01", "principal": 1, "interest": 0, "reference": "MATRIX-1"}, mutates=True),
    Row("post", "/loans/987654321/write-off", {"anonymous": 401, "institution_a": 404, "institution_b": 404,
                                               "*": 403}, body={"reason": "矩阵核销"}, mutates=True),
    Row("post", "/loans/repayments/import", {"anonymous": 401, "institution_a": 422, "institution_b": 422,
                                             "*": 403}, body={}, mutates=True),
    Row("get", "/admin/loans/business-date", ADMIN_ONLY),
    Row("put", "/admin/loans/business-date", {**ADMIN_ONLY, "admin": 422}, body={}, mutates=True),
    # Government instruments (loan-service): side A's fund and programme are 魏都区's, managed by its
    # government and the admin; 建安区's government does not find them. Claims and applications on ids
    # nobody holds: every role allowed past the role check gets 404 (tests-e2e/test_instruments.py
    # tries another bank's, district's and enterprise's real ones).
    Row("get", "/admin/loans/audit-logs", ADMIN_ONLY),
    Row("post", "/funds", {**MANAGERS_OF_A, "government_a": 201, "admin": 201, "government_b": 403},
        body=MATRIX_FUND, mutates=True),
    Row("get", "/funds", {**NO_ENTERPRISES, "*": 200}, hides={"fund": ("government_b",)}),
    Row("get", "/funds/{fund}", {**NO_ENTERPRISES, "government_b": 404, "*": 200}),
    Row("post", "/funds/{fund}/top-up", MANAGERS_OF_A, body={"amount": 1}, mutates=True),
    Row("post", "/funds/{fund}/close", MANAGERS_OF_A, mutates=True),
    Row("post", "/funds/{fund}/claims", {"anonymous": 401, "institution_a": 400, "institution_b": 400, "*": 403},
        body={}, mutates=True),
    Row("get", "/claims", {**NO_ENTERPRISES, "*": 200}),
    Row("get", "/claims/987654321", {**NO_ENTERPRISES, "*": 404}),
    Row("get", "/claims/987654321/files/987654321", {**NO_ENTERPRISES, "*": 404}),
    Row("post", "/claims/987654321/approve", NO_SUCH_DECISION, body={"amount": 1}, mutates=True),
    Row("post", "/claims/987654321/reject", NO_SUCH_DECISION, body={"reason": "矩阵驳回"}, mutates=True),
    Row("post", "/claims/987654321/pay", NO_SUCH_DECISION, body={"paid_on": "2026-12-01", "reference": "M1"},
        mutates=True),
    Row("post", "/subsidy-programs", {**MANAGERS_OF_A, "government_a": 201, "admin": 201, "government_b": 403},
        body=MATRIX_PROGRAM, mutates=True),
    Row("get", "/subsidy-programs", {**NO_INSTITUTIONS, "*": 200}, hides={"program": ("government_b",)}),
    Row("get", "/subsidy-programs/{program}", {**NO_INSTITUTIONS, "government_b": 404, "*": 200}),
    Row("post", "/subsidy-programs/{program}/applications", {"anonymous": 401, "enterprise_a": 404,
                                                             "enterprise_b": 404, "*": 403},
        body={"loan_id": 987654321}, mutates=True),
    Row("get", "/subsidy-programs/{program}/applications", MANAGERS_OF_A),
    Row("get", "/subsidy-applications", {**NO_INSTITUTIONS, "enterprise_unverified": 403, "*": 200}),
    Row("get", "/subsidy-applications/987654321", {**NO_INSTITUTIONS, "enterprise_unverified": 403, "*": 404}),
    Row("post", "/subsidy-applications/987654321/approve", NO_SUCH_DECISION, body={}, mutates=True),
    Row("post", "/subsidy-applications/987654321/reject", NO_SUCH_DECISION, body={"reason": "矩阵驳回"},
        mutates=True),
    Row("post", "/subsidy-applications/987654321/pay", NO_SUCH_DECISION,
        body={"paid_on": "2026-12-01", "reference": "M1"}, mutates=True),
    # 风险补偿与贴息统计 and its spreadsheet: supervisors over their region's line (side A's fund and programme
    # are not 建安区's); a district asking for another district's figures is refused, never answered.
    Row("get", "/instruments/figures", SUPERVISORS, hides=NOT_FOR_B),
    Row("get", "/instruments/figures?region_code=411002", {**SUPERVISORS, "government_b": 403}),
    Row("get", "/instruments/figures/export", SUPERVISORS),
    Row("get", "/instruments/figures/export?format=csv", SUPERVISORS, hides=NOT_FOR_B),
    Row("get", "/instruments/figures/export?format=csv&region_code=411002", {**SUPERVISORS, "government_b": 403}),
]


def row_key(method: str, path: str) -> tuple[str, str]:
    """An operation as (METHOD, path with every parameter as {})."""
    return method.upper(), re.sub(r"\{[^}]+\}|\b987654321\b|(?<=/files/)licence$", "{}", path)


def test_every_documented_operation_has_a_row(platform):
    rows = {row_key(r.method, "/api/v1" + r.path) for r in MATRIX}
    missing = []
    for service in SERVICES:
        document = requests.get(f"{platform.gateway}/api/docs/specs/{service}.json", timeout=10).json()
        for path, item in document["paths"].items():
            for method in item:
                if method in ("get", "post", "patch", "put", "delete") and row_key(method, path) not in rows:
                    missing.append(f"{method.upper()} {path}")
    assert not missing, "operations without a row in the authorization matrix:\n" + "\n".join(missing)


@pytest.mark.parametrize("row", MATRIX, ids=lambda r: f"{r.method.upper()} {r.path}")
def test_each_role_gets_the_expected_answer_and_nothing_leaks(world, row):
    path = row.path.format(**world["ids"])
    problems = []
    views = views_of(row) if row.mutates else []
    before = {name: view(world, name) for name in views}
    for role, make in ROLES.items():
        expected = row.status_for(role)
        if row.mutates and 200 <= expected < 300:
            continue  # changing side A's objects would spoil the other rows; refusals change nothing
        body = row.body(world["ids"]) if callable(row.body) else row.body
        resp = make(world).request(row.method.upper(), path, json=body)
        if resp.status_code >= 500:
            problems.append(f"{role}: {resp.status_code} {resp.text[:200]}")
        elif resp.status_code != expected:
            problems.append(f"{role}: expected {expected}, got {resp.status_code} {resp.text[:200]}")
        elif resp.status_code >= 400 and not resp.json().get("code"):
            problems.append(f"{role}: {resp.status_code} without a code")
        elif resp.status_code < 300:
            for marker, roles in row.hides.items():
                if role in roles and world["markers"][marker] in resp.text:
                    problems.append(f"{role}: sees side A's {marker}")
        if row.mutates:  # only refusals were sent: side A's objects are as they were
            changed = [name for name in views if view(world, name) != before[name]]
            if changed:
                problems.append(f"{role}: refused with {resp.status_code}, yet side A's {', '.join(changed)} changed")
    assert not problems, f"{row.method.upper()} {path}:\n" + "\n".join(problems)
