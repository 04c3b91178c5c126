"""Loans after disbursement in Chromium. The bank disburses an order choosing 先息后本 and 续贷, finds
the loan in 贷后管理, opens its schedule, records a repayment (a missing field and an overpayment shown
under their fields first, then a reused reference), imports a CSV of repayments with a bad row and
downloads the row-error report, and, once the admin has moved the business date past 90 days, writes
off a non-performing loan with a reason. The enterprise sees its loans in 我的贷款 with what is due
next and each schedule (and an unverified enterprise is led to 企业认证). The government's dashboard
shows the balance, 首贷户, 不良率 and the overdue per district as /loans/stats answers them, and its
贷款监测 lists the region's loans read-only. Every effect is checked through the API too; no page shows
an id, a code or JSON."""

import re
import uuid
from datetime import date, timedelta

import pytest
from api_client import Api
from browser import assert_no_horizontal_scroll, screenshot, walk_at_phone_width
from playwright.sync_api import Page, expect
from scenario import (
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
from test_loans import china_today, move_business_date, the_loan
from test_web_admin import menu, sign_in
from test_web_institution import apply, confirm

from xyd_testing.helpers import wait_until

PRODUCT = {"name": "贷后页面测试贷", "category": "loan", "guarantee_methods": ["credit"],
           "repayment_methods": ["equal_principal", "interest_first"], "amount_min": 1, "amount_max": 300,
           "term_min_months": 6, "term_max_months": 36, "rate_min": 3.45, "rate_max": 6.5,
           "region_codes": ["411000"]}
LOAN_STATUSES = {"repaying": "正常还款", "overdue": "逾期", "non_performing": "不良", "settled": "已结清",
                 "written_off": "已核销"}
# What no page may show: a raw status or bucket code, or JSON.
RAW = re.compile(r"non_performing|written_off|interest_first|equal_principal|\"\w+\":|\{\"")


def phone_of(api: Api) -> str:
    return api.get("/auth/me").json()["phone"]


def wan(value) -> str:
    """An amount as the pages write it to the yuan: thousands separators, up to 4 decimals."""
    text = f"{float(value):,.4f}".rstrip("0").rstrip(".")
    return text


def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin, "许昌贷后页面银行"))
    government = staff_user(platform, admin, "/admin/government-users",
                            {"name": "许昌市金融工作局", "region_code": "411000"})[0]
    product = published_product(bank, {**PRODUCT, "name": f"{PRODUCT['name']}{uuid.uuid4().hex[:4]}"})
    name = f"许昌贷后页面制造{uuid.uuid4().hex[:4]}有限公司"
    enterprise, _ = verified_enterprise(platform, admin, random_uscc(), name)
    world = {"admin": admin, "bank": bank, "government": government, "product": product,
             "enterprise": enterprise, "enterprise_name": name}
    # One loan disbursed through the API, for the enterprise's and the government's pages.
    world["loan"] = disbursed_loan(world, amount=24)
    return world


def granted_order(world, amount: float = 12) -> dict:
    order = apply(world["enterprise"], world["product"]["id"], amount=amount)
    for action, payload in (("accept", None), ("grant", {"amount": amount, "rate": 4.8, "term_months": 12})):
        resp = world["bank"].post(f"/orders/{order['id']}/{action}", json=payload)
        assert resp.status_code == 200, resp.text
    return order


def disbursed_loan(world, amount: float = 12) -> dict:
    order = granted_order(world, amount)
    resp = world["bank"].post(f"/orders/{order['id']}/disburse",
                              json={"amount": amount, "disbursed_on": china_today().isoformat()})
    assert resp.status_code == 200, resp.text
    return wait_until(lambda: the_loan(world["bank"], order), timeout=30, interval=0.3, message="the loan")


def search(page: Page, text: str):
    """Searches a loan list for `text`; the one row found."""
    page.get_by_label("搜索贷款").fill(text)
    page.get_by_role("button", name="搜索").click()
    rows = page.locator(".el-table__body-wrapper").get_by_role("row")
    expect(rows).to_have_count(1)
    expect(page.locator(".el-loading-mask")).to_have_count(0)
    return rows.filter(has_text=text)


def shot(page: Page, name: str, manual: str = "institution") -> None:
    assert not RAW.search(page.locator("main").inner_text()), page.locator("main").inner_text()
    screenshot(page, name, manual)


def test_the_bank_manages_its_loans_after_disbursement(platform, world, desktop):
    page, bank, admin = desktop, world["bank"], world["admin"]
    # One open application per product and enterprise: the loan written off at the end first.
    other = disbursed_loan(world)
    order = granted_order(world)
    sign_in(page, Api(platform.gateway), phone_of(bank), STAFF_PASSWORD, "订单管理")

    # --- 放款 with the repayment method the product offers and 续贷.
    page.goto(f"/institution/orders/{order['id']}")
    page.get_by_role("button", name="放款").click()
    disburse = page.get_by_role("dialog", name="放款")
    expect(disburse.get_by_role("combobox", name="还款方式")).to_be_visible()
    expect(disburse.get_by_text("等额本金")).to_be_visible()  # the product's first method, chosen
    disburse.get_by_role("combobox", name="还款方式").click(force=True)
    page.get_by_role("option", name="先息后本", exact=True).click()
    disburse.get_by_role("switch", name="续贷").locator("..").click()
    expect(disburse.get_by_role("switch", name="续贷")).to_be_checked()
    shot(page, "loans-01-disburse")
    disburse.get_by_role("button", name="提交").click()
    confirm(page)
    expect(page.get_by_text("订单状态：已放款", exact=True)).to_be_visible()
    expect(page.get_by_text("先息后本，续贷")).to_be_visible()
    done = bank.get(f"/orders/{order['id']}").json()
    assert (done["repayment_method"], done["renewal"]) == ("interest_first", True)
    loan = wait_until(lambda: the_loan(bank, order), timeout=30, interval=0.3, message="the loan")
    assert (loan["repayment_method"], loan["renewal"], loan["first_loan"]) == ("interest_first", True, False)

    # --- 贷后管理: the list, searched; the loan's page with its schedule.
    menu(page, "贷后管理")
    row = search(page, order["order_no"])
    expect(row).to_contain_text(world["enterprise_name"])
    expect(row).to_contain_text("续贷")
    expect(row).to_contain_text(LOAN_STATUSES[loan["status"]])
    shot(page, "loans-02-list")
    row.get_by_role("button", name="查看详情").click()
    expect(page.get_by_role("heading", name="贷款详情")).to_be_visible()
    expect(page.get_by_text("先息后本")).to_be_visible()
    schedule = page.get_by_label("还款计划明细", exact=True).locator(".el-table__body-wrapper").get_by_role("row")
    expect(schedule).to_have_count(len(loan["schedule"]))
    expect(schedule.first).to_contain_text(loan["schedule"][0]["due_on"])
    expect(schedule.first).to_contain_text(wan(loan["schedule"][0]["interest"]))
    expect(page.get_by_text(f"共 {len(loan['schedule'])} 期，已还清 0 期")).to_be_visible()
    shot(page, "loans-03-schedule")

    # --- 登记还款: a missing reference, then an overpayment, each under its field; then it is recorded.
    page.get_by_role("button", name="登记还款").click()
    dialog = page.get_by_role("dialog", name="登记还款")
    dialog.get_by_role("button", name="登记").click()
    expect(dialog.get_by_text("请填写还款流水号")).to_be_visible()
    reference = f"WEB-{order['id']}-1"
    dialog.get_by_label("还款流水号").fill(reference)
    dialog.get_by_label("归还本金（万元）").fill("999")
    dialog.get_by_role("button", name="登记").click()
    expect(dialog.get_by_text("超过未还本金 12 万元")).to_be_visible()
    shot(page, "loans-04-repayment-overpaid")
    dialog.get_by_label("归还本金（万元）").fill("1")
    dialog.get_by_role("button", name="登记").click()
    expect(page.get_by_text("还款已登记，贷款状态")).to_be_visible()
    expect(dialog).to_be_hidden()
    loan = bank.get(f"/loans/{loan['id']}").json()
    assert loan["outstanding_principal"] == 11
    expect(page.get_by_text("11 万元", exact=True)).to_be_visible()  # 未还本金 at once
    # The same reference for another amount: said under the reference, nothing recorded.
    page.get_by_role("button", name="登记还款").click()
    dialog.get_by_label("还款流水号").fill(reference)
    dialog.get_by_label("归还本金（万元）").fill("2")
    dialog.get_by_role("button", name="登记").click()
    expect(dialog.get_by_text("该还款流水号已登记过另一笔还款")).to_be_visible()
    dialog.get_by_role("button", name="取消").click()
    assert bank.get(f"/loans/{loan['id']}").json()["outstanding_principal"] == 11

    # --- 还款导入: one good row, one for an order the bank does not have; the row-error report.
    menu(page, "还款导入")
    today = china_today().isoformat()
    csv = ("order_no,paid_on,principal,interest,reference\r\n"
           f"{order['order_no']},{today},0.5,0,WEB-{order['id']}-2\r\n"
           f"XYD000000000000,{today},1,0,WEB-{order['id']}-3\r\n")
    page.get_by_label("还款 CSV 文件").set_input_files(
        files=[{"name": "还款.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_role("heading", name="导入结果")).to_be_visible()
    expect(page.get_by_test_id("imported")).to_have_text("1")
    report = page.get_by_label("错误报告", exact=True)
    expect(report).to_contain_text("第 3 行")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载错误报告").click()
    assert "第 3 行" in download.value.path().read_text(encoding="utf-8-sig")
    shot(page, "loans-05-import")
    assert bank.get(f"/loans/{loan['id']}").json()["outstanding_principal"] == 10.5

    # --- 核销: the admin moves the business date past 90 days; the non-performing loan is written off.
    current = date.fromisoformat(admin.get("/admin/loans/business-date").json()["business_date"])
    first_due = date.fromisoformat(other["schedule"][0]["due_on"])
    move_business_date(world, max(current, first_due) + timedelta(days=92))
    assert bank.get(f"/loans/{other['id']}").json()["status"] == "non_performing"
    menu(page, "贷后管理")
    page.get_by_role("combobox", name="贷款状态").click(force=True)
    page.get_by_role("option", name="不良", exact=True).click()
    row = page.get_by_role("row").filter(has_text=other["order_no"])
    expect(row).to_contain_text("逾期 91 天以上")
    row.get_by_role("button", name="查看详情").click()
    expect(page.get_by_role("heading", name="贷款详情")).to_be_visible()
    page.get_by_role("button", name="核销", exact=True).click()
    write_off = page.get_by_role("dialog", name="核销贷款")
    write_off.get_by_role("button", name="确认核销").click()
    expect(write_off.get_by_text("请填写核销原因")).to_be_visible()
    write_off.get_by_label("核销原因").fill("企业已进入破产清算程序，经追偿无果，按内部核销制度审批核销")
    shot(page, "loans-06-write-off")
    write_off.get_by_role("button", name="确认核销").click()
    expect(page.get_by_text("已核销，贷款状态：已核销")).to_be_visible()
    expect(page.get_by_role("button", name="核销", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="登记还款")).to_be_hidden()
    written_off = bank.get(f"/loans/{other['id']}").json()
    assert written_off["status"] == "written_off" and written_off["written_off_amount"] == 12


def test_the_enterprise_sees_its_loans_with_what_is_due_next(platform, world, desktop):
    page, loan = desktop, world["loan"]
    sign_in(page, Api(platform.gateway), phone_of(world["enterprise"]), STAFF_PASSWORD, "我的订单")
    page.get_by_role("navigation", name="门户导航").get_by_role("link", name="我的贷款").click()
    expect(page.get_by_role("heading", name="我的贷款")).to_be_visible()
    mine = world["enterprise"].get(f"/loans/{loan['id']}").json()
    card = page.get_by_role("article", name=f"贷款 {loan['order_no']}")
    expect(card).to_contain_text(loan["institution_name"])
    expect(card).to_contain_text(LOAN_STATUSES[mine["status"]])
    if mine["next_due_on"]:
        expect(card).to_contain_text(f"下期应还：{mine['next_due_on']} 前还 {wan(mine['next_due_amount'])} 万元")
    card.get_by_role("button", name=re.compile("还款计划")).click()
    rows = card.get_by_label(f"还款计划明细 {loan['order_no']}").locator(".el-table__body-wrapper").get_by_role("row")
    expect(rows).to_have_count(len(mine["schedule"]))
    shot(page, "loans-01-my-loans", "enterprise")


def test_an_unverified_enterprise_is_led_to_verification(platform, world, desktop):
    api, user = register_enterprise(platform, random_uscc(), f"许昌未认证商贸{uuid.uuid4().hex[:4]}有限公司")
    assert api.get("/loans").json()["code"] == "enterprise_unverified"
    sign_in(desktop, Api(platform.gateway), user["phone"], STAFF_PASSWORD, "我的订单")
    desktop.goto("/enterprise/loans")
    expect(desktop.get_by_text("请先完成企业认证")).to_be_visible()
    desktop.get_by_role("button", name="去企业认证").click()
    expect(desktop).to_have_url(re.compile("/enterprise/verification$"))


def test_the_dashboard_and_loan_monitoring_show_the_regions_loans(platform, world, desktop):
    page, government = desktop, world["government"]
    sign_in(page, Api(platform.gateway), phone_of(government), STAFF_PASSWORD, "监管首页")
    stats = government.get("/loans/stats").json()
    assert stats["loans"] >= 1
    for key, testid in (("outstanding", "loan-outstanding"), ("overdue_outstanding", "overdue-outstanding"),
                        ("npl_outstanding", "npl-outstanding")):
        expect(page.get_by_test_id(testid)).to_have_text(wan(stats[key]))
    expect(page.get_by_test_id("first-loans")).to_have_text(str(stats["first_loans"]))
    expect(page.get_by_test_id("npl-ratio")).to_have_text(percent(stats["npl_ratio"]))
    per_region = government.get("/loans/stats", params={"group_by": "region"}).json()["groups"]
    table = page.get_by_label("各区县贷款明细", exact=True).locator(".el-table__body-wrapper").get_by_role("row")
    expect(table).to_have_count(len(per_region))
    for index, group in enumerate(per_region):
        expect(table.nth(index)).to_contain_text(group["name"])
        expect(table.nth(index)).to_contain_text(wan(group["outstanding"]))
        expect(table.nth(index)).to_contain_text(percent(group["npl_ratio"]))
    page.get_by_label("各区县贷款明细", exact=True).scroll_into_view_if_needed()
    shot(page, "loans-01-dashboard", "government")

    # --- 贷款监测: the region's loans, filtered; a loan's page is read-only.
    menu(page, "贷款监测")
    loan = world["loan"]
    row = search(page, loan["order_no"])
    expect(row).to_contain_text(loan["institution_name"])
    expect(row).to_contain_text("魏都区")
    shot(page, "loans-02-monitoring", "government")
    row.get_by_role("button", name="查看详情").click()
    expect(page.get_by_role("heading", name="贷款详情")).to_be_visible()
    expect(page.get_by_role("heading", name="还款计划")).to_be_visible()
    expect(page.get_by_role("button", name="登记还款")).to_have_count(0)
    expect(page.get_by_role("button", name="核销", exact=True)).to_have_count(0)


def test_the_loan_pages_fit_a_phone_screen(platform, world, phone):
    page = phone
    sign_in(page, Api(platform.gateway), phone_of(world["bank"]), STAFF_PASSWORD, "订单管理")
    page.goto(f"/institution/loans/{world['loan']['id']}")
    expect(page.get_by_role("heading", name="还款计划")).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "phone-institution-loan")
    walk_at_phone_width(page, (("/institution/loans", "贷后管理"), ("/institution/loans/import", "还款导入")),
                        "贷后管理")
    # The enterprise in the same tab: the session lives in this tab's storage and memory only.
    page.evaluate("sessionStorage.clear()")
    sign_in(page, Api(platform.gateway), phone_of(world["enterprise"]), STAFF_PASSWORD, "我的订单")
    page.goto("/enterprise/loans")
    expect(page.get_by_role("article", name=f"贷款 {world['loan']['order_no']}")).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "phone-enterprise-loans", "enterprise")
