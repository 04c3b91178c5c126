"""政策资讯 end to end: a government user of 许昌市 publishes a policy for one industry → the verified
enterprise of that industry is told in the app and finds it in 为我推荐 with reasons, an enterprise of
another industry is not; withdrawing takes it off the portal; a government system's own queue sees
policy.published and policy.withdrawn; another district's government cannot touch it."""

from datetime import UTC, date, datetime, timedelta

import pytest
from scenario import (
    STAFF_PASSWORD,
    XUCHANG_REGIONS,
    EventSubscriber,
    admin_with_regions,
    published_policy,
    random_uscc,
    staff_user,
    verified_enterprise,
)

from xyd_testing.helpers import wait_until

INDUSTRY = "通用设备制造业"
JIANAN = {"code": "411003", "name": "建安区", "parent_code": "411000"}


def china_today() -> date:
    return (datetime.now(UTC) + timedelta(hours=8)).date()


def imported_enterprise(admin, name: str, industry: str) -> str:
    """An enterprise credit-service knows, with its industry (the registration data)."""
    uscc = random_uscc("411002")
    resp = admin.post("/credit/imports", json={"enterprises": [{
        "uscc": uscc, "name": name, "legal_representative": "李会计", "registered_capital": 500,
        "established_on": "2015-06-01", "status": "存续", "industry": industry, "region_code": "411002",
        "tax_credit_rating": "B"}]})
    assert resp.status_code == 200 and resp.json()["errors"] == [], resp.text
    return uscc


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_regions(platform, (*XUCHANG_REGIONS, JIANAN))
    events = EventSubscriber(platform, "policy.#")
    users = "/admin/government-users"
    city, _ = staff_user(platform, admin, users, {"name": "许昌市财政局", "region_code": "411000"})
    jianan, _ = staff_user(platform, admin, users, {"name": "建安区财政局", "region_code": "411003"})
    matching_uscc = imported_enterprise(admin, "许昌精工机械有限公司", INDUSTRY)
    matching, _ = verified_enterprise(platform, admin, matching_uscc, "许昌精工机械有限公司", STAFF_PASSWORD)
    other, _ = verified_enterprise(platform, admin, imported_enterprise(admin, "许昌老街餐饮有限公司", "餐饮业"),
                                   "许昌老街餐饮有限公司", STAFF_PASSWORD)
    yield {"admin": admin, "city": city, "jianan": jianan, "matching": matching, "matching_uscc": matching_uscc,
           "other": other, "events": events}
    events.close()


def policy_notices(api) -> list[dict]:
    return [n for n in api.get("/notifications").json()["items"] if n["kind"] == "policy_published"]


def recommended_ids(api) -> list[int]:
    resp = api.get("/policies/recommended")
    assert resp.status_code == 200, resp.text
    return [item["policy"]["id"] for item in resp.json()["items"]]


def test_a_published_policy_reaches_the_matching_enterprise_and_withdrawing_takes_it_off(platform, world, api):
    city, matching, other, events = world["city"], world["matching"], world["other"], world["events"]
    body = {"title": "许昌市装备制造企业首贷贴息政策", "issuer": "许昌市财政局", "region_code": "411000",
            "body": "对首次获得银行贷款的装备制造企业给予贴息。\n\n按实际支付利息的 50% 补贴。",
            "published_on": china_today().isoformat(), "valid_until": None,
            "tags": {"industries": [INDUSTRY], "whitelisted_only": False, "first_loan_only": True},
            "links": [{"type": "fund", "id": 1}, {"type": "subsidy_program", "id": 2}]}

    policy = published_policy(city, events, body, world["matching_uscc"])
    assert policy["status"] == "published" and policy["region_name"] == "许昌市"

    # The matching enterprise is told in the app and sees it recommended with reasons; the other is not.
    [notice] = wait_until(lambda: [n for n in policy_notices(matching) if n["data"]["policy_id"] == policy["id"]],
                          timeout=20, message="the in-app notice")
    assert notice["title"] == "新政策推荐" and policy["title"] in notice["body"]
    assert recommended_ids(matching)[0] == policy["id"]
    item = matching.get("/policies/recommended").json()["items"][0]
    assert item["reasons"][:3] == ["适用于许昌市的企业", f"面向{INDUSTRY}企业", "首贷企业适用（尚无放款记录）"]
    assert policy["id"] not in recommended_ids(other)
    assert not [n for n in policy_notices(other) if n["data"]["policy_id"] == policy["id"]]

    # The portal shows it to anyone.
    portal = api.get("/policies", params={"region_code": "411002", "industry": INDUSTRY})
    assert policy["id"] in [p["id"] for p in portal.json()["items"]]
    link = api.get(f"/policies/{policy['id']}").json()["links"][0]
    assert (link["type"], link["id"]) == ("fund", 1)

    # Another district's government: as if it did not exist.
    assert world["jianan"].post(f"/policies/{policy['id']}/withdraw").status_code == 404
    # Withdrawn: off the portal and the recommendations.
    resp = city.post(f"/policies/{policy['id']}/withdraw")
    assert resp.status_code == 200 and resp.json()["status"] == "withdrawn"
    assert api.get(f"/policies/{policy['id']}").status_code == 404
    assert policy["id"] not in [p["id"] for p in api.get("/policies").json()["items"]]
    assert policy["id"] not in recommended_ids(matching)

    withdrawn = events.wait_for(lambda e: e["event_type"] == "policy.withdrawn" and e["data"]["id"] == policy["id"])
    assert withdrawn["data"]["region_code"] == "411000" and withdrawn["source"] == "product-service"
