"""Matchmaking and accountability end to end: a financing need two banks claim at once (one order, one
409), a need that expires, recommendations that put a whitelist-only product first for a whitelisted
enterprise (and refuse the application of one that is not), and a government urging (督办) a bank."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from harness import BIN, run_checked
from scenario import (
    LOAN_PRODUCT,
    admin_with_xuchang,
    institution_user,
    new_institution,
    post_need,
    published_product,
    random_uscc,
    staff_user,
    verified_enterprise,
)

from xyd_testing.helpers import wait_until


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    resp = admin.post("/admin/regions", json={"code": "411003", "name": "建安区", "parent_code": "411000"})
    assert resp.status_code in (201, 409), resp.text
    bank_a = institution_user(platform, admin, new_institution(admin, "许昌农商银行"))
    bank_b = institution_user(platform, admin, new_institution(admin, "中原银行许昌分行"))
    product_a = published_product(bank_a, {**LOAN_PRODUCT, "name": "抢单贷A"})
    product_b = published_product(bank_b, {**LOAN_PRODUCT, "name": "抢单贷B"})
    # Its own product, so that no order of another test stands open for it.
    urged_product = published_product(bank_a, {**LOAN_PRODUCT, "name": "督办测试贷"})
    special = published_product(bank_b, {**LOAN_PRODUCT, "name": "白名单专享贷", "whitelist_only": True})
    today = (datetime.now(UTC) + timedelta(hours=8)).date()
    listed = random_uscc("411002")
    resp = admin.post("/credit/imports", json={
        "enterprises": [{"uscc": listed, "name": "许昌白名单科技有限公司", "region_code": "411002"}],
        "whitelist": [{"uscc": listed, "batch": f"{today.year}年第一批", "region_code": "411002",
                       "listed_on": (today - timedelta(days=1)).isoformat(),
                       "valid_until": (today + timedelta(days=300)).isoformat()}]})
    assert resp.status_code == 200 and resp.json()["errors"] == [], resp.text
    whitelisted, _ = verified_enterprise(platform, admin, listed, "许昌白名单科技有限公司")
    plain, _ = verified_enterprise(platform, admin, None, "许昌普通商贸有限公司")
    weidu_gov, _ = staff_user(platform, admin, "/admin/government-users",
                              {"name": "魏都区发改局", "region_code": "411002"})
    jian_an_gov, _ = staff_user(platform, admin, "/admin/government-users",
                                {"name": "建安区发改局", "region_code": "411003"})
    return {"admin": admin, "bank_a": bank_a, "bank_b": bank_b, "product_a": product_a, "product_b": product_b,
            "urged_product": urged_product, "special": special, "whitelisted": whitelisted, "plain": plain,
            "weidu_gov": weidu_gov, "jian_an_gov": jian_an_gov}


def test_two_banks_claim_a_need_at_once_and_one_wins(world):
    need = post_need(world["plain"])
    for bank in ("bank_a", "bank_b"):
        wait_until(lambda b=bank: need["id"] in [n["id"] for n in world[b].get("/needs").json()["items"]],
                   timeout=15, message="the banks to see the need")
    answers = {}

    def claim(bank, product):
        answers[bank] = world[bank].post(f"/needs/{need['id']}/claim", json={"product_id": world[product]["id"]})

    threads = [threading.Thread(target=claim, args=("bank_a", "product_a")),
               threading.Thread(target=claim, args=("bank_b", "product_b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers.values())
    assert statuses == [201, 409], {k: v.text for k, v in answers.items()}
    loser = next(a for a in answers.values() if a.status_code == 409)
    assert loser.json()["code"] == "need_taken"
    order = next(a for a in answers.values() if a.status_code == 201).json()
    assert order["status"] == "accepted" and order["source"] == "need"
    mine = next(n for n in world["plain"].get("/needs").json()["items"] if n["id"] == need["id"])
    assert mine["status"] == "claimed" and mine["order_id"] == order["id"]


def test_a_need_expires_when_its_time_passes(platform, world):
    need = post_need(world["plain"], valid_days=1)
    later = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
    run_checked([str(BIN / "flask"), "--app", "order_service", "expire-needs", "--as-of", later], platform.env)
    mine = next(n for n in world["plain"].get("/needs").json()["items"] if n["id"] == need["id"])
    assert mine["status"] == "expired"


def test_recommendations_put_the_whitelist_only_product_first_for_a_whitelisted_enterprise(world):
    def first():
        items = world["whitelisted"].get("/market/recommendations", params={"amount": 100, "term_months": 12}).json()
        return items["items"] and items["items"][0]["product"]["id"] == world["special"]["id"] and items["items"][0]

    top = wait_until(first, timeout=20, message="product-service to learn the whitelist state")
    assert "白名单企业专享" in top["reasons"] and "额度覆盖 100 万元" in top["reasons"]
    others = world["plain"].get("/market/recommendations", params={"amount": 100}).json()["items"]
    assert world["special"]["id"] not in [i["product"]["id"] for i in others]

    def refused():
        resp = world["plain"].post("/orders", json={"product_id": world["special"]["id"], "amount": 100,
                                                    "term_months": 12, "purpose": "扩大生产",
                                                    "credit_authorized": True})
        assert resp.status_code in (422, 503), resp.text
        return resp.status_code == 422 and resp.json()

    assert wait_until(refused, timeout=15, message="the refusal")["code"] == "whitelist_required"


def test_the_districts_government_urges_the_bank_once_a_day(world):
    enterprise, bank = world["plain"], world["bank_a"]

    def apply():
        resp = enterprise.post("/orders", json={"product_id": world["urged_product"]["id"], "amount": 50,
                                                "term_months": 12, "purpose": "购置设备", "credit_authorized": True})
        assert resp.status_code in (201, 503), resp.text
        return resp.json() if resp.status_code == 201 else None

    order = wait_until(apply, timeout=15, message="an order")
    assert world["jian_an_gov"].post(f"/orders/{order['id']}/urge", json={"message": "请尽快受理"}).status_code == 404
    urged = world["weidu_gov"].post(f"/orders/{order['id']}/urge", json={"message": "该申请已临近受理期限，请尽快受理"})
    assert urged.status_code == 200, urged.text
    again = world["weidu_gov"].post(f"/orders/{order['id']}/urge", json={"message": "再次督办"})
    assert again.status_code == 409 and again.json()["code"] == "already_urged"
    notice = wait_until(lambda: [n for n in bank.get("/notifications").json()["items"] if n["title"] == "订单督办"],
                        timeout=20, message="the bank's notification")
    assert "临近受理期限" in notice[0]["body"]
    wait_until(lambda: [t for t in bank.sms_texts(bank.phone) if "督办" in t], timeout=20, message="the bank's SMS")


def test_a_districts_scorecard_equals_what_its_orders_say(world):
    government, bank = world["weidu_gov"], world["bank_a"]
    orders = government.get("/orders", params={"per_page": 100}).json()["items"]
    mine = [o for o in orders if o["institution_id"] == world["product_a"]["institution_id"]]
    rows = government.get("/orders/scorecards").json()["items"]
    row = next(r for r in rows if r["institution_id"] == world["product_a"]["institution_id"])
    assert row["received"] == len(mine) > 0
    assert row["accepted"] == sum(1 for o in mine if o["status"] in ("accepted", "credit_granted", "disbursed"))
    assert row["needs_claimed"] == sum(1 for o in mine if o["source"] == "need")
    assert row["urged"] >= 1  # the urging above
    own = bank.get("/orders/scorecards").json()["items"]
    assert [r["institution_id"] for r in own] == [row["institution_id"]]
