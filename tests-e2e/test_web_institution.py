"""The institution console in Chromium, as the 金融机构操作手册 tells it (sections 3.1–6): the admin
sets up the institution and its administrator through the API; everything the institution does
happens in the browser; each effect is checked through the API too. Plus the login's answers to a
wrong code, a throttled resend and a locked account, and every page at 390 px."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from api_client import Api
from browser import (
    assert_no_horizontal_scroll,
    expect_countdown_shown,
    screenshot,
    walk_at_phone_width,
    watch_countdown,
)
from playwright.sync_api import Page, expect
from scenario import (
    INITIAL_PASSWORD,
    STAFF_PASSWORD,
    admin_with_xuchang,
    institution_user,
    new_institution,
    random_uscc,
    unique_phone,
    verified_enterprise,
)

from xyd_testing.helpers import wait_until

NEW_PASSWORD = "Weidu2026bank"
LATEST_PASSWORD = "Changed2026bank"


def china_today():
    return (datetime.now(UTC) + timedelta(hours=8)).date()


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    resp = admin.post("/admin/regions", json={"code": "411003", "name": "建安区", "parent_code": "411000"})
    assert resp.status_code in (201, 409), resp.text
    return {"admin": admin}


def institution_admin(admin: Api, name: str = "许昌农商银行") -> tuple[dict, str]:
    """An institution and its administrator (initial password), made by the platform admin."""
    institution = new_institution(admin, name)
    phone = unique_phone()
    resp = admin.post(f"/admin/institutions/{institution['id']}/users", json={"phone": phone, "name": "王经理"})
    assert resp.status_code == 201, resp.text
    return institution, phone


def sms_code(api: Api, phone: str, count_before: int) -> str:
    texts = wait_until(lambda: (t := api.sms_texts(phone)) and len(t) > count_before and t, timeout=30,
                       message=f"the SMS for {phone}")
    return re.search(r"\d{6}", texts[0]).group(0)


def open_login(page: Page) -> None:
    page.goto("/web/")
    page.get_by_role("link", name=re.compile("^金融机构")).click()
    expect(page.get_by_role("heading", name="金融机构用户登录")).to_be_visible()


def ask_for_code(page: Page, want: str) -> bool:
    """Click 获取验证码; True when the answer was `want` ("sent" or "throttled"). Otherwise the countdown
    (the server's resend_after or Retry-After) is waited out, so the caller can try again."""
    watch_countdown(page)
    page.get_by_role("button", name="获取验证码").click()
    answers = {"sent": page.get_by_text("验证码已发送，请查收短信"),
               "throttled": page.get_by_text("验证码发送过于频繁，请稍后再试")}
    expect(answers["sent"].or_(answers["throttled"])).to_be_visible()
    expect_countdown_shown(page)
    if answers[want].is_visible():
        return True
    expect(page.get_by_role("button", name="获取验证码")).to_be_enabled()
    return False


def fill_login(page: Page, api: Api, phone: str, password: str) -> None:
    """Phone, a fresh SMS code (read from the console SMS inbox), password."""
    page.get_by_label("手机号").fill(phone)
    before = len(api.sms_texts(phone))
    # An earlier code for this phone may be too recent: then the page asks again after the countdown.
    wait_until(lambda: ask_for_code(page, "sent"), timeout=40, interval=0, message="an SMS code to be sent")
    page.get_by_label("验证码").fill(sms_code(api, phone, before))
    page.get_by_label("密码", exact=True).fill(password)


def sign_in(page: Page, api: Api, phone: str, password: str) -> None:
    open_login(page)
    fill_login(page, api, phone, password)
    page.get_by_role("button", name="登录", exact=True).click()


def menu(page: Page, name: str, heading: str | None = None) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("menuitem", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=heading or name, exact=True)).to_be_visible()


def confirm(page: Page) -> None:
    dialog = page.get_by_role("dialog").filter(has=page.get_by_role("button", name="确定"))
    dialog.get_by_role("button", name="确定").click()
    expect(dialog).to_be_hidden()


def apply(enterprise: Api, product_id: int, amount: float = 100) -> dict:
    """Apply, retrying while order-service has not yet heard of the product or the enterprise."""
    def attempt():
        resp = enterprise.post("/orders", json={"product_id": product_id, "amount": amount, "term_months": 12,
                                                "purpose": "采购原材料", "credit_authorized": True})
        assert resp.status_code in (201, 422, 503), resp.text
        if resp.status_code == 422:
            assert resp.json()["code"] == "product_unavailable", resp.text
        return resp.json() if resp.status_code == 201 else None

    return wait_until(attempt, timeout=30, interval=0.3, message="order-service to know product and enterprise")


def credit_data(admin: Api, uscc: str, name: str) -> None:
    """The enterprise's record as the credit department imports it: whitelisted, one litigation flag."""
    today = china_today()
    resp = admin.post("/credit/imports", json={
        "enterprises": [{"uscc": uscc, "name": name, "legal_representative": "张建国", "registered_capital": 500,
                         "established_on": "2015-06-01", "status": "存续", "industry": "制造业",
                         "region_code": "411002", "tax_credit_rating": "A"}],
        "records": [{"uscc": uscc, "category": "commendation", "title": "许昌市诚信示范企业",
                     "authority": "许昌市发展和改革委员会", "decided_on": "2025-03-01", "content": "年度评选"}],
        "whitelist": [{"uscc": uscc, "batch": f"{today.year}年第一批", "region_code": "411002",
                       "listed_on": (today - timedelta(days=1)).isoformat(),
                       "valid_until": (today + timedelta(days=365)).isoformat()}],
        "risk_flags": [{"uscc": uscc, "indicator": "litigation", "source": "许昌市中级人民法院",
                        "detected_on": today.isoformat(), "active": True}],
    })
    assert resp.status_code == 200 and not resp.json()["errors"], resp.text


def test_walk_through_of_the_institution_manual(platform, world, desktop):
    page = desktop
    admin = world["admin"]
    institution, phone = institution_admin(admin)
    api = Api(platform.gateway)
    tokens_sent: list[str] = []
    page.on("request", lambda request: tokens_sent.append(auth) if (auth := request.headers.get("authorization"))
            else None)

    # --- 3.1 login through the portal's 金融机构 entry; the initial password must be changed first.
    open_login(page)
    screenshot(page, "01-portal-login")
    fill_login(page, api, phone, INITIAL_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="首次登录，请修改初始密码")).to_be_visible()
    expect(page.get_by_text("须同时包含字母和数字")).to_be_visible()  # the rules show before typing
    page.goto("/institution/products")  # nothing else is reachable yet
    expect(page.get_by_role("heading", name="首次登录，请修改初始密码")).to_be_visible()
    page.get_by_label("当前密码").fill(INITIAL_PASSWORD)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD)
    screenshot(page, "02-initial-password")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("heading", name="订单管理")).to_be_visible()

    # --- 3.2 上传产品: a featured product serving 魏都区.
    product_name = f"魏都科创贷{uuid.uuid4().hex[:4]}"
    menu(page, "上传产品")
    page.get_by_role("button", name="立即提交").click()  # empty: the form says what is missing
    expect(page.get_by_text("至少选择一个服务区域")).to_be_visible()
    page.get_by_label("产品名称").fill(product_name)
    page.get_by_role("group", name="担保方式").get_by_text("信用", exact=True).click()
    page.get_by_role("group", name="还款方式").get_by_text("先息后本", exact=True).click()
    page.get_by_label("最低金额（万元）").fill("500")
    page.get_by_label("最高金额（万元）").fill("10")
    page.get_by_label("最短期限（月）").fill("3")
    expect(page.get_by_text("金额的最小值不能大于最大值")).to_be_visible()  # min ≤ max, before submitting
    page.get_by_label("最低金额（万元）").fill("10")
    page.get_by_label("最高金额（万元）").fill("500")
    page.get_by_label("最长期限（月）").fill("36")
    page.get_by_label("最低年利率（%）").fill("3.45")
    page.get_by_label("最高年利率（%）").fill("6.5")
    featured = page.get_by_role("switch", name="特色产品")
    featured.locator("..").click()  # the visible switch around the input
    expect(featured).to_be_checked()
    page.get_by_role("combobox", name="服务区域").click(force=True)  # the select's input sits under its box
    page.get_by_role("treeitem", name="魏都区", exact=True).get_by_text("魏都区", exact=True).click()
    expect(page.locator(".el-select__selection").get_by_text("魏都区")).to_be_visible()
    page.get_by_label("适用对象").click()  # closes the region list
    page.get_by_label("适用对象").fill("魏都区科技型中小企业")
    page.get_by_label("产品特色").fill("纯信用、随借随还")
    screenshot(page, "03-upload-product")
    page.get_by_role("button", name="立即提交").click()
    expect(page.get_by_role("heading", name="产品管理")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=product_name)
    expect(row).to_contain_text("特色")
    expect(row).to_contain_text("已启用")
    [product] = [p for p in api.get("/market/products", params={"q": product_name}, token="").json()["items"]]
    assert product["featured"] is True and product["region_codes"] == ["411002"]
    assert product["institution_id"] == institution["id"]

    # --- 3.3 产品管理: search, 详情, 修改, 禁用 / 启用.
    page.get_by_label("搜索产品").fill(product_name[:4])
    page.get_by_role("button", name="搜索").click()
    expect(row).to_be_visible()
    row.get_by_role("button", name="详情").click()
    details = page.get_by_role("dialog", name="产品详情")
    expect(details).to_contain_text("魏都区")
    expect(details).to_contain_text("纯信用、随借随还")
    screenshot(page, "04-product-details")
    details.get_by_role("button", name="关闭").click()
    row.get_by_role("button", name="修改").click()
    expect(page.get_by_label("产品名称")).to_have_value(product_name)
    page.get_by_label("最高金额（万元）").fill("800")
    page.get_by_role("button", name="保存修改").click()
    expect(row).to_contain_text("10–800")  # one range format: an en dash
    assert api.get(f"/products/{product['id']}", token="").json()["amount_max"] == 800
    row.get_by_role("button", name="禁用").click()
    screenshot(page, "05-product-disable")
    confirm(page)
    expect(row).to_contain_text("已禁用")
    assert api.get(f"/products/{product['id']}", token="").status_code == 404  # gone from the market
    row.get_by_role("button", name="启用").click()
    confirm(page)
    expect(row).to_contain_text("已启用")
    screenshot(page, "06-product-list")

    # --- Two enterprises apply: one whitelisted with a litigation flag, one with no record.
    good_name, plain_name = f"许昌魏都制造{uuid.uuid4().hex[:4]}有限公司", f"许昌建安商贸{uuid.uuid4().hex[:4]}有限公司"
    good_uscc = random_uscc()
    credit_data(admin, good_uscc, good_name)
    good, _ = verified_enterprise(platform, admin, uscc=good_uscc, name=good_name)
    plain, _ = verified_enterprise(platform, admin, name=plain_name)
    first = apply(good, product["id"], amount=200)
    second = apply(plain, product["id"])

    # --- 4.1 / 4.5 订单管理: the risk tag with its indicators, the whitelist tag, the filters.
    menu(page, "订单管理")
    first_row = page.get_by_role("row").filter(has_text=good_name)
    expect(first_row).to_contain_text("白名单")
    expect(first_row).to_contain_text("低风险")
    expect(first_row).to_contain_text("待受理")
    first_row.get_by_text("低风险").hover()
    expect(page.get_by_role("tooltip")).to_contain_text("风险指标：涉诉")
    screenshot(page, "07-order-list")
    page.get_by_role("combobox", name="白名单").click(force=True)
    page.get_by_role("option", name="白名单企业", exact=True).click()
    expect(first_row).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=plain_name)).to_be_hidden()
    page.get_by_role("combobox", name="白名单").click(force=True)
    page.get_by_role("option", name="全部企业").click()

    # --- 4.4 查看详情: the credit record; 受理, 授信, 放款 each confirmed, the new state at once.
    first_row.get_by_role("button", name="查看详情").click()
    expect(page.get_by_role("heading", name="企业信用记录")).to_be_visible()
    expect(page.get_by_text("许昌市诚信示范企业")).to_be_visible()
    expect(page.get_by_text("许昌市中级人民法院")).to_be_visible()
    screenshot(page, "08-order-details")
    page.get_by_role("button", name="受理").click()
    confirm(page)
    expect(page.get_by_text("订单状态：已受理", exact=True)).to_be_visible()
    page.get_by_role("button", name="授信").click()
    grant = page.get_by_role("dialog", name="授信")
    grant.get_by_label("年利率（%）").fill("4.35")
    grant.get_by_label("授信金额（万元）").fill("150")
    screenshot(page, "09-order-grant")
    grant.get_by_role("button", name="提交").click()
    confirm(page)
    expect(page.get_by_text("订单状态：已授信", exact=True)).to_be_visible()
    page.get_by_role("button", name="放款").click()
    disburse = page.get_by_role("dialog", name="放款")
    expect(disburse.get_by_label("放款金额（万元）")).to_have_value("150")
    disburse.get_by_role("button", name="提交").click()
    confirm(page)
    expect(page.get_by_text("订单状态：已放款", exact=True)).to_be_visible()
    expect(page.get_by_text("已授信 → 已放款")).to_be_visible()  # the history
    done = good.get(f"/orders/{first['id']}").json()
    assert done["status"] == "disbursed" and done["granted_amount"] == 150 and done["granted_rate"] == 4.35

    # --- 4.2 终止订单 from 查看详情, with the reason required.
    page.get_by_role("button", name="返回").click()
    page.get_by_role("row").filter(has_text=plain_name).get_by_role("button", name="查看详情").click()
    page.get_by_role("button", name="终止").click()
    terminate = page.get_by_role("dialog", name="终止订单")
    terminate.get_by_role("button", name="提交").click()
    expect(terminate.get_by_text("至少 2 个字")).to_be_visible()
    terminate.get_by_label("终止原因").fill("经营范围与产品要求不符")
    screenshot(page, "10-order-terminate")
    terminate.get_by_role("button", name="提交").click()
    confirm(page)
    expect(page.get_by_text("订单状态：已终止", exact=True)).to_be_visible()
    stopped = plain.get(f"/orders/{second['id']}").json()
    assert stopped["status"] == "terminated" and stopped["reason"] == "经营范围与产品要求不符"

    # --- 4.3 the whitelist: it scrolls by itself, stops under the pointer; the table searches.
    menu(page, "信易贷企业白名单", "“信易贷”企业白名单")
    track = page.locator(".ticker-track")
    listed = [entry["enterprise_name"] for entry in
              admin.get("/credit/whitelist", params={"per_page": 30}).json()["items"]]
    if len(listed) > 3:
        first_offset = track.evaluate("el => getComputedStyle(el).transform")
        wait_until(lambda: track.evaluate("el => getComputedStyle(el).transform") != first_offset, timeout=5,
                   interval=0.2, message="the whitelist to scroll")
        page.get_by_role("region", name="白名单滚动列表").hover()
        expect(track).to_have_css("animation-play-state", "paused")
    expect(page.get_by_role("region", name="白名单滚动列表")).to_contain_text(good_name)
    page.get_by_label("搜索白名单企业").fill(good_name)
    page.get_by_role("button", name="搜索").click()
    masked = admin.get("/credit/whitelist", params={"q": good_name}).json()["items"][0]["uscc"]
    expect(page.get_by_role("row").filter(has_text=good_name)).to_contain_text(masked)
    screenshot(page, "11-whitelist")

    # --- 通知: the badge counts the new-order notices; all read clears it.
    me = Api(platform.gateway)
    me.login(phone, NEW_PASSWORD)
    wait_until(lambda: me.get("/notifications/unread-count").json()["unread"] > 0, timeout=20,
               message="a notification of the new orders")
    page.reload()
    bell = page.get_by_role("link", name="通知")
    expect(bell.locator(".el-badge__content")).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", name="通知")).to_be_visible()
    screenshot(page, "12-notifications")
    page.get_by_role("button", name="全部标为已读").click()
    expect(bell.locator(".el-badge__content")).to_be_hidden()
    assert me.get("/notifications/unread-count").json()["unread"] == 0

    # --- 5.1 个人中心: the facts, and the name can be changed.
    menu(page, "个人中心")
    expect(page.get_by_text(institution["name"])).to_be_visible()
    expect(page.get_by_text(phone)).to_be_visible()
    page.get_by_label("姓名").fill("王晓明")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存")).to_be_visible()
    assert me.get("/auth/me").json()["name"] == "王晓明"
    screenshot(page, "13-profile")

    # --- 5.2 修改密码: afterwards the other sessions end (the API session `me`).
    menu(page, "修改密码")
    page.get_by_label("当前密码").fill(NEW_PASSWORD)
    page.get_by_label("新密码", exact=True).fill(LATEST_PASSWORD)
    page.get_by_label("确认新密码").fill(LATEST_PASSWORD)
    screenshot(page, "14-change-password")
    page.get_by_role("button", name="确认修改").click()
    expect(page.get_by_text("密码已修改")).to_be_visible()
    wait_until(lambda: me.get("/auth/me").status_code == 401, timeout=5, message="the other session to end")

    # --- 6 系统退出: back to the portal home; the page's current token is refused afterwards.
    menu(page, "个人中心")  # a request with the token the password change issued
    expect(page.get_by_label("姓名")).to_have_value("王晓明")
    last_token = tokens_sent[-1].removeprefix("Bearer ")
    assert api.get("/auth/me", token=last_token).status_code == 200
    page.get_by_role("button", name="系统退出").click()  # in words in the header, as the manual's §6 says
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name=re.compile("^金融机构"))).to_be_visible()
    screenshot(page, "15-logout-portal")
    wait_until(lambda: api.get("/auth/me", token=last_token).status_code == 401, timeout=5,
               message="the logged-out token to be refused")
    page.goto("/institution/orders")
    expect(page.get_by_role("heading", name="金融机构用户登录")).to_be_visible()


def test_a_wrong_code_shows_the_generic_login_message(platform, world, desktop):
    _, phone = institution_admin(world["admin"], "许昌银行")
    api = Api(platform.gateway)
    open_login(desktop)
    fill_login(desktop, api, phone, INITIAL_PASSWORD)
    code = desktop.get_by_label("验证码").input_value()
    desktop.get_by_label("验证码").fill("000000" if code != "000000" else "111111")
    desktop.get_by_role("button", name="登录", exact=True).click()
    expect(desktop.get_by_role("alert")).to_contain_text("手机号、密码或验证码错误")
    expect(desktop).to_have_url(re.compile("/login"))


def test_a_resend_within_the_interval_shows_the_throttle_and_counts_down(platform, world, desktop):
    phone = unique_phone()
    api = Api(platform.gateway)
    open_login(desktop)
    desktop.get_by_label("手机号").fill(phone)

    def throttled() -> bool:
        # A code just asked for through the API: the page's request comes within the resend interval.
        sent = api.post("/auth/sms-codes", json={"phone": phone, "purpose": "login"}, token="")
        assert sent.status_code in (202, 429), sent.text
        return ask_for_code(desktop, "throttled")

    wait_until(throttled, timeout=30, interval=0, message="a throttled resend")
    expect(desktop.get_by_role("alert")).to_contain_text("验证码发送过于频繁，请稍后再试")
    expect_countdown_shown(desktop)  # the throttled answer's Retry-After, counted down


def test_a_locked_account_shows_the_lock_message(platform, world, desktop):
    admin = world["admin"]
    bank = institution_user(platform, admin, new_institution(admin, "中原银行许昌分行"))
    phone = bank.get("/auth/me").json()["phone"]
    intruder = Api(platform.gateway)
    for _ in range(5):  # LOGIN_MAX_FAILURES wrong passwords, each with a valid code
        code = intruder.request_code(phone)
        resp = intruder.post("/auth/login", token="",
                             json={"phone": phone, "password": "Wrong2026pass", "sms_code": code})
        assert resp.status_code in (401, 429), resp.text
    sign_in(desktop, Api(platform.gateway), phone, STAFF_PASSWORD)
    expect(desktop.get_by_role("alert")).to_contain_text("密码错误次数过多，账号已临时锁定")


def test_every_page_fits_a_phone_screen(platform, world, phone):
    admin = world["admin"]
    bank = institution_user(platform, admin, new_institution(admin, "许昌农商银行"))
    number = bank.get("/auth/me").json()["phone"]
    page = phone
    open_login(page)
    assert_no_horizontal_scroll(page)
    fill_login(page, Api(platform.gateway), number, STAFF_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="订单管理")).to_be_visible()
    walk_at_phone_width(page, (("/institution/orders", "订单管理"), ("/institution/products/new", "上传产品"),
                               ("/institution/products", "产品管理"), ("/institution/whitelist", "“信易贷”企业白名单"),
                               ("/institution/notifications", "通知"), ("/institution/profile", "个人中心"),
                               ("/institution/password", "修改密码")), "订单管理")
    page.goto("/")
    assert_no_horizontal_scroll(page)
