"""Interest subsidies (贴息) in Chromium. The city's government sets up a programme in 贴息项目 (the rule
chosen with a radio; the missing share shown under its field first); the enterprise, whose loan from the
bank has paid interest, opens 贴息申请 from 我的贷款, applies on that loan (chosen by product, amount and
date; a programme for whitelisted enterprises only and a second application on the same loan answered
under the loan) and sees the computed amount; the government approves it on the programme's page (an
amount above the computed one refused under the amount first) and records the payment, and rejects
another programme's application with a reason; the enterprise sees 已拨付 and the reason, also on a
phone (and an unverified one is led to 企业认证). Each effect is checked through the API too; no page
shows a code or JSON."""

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from api_client import Api
from browser import assert_no_horizontal_scroll, screenshot
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
from test_loans import china_today, repay
from test_web_admin import menu, sign_in
from test_web_loans import PRODUCT, disbursed_loan, phone_of, wan

PROGRAM = "许昌市普惠小微贷款贴息"
WHITELIST_PROGRAM = "许昌市白名单企业贷款贴息"
TECH_PROGRAM = "许昌市科技型企业贷款贴息"
REASON = "该笔贷款用于归还其他借款，不属于项目支持的生产经营用途"
PRODUCT_NAME = "许昌普惠贴息贷"
ENTERPRISE = "许昌恒达电子有限公司"
# What no page may show: a raw status or rule code, or JSON.
RAW = re.compile(r"submitted|approved|rejected|\bpaid\b|\bopen\b|\bended\b|share_percent|rate_points|\"\w+\":|\{\"")


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin, "许昌银行许昌分行"))
    government = staff_user(platform, admin, "/admin/government-users",
                            {"name": "许昌市财政局", "region_code": "411000"})[0]
    product = published_product(bank, {**PRODUCT, "name": PRODUCT_NAME})
    enterprise, _ = verified_enterprise(platform, admin, random_uscc(), ENTERPRISE)
    world = {"admin": admin, "bank": bank, "government": government, "product": product, "enterprise": enterprise}
    # A loan whose first instalment's interest the enterprise has paid.
    loan = disbursed_loan(world, amount=20)
    interest = loan["schedule"][0]["interest"]
    repay(world, loan, 0, interest, f"LX-{loan['id']}-1", china_today())
    world["loan"], world["interest"] = loan, interest
    # 50 % of the interest paid, half-up to 0.0001 万元.
    world["computed"] = float((Decimal(str(interest)) / 2).quantize(Decimal("0.0001"), ROUND_HALF_UP))
    return world


def shot(page: Page, name: str, manual: str) -> None:
    expect(page.locator(".el-loading-mask")).to_have_count(0)
    text = page.locator("main").inner_text()
    assert not RAW.search(text), text
    screenshot(page, name, manual)


def table_row(page: Page, text: str):
    return page.locator(".el-table__body-wrapper").get_by_role("row").filter(has_text=text).first


def test_the_government_sets_up_a_subsidy_programme(platform, world, desktop):
    page, government = desktop, world["government"]
    sign_in(page, Api(platform.gateway), phone_of(government), STAFF_PASSWORD, "监管首页")
    menu(page, "贴息项目")
    page.get_by_role("button", name="新建贴息项目").click()
    dialog = page.get_by_role("dialog", name="新建贴息项目")
    dialog.get_by_label("项目名称").fill(PROGRAM)
    # The rule is one of two: the points' field replaces the share's and back.
    dialog.get_by_role("radio", name="按年化百分点").check(force=True)
    expect(dialog.get_by_label("贴息百分点（年化）")).to_be_visible()
    expect(dialog.get_by_label("贴息比例（%，实付利息的）")).to_be_hidden()
    dialog.get_by_role("radio", name="按实付利息的比例").check(force=True)
    dialog.get_by_label("项目预算（万元）").fill("200")
    dialog.get_by_label("每户贴息上限（万元）").fill("5")
    dialog.get_by_text("仅限首贷（企业在平台的第一笔贷款）").click()
    loans_from = (date.fromisoformat(world["loan"]["disbursed_on"]) - timedelta(days=30)).isoformat()
    dialog.get_by_placeholder("开始日期").fill(loans_from)
    dialog.get_by_placeholder("结束日期").fill("2031-12-31")
    dialog.get_by_placeholder("结束日期").press("Enter")
    dialog.get_by_placeholder("选择截止日期").fill("2032-12-31")
    dialog.get_by_placeholder("选择截止日期").press("Enter")
    dialog.get_by_label("项目名称").click()
    # The share left out: said under it, and nothing under the fields that are right.
    dialog.get_by_role("button", name="设立").click()
    expect(dialog.get_by_text("请填写贴息比例")).to_be_visible()
    expect(dialog.locator(".el-form-item__error")).to_have_count(1)
    dialog.get_by_label("贴息比例（%，实付利息的）").fill("50")
    dialog.get_by_label("项目名称").click()
    expect(dialog.locator(".el-form-item__error")).to_have_count(0)
    shot(page, "subsidies-01-new-program", "government")
    dialog.get_by_role("button", name="设立").click()
    expect(dialog).to_be_hidden()
    row = table_row(page, PROGRAM)
    expect(row).to_contain_text("按实付利息的 50%")
    expect(row).to_contain_text("受理中")
    expect(row).to_contain_text("2032-12-31")
    shot(page, "subsidies-02-programs", "government")
    program = next(p for p in government.get("/subsidy-programs").json()["items"] if p["name"] == PROGRAM)
    assert (program["share_percent"], program["rate_points"], program["budget"], program["cap_per_enterprise"]) == (
        50, None, 200, 5)
    assert (program["first_loan_only"], program["whitelisted_only"], program["status"]) == (True, False, "open")
    world["program"] = program


def test_the_enterprise_applies_on_its_loan_and_sees_the_computed_amount(platform, world, desktop):
    page, enterprise, loan = desktop, world["enterprise"], world["loan"]
    # A programme this enterprise does not qualify for (it is not on the whitelist).
    resp = world["government"].post("/subsidy-programs", json={
        **{k: world["program"][k] for k in ("region_code", "budget", "cap_per_enterprise", "loans_from", "loans_to",
                                            "apply_until")},
        "name": WHITELIST_PROGRAM, "share_percent": None, "rate_points": 1.5, "first_loan_only": False,
        "whitelisted_only": True})
    assert resp.status_code == 201, resp.text
    sign_in(page, Api(platform.gateway), phone_of(enterprise), STAFF_PASSWORD, "我的订单")
    page.get_by_role("navigation", name="门户导航").get_by_role("link", name="我的贷款").click()
    page.get_by_role("button", name="贴息申请").click()
    expect(page.get_by_role("heading", name="贴息申请", exact=True)).to_be_visible()
    expect(page.get_by_text("暂无贴息申请")).to_be_visible()
    card = page.get_by_role("article", name=f"贴息项目 {PROGRAM}")
    expect(card).to_contain_text("按实付利息的 50%，每户最多 5 万元")
    expect(card).to_contain_text("仅限首贷")
    expect(page.get_by_role("article", name=f"贴息项目 {WHITELIST_PROGRAM}")).to_contain_text(
        "贴息 1.5 个百分点（年化）")
    shot(page, "subsidies-01-programs", "enterprise")

    # Not on the whitelist: the server's reason under the loan.
    page.get_by_role("article", name=f"贴息项目 {WHITELIST_PROGRAM}").get_by_role("button", name="申请贴息").click()
    dialog = page.get_by_role("dialog", name="申请贴息")
    dialog.get_by_role("combobox", name="贷款").click(force=True)
    page.get_by_role("option", name=re.compile(f"^{PRODUCT_NAME} · 20 万元 · {loan['disbursed_on']} 放款")).click()
    dialog.get_by_role("button", name="提交申请").click()
    expect(dialog.locator(".el-form-item__error")).to_have_text("该项目仅限白名单内的企业")
    dialog.get_by_role("button", name="取消").click()

    # The programme it qualifies for: no loan chosen first, then its loan.
    card.get_by_role("button", name="申请贴息").click()
    expect(dialog).to_contain_text(PROGRAM)
    dialog.get_by_role("button", name="提交申请").click()
    expect(dialog.get_by_text("请选择贷款")).to_be_visible()
    dialog.get_by_role("combobox", name="贷款").click(force=True)
    page.get_by_role("option", name=re.compile(f"^{PRODUCT_NAME} · 20 万元")).click()
    expect(dialog.locator(".el-form-item__error")).to_have_count(0)
    shot(page, "subsidies-02-apply", "enterprise")
    dialog.get_by_role("button", name="提交申请").click()
    expect(dialog).to_be_hidden()
    mine = page.get_by_role("article", name=f"贴息申请 {PROGRAM}")
    expect(mine).to_contain_text("待审核")
    expect(mine).to_contain_text(f"{PRODUCT_NAME} · 20 万元")
    expect(mine).to_contain_text(f"{wan(world['interest'])} 万元")
    expect(mine).to_contain_text(f"已付利息 {wan(world['interest'])} 万元 × 50%，四舍五入至 0.0001 万元 = "
                                 f"{wan(world['computed'])} 万元")
    mine.scroll_into_view_if_needed()
    shot(page, "subsidies-03-applied", "enterprise")

    # The same loan again: said under the loan.
    card.get_by_role("button", name="申请贴息").click()
    dialog.get_by_role("combobox", name="贷款").click(force=True)
    page.get_by_role("option", name=re.compile(f"^{PRODUCT_NAME} · 20 万元")).click()
    dialog.get_by_role("button", name="提交申请").click()
    expect(dialog.locator(".el-form-item__error")).to_have_text("该贷款已申请过此贴息项目")
    dialog.get_by_role("button", name="取消").click()

    (application,) = enterprise.get("/subsidy-applications").json()["items"]
    assert (application["program_id"], application["loan_id"], application["status"]) == (
        world["program"]["id"], loan["id"], "submitted")
    assert (application["interest_paid"], application["computed_amount"]) == (world["interest"], world["computed"])
    world["application"] = application


def test_the_government_approves_and_records_the_payment(platform, world, desktop):
    page, government, application = desktop, world["government"], world["application"]
    computed = world["computed"]
    sign_in(page, Api(platform.gateway), phone_of(government), STAFF_PASSWORD, "监管首页")
    menu(page, "贴息项目")
    table_row(page, PROGRAM).get_by_role("button", name="查看详情").click()
    expect(page.get_by_role("heading", name="贴息项目详情")).to_be_visible()
    row = table_row(page, ENTERPRISE)
    expect(row).to_contain_text(world["loan"]["order_no"])
    expect(row).to_contain_text(wan(world["interest"]))
    expect(row).to_contain_text(wan(computed))
    expect(row).to_contain_text("待审核")
    shot(page, "subsidies-03-program", "government")

    row.get_by_role("button", name="批准").click()
    dialog = page.get_by_role("dialog", name="批准贴息")
    expect(dialog).to_contain_text(f"已付利息 {wan(world['interest'])} 万元 × 50%")
    amount = dialog.get_by_label("核准金额（万元）")
    expect(amount).to_have_value(str(computed))
    amount.fill(str(round(computed + 0.01, 4)))
    dialog.get_by_role("button", name="批准").click()
    expect(dialog.locator(".el-form-item__error")).to_have_text(f"核准金额不能超过测算金额 {computed} 万元")
    shot(page, "subsidies-04-over-computed", "government")
    amount.fill(str(computed))
    dialog.get_by_role("button", name="批准").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("已核准")
    expect(page.locator(".figure-cards")).to_contain_text(wan(computed))

    row.get_by_role("button", name="登记拨付").click()
    pay = page.get_by_role("dialog", name="登记拨付")
    pay.get_by_role("button", name="登记").click()
    expect(pay.get_by_text("请填写拨付凭证号")).to_be_visible()
    pay.get_by_label("拨付凭证号").fill("XCCZ-2026-TX-0921")
    pay.get_by_role("button", name="登记").click()
    expect(pay).to_be_hidden()
    expect(row).to_contain_text("已拨付")
    shot(page, "subsidies-05-paid", "government")
    paid = government.get(f"/subsidy-applications/{application['id']}").json()
    assert (paid["status"], paid["approved_amount"], paid["paid_on"]) == ("paid", computed, china_today().isoformat())
    program = government.get(f"/subsidy-programs/{world['program']['id']}").json()
    assert (program["approved"], program["paid"], program["available"]) == (0, computed, round(200 - computed, 4))


def test_the_government_rejects_an_application_with_a_reason(platform, world, desktop):
    page, government = desktop, world["government"]
    program = government.post("/subsidy-programs", json={
        **{k: world["program"][k] for k in ("region_code", "budget", "cap_per_enterprise", "loans_from", "loans_to",
                                            "apply_until")},
        "name": TECH_PROGRAM, "share_percent": 30, "rate_points": None, "first_loan_only": False,
        "whitelisted_only": False}).json()
    applied = world["enterprise"].post(f"/subsidy-programs/{program['id']}/applications",
                                       json={"loan_id": world["loan"]["id"]})
    assert applied.status_code == 201, applied.text
    sign_in(page, Api(platform.gateway), phone_of(government), STAFF_PASSWORD, "监管首页")
    menu(page, "贴息项目")
    table_row(page, TECH_PROGRAM).get_by_role("button", name="查看详情").click()
    row = table_row(page, ENTERPRISE)
    row.get_by_role("button", name="驳回").click()
    dialog = page.get_by_role("dialog", name="驳回贴息申请")
    dialog.get_by_role("button", name="确认驳回").click()
    expect(dialog.get_by_text("请填写驳回原因")).to_be_visible()
    dialog.get_by_label("驳回原因").fill(REASON)
    dialog.get_by_role("button", name="确认驳回").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("已驳回")
    expect(row).to_contain_text(f"驳回原因：{REASON}")
    rejected = government.get(f"/subsidy-applications/{applied.json()['id']}").json()
    assert (rejected["status"], rejected["reason"]) == ("rejected", REASON)


def test_the_enterprise_sees_its_subsidy_paid(platform, world, desktop):
    page = desktop
    sign_in(page, Api(platform.gateway), phone_of(world["enterprise"]), STAFF_PASSWORD, "我的订单")
    page.goto("/enterprise/loans/subsidies")
    expect(page.get_by_role("article", name=f"贴息申请 {TECH_PROGRAM}")).to_contain_text(
        re.compile(f"驳回原因\\s*{REASON}"))
    mine = page.get_by_role("article", name=f"贴息申请 {PROGRAM}")
    expect(mine).to_contain_text("已拨付")
    expect(mine).to_contain_text(f"{wan(world['computed'])} 万元，{china_today().isoformat()} 拨付")
    expect(mine).to_contain_text(f"{PRODUCT_NAME} · 20 万元")
    mine.scroll_into_view_if_needed()
    shot(page, "subsidies-04-paid", "enterprise")


def test_an_unverified_enterprise_is_led_to_verification(platform, world, desktop):
    _, user = register_enterprise(platform, random_uscc(), "许昌未认证贴息商贸有限公司")
    sign_in(desktop, Api(platform.gateway), user["phone"], STAFF_PASSWORD, "我的订单")
    desktop.goto("/enterprise/loans/subsidies")
    expect(desktop.get_by_text("请先完成企业认证")).to_be_visible()
    expect(desktop.get_by_role("heading", name="贴息申请", exact=True)).to_be_visible()


def test_the_subsidy_page_fits_a_phone_screen(platform, world, phone):
    page = phone
    sign_in(page, Api(platform.gateway), phone_of(world["enterprise"]), STAFF_PASSWORD, "我的订单")
    page.goto("/enterprise/loans/subsidies")
    expect(page.get_by_role("heading", name="贴息申请", exact=True)).to_be_visible()
    mine = page.get_by_role("article", name=f"贴息申请 {PROGRAM}")
    expect(mine).to_contain_text("已拨付")
    expect(mine).to_contain_text(f"{PRODUCT_NAME} · 20 万元")
    assert_no_horizontal_scroll(page)
    mine.scroll_into_view_if_needed()
    shot(page, "phone-enterprise-subsidies", "enterprise")
    page.get_by_role("article", name=f"贴息项目 {PROGRAM}").get_by_role("button", name="申请贴息").click()
    dialog = page.get_by_role("dialog", name="申请贴息")
    expect(dialog.get_by_role("combobox", name="贷款")).to_be_visible()
    assert_no_horizontal_scroll(page)
    dialog.get_by_role("button", name="取消").click()
