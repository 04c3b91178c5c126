"""The administration and government consoles in Chromium: the admin adds a district under 许昌市,
creates a bank and its administrator and a government user, imports the sample credit CSVs (progress,
then a bad-row report), and disables the bank (its product leaves the market); the government user
sees its district's totals on the dashboard equal to the API's and exports the order list as .xlsx.
Every effect is checked through the API too."""

import re
import uuid
import zipfile
from pathlib import Path

from api_client import Api
from browser import screenshot
from harness import ADMIN_PASSWORD, ADMIN_PHONE
from playwright.sync_api import Page, expect
from scenario import (
    INITIAL_PASSWORD,
    STAFF_PASSWORD,
    admin_with_xuchang,
    institution_user,
    published_product,
    unique_phone,
    verified_enterprise,
)
from test_web_institution import apply, fill_login

from xyd_common.testing import wait_until

SAMPLES = Path(__file__).resolve().parent.parent / "credit-service" / "sample_data"


def sign_in(page: Page, api: Api, phone: str, password: str, heading: str) -> None:
    page.goto("/login")
    fill_login(page, api, phone, password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("menuitem", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def test_admin_console_sets_up_the_platform(platform, desktop):
    page = desktop
    admin = admin_with_xuchang(platform)
    sign_in(page, Api(platform.gateway), ADMIN_PHONE, ADMIN_PASSWORD, "机构管理")

    # 行政区: a county under 许昌市, its code checked against the parent's prefix first.
    menu(page, "行政区")
    page.get_by_role("button", name="在许昌市下添加下级").click()
    # A district no other end-to-end test nor `make demo` creates (they share one platform).
    page.get_by_label("行政区代码").fill("412071")
    page.get_by_label("行政区名称").fill("城乡一体化示范区")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("县级代码应以 4110 开头")).to_be_visible()
    page.get_by_label("行政区代码").fill("411071")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("treeitem", name=re.compile("城乡一体化示范区"))).to_be_visible()
    assert any(r["code"] == "411071" for r in admin.get("/regions").json()["items"])
    screenshot(page, "../admin/01-regions")

    # 机构管理: a bank, then its administrator.
    bank_name = f"许昌测试银行{uuid.uuid4().hex[:4]}"
    menu(page, "机构管理")
    page.get_by_role("button", name="新增机构").click()
    page.get_by_label("机构名称").fill(bank_name)
    page.get_by_label("统一社会信用代码（选填）").fill("91350100M000100Y44")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("统一社会信用代码应为 18 位且校验位正确")).to_be_visible()
    page.get_by_label("统一社会信用代码（选填）").fill("")
    page.get_by_role("dialog").get_by_label("所在行政区").click(force=True)
    page.get_by_role("treeitem", name="许昌市", exact=True).get_by_text("许昌市", exact=True).first.click()
    page.get_by_role("button", name="保存").click()
    row = page.get_by_role("row").filter(has_text=bank_name)
    expect(row).to_be_visible()
    [institution] = admin.get("/admin/institutions", params={"q": bank_name}).json()["items"]
    row.get_by_role("button", name="用户").click()
    manager_phone = unique_phone()
    page.get_by_label("手机号").fill(manager_phone)
    page.get_by_label("姓名").fill("赵经理")
    page.get_by_role("button", name="添加管理员").click()
    expect(page.get_by_role("cell", name=manager_phone)).to_be_visible()
    screenshot(page, "../admin/02-institution-users")
    page.keyboard.press("Escape")

    # 信用数据导入: the sample CSVs plus a bad file; the progress, then the error report.
    menu(page, "信用数据导入")
    bad = "uscc,name\n123,坏数据企业\n"
    page.get_by_label("企业登记信息 CSV").set_input_files(
        files=[{"name": "enterprises.csv", "mimeType": "text/csv",
                "buffer": (SAMPLES / "enterprises.csv").read_bytes() + bad.split("\n", 1)[1].encode()}])
    for kind, text in (("records", "信用记录 CSV"), ("whitelist", "白名单 CSV"), ("risk_flags", "风险标记 CSV")):
        page.get_by_label(text).set_input_files(str(SAMPLES / f"{kind}.csv"))
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_role("heading", name="导入结果")).to_be_visible()
    expect(page.get_by_text(re.compile(r"错误报告（\d+ 行）"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载错误报告").click()
    assert "统一社会信用代码" in download.value.path().read_text(encoding="utf-8-sig")
    screenshot(page, "../admin/03-credit-import")
    uscc = (SAMPLES / "enterprises.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    assert admin.get(f"/credit/enterprises/{uscc}").status_code == 200

    # 停用机构: its product leaves the market.
    bank = institution_user(platform, admin, institution)
    product = published_product(bank)
    wait_until(lambda: any(p["id"] == product["id"] for p in
                           admin.get("/market/products", params={"institution_id": institution["id"]}, token="")
                           .json()["items"]), timeout=20, message="the product on the market")
    menu(page, "机构管理")
    page.get_by_label("搜索机构").fill(bank_name)
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("row").filter(has_text=bank_name).get_by_role("button", name="停用").click()
    expect(page.get_by_text("其产品从金融超市下架")).to_be_visible()
    page.get_by_role("dialog").get_by_role("button", name="确定").click()
    expect(page.get_by_role("row").filter(has_text=bank_name)).to_contain_text("已停用")
    wait_until(lambda: not any(p["id"] == product["id"] for p in
                               admin.get("/market/products", params={"institution_id": institution["id"]},
                                         token="").json()["items"]), timeout=20, message="the product to leave")


def test_government_dashboard_and_export_match_the_api(platform, desktop):
    page = desktop
    admin = admin_with_xuchang(platform)
    resp = admin.post("/admin/regions", json={"code": "411024", "name": "鄢陵县", "parent_code": "411000"})
    assert resp.status_code in (201, 409), resp.text
    gov_phone = unique_phone()
    created = admin.post("/admin/government-users", json={"phone": gov_phone, "name": "魏都区金融办",
                                                          "region_code": "411002"})
    assert created.status_code == 201, created.text
    # An order in 魏都区 and one in 鄢陵县: only the first is the government user's.
    institution = admin.post("/admin/institutions", json={"name": f"监管测试银行{uuid.uuid4().hex[:4]}",
                                                          "type": "bank", "region_code": "411000"}).json()
    bank = institution_user(platform, admin, institution)
    product = published_product(bank)
    mine, _ = verified_enterprise(platform, admin)
    apply(mine, product["id"], amount=120)

    api = Api(platform.gateway)
    sign_in(page, api, gov_phone, INITIAL_PASSWORD, "首次登录，请修改初始密码")
    page.get_by_label("当前密码").fill(INITIAL_PASSWORD)
    page.get_by_label("新密码", exact=True).fill(STAFF_PASSWORD)
    page.get_by_label("确认新密码").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("heading", name="监管首页")).to_be_visible()
    gov = Api(platform.gateway)
    gov.login(gov_phone, STAFF_PASSWORD)
    stats = gov.get("/orders/stats").json()
    expect(page.get_by_test_id("total")).to_have_text(str(stats["total"]))
    expect(page.get_by_test_id("requested")).to_have_text(re.compile(rf"^{stats['requested_amount']}(\.0)?$"))
    screenshot(page, "../government/01-dashboard")

    page.get_by_role("navigation", name="主菜单").get_by_role("menuitem", name="订单监管", exact=True).click()
    expect(page.get_by_role("heading", name="订单监管")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出订单（Excel）").click()
    # The .xlsx read back: a header row plus one row per order the API lists for the same filters.
    with zipfile.ZipFile(download.value.path()) as xlsx:
        sheet = xlsx.read("xl/worksheets/sheet1.xml").decode()
    listed = gov.get("/orders", params={"per_page": 100}).json()
    assert sheet.count("<row ") == listed["total"] + 1
    assert listed["total"] >= 1
    screenshot(page, "../government/02-orders")
