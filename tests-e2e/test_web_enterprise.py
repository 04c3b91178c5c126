"""An enterprise in Chromium, as the 企业用户操作手册 tells it: registers on the page (SMS countdown,
password rules, the USCC's check character), sends its business licence on the page, is approved
(through the API), applies for a product with the credit-data authorization, sees the order and its
history, withdraws another, and uses notifications, 个人中心, 修改密码 and 退出. Each effect is checked
through the API too."""

import re
import uuid

import pytest
from api_client import Api
from browser import screenshot
from playwright.sync_api import Page, expect
from scenario import (
    LOAN_PRODUCT,
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    random_uscc,
    tiny_png,
    unique_phone,
)
from test_web_institution import ask_for_code, confirm, fill_login, sms_code

from xyd_testing.helpers import wait_until

PASSWORD = "Qiye2026weidu"
NEW_PASSWORD = "Qiye2026xuchang"


@pytest.fixture(scope="module")
def offer(platform):
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin, "许昌企业银行"))
    keyword = f"企业{uuid.uuid4().hex[:4]}"
    first = published_product(bank, {**LOAN_PRODUCT, "name": f"{keyword}税易贷", "amount_max": 300})
    second = published_product(bank, {**LOAN_PRODUCT, "name": f"{keyword}科创贷"})
    return {"admin": admin, "bank": bank, "first": first, "second": second}


def open_product(page: Page, product: dict) -> None:
    page.get_by_role("navigation", name="门户导航").get_by_role("link", name="金融超市").click()
    page.get_by_label("关键词").fill(product["name"])
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=product["name"]).click()
    expect(page.get_by_role("heading", name=product["name"])).to_be_visible()


def fill_application(page: Page, amount: str) -> None:
    page.get_by_label("申请金额（万元）").fill(amount)
    page.get_by_label("申请期限（月）").fill("12")
    page.get_by_label("资金用途").fill("采购原材料")


def test_walk_through_of_the_enterprise_manual(platform, offer, desktop):
    page, admin = desktop, offer["admin"]
    api = Api(platform.gateway)
    phone, uscc, name = unique_phone("136"), random_uscc("411002"), f"许昌瑞祥机械有限公司{uuid.uuid4().hex[:4]}"

    # --- 注册
    page.goto("/web/")
    page.get_by_role("link", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="企业注册")).to_be_visible()
    expect(page.get_by_text("密码规则")).to_be_visible()  # the server's policy, before typing
    page.get_by_label("手机号").fill(phone)
    before = len(api.sms_texts(phone))
    wait_until(lambda: ask_for_code(page, "sent"), timeout=40, interval=0, message="an SMS code to be sent")
    page.get_by_label("验证码").fill(sms_code(api, phone, before))
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_label("企业名称").fill(name)
    page.get_by_label("统一社会信用代码").fill(uscc[:-1] + ("0" if uscc[-1] != "0" else "1"))
    page.get_by_label("联系人姓名").click()
    expect(page.get_by_text("统一社会信用代码校验位不正确，请核对")).to_be_visible()
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_role("combobox", name="所在区域").click(force=True)
    page.get_by_role("treeitem", name="魏都区", exact=True).get_by_text("魏都区", exact=True).click()
    page.get_by_label("联系人姓名").fill("刘建国")
    screenshot(page, "04-register", "enterprise")
    page.get_by_role("button", name="注册", exact=True).click()

    # --- 登录, then 企业认证
    expect(page.get_by_role("heading", name="企业用户登录")).to_be_visible()
    expect(page.get_by_text("注册成功，请登录后提交企业认证")).to_be_visible()
    fill_login(page, api, phone, PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="企业认证")).to_be_visible()
    expect(page.get_by_text("未认证", exact=True)).to_be_visible()
    page.get_by_role("button", name="提交认证").click()
    expect(page.get_by_text("请上传营业执照")).to_be_visible()
    page.get_by_label("法定代表人", exact=True).fill("刘建国")
    page.get_by_role("button", name="营业执照").set_input_files(files=[{"name": "营业执照.png", "mimeType": "image/png",
                                                        "buffer": tiny_png()}])
    expect(page.get_by_role("img", name="营业执照预览")).to_be_visible()
    screenshot(page, "05-verification", "enterprise")
    page.get_by_role("button", name="提交认证").click()
    expect(page.get_by_text("审核中", exact=True).first).to_be_visible()
    [request] = admin.get("/admin/enterprise-verifications", params={"uscc": uscc}).json()["items"]
    assert request["legal_representative"] == "刘建国" and request["documents"][0]["kind"] == "licence"
    assert admin.post(f"/admin/enterprise-verifications/{request['id']}/approve").status_code == 200
    page.get_by_role("button", name="刷新状态").click()
    expect(page.get_by_text("已认证", exact=True)).to_be_visible()

    # --- 申请 with the authorization (授权书) shown in full and a required checkbox.
    text = api.get("/credit/authorization-text", token="").json()
    open_product(page, offer["first"])
    page.get_by_role("button", name="立即申请").click()
    expect(page.get_by_role("heading", name="申请融资")).to_be_visible()
    expect(page.get_by_role("heading", name=f"信用信息查询授权书（第 {text['version']} 版）")).to_be_visible()
    expect(page.locator(".authorization-text")).to_have_text(text["text"])
    fill_application(page, "500")  # above the product's 300 万元: the API's own message
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("请阅读并同意授权书")).to_be_visible()
    page.get_by_text("我已阅读并同意《信用信息查询授权书》").click()
    screenshot(page, "06-apply", "enterprise")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请金额应在 10 到 300 万元之间")).to_be_visible()
    page.get_by_label("申请金额（万元）").fill("100")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交")).to_be_visible()
    expect(page.get_by_text(re.compile("状态：待受理；金融机构应在 .* 前受理"))).to_be_visible()

    enterprise = Api(platform.gateway)
    enterprise.login(phone, PASSWORD)
    [order] = enterprise.get("/orders").json()["items"]
    assert order["product_id"] == offer["first"]["id"] and order["amount"] == 100 and order["status"] == "submitted"

    # A second application for the same product: the API's refusal, on the page.
    page.goto(f"/enterprise/apply/{offer['first']['id']}")
    fill_application(page, "50")
    page.get_by_text("我已阅读并同意《信用信息查询授权书》").click()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("alert").filter(has_text="请勿重复申请")).to_be_visible()

    # Another product, to withdraw.
    page.goto(f"/enterprise/apply/{offer['second']['id']}")
    fill_application(page, "80")
    page.get_by_text("我已阅读并同意《信用信息查询授权书》").click()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交")).to_be_visible()

    # --- 我的订单: list, withdraw one, details with history.
    page.get_by_role("navigation", name="门户导航").get_by_role("link", name="我的订单").click()
    expect(page.get_by_role("heading", name="我的订单")).to_be_visible()
    second_row = page.get_by_role("row").filter(has_text=offer["second"]["name"])
    second_row.get_by_role("button", name="撤回").click()
    confirm(page)
    expect(second_row).to_contain_text("已撤回")
    screenshot(page, "07-orders", "enterprise")
    statuses = {o["product_id"]: o["status"] for o in enterprise.get("/orders").json()["items"]}
    assert statuses == {offer["first"]["id"]: "submitted", offer["second"]["id"]: "withdrawn"}

    page.get_by_role("link", name=order["order_no"]).click()
    expect(page.get_by_role("heading", name=f"订单 {order['order_no']}")).to_be_visible()
    expect(page.get_by_text("当前状态：待受理")).to_be_visible()
    expect(page.get_by_role("heading", name="办理进度")).to_be_visible()
    expect(page.get_by_text("申请已提交，等待金融机构受理").first).to_be_visible()
    screenshot(page, "08-order", "enterprise")

    # The bank accepts: the enterprise hears of it (badge, notifications page, the order's history).
    accepted = offer["bank"].post(f"/orders/{order['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    wait_until(lambda: enterprise.get("/notifications/unread-count").json()["unread"] >= 1, timeout=30,
               message="the enterprise's notification")
    page.reload()
    expect(page.get_by_text("当前状态：已受理")).to_be_visible()
    page.get_by_role("link", name="通知").click()
    expect(page.get_by_role("heading", name="通知")).to_be_visible()
    page.get_by_role("button", name="查看订单").first.click()
    expect(page.get_by_role("heading", name=f"订单 {order['order_no']}")).to_be_visible()

    # --- 个人中心, 修改密码, 退出.
    page.get_by_role("button", name="刘建国").click()
    page.get_by_role("menuitem", name="个人中心").click()
    expect(page.get_by_role("heading", name="个人中心")).to_be_visible()
    expect(page.get_by_text(phone).first).to_be_visible()
    page.get_by_role("button", name="刘建国").click()
    page.get_by_role("menuitem", name="修改密码").click()
    expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="确认修改").click()
    expect(page.get_by_text("密码已修改")).to_be_visible()
    page.get_by_role("button", name="刘建国").click()
    page.get_by_role("menuitem", name="退出").click()
    expect(page.get_by_role("link", name="企业登录", exact=True)).to_be_visible()
    Api(platform.gateway).login(phone, NEW_PASSWORD)  # the new password works
