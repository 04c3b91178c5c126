"""Every request example of the merged API document, sent to a running platform as a client developer
would copy it, in an order that makes each one valid: only what no document can fix is filled in — SMS
codes just sent, fresh phones, USCCs and names, tokens, the ids of what earlier steps made, today's
date. Each answer must carry the operation's documented success status; every JSON request body in the
document must have an example, and every example must have been sent."""

import copy
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
from api_client import Api
from scenario import (
    INITIAL_PASSWORD,
    STAFF_PASSWORD,
    admin_with_xuchang,
    random_uscc,
    staff_user,
    submit_verification,
    unique_phone,
)

from xyd_testing.helpers import wait_until

CHINA = timezone(timedelta(hours=8))
# The smallest file a PDF reader opens: what a scanned business licence is, as far as type checks go.
TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


# loan-service, including the government instruments on its loans (funds, claims, subsidies).
LOAN_PATHS = ("/api/v1/loans", "/api/v1/admin/loans", "/api/v1/funds", "/api/v1/claims", "/api/v1/subsidy-programs",
              "/api/v1/subsidy-applications")


class Examples:
    """The document's request examples, and which of them were sent."""

    def __init__(self, platform):
        self.platform = platform
        self.document = requests.get(f"{platform.gateway}/api/openapi.json", timeout=10).json()
        self.sent: set[tuple[str, str]] = set()

    def json_bodies(self) -> dict[tuple[str, str], dict]:
        out = {}
        for path, item in self.document["paths"].items():
            for method, operation in item.items():
                content = (operation.get("requestBody") or {}).get("content", {}) if isinstance(operation, dict) else {}
                if "application/json" in content:
                    out[(method, path)] = content["application/json"]
        return out

    def multipart_bodies(self) -> dict[tuple[str, str], dict]:
        return {(method, path): operation["requestBody"]["content"]["multipart/form-data"]
                for path, item in self.document["paths"].items() for method, operation in item.items()
                if isinstance(operation, dict)
                and "multipart/form-data" in (operation.get("requestBody") or {}).get("content", {})}

    def upload(self, api: Api, template: str, files: dict[str, bytes], path: str | None = None, **fill) -> dict:
        """POST the multipart example of `template` (to `path`, the template with its ids): its text
        fields as form fields, and each file part with the example's file name (or, for a text part such
        as CSV, the example's own content; a list of names is one part per name); `files` gives the bytes
        no document can hold, `fill` what an earlier step decides."""
        media = self.multipart_bodies()[("post", template)]
        assert "example" in media, f"POST {template} has no multipart example"
        properties = media["schema"]["properties"]
        form, parts = {}, []
        for name, value in {**media["example"], **fill}.items():
            binary = properties[name].get("format") == "binary" or properties[name].get("items", {}).get(
                "format") == "binary"
            if not binary:
                form[name] = value
            elif name in files:
                parts.extend((name, (file_name, files[name])) for file_name in
                             (value if isinstance(value, list) else [value]))
            else:
                parts.append((name, (f"{name}.csv", value.encode(), media["encoding"][name]["contentType"])))
        resp = api.post((path or template).removeprefix("/api/v1"), data=form, files=parts)
        documented = sorted(status for status in self.document["paths"][template]["post"]["responses"]
                            if status.startswith("2"))
        assert str(resp.status_code) in documented, f"POST {template}: {resp.status_code}: {resp.text[:500]}"
        self.sent.add(("post", template))
        return resp.json()

    def body(self, method: str, path: str, **fill) -> dict:
        media = self.json_bodies()[(method, path)]
        assert "example" in media, f"{method.upper()} {path} has no request example"
        return {**copy.deepcopy(media["example"]), **fill}

    def send(self, api: Api, method: str, template: str, path: str | None = None, body: dict | None = None,
             token: str | None = None, **fill) -> dict:
        """POST/PATCH the example of `method template` (to `path`, the template with its ids) and check
        the documented success status; the answer's JSON (or {} for 204)."""
        body = body if body is not None else self.body(method, template, **fill)
        resp = api.request(method.upper(), (path or template).removeprefix("/api/v1"), json=body,
                           **({"token": token} if token is not None else {}))
        responses = self.document["paths"][template][method]["responses"]
        documented = sorted(status for status in responses if status.startswith("2"))
        assert str(resp.status_code) in documented, (
            f"{method.upper()} {template}: {resp.status_code} (documented {documented}): {resp.text[:500]}")
        self.sent.add((method, template))
        return resp.json() if resp.content else {}


@pytest.fixture(scope="module")
def examples(platform):
    return Examples(platform)


def sms_code(api: Api, examples: Examples, phone: str, purpose: str) -> str:
    """Ask for a code with the example of POST /auth/sms-codes and read it from the dev inbox (the
    newest text holding a code: the phone also gets notices, about its orders say, meanwhile)."""
    before = len([t for t in api.sms_texts(phone) if "验证码" in t])
    examples.send(api, "post", "/api/v1/auth/sms-codes", phone=phone, purpose=purpose, token="")
    codes = wait_until(lambda: (c := [t for t in api.sms_texts(phone) if "验证码" in t]) and len(c) > before and c,
                       timeout=30, message=f"the SMS code for {phone}")
    return re.search(r"验证码为(\d{6})", codes[0]).group(1)


def test_every_request_example_is_accepted_by_the_running_platform(platform, examples):
    api = Api(platform.gateway)
    admin = admin_with_xuchang(platform)
    suffix = uuid.uuid4().hex[:6]

    # Administration: a region, an institution with a user, a government user.
    region_code = f"41{uuid.uuid4().int % 10**4:04d}"
    examples.send(admin, "post", "/api/v1/admin/regions", code=region_code, parent_code="411000")
    institution = examples.send(admin, "post", "/api/v1/admin/institutions",
                                name=f"中原银行许昌分行{suffix}", uscc=random_uscc("411000"),
                                contact_phone=unique_phone())
    inst_path = f"/api/v1/admin/institutions/{institution['id']}"
    examples.send(admin, "patch", "/api/v1/admin/institutions/{institution_id}", inst_path)
    staff_phone = unique_phone()
    examples.send(admin, "post", "/api/v1/admin/institutions/{institution_id}/users", f"{inst_path}/users",
                  phone=staff_phone)
    bank = Api(platform.gateway)
    bank.login(staff_phone, INITIAL_PASSWORD)
    changed = examples.send(bank, "post", "/api/v1/auth/password", old_password=INITIAL_PASSWORD)
    bank.token = changed["access_token"]
    government, _ = staff_user(platform, admin, "/admin/government-users", {"name": "陈静", "region_code": "411002"})
    examples.send(admin, "post", "/api/v1/admin/government-users", phone=unique_phone())

    # Products: published once product-service has heard of the new institution.
    product = {}

    def publish():
        resp = bank.post("/products", json=examples.body("post", "/api/v1/products"))
        product.update(resp.json())
        return resp.status_code == 201

    wait_until(publish, timeout=30, interval=0.3, message="product-service to know the institution")
    examples.sent.add(("post", "/api/v1/products"))
    examples.send(bank, "patch", "/api/v1/products/{product_id}", f"/api/v1/products/{product['id']}")

    # An enterprise registers, logs in, refreshes, edits its profile, is verified.
    phone, uscc = unique_phone(), random_uscc("411002")
    code = sms_code(api, examples, phone, "register")
    register = examples.body("post", "/api/v1/auth/register")
    examples.send(api, "post", "/api/v1/auth/register", phone=phone, sms_code=code, uscc=uscc,
                  enterprise_name=f"许昌魏都精密制造有限公司{suffix}", token="")
    code = sms_code(api, examples, phone, "login")
    pair = examples.send(api, "post", "/api/v1/auth/login", phone=phone, sms_code=code,
                         password=register["password"], token="")
    pair = examples.send(api, "post", "/api/v1/auth/refresh", refresh_token=pair["refresh_token"], token="")
    enterprise = Api(platform.gateway, pair["access_token"])
    examples.send(enterprise, "patch", "/api/v1/auth/me")
    request = examples.upload(enterprise, "/api/v1/auth/enterprise-verification", files={"licence": TINY_PDF},
                              legal_representative=register["contact_name"])
    assert admin.post(f"/admin/enterprise-verifications/{request['id']}/approve").status_code == 200
    enterprise.token = enterprise.post("/auth/refresh", token="", json={"refresh_token": pair["refresh_token"]}
                                       ).json()["access_token"]
    # A second claim of another USCC, rejected with the example's reason.
    other_phone = unique_phone()
    code = enterprise.request_code(other_phone, "register")
    assert api.post("/auth/register", token="", json={**register, "phone": other_phone, "sms_code": code,
                                                      "uscc": random_uscc(), "enterprise_name": f"长葛商贸{suffix}"}
                    ).status_code == 201
    other = Api(platform.gateway)
    other.login(other_phone, register["password"])
    other_request = submit_verification(other, legal_representative=register["contact_name"])
    examples.send(admin, "post", "/api/v1/admin/enterprise-verifications/{request_id}/reject",
                  f"/api/v1/admin/enterprise-verifications/{other_request['id']}/reject")

    # Credit data about the enterprise, and the authorization text it consents to.
    batch = examples.body("post", "/api/v1/credit/imports")
    for rows in batch.values():
        for row in rows:
            row["uscc"] = uscc
    batch["enterprises"][0]["name"] = f"许昌魏都精密制造有限公司{suffix}"
    examples.send(admin, "post", "/api/v1/credit/imports", body=batch)
    # The same data as CSV files: the example's USCC and name are those of the JSON example.
    example_uscc = examples.body("post", "/api/v1/credit/imports")["enterprises"][0]["uscc"]
    name = batch["enterprises"][0]["name"]
    csv_files = {kind: text.replace(example_uscc, uscc).replace("许昌魏都精密制造有限公司", name) for kind, text
                 in examples.multipart_bodies()[("post", "/api/v1/credit/imports")]["example"].items()}
    imported = examples.upload(admin, "/api/v1/credit/imports", files={}, **csv_files)
    assert imported["errors"] == [] and imported["imported"]["records"] == 1, imported
    text = examples.send(admin, "post", "/api/v1/admin/credit/authorization-texts")
    consent = {"version": text["version"]}

    # Orders through every action that takes a body.
    today = datetime.now(CHINA).date().isoformat()
    order_body = {"product_id": product["id"], "credit_authorization": consent, "contact_phone": phone}

    def apply() -> dict:
        found = {}

        def attempt():
            resp = enterprise.post("/orders", json=examples.body("post", "/api/v1/orders", **order_body))
            found.update(resp.json())
            return resp.status_code == 201

        wait_until(attempt, timeout=30, interval=0.5, message="order-service to know the product")
        examples.sent.add(("post", "/api/v1/orders"))
        return found

    order = apply()
    at = f"/api/v1/orders/{order['id']}"
    examples.send(bank, "post", "/api/v1/orders/{order_id}/accept", f"{at}/accept")
    examples.send(government, "post", "/api/v1/orders/{order_id}/urge", f"{at}/urge")
    examples.send(bank, "post", "/api/v1/orders/{order_id}/grant", f"{at}/grant")
    examples.send(bank, "post", "/api/v1/orders/{order_id}/disburse", f"{at}/disburse", disbursed_on=today)
    order = apply()
    examples.send(bank, "post", "/api/v1/orders/{order_id}/terminate", f"/api/v1/orders/{order['id']}/terminate")
    order = apply()
    examples.send(enterprise, "post", "/api/v1/orders/{order_id}/withdraw", f"/api/v1/orders/{order['id']}/withdraw")
    # 退回补正: returned for documents, resubmitted by the enterprise.
    order = apply()
    examples.send(bank, "post", "/api/v1/orders/{order_id}/return", f"/api/v1/orders/{order['id']}/return")
    examples.send(enterprise, "post", "/api/v1/orders/{order_id}/resubmit", f"/api/v1/orders/{order['id']}/resubmit")
    # Its product is free again for the claim below (one open order per product).
    assert enterprise.post(f"/orders/{order['id']}/withdraw", json={}).status_code == 200
    # A government team's visit (走访) of an enterprise not (yet) on the platform: in its own region.
    examples.send(government, "post", "/api/v1/visits")
    # 政策资讯: a city policy (the admin: the example is 许昌市's), published as its date has come, then edited.
    policy = examples.send(admin, "post", "/api/v1/policies")
    examples.send(admin, "patch", "/api/v1/policies/{policy_id}", f"/api/v1/policies/{policy['id']}")

    # A financing need, claimed with the institution's product.
    need = examples.send(enterprise, "post", "/api/v1/needs", credit_authorization=consent)
    claimed = examples.send(bank, "post", "/api/v1/needs/{need_id}/claim", f"/api/v1/needs/{need['id']}/claim",
                            product_id=product["id"])
    # 推荐清单: needs the government pushes to the bank; it declines one and accepts the other with the
    # product (free again once the claimed order is withdrawn).
    assert enterprise.post(f"/orders/{claimed['id']}/withdraw", json={}).status_code == 200
    for answer, fill in (("decline", {}), ("accept", {"product_id": product["id"]})):
        need = examples.send(enterprise, "post", "/api/v1/needs", credit_authorization=consent)
        [push] = examples.send(government, "post", "/api/v1/needs/{need_id}/pushes",
                               f"/api/v1/needs/{need['id']}/pushes", institution_ids=[institution["id"]])["items"]
        examples.send(bank, "post", f"/api/v1/needs/pushes/{{push_id}}/{answer}",
                      f"/api/v1/needs/pushes/{push['id']}/{answer}", **fill)

    # A dispute about the imported record, decided by the admin.
    record = enterprise.get("/credit/me").json()["records"][0]
    dispute = examples.send(enterprise, "post", "/api/v1/credit/me/disputes", record_id=record["id"])
    examples.send(admin, "post", "/api/v1/credit/disputes/{dispute_id}/decide",
                  f"/api/v1/credit/disputes/{dispute['id']}/decide")

    # An institution applies to join (申请入驻) with a code sent to its contact; the admin rejects it.
    contact = unique_phone()
    visitor = Api(platform.gateway, token="")
    code = sms_code(visitor, examples, contact, "apply")
    application = examples.send(visitor, "post", "/api/v1/institution-applications", token="", sms_code=code,
                                contact_phone=contact, uscc=random_uscc("411000"),
                                name=f"许昌示范村镇银行{uuid.uuid4().hex[:6]}")
    examples.send(admin, "post", "/api/v1/admin/institution-applications/{application_id}/reject",
                  f"/api/v1/admin/institution-applications/{application['id']}/reject")

    # A government system's webhook; a forgotten password reset.
    examples.send(admin, "post", "/api/v1/webhooks")
    code = sms_code(api, examples, phone, "reset_password")
    examples.send(api, "post", "/api/v1/auth/password/reset", phone=phone, sms_code=code, token="")

    # Loans' examples are sent by tests-e2e/test_loans.py, after its story: writing a loan off needs the
    # business date moved past 90 days overdue, which must not happen before that story runs.
    documented = {(m, p) for (m, p) in set(examples.json_bodies()) | set(examples.multipart_bodies())
                  if not p.startswith(LOAN_PATHS)}
    assert documented - examples.sent == set(), "request examples no step sends"
    missing = [f"{m.upper()} {p}" for (m, p), media in examples.json_bodies().items() if "example" not in media]
    assert not missing, f"JSON request bodies without an example: {missing}"


def test_password_examples_meet_the_published_policy(platform, examples):
    """The example passwords are not among those the policy refuses (the suite above proves it by use;
    this names the rule for the reader)."""
    for method, path in (("post", "/api/v1/auth/register"), ("post", "/api/v1/auth/password")):
        body = examples.body(method, path)
        password = body.get("password") or body.get("new_password")
        assert password not in (INITIAL_PASSWORD, STAFF_PASSWORD)
