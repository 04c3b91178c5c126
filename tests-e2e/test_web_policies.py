"""政策资讯 in Chromium: a government user of 许昌市 publishes a policy for one industry in 政策发布 (the
form's own checks first); the portal's 政策资讯 lists it and shows its text to a visitor; the verified
enterprise of that industry sees it in 为我推荐 with its reasons, at phone width. Every effect is
checked through the API too."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from api_client import Api
from browser import assert_no_horizontal_scroll, screenshot
from playwright.sync_api import Page, expect
from scenario import STAFF_PASSWORD, admin_with_xuchang, staff_user, verified_enterprise
from test_policies import imported_enterprise
from test_web_admin import menu, sign_in

INDUSTRY = "通用设备制造业"
BODY = "对首次获得银行贷款的装备制造企业给予贴息。\n\n按实际支付利息的 50% 补贴，每户每年最高 20 万元。"


def shot(page: Page, name: str) -> None:
    screenshot(page, name, manual="policies")


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    government, government_user = staff_user(platform, admin, "/admin/government-users",
                                             {"name": "许昌市财政局", "region_code": "411000"})
    name = f"许昌精工机械有限公司{uuid.uuid4().hex[:4]}"
    enterprise, enterprise_user = verified_enterprise(platform, admin, imported_enterprise(admin, name, INDUSTRY),
                                                      name, STAFF_PASSWORD)
    return {"government": government, "government_phone": government_user["phone"], "enterprise": enterprise,
            "enterprise_phone": enterprise.get("/auth/me").json()["phone"]}


def test_a_policy_published_in_the_page_reaches_the_portal_and_the_enterprises_recommendations(platform, world,
                                                                                                 desktop, phone):
    page, government = desktop, world["government"]
    title = f"装备制造企业首贷贴息政策{uuid.uuid4().hex[:4]}"
    today = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()

    sign_in(page, Api(platform.gateway), world["government_phone"], STAFF_PASSWORD, "监管首页")
    menu(page, "政策发布")
    page.get_by_role("button", name="发布政策").click()
    dialog = page.get_by_role("dialog", name="发布政策")
    dialog.get_by_role("button", name="发布", exact=True).click()
    expect(dialog.get_by_text("请输入政策标题（至少 2 个字）")).to_be_visible()
    expect(dialog.get_by_text("请选择发布日期")).to_be_visible()
    dialog.get_by_label("政策标题").fill(title)
    dialog.get_by_label("发布单位").fill("许昌市财政局")
    dialog.get_by_label("发布日期", exact=True).fill(today)
    dialog.get_by_label("发布日期", exact=True).press("Enter")
    dialog.get_by_label("政策正文（空行分段）").fill(BODY)
    dialog.get_by_label("适用行业", exact=True).fill(INDUSTRY)
    dialog.get_by_text("仅首贷企业（尚无放款记录）").click()
    shot(page, "policy-form")
    dialog.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_text("已发布，符合条件的企业将收到通知")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("已发布")
    expect(row).to_contain_text("许昌市")
    shot(page, "policy-manage")

    [policy] = [p for p in government.get("/policies/managed", params={"q": title}).json()["items"]]
    assert policy["tags"] == {"industries": [INDUSTRY], "whitelisted_only": False, "first_loan_only": True}
    assert policy["published_on"] == today and policy["status"] == "published"

    # A visitor: the portal's 政策资讯 lists it, and its page shows the text in paragraphs.
    visitor = page.context.new_page()
    visitor.goto("/")
    visitor.get_by_role("navigation", name="门户导航").get_by_role("link", name="政策资讯").click()
    expect(visitor.get_by_role("heading", name="政策资讯", exact=True)).to_be_visible()
    visitor.get_by_label("搜索政策").fill(title)
    visitor.get_by_role("button", name="搜索").click()
    visitor.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", name=title)).to_be_visible()
    expect(visitor.get_by_text("按实际支付利息的 50% 补贴")).to_be_visible()
    expect(visitor.get_by_text("首贷企业")).to_be_visible()
    shot(visitor, "policy-detail")
    visitor.close()

    # The enterprise, on a phone: 为我推荐 shows the policy with its reasons.
    sign_in(phone, Api(platform.gateway), world["enterprise_phone"], STAFF_PASSWORD, "我的订单")
    phone.goto("/enterprise/recommendations")
    section = phone.get_by_role("region", name="政策")
    card = section.get_by_role("article").filter(has_text=title)
    expect(card).to_be_visible()
    reasons = card.get_by_role("list", name="推荐理由")
    for reason in ("适用于许昌市的企业", f"面向{INDUSTRY}企业", "首贷企业适用（尚无放款记录）"):
        expect(reasons).to_contain_text(reason)
    card.scroll_into_view_if_needed()
    assert_no_horizontal_scroll(phone)
    shot(phone, "phone-recommendations-policies")
    ids = [i["policy"]["id"] for i in world["enterprise"].get("/policies/recommended").json()["items"]]
    assert policy["id"] in ids
