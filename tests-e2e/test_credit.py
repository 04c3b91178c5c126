"""Credit records, the 信易贷 whitelist and risk monitoring end to end through the gateway: an order shows
its enterprise's risk and whitelist state and follows it as flags come and go; credit records are seen
only by those entitled to; imports report bad rows and can be repeated without effect; and applying
keeps working while credit-service is down, the order's risk corrected once it is back."""

import contextlib
import os
import signal
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from api_client import Api
from harness import read_procfile
from scenario import (
    EventSubscriber,
    admin_with_xuchang,
    institution_user,
    new_institution,
    random_uscc,
    verified_enterprise,
)

from xyd_testing.helpers import wait_until


def china_today() -> date:
    return (datetime.now(UTC) + timedelta(hours=8)).date()


def enterprise_row(uscc: str, name: str) -> dict:
    return {"uscc": uscc, "name": name, "legal_representative": "张建国", "registered_capital": 500,
            "established_on": "2015-06-01", "status": "存续", "industry": "制造业", "region_code": "411002",
            "tax_credit_rating": "B"}


def flag(uscc: str, indicator: str, source: str, active: bool = True) -> dict:
    return {"uscc": uscc, "indicator": indicator, "source": source, "detected_on": china_today().isoformat(),
            "active": active}


def whitelist_entry(uscc: str) -> dict:
    today = china_today()
    return {"uscc": uscc, "batch": f"{today.year}年第一批", "region_code": "411002",
            "listed_on": (today - timedelta(days=1)).isoformat(),
            "valid_until": (today + timedelta(days=365)).isoformat()}


def import_batch(admin: Api, **kinds) -> dict:
    resp = admin.post("/credit/imports", json=kinds)
    assert resp.status_code == 200, resp.text
    return resp.json()


def order_body(product_id: int) -> dict:
    return {"product_id": product_id, "amount": 100, "term_months": 12, "purpose": "采购原材料",
            "credit_authorized": True}


def register_enterprise(platform, admin: Api, uscc: str, name: str) -> Api:
    """An enterprise registered and verified (企业认证) as the owner of `uscc`."""
    enterprise, _ = verified_enterprise(platform, admin, uscc, name)
    return enterprise


def apply(enterprise: Api, product_id: int) -> dict:
    """Apply, retrying while order-service has not yet heard of the new enterprise (503)."""
    def attempt():
        resp = enterprise.post("/orders", json=order_body(product_id))
        assert resp.status_code in (201, 503), resp.text
        return resp.json() if resp.status_code == 201 else None

    return wait_until(attempt, timeout=30, interval=0.3, message="order-service to know the enterprise")


def listed(bank: Api, order_id: int) -> dict:
    items = bank.get("/orders", params={"per_page": 100}).json()["items"]
    return next(o for o in items if o["id"] == order_id)


@pytest.fixture(scope="module")
def world(platform):
    """Regions, bank A with a product (known to order-service) and bank B."""
    admin = admin_with_xuchang(platform)
    bank_a = new_institution(admin, "许昌农商银行")
    bank_a_api = institution_user(platform, admin, bank_a)
    bank_b_api = institution_user(platform, admin, new_institution(admin, "中原银行许昌分行"))
    product_body = {"name": "信易贷", "category": "loan", "guarantee_methods": ["credit"],
                    "repayment_methods": ["equal_installment"], "amount_min": 10, "amount_max": 300,
                    "term_min_months": 6, "term_max_months": 36, "rate_min": 3.45, "rate_max": 6.5,
                    "region_codes": ["411000"]}
    product = {}

    def publish():  # product-service learns of the new bank by its event
        resp = bank_a_api.post("/products", json=product_body)
        assert resp.status_code in (201, 409), resp.text
        product.update(resp.json())
        return resp.status_code == 201

    wait_until(publish, timeout=30, interval=0.3, message="product-service to know the bank")
    return {"admin": admin, "bank_a": bank_a_api, "bank_b": bank_b_api, "product": product}


def test_an_order_shows_the_enterprises_risk_and_whitelist_and_follows_its_flags(platform, world):
    admin, bank_a, product = world["admin"], world["bank_a"], world["product"]
    uscc, name = random_uscc("411002"), "许昌瑞丰机械有限公司"
    penalty = {"uscc": uscc, "category": "administrative_penalty", "title": "未按规定公示年度报告",
               "authority": "许昌市魏都区市场监督管理局", "decided_on": "2026-05-12", "content": "警告，罚款 2000 元。"}
    result = import_batch(admin, enterprises=[enterprise_row(uscc, name)], records=[penalty],
                          whitelist=[whitelist_entry(uscc)],
                          risk_flags=[flag(uscc, "administrative_penalty", "许昌市魏都区市场监督管理局")])
    assert result["errors"] == [] and result["imported"] == {"enterprises": 1, "records": 1, "whitelist": 1,
                                                             "risk_flags": 1}

    enterprise = register_enterprise(platform, admin, uscc, name)
    order = apply(enterprise, product["id"])
    assert order["enterprise_uscc"] == uscc

    def shown(level, whitelisted=True):
        item = listed(bank_a, order["id"])
        return item if (item["risk"]["level"], item["whitelisted"]) == (level, whitelisted) else None

    item = wait_until(lambda: shown("medium"), timeout=10, interval=0.2, message="medium and whitelisted")
    assert item["risk"]["tags"] == ["administrative_penalty"]
    details = bank_a.get(f"/orders/{order['id']}").json()
    assert details["credit_record"] is not None, details.get("credit_record_error")
    assert [(r["category"], r["title"]) for r in details["credit_record"]["records"]] == [
        ("administrative_penalty", "未按规定公示年度报告")]
    assert details["credit_record"]["whitelisted"] is True

    dishonest = flag(uscc, "dishonest_debtor", "许昌市魏都区人民法院")
    import_batch(admin, risk_flags=[dishonest])
    item = wait_until(lambda: shown("high"), timeout=5, interval=0.2, message="high within 5 s")
    assert set(item["risk"]["tags"]) == {"dishonest_debtor", "administrative_penalty"}
    assert order["id"] in [o["id"] for o in bank_a.get("/orders", params={"risk_level": "high"}).json()["items"]]

    import_batch(admin, risk_flags=[{**dishonest, "active": False}])
    wait_until(lambda: shown("medium"), timeout=5, interval=0.2, message="back to medium")
    assert order["id"] not in [o["id"] for o in bank_a.get("/orders", params={"risk_level": "high"}).json()["items"]]

    # Bank B has no order from this enterprise; another enterprise is not this one.
    resp = world["bank_b"].get(f"/credit/enterprises/{uscc}")
    assert resp.status_code == 404 and resp.json()["code"] == "not_found"
    other_uscc = random_uscc("411002")
    other = register_enterprise(platform, world["admin"], other_uscc, "许昌另一家商贸有限公司")
    assert other.get(f"/credit/enterprises/{uscc}").status_code == 404
    assert other.get("/credit/whitelist").status_code == 403
    assert enterprise.get(f"/credit/enterprises/{uscc}").status_code == 200


def test_an_import_reports_bad_rows_and_repeating_it_changes_nothing(platform, world):
    admin = world["admin"]
    usccs = [random_uscc("411002") for _ in range(20)]
    enterprises = [enterprise_row(u, f"许昌导入测试{i:02d}有限公司") for i, u in enumerate(usccs)]
    valid = random_uscc("411002")
    enterprises.append(enterprise_row(valid[:-1] + ("0" if valid[-1] != "0" else "1"), "校验位错误的企业"))
    records = [{"uscc": u, "category": "commendation", "title": "守合同重信用企业", "authority": "许昌市市场监督管理局",
                "decided_on": "2026-06-18", "content": "连续三年获评。"} for u in usccs[:9]]
    entries = [whitelist_entry(u) for u in usccs[:10]]
    entries[7] = {**entries[7], "valid_until": "2001-01-01"}  # expires before it was listed
    flags = [flag(u, "tax_arrears", "国家税务总局许昌市税务局") for u in usccs[10:]]
    flags[3] = {**flags[3], "indicator": "bankruptcy"}  # no such indicator
    assert len(enterprises) + len(records) + len(entries) + len(flags) == 50
    batch = {"enterprises": enterprises, "records": records, "whitelist": entries, "risk_flags": flags}

    events = EventSubscriber(platform, "credit.#")
    try:
        first = import_batch(admin, **batch)
        assert first["imported"] == {"enterprises": 20, "records": 9, "whitelist": 9, "risk_flags": 9}
        assert sorted((e["kind"], e["index"]) for e in first["errors"]) == [
            ("enterprises", 20), ("risk_flags", 3), ("whitelist", 7)]
        assert all(e["message"] for e in first["errors"])
        # What the first import announces: the flagged enterprises' risk, the listed ones' whitelist.
        expected = {("credit.risk_changed", u) for u in usccs[10:] if u != usccs[13]} | {
            ("credit.whitelist_changed", u) for u in usccs[:10] if u != usccs[7]}

        def announced():
            return {(e["event_type"], e["data"]["uscc"]) for e in events.drain() if e["data"]["uscc"] in usccs}

        wait_until(lambda: announced() >= expected, timeout=20, interval=0.2, message="the first import's events")
        before = set(events.by_id)

        again = import_batch(admin, **batch)
        assert again["imported"] == first["imported"] and sum(again["changed"].values()) == 0
        assert len(again["errors"]) == 3
        # Anything the second import published would be relayed within a fraction of a second.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            new = [e for e in events.drain() if e["event_id"] not in before and e["data"]["uscc"] in usccs]
            assert new == [], new
            time.sleep(0.3)
    finally:
        events.close()


def _stop(platform, key: str) -> None:
    proc, log = platform.processes[key]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except Exception:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


def _running(platform, key: str) -> bool:
    return key in platform.processes and platform.processes[key][0].poll() is None


def _credit_healthy(platform) -> bool:
    try:
        return requests.get(platform.service_url("credit-service") + "/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_applying_works_while_credit_service_is_down_and_the_risk_is_corrected_after(platform, world):
    admin, bank_a, product = world["admin"], world["bank_a"], world["product"]
    procfile = read_procfile()
    relays = sorted(k for k in platform.processes if k.startswith("credit-worker-"))
    uscc, name = random_uscc("411002"), f"许昌断线测试{uuid.uuid4().hex[:4]}有限公司"
    enterprise = register_enterprise(platform, admin, uscc, name)
    try:
        # Without its workers (their relays), credit-service's event about this enterprise stays in its outbox, so
        # order-service cannot know the flag from an event: only asking credit-service can tell it.
        for key in relays:
            _stop(platform, key)
        result = import_batch(admin, enterprises=[enterprise_row(uscc, name)],
                              risk_flags=[flag(uscc, "administrative_penalty", "许昌市市场监督管理局")])
        assert result["errors"] == []
        _stop(platform, "credit-service-0")

        order = apply(enterprise, product["id"])
        assert (order["status"], order["risk"]["level"], order["whitelisted"]) == ("submitted", "unknown", False)
        assert listed(bank_a, order["id"])["risk"]["level"] == "unknown"

        platform.start("credit-service", procfile["credit-service"], 0)
        wait_until(lambda: _credit_healthy(platform), timeout=90, interval=0.3, message="credit-service back")
        # The reconciliation (every CREDIT_RECONCILE_SECONDS) corrects it; nobody does anything.
        item = wait_until(lambda: (i := listed(bank_a, order["id"]))["risk"]["level"] != "unknown" and i,
                          timeout=20, interval=0.3, message="the order's risk to be corrected")
        assert item["risk"] == {"level": "medium", "tags": ["administrative_penalty"]}
    finally:
        if not _running(platform, "credit-service-0"):
            platform.start("credit-service", procfile["credit-service"], 0)
        for key in relays:
            if not _running(platform, key):
                platform.start("credit-worker", procfile["credit-worker"], int(key.rsplit("-", 1)[1]))
        wait_until(lambda: _credit_healthy(platform), timeout=90, interval=0.3, message="credit-service back")
