"""The financing coordination mechanism (小微企业融资协调工作机制) end to end: a district government visits
an enterprise (走访), the enterprise posts a need with the 授权书, the government pushes it to two banks
(推荐清单); one declines with a reason, the other reads the enterprise's credit record under the need's
consent and accepts with a product: an order with source `push` the enterprise sees, which then goes
through 退回补正 to acceptance. A government system subscribed to `need.#` hears each step."""

from datetime import UTC, datetime, timedelta

import pytest
from scenario import (
    LOAN_PRODUCT,
    EventSubscriber,
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

ENTERPRISE_NAME = "许昌魏都协调制造有限公司"


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    banks = {}
    for key, name in (("first", "协调农商银行"), ("second", "协调城商银行")):
        institution = new_institution(admin, name)
        api = institution_user(platform, admin, institution)
        banks[key] = {"institution": institution, "api": api,
                      "product": published_product(api, {**LOAN_PRODUCT, "name": f"{name}信用贷"})}
    uscc = random_uscc("411002")
    imported = admin.post("/credit/imports", json={"enterprises": [
        {"uscc": uscc, "name": ENTERPRISE_NAME, "region_code": "411002"}]})
    assert imported.status_code == 200, imported.text
    enterprise, _ = verified_enterprise(platform, admin, uscc, ENTERPRISE_NAME)
    government, _ = staff_user(platform, admin, "/admin/government-users",
                               {"name": "魏都区金融办", "region_code": "411002"})
    subscriber = EventSubscriber(platform, "need.#")
    yield {"admin": admin, "banks": banks, "uscc": uscc, "enterprise": enterprise, "government": government,
           "subscriber": subscriber}
    subscriber.close()


def test_a_visit_a_need_pushed_to_two_banks_one_declines_one_accepts_and_the_order_goes_on(world):
    government, enterprise, uscc = world["government"], world["enterprise"], world["uscc"]
    first, second = world["banks"]["first"], world["banks"]["second"]
    today = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
    visit = government.post("/visits", json={"uscc": uscc, "enterprise_name": ENTERPRISE_NAME, "visited_on": today,
                                             "visitors": "魏都区金融办 李娜",
                                             "findings": "新签订单，原材料资金缺口约 100 万元"})
    assert visit.status_code == 201, visit.text

    need = post_need(enterprise)

    def push():
        resp = government.post(f"/needs/{need['id']}/pushes", json={
            "institution_ids": [first["institution"]["id"], second["institution"]["id"]], "note": "重点培育企业"})
        assert resp.status_code in (201, 422), resp.text  # 422 until order-service knows both banks' products
        return resp.json()["items"] if resp.status_code == 201 else None

    pushes = {p["institution_id"]: p for p in wait_until(push, timeout=30, interval=0.5,
                                                          message="order-service to know the banks")}
    first_push, second_push = pushes[first["institution"]["id"]], pushes[second["institution"]["id"]]
    assert first_push["status"] == second_push["status"] == "pending"

    # The second bank sees its push with the need and, under the need's consent, the credit record.
    [listed] = second["api"].get("/needs/pushes").json()["items"]
    assert listed["id"] == second_push["id"] and listed["need"]["id"] == need["id"]
    assert listed["credit_record"]["enterprise"]["uscc"] == uscc, listed
    wait_until(lambda: second["api"].get(f"/credit/enterprises/{uscc}").status_code == 200, timeout=20,
               message="credit-service to let the pushed bank read the record")

    declined = first["api"].post(f"/needs/pushes/{first_push['id']}/decline", json={"reason": "行业不在本行支持范围"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined", declined.text
    accepted = second["api"].post(f"/needs/pushes/{second_push['id']}/accept",
                                  json={"product_id": second["product"]["id"]})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted", accepted.text
    order_id = accepted.json()["order_id"]

    mine = {o["id"]: o for o in enterprise.get("/orders").json()["items"]}
    assert (mine[order_id]["source"], mine[order_id]["status"]) == ("push", "submitted")
    assert mine[order_id]["institution_id"] == second["institution"]["id"]
    [first_view] = first["api"].get("/needs/pushes").json()["items"]
    assert (first_view["status"], first_view["reason"]) == ("declined", "行业不在本行支持范围")
    assert first_view["credit_record"] is None  # declined: no more credit record
    governed = {p["id"]: p["status"] for p in government.get(f"/needs/{need['id']}/pushes").json()["items"]}
    assert governed == {first_push["id"]: "declined", second_push["id"]: "accepted"}

    subscriber = world["subscriber"]
    for event_type, push_id in (("need.pushed", first_push["id"]), ("need.pushed", second_push["id"]),
                                ("need.push_declined", first_push["id"]),
                                ("need.push_accepted", second_push["id"])):
        event = subscriber.wait_for(lambda e, t=event_type, p=push_id: e["event_type"] == t
                                    and e["data"]["push_id"] == p, message=event_type)
        assert event["data"]["region_code"] == "411002" and event["data"]["need_id"] == need["id"]

    # The bank returns the order for the licence copy; the enterprise resubmits; the bank accepts.
    bank = second["api"]
    returned = bank.post(f"/orders/{order_id}/return", json={"reason": "请补充材料", "items": ["营业执照副本"]})
    assert returned.status_code == 200 and returned.json()["status"] == "returned", returned.text
    resubmitted = enterprise.post(f"/orders/{order_id}/resubmit", json={"note": "已上传营业执照副本"})
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "submitted", resubmitted.text
    done = bank.post(f"/orders/{order_id}/accept", json={})
    assert done.status_code == 200 and done.json()["status"] == "accepted", done.text

    # The district's figures count the visit, the need and the pushes' answers.
    stats = government.get("/orders/stats").json()
    assert stats["visits"] >= 1 and stats["needs_posted"] >= 1 and stats["needs_pushed"] >= 1
    assert stats["pushes_accepted"] >= 1 and stats["pushes_declined"] >= 1
    cards = {c["institution_id"]: c for c in government.get("/orders/scorecards").json()["items"]}
    assert cards[first["institution"]["id"]]["pushes_received"] == 1
    assert cards[first["institution"]["id"]]["pushes_answered_in_time_rate"] == 1
