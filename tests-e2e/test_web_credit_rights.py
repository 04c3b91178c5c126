"""The enterprise's credit rights in Chromium: the enterprise sees its record as institutions see it
and raises a dispute on the page; the admin upholds it on the page, after which the record shows as
hidden to the enterprise and the bank no longer reads it; a government user rejects another dispute,
which needs a note; the admin publishes a new authorization text; the enterprise revokes an
authorization and the order is withdrawn; an enterprise not yet verified is led to 企业认证. Each effect
is checked through the API too."""

import re
import uuid

import pytest
from api_client import Api
from browser import DESKTOP, PHONE, assert_no_horizontal_scroll, checked_page, screenshot
from harness import ADMIN_PASSWORD, ADMIN_PHONE
from playwright.sync_api import Page, expect
from scenario import (
    LOAN_PRODUCT,
    STAFF_PASSWORD,
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    random_uscc,
    register_enterprise,
    staff_user,
    verified_enterprise,
)
from test_consent import apply
from test_web_admin import menu as console_menu
from test_web_admin import sign_in
from test_web_institution import confirm

from xyd_testing.helpers import wait_until

PENALTY = {"category": "administrative_penalty", "title": "未按规定公示年度报告",
           "authority": "许昌市魏都区市场监督管理局", "decided_on": "2026-05-12", "content": "警告，罚款 2000 元。"}
ABNORMAL = {"category": "abnormal_operation", "title": "通过登记的住所无法联系",
            "authority": "许昌市魏都区市场监督管理局", "decided_on": "2026-03-02", "content": "列入经营异常名录。"}


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    bank_name = f"许昌权益银行{uuid.uuid4().hex[:4]}"
    bank = institution_user(platform, admin, new_institution(admin, bank_name))
    products = [published_product(bank, {**LOAN_PRODUCT, "name": f"权益贷{i}{uuid.uuid4().hex[:4]}"}) for i in range(2)]
    government, _ = staff_user(platform, admin, "/admin/government-users",
                               {"name": "许昌市发改委", "region_code": "411000"})
    uscc, name = random_uscc("411002"), f"许昌诚信机械有限公司{uuid.uuid4().hex[:4]}"
    resp = admin.post("/credit/imports", json={
        "enterprises": [{"uscc": uscc, "name": name, "legal_representative": "李会计", "region_code": "411002",
                         "industry": "制造业", "tax_credit_rating": "B"}],
        "records": [{"uscc": uscc, **PENALTY}, {"uscc": uscc, **ABNORMAL}],
        "risk_flags": [{"uscc": uscc, "indicator": "administrative_penalty", "source": "许昌市市场监督管理局",
                        "detected_on": "2026-05-12", "active": True}]})
    assert resp.status_code == 200 and resp.json()["errors"] == [], resp.text
    enterprise, _ = verified_enterprise(platform, admin, uscc, name)
    return {"admin": admin, "bank": bank, "bank_name": bank_name, "products": products, "government": government,
            "enterprise": enterprise, "uscc": uscc, "name": name}


@pytest.fixture
def second_desktop(browser, platform):
    """Another person's browser beside `desktop`."""
    yield from checked_page(browser, platform, DESKTOP)


def portal_menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="门户导航").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def current_version(api: Api) -> int:
    return Api(api.base).get("/credit/authorization-text", token="").json()["version"]


def record_titles(bank: Api, uscc: str) -> list[str]:
    resp = bank.get(f"/credit/enterprises/{uscc}")
    return [r["title"] for r in resp.json()["records"]] if resp.status_code == 200 else []


def test_credit_rights_walk_through(platform, world, desktop, second_desktop):
    enterprise, bank, admin, uscc = world["enterprise"], world["bank"], world["admin"], world["uscc"]
    order = apply(enterprise, world["products"][0]["id"], current_version(enterprise))
    wait_until(lambda: PENALTY["title"] in record_titles(bank, uscc), timeout=15, message="the bank's access")

    # --- 我的信用: the record as institutions see it, then 提出异议 on the penalty.
    page = desktop
    sign_in(page, Api(platform.gateway), enterprise.get("/auth/me").json()["phone"], STAFF_PASSWORD, "我的订单")
    portal_menu(page, "我的信用")
    penalty = page.get_by_role("listitem").filter(has_text=PENALTY["title"])
    expect(penalty).to_contain_text("机构可见")
    expect(page.get_by_text("中风险").first).to_be_visible()
    screenshot(page, "credit-01-my-credit", "enterprise")
    penalty.get_by_role("button", name=f"对“{PENALTY['title']}”提出异议").click()
    dialog = page.get_by_role("dialog", name="提出异议")
    dialog.get_by_label("异议理由").fill("有误")
    dialog.get_by_role("button", name="提交异议").click()
    expect(dialog.get_by_text("至少 5 个字")).to_be_visible()
    dialog.get_by_label("异议理由").fill("该年度报告已于 2026 年 5 月 20 日补报公示，原处罚决定已撤销。")
    expect(dialog.get_by_label("联系方式")).not_to_have_value("")
    screenshot(page, "credit-02-dispute", "enterprise")
    dialog.get_by_role("button", name="提交异议").click()
    expect(page.get_by_text("异议已提交，处理结果将通知您")).to_be_visible()
    expect(penalty).to_contain_text("异议处理中")
    expect(page.get_by_role("row").filter(has_text=PENALTY["title"])).to_contain_text("待处理")
    [dispute] = [d for d in enterprise.get("/credit/me/disputes").json()["items"] if d["status"] == "open"]
    assert dispute["record"]["title"] == PENALTY["title"]

    # --- 信用异议处理: the admin reads the record and the reason, and upholds.
    console = second_desktop
    sign_in(console, Api(platform.gateway), ADMIN_PHONE, ADMIN_PASSWORD, "机构管理")
    console_menu(console, "信用异议处理")
    row = console.get_by_role("row").filter(has_text=world["name"]).filter(has_text=PENALTY["title"])
    row.get_by_role("button", name="处理").click()
    drawer = console.get_by_role("dialog", name="信用异议")
    expect(drawer.get_by_text(PENALTY["content"])).to_be_visible()
    expect(drawer.get_by_text("原处罚决定已撤销")).to_be_visible()
    screenshot(console, "credit-01-disputes", "admin")
    drawer.get_by_label("处理说明").fill("经核实，原处罚决定已撤销，记录不再公示")
    drawer.get_by_role("button", name="异议成立").click()
    confirm(console)
    expect(console.get_by_text("已认定异议成立")).to_be_visible()
    expect(drawer.get_by_text("异议成立", exact=True)).to_be_visible()
    console.keyboard.press("Escape")
    expect(row).to_contain_text("异议成立")
    assert PENALTY["title"] not in record_titles(bank, uscc)
    assert ABNORMAL["title"] in record_titles(bank, uscc)

    page.reload()
    expect(penalty).to_contain_text("机构不可见：异议成立，已不再展示")
    expect(penalty).to_contain_text("更正说明：经核实，原处罚决定已撤销")
    expect(page.get_by_text("无风险").first).to_be_visible()  # its flag no longer counts
    expect(page.get_by_role("row").filter(has_text=PENALTY["title"])).to_contain_text("异议成立")

    # --- 授权书管理: a new version, previewed and confirmed.
    old = Api(platform.gateway).get("/credit/authorization-text", token="").json()
    console_menu(console, "授权书管理")
    expect(console.get_by_role("heading", name=f"信用信息查询授权书（第 {old['version']} 版）")).to_be_visible()
    expect(console.get_by_role("row").filter(has_text=f"第 {old['version']} 版")).to_contain_text("现行")
    screenshot(console, "credit-02-authorization-text", "admin")
    console.get_by_role("button", name="预览并发布").click()
    expect(console.get_by_text(f"与现行第 {old['version']} 版内容相同，请修改后再发布")).to_be_visible()
    new_text = (f"信用信息查询授权书（{uuid.uuid4().hex[:6]} 修订）：本企业授权受理本次申请的金融机构查询本企业的"
                "登记信息、信用记录与风险提示，仅用于本次融资审核及贷后管理。")
    console.get_by_label("授权书全文").fill(new_text)
    console.get_by_role("button", name="预览并发布").click()
    preview = console.get_by_role("dialog", name="预览：企业申请时看到的授权书")
    new_version = old["version"] + 1
    expect(preview.get_by_role("heading", name=f"信用信息查询授权书（第 {new_version} 版）")).to_be_visible()
    expect(preview.get_by_text(f"发布后，新的融资申请须同意第 {new_version} 版授权书。")).to_be_visible()
    screenshot(console, "credit-03-authorization-preview", "admin")
    preview.get_by_role("button", name=f"发布第 {new_version} 版").click()
    expect(console.get_by_role("dialog").filter(has_text="此后提交的融资申请必须阅读并同意")).to_be_visible()
    confirm(console)
    expect(console.get_by_text(f"第 {new_version} 版授权书已发布")).to_be_visible()
    current = Api(platform.gateway).get("/credit/authorization-text", token="").json()
    assert (current["version"], current["text"]) == (new_version, new_text)
    assert current["data_categories"] == old["data_categories"]
    history = console.get_by_role("row").filter(has_text=f"第 {new_version} 版")
    expect(history).to_contain_text("现行")
    assert admin.get("/admin/credit/authorization-texts").json()["items"][0]["version"] == new_version

    # --- 授权管理: the bank's read is logged; revoking withdraws the open order.
    portal_menu(page, "授权管理")
    authorization = page.get_by_role("row").filter(has_text=order["order_no"])
    expect(authorization).to_contain_text("有效")
    expect(authorization).to_contain_text(world["bank_name"])
    reads = page.get_by_role("row").filter(has_text=world["bank_name"]).filter(has_text="已获准")
    expect(reads.first).to_be_visible()
    screenshot(page, "credit-03-authorizations", "enterprise")
    authorization.get_by_role("button", name="撤回授权").click()
    box = page.get_by_role("dialog").filter(has_text="撤回后该机构立即不能再查阅本企业的信用记录")
    expect(box).to_contain_text("该订单如尚未放款，将随之撤回")
    confirm(page)
    expect(page.get_by_text("授权已撤回")).to_be_visible()
    expect(authorization).to_contain_text("已撤回")
    wait_until(lambda: bank.get(f"/orders/{order['id']}").json()["status"] == "withdrawn", timeout=15,
               message="order-service to withdraw the order")
    assert bank.get(f"/credit/enterprises/{uscc}").status_code == 404

    # Both pages at phone width: tables scroll in their boxes, the page never sideways.
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page)
    page.goto("/enterprise/credit")
    expect(penalty).to_contain_text("机构不可见")
    assert_no_horizontal_scroll(page)


def test_a_government_user_rejects_a_dispute_with_a_note(platform, world, desktop):
    enterprise, government = world["enterprise"], world["government"]
    record = next(r for r in enterprise.get("/credit/me").json()["records"] if r["title"] == ABNORMAL["title"])
    opened = enterprise.post("/credit/me/disputes", json={"record_id": record["id"], "reason": "住所已变更并已办理登记",
                                                          "contact": "李会计 13900000000"})
    assert opened.status_code == 201, opened.text

    page = desktop
    sign_in(page, Api(platform.gateway), government.get("/auth/me").json()["phone"], STAFF_PASSWORD, "监管首页")
    console_menu(page, "信用异议处理")
    row = page.get_by_role("row").filter(has_text=world["name"]).filter(has_text=ABNORMAL["title"])
    row.get_by_role("button", name="处理").click()
    drawer = page.get_by_role("dialog", name="信用异议")
    drawer.get_by_role("button", name="驳回").click()
    expect(drawer.get_by_text("驳回异议须说明理由（企业将看到）")).to_be_visible()
    drawer.get_by_label("处理说明").fill("经核实，登记住所仍无法联系，记录属实")
    drawer.get_by_role("button", name="驳回").click()
    confirm(page)
    expect(page.get_by_text("已驳回异议")).to_be_visible()
    expect(drawer.get_by_text("经核实，登记住所仍无法联系，记录属实")).to_be_visible()
    screenshot(page, "credit-04-dispute-rejected", "admin")
    [decided] = [d for d in enterprise.get("/credit/me/disputes").json()["items"] if d["id"] == opened.json()["id"]]
    assert (decided["status"], decided["note"]) == ("rejected", "经核实，登记住所仍无法联系，记录属实")
    assert ABNORMAL["title"] in [r["title"] for r in world["admin"].get(f"/credit/enterprises/{world['uscc']}").json()
                                 ["records"]]


def test_an_unverified_enterprise_is_led_to_verification(platform, world, phone):
    page = phone
    api, _ = register_enterprise(platform, random_uscc("411002"), f"许昌待认证商贸有限公司{uuid.uuid4().hex[:4]}")
    assert api.get("/credit/me").json()["code"] == "enterprise_unverified"
    sign_in(page, Api(platform.gateway), api.get("/auth/me").json()["phone"], STAFF_PASSWORD, "我的订单")
    portal_menu(page, "我的信用")
    expect(page.get_by_text("请先完成企业认证")).to_be_visible()
    assert_no_horizontal_scroll(page)
    page.goto("/enterprise/authorizations")
    expect(page.get_by_text("请先完成企业认证")).to_be_visible()
    expect(page.get_by_text(re.compile("查看和撤回信用查询授权"))).to_be_visible()
    screenshot(page, "credit-04-unverified", "enterprise")
    page.get_by_role("button", name="去企业认证").click()
    expect(page.get_by_role("heading", name="企业认证")).to_be_visible()
