"""Credit data under the enterprise's control, end to end: an application consents to the current
authorization text; the bank reads the record while the order is open, not after it ends, for the
post-loan period after disbursement, and never after the enterprise revokes; the enterprise sees every
read; a dispute marks the record and, upheld, hides it and lowers the risk; a record whose publication
ends stops counting after the daily job."""

from datetime import UTC, datetime, timedelta

import pytest
from api_client import Api
from harness import BIN, run_checked
from scenario import (
    EventSubscriber,
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    random_uscc,
    staff_user,
    verified_enterprise,
)

from xyd_testing.helpers import wait_until

PENALTY = {"category": "administrative_penalty", "title": "未按规定公示年度报告",
           "authority": "许昌市魏都区市场监督管理局", "decided_on": "2026-05-12", "content": "警告，罚款 2000 元。"}


def china_today():
    return (datetime.now(UTC) + timedelta(hours=8)).date()


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin, "许昌农商银行"))
    other_bank = institution_user(platform, admin, new_institution(admin, "中原银行许昌分行"))
    products = [published_product(bank, {**PRODUCT_BASE, "name": f"信易贷{i}"}) for i in range(4)]
    government, _ = staff_user(platform, admin, "/admin/government-users",
                               {"name": "许昌市发改委", "region_code": "411000"})
    enterprise, uscc = penalised_enterprise(platform, admin, "许昌同创电子有限公司")
    return {"admin": admin, "bank": bank, "other_bank": other_bank, "products": products,
            "government": government, "enterprise": enterprise, "uscc": uscc}


def penalised_enterprise(platform, admin: Api, name: str) -> tuple[Api, str]:
    """A verified enterprise of 魏都区 whose credit record holds PENALTY and its active risk flag (medium)."""
    uscc = random_uscc("411002")
    resp = admin.post("/credit/imports", json={
        "enterprises": [{"uscc": uscc, "name": name, "legal_representative": "李会计",
                         "registered_capital": 600, "established_on": "2016-01-08", "status": "存续",
                         "industry": "制造业", "region_code": "411002", "tax_credit_rating": "B"}],
        "records": [{"uscc": uscc, **PENALTY}],
        "risk_flags": [{"uscc": uscc, "indicator": "administrative_penalty", "source": "许昌市市场监督管理局",
                        "detected_on": "2026-05-12", "active": True}]})
    assert resp.status_code == 200 and resp.json()["errors"] == [], resp.text
    enterprise, _ = verified_enterprise(platform, admin, uscc, name)
    return enterprise, uscc


PRODUCT_BASE = {"category": "loan", "guarantee_methods": ["credit"], "repayment_methods": ["equal_installment"],
                "amount_min": 10, "amount_max": 300, "term_min_months": 6, "term_max_months": 36, "rate_min": 3.45,
                "rate_max": 6.5, "region_codes": ["411000"]}


def apply(enterprise: Api, product_id: int, version: int) -> dict:
    body = {"product_id": product_id, "amount": 100, "term_months": 12, "purpose": "购置设备",
            "credit_authorization": {"version": version}}

    def attempt():
        resp = enterprise.post("/orders", json=body)
        assert resp.status_code in (201, 503), resp.text
        return resp.json() if resp.status_code == 201 else None

    return wait_until(attempt, timeout=20, interval=0.3, message="order-service to know the enterprise")


def reads(bank: Api, uscc: str) -> int:
    return bank.get(f"/credit/enterprises/{uscc}").status_code


def test_the_bank_reads_while_the_order_is_open_and_not_after_it_ends(world):
    enterprise, bank, uscc = world["enterprise"], world["bank"], world["uscc"]
    text = Api(enterprise.base).get("/credit/authorization-text", token="")
    # The current text, whichever an earlier test published: public, and what the order must name.
    assert text.status_code == 200 and text.json()["text"] and text.json()["version"] >= 1, text.text
    order = apply(enterprise, world["products"][0]["id"], text.json()["version"])
    details = bank.get(f"/orders/{order['id']}").json()
    assert details["credit_authorization"]["version"] == text.json()["version"]
    assert details["credit_access_until"] is None
    wait_until(lambda: reads(bank, uscc) == 200, timeout=10, message="credit-service to learn the authorization")
    assert reads(world["other_bank"], uscc) == 404  # refused, and logged

    assert bank.post(f"/orders/{order['id']}/terminate", json={"reason": "材料不全"}).status_code == 200
    wait_until(lambda: reads(bank, uscc) == 404, timeout=5, message="access to end with the order")
    assert bank.get(f"/orders/{order['id']}").json()["credit_access_until"] is not None

    log = enterprise.get("/credit/me/access-logs").json()["items"]
    bank_reads = [e for e in log if e["viewer_role"] == "institution"]
    assert any(e["granted"] and e["institution_name"].startswith("许昌农商银行") for e in bank_reads)
    assert any(not e["granted"] for e in bank_reads)


def test_a_disbursed_order_keeps_access_until_the_authorization_is_revoked(world):
    enterprise, bank, uscc = world["enterprise"], world["bank"], world["uscc"]
    version = Api(enterprise.base).get("/credit/authorization-text", token="").json()["version"]
    order = apply(enterprise, world["products"][1]["id"], version)
    assert bank.post(f"/orders/{order['id']}/accept").status_code == 200
    assert bank.post(f"/orders/{order['id']}/grant", json={"amount": 80, "rate": 4.35, "term_months": 12}).ok
    resp = bank.post(f"/orders/{order['id']}/disburse",
                     json={"amount": 80, "disbursed_on": china_today().isoformat()})
    assert resp.status_code == 200, resp.text

    def item():
        items = enterprise.get("/credit/me/authorizations").json()["items"]
        return next((i for i in items if i["order_id"] == str(order["id"]) and i["status"] == "post_loan"), None)

    authorization = wait_until(item, timeout=10, message="the post-loan authorization")
    assert reads(bank, uscc) == 200
    assert bank.get(f"/orders/{order['id']}").json()["credit_access_until"] is not None

    revoked = enterprise.post(f"/credit/me/authorizations/{authorization['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert reads(bank, uscc) == 404  # at once
    assert bank.get(f"/orders/{order['id']}").json()["status"] == "disbursed"  # a loan stays a loan


def test_revoking_an_open_orders_authorization_withdraws_the_order(world):
    enterprise, bank = world["enterprise"], world["bank"]
    version = Api(enterprise.base).get("/credit/authorization-text", token="").json()["version"]
    order = apply(enterprise, world["products"][2]["id"], version)
    assert bank.post(f"/orders/{order['id']}/accept").status_code == 200
    assert bank.post(f"/orders/{order['id']}/grant", json={"amount": 80, "rate": 4.35, "term_months": 12}).ok
    wait_until(lambda: any(i["order_id"] == str(order["id"])
                           for i in enterprise.get("/credit/me/authorizations").json()["items"]),
               timeout=10, message="the authorization")
    assert enterprise.post(f"/credit/me/authorizations/{order['id']}/revoke").status_code == 200
    details = wait_until(lambda: (d := bank.get(f"/orders/{order['id']}").json())["status"] == "withdrawn" and d,
                         timeout=10, message="order-service to withdraw the order")
    assert details["history"][-1]["remark"] == "授权撤回" and details["history"][-1]["from_status"] == "credit_granted"


def test_an_upheld_dispute_hides_the_record_and_lowers_the_risk(platform, world):
    # An enterprise of its own: the module's enterprise has a loan (the tests above disburse one), which a
    # platform whose business date other modules moved ahead finds overdue at once, and a defaulted loan
    # is a high risk no dispute about the penalty lowers.
    bank, government = world["bank"], world["government"]
    enterprise, uscc = penalised_enterprise(platform, world["admin"], "许昌同创精密电子有限公司")
    subscriber = EventSubscriber(platform, "credit.#")
    try:
        version = Api(enterprise.base).get("/credit/authorization-text", token="").json()["version"]
        order = apply(enterprise, world["products"][3]["id"], version)
        wait_until(lambda: reads(bank, uscc) == 200, timeout=10, message="the bank's access")
        seen = {}

        def medium():
            seen["order"] = next(o for o in bank.get("/orders").json()["items"] if o["id"] == order["id"])
            return seen["order"] if seen["order"]["risk"]["level"] == "medium" else None

        try:
            listed = wait_until(medium, timeout=30, message="the order with its medium risk")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the order as the bank's list shows it: {seen.get('order')}") from None
        assert "administrative_penalty" in listed["risk"]["tags"]
        record = next(r for r in enterprise.get("/credit/me").json()["records"] if r["title"] == PENALTY["title"])
        dispute = enterprise.post("/credit/me/disputes", json={"record_id": record["id"], "reason": "该处罚已被撤销",
                                                               "contact": "13900000000"})
        assert dispute.status_code == 201, dispute.text
        assert bank.get(f"/credit/enterprises/{uscc}").json()["records"][0]["disputed"] is True

        pending = government.get("/credit/disputes", params={"status": "open"}).json()["items"]
        assert dispute.json()["id"] in [d["id"] for d in pending]
        decided = government.post(f"/credit/disputes/{dispute.json()['id']}/decide",
                                  json={"decision": "uphold", "note": "原处罚决定已撤销"})
        assert decided.status_code == 200, decided.text
        seen = bank.get(f"/credit/enterprises/{uscc}").json()
        assert seen["records"] == [] and seen["risk"]["level"] == "none"
        subscriber.wait_for(lambda e: e["event_type"] == "credit.risk_changed" and e["data"]["uscc"] == uscc
                            and e["data"]["level"] == "none", message="credit.risk_changed")
        wait_until(lambda: next((o for o in bank.get("/orders").json()["items"] if o["id"] == order["id"]
                                 and o["risk"]["level"] == "none"), None), timeout=10,
                   message="the order list to show the lower risk")
    finally:
        subscriber.close()


def test_an_outdated_version_is_refused_and_an_expired_record_stops_counting(platform, world):
    admin, enterprise = world["admin"], world["enterprise"]
    old = Api(enterprise.base).get("/credit/authorization-text", token="").json()["version"]
    published = admin.post("/admin/credit/authorization-texts", json={
        "text": "信用信息查询授权书（修订版）：本企业授权受理机构查询本企业信用信息，仅用于本次融资审核及贷后管理。",
        "data_categories": ["registration", "credit_records", "risk_flags"], "purpose": "融资申请审核及贷后管理",
        "valid_days": 365})
    assert published.status_code == 201 and published.json()["version"] == old + 1

    def refused():
        resp = enterprise.post("/orders", json={"product_id": world["products"][0]["id"], "amount": 100,
                                                "term_months": 12, "purpose": "购置设备",
                                                "credit_authorization": {"version": old}})
        return resp.status_code == 422 and resp.json()["code"] == "credit_authorization_required"

    wait_until(refused, timeout=10, message="order-service to learn the new version")

    # A record published through today counts today; the daily job of tomorrow stops it counting.
    uscc = random_uscc("411002")
    subscriber = EventSubscriber(platform, "credit.risk_changed")
    try:
        resp = admin.post("/credit/imports", json={
            "enterprises": [{"uscc": uscc, "name": "许昌到期测试有限公司", "region_code": "411002"}],
            "records": [{"uscc": uscc, **PENALTY, "publish_until": china_today().isoformat()}],
            "risk_flags": [{"uscc": uscc, "indicator": "administrative_penalty", "source": "许昌市市场监督管理局",
                            "detected_on": "2026-05-12", "active": True}]})
        assert resp.status_code == 200 and resp.json()["errors"] == [], resp.text
        assert admin.get(f"/credit/enterprises/{uscc}").json()["risk"]["level"] == "medium"
        subscriber.wait_for(lambda e: e["data"]["uscc"] == uscc and e["data"]["level"] == "medium",
                            message="the import's risk event")
        tomorrow = (china_today() + timedelta(days=1)).isoformat()
        run_checked([str(BIN / "flask"), "--app", "credit_service", "refresh-credit-states", "--day", tomorrow],
                    platform.env)
        subscriber.wait_for(lambda e: e["data"]["uscc"] == uscc and e["data"]["level"] == "none",
                            message="credit.risk_changed from the daily job")
    finally:
        subscriber.close()
