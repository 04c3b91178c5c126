"""Government instruments in Chromium. The city's government sets up a risk compensation fund in
风险补偿资金池 (a missing budget shown under its field first) and tops it up; the bank, whose loan to
许昌瑞祥机械有限公司 went non-performing as the admin moved the business date, files a claim with an
evidence file in 代偿申请; the government opens it in 代偿审核, sees the file and the computed limit,
tries an amount above the limit (the error under the amount), approves within it and records the
payment; the dashboard's 风险补偿与贴息 card then shows the fund's figures, links to the fund and
downloads the workbook. Each list shows the status; each effect is checked through the API too."""

import re
import struct
import zlib
from datetime import date, timedelta

import pytest
from api_client import Api
from browser import screenshot
from harness import ADMIN_PASSWORD, ADMIN_PHONE
from playwright.sync_api import Page, expect
from scenario import (
    STAFF_PASSWORD,
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    random_uscc,
    staff_user,
    verified_enterprise,
)
from test_loans import move_business_date
from test_web_admin import menu, sign_in
from test_web_government import workbook
from test_web_loans import PRODUCT, disbursed_loan, phone_of, wan

FUND_NAME = "许昌市普惠小微风险补偿资金池"
PROGRAM_NAME = "许昌市首贷贴息（2026 年）"
ENTERPRISE = "许昌瑞祥机械有限公司"


def png(width: int = 320, height: int = 200) -> bytes:
    """A pale scanned-page-like PNG (an evidence file that the browser can show)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + (b"\xf5\xf2\xea" if y % 24 else b"\xc0\xc4\xcc") * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

# What no page may show: a raw status or type code, or JSON.
RAW = re.compile(r"non_performing|written_off|submitted|\bopen\b|\"\w+\":|\{\"")


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin, "许昌银行魏都支行"))
    government = staff_user(platform, admin, "/admin/government-users",
                            {"name": "许昌市财政局", "region_code": "411000"})[0]
    product = published_product(bank, {**PRODUCT, "name": "许昌普惠经营贷"})
    enterprise, _ = verified_enterprise(platform, admin, random_uscc(), ENTERPRISE)
    world = {"admin": admin, "bank": bank, "government": government, "product": product, "enterprise": enterprise}
    # A loan that goes non-performing: 92 days past its first instalment.
    loan = disbursed_loan(world, amount=20)
    first_due = date.fromisoformat(loan["schedule"][0]["due_on"])
    today = date.fromisoformat(admin.get("/admin/loans/business-date").json()["business_date"])
    move_business_date(world, max(today, first_due + timedelta(days=92)))
    world["loan"] = bank.get(f"/loans/{loan['id']}").json()
    assert world["loan"]["status"] == "non_performing"
    return world


def shot(page: Page, name: str, manual: str) -> None:
    text = page.locator("main").inner_text()
    assert not RAW.search(text), text
    screenshot(page, name, manual)


def fund_row(page: Page):
    return page.locator(".el-table__body-wrapper").get_by_role("row").filter(has_text=FUND_NAME).first


def test_the_government_sets_up_a_fund_and_tops_it_up(platform, world, desktop):
    page, government = desktop, world["government"]
    sign_in(page, Api(platform.gateway), phone_of(government), STAFF_PASSWORD, "监管首页")
    menu(page, "风险补偿资金池")
    page.get_by_role("button", name="新建资金池").click()
    dialog = page.get_by_role("dialog", name="新建资金池")
    dialog.get_by_label("资金池名称").fill(FUND_NAME)
    dialog.get_by_label("分担比例（%，损失本金的）").fill("30")
    dialog.get_by_label("单笔贷款补偿上限（万元）").fill("5")
    loans_from = (date.fromisoformat(world["loan"]["disbursed_on"]) - timedelta(days=30)).isoformat()
    dialog.get_by_placeholder("开始日期").fill(loans_from)
    dialog.get_by_placeholder("结束日期").fill("2031-12-31")
    dialog.get_by_placeholder("结束日期").press("Enter")
    dialog.get_by_placeholder("选择截止日期").fill("2032-12-31")
    dialog.get_by_placeholder("选择截止日期").press("Enter")
    dialog.get_by_label("资金池名称").click()
    # The budget left out: said under it, and nothing under the fields that are right.
    dialog.get_by_role("button", name="设立").click()
    expect(dialog.get_by_text("请填写资金规模")).to_be_visible()
    expect(dialog.locator(".el-form-item__error")).to_have_count(1)
    dialog.get_by_label("资金规模（万元）").fill("500")
    dialog.get_by_label("资金池名称").click()
    shot(page, "instruments-01-new-fund", "government")
    dialog.get_by_role("button", name="设立").click()
    expect(dialog).to_be_hidden()
    row = fund_row(page)
    expect(row).to_contain_text("受理中")
    expect(row).to_contain_text("500")
    shot(page, "instruments-02-funds", "government")
    fund = next(f for f in government.get("/funds").json()["items"] if f["name"] == FUND_NAME)
    assert (fund["budget"], fund["share_percent"], fund["cap_per_loan"]) == (500, 30, 5)
    assert fund["institution_types"] == ["bank"]
    world["fund"] = fund

    # --- 追加资金 on the fund's page.
    row.get_by_role("button", name="查看详情").click()
    expect(page.get_by_role("heading", name="资金池详情")).to_be_visible()
    page.get_by_role("button", name="追加资金").click()
    top_up = page.get_by_role("dialog", name="追加资金")
    top_up.get_by_label("追加金额（万元）").fill("100")
    top_up.get_by_label("说明（选填）").fill("市财政 2026 年第二批补充资金")
    top_up.get_by_role("button", name="追加").click()
    expect(top_up).to_be_hidden()
    expect(page.locator(".figures")).to_contain_text("600")
    expect(page.get_by_text("暂无代偿申请")).to_be_visible()
    shot(page, "instruments-03-fund", "government")
    assert government.get(f"/funds/{fund['id']}").json()["available"] == 600


def test_the_bank_claims_on_its_non_performing_loan_with_evidence(platform, world, desktop, tmp_path):
    page, bank, loan = desktop, world["bank"], world["loan"]
    sign_in(page, Api(platform.gateway), phone_of(bank), STAFF_PASSWORD, "订单管理")
    menu(page, "代偿申请")
    expect(page.get_by_text("暂无代偿申请")).to_be_visible()
    page.get_by_role("button", name="申请代偿").click()
    expect(page.get_by_role("heading", name="申请代偿")).to_be_visible()
    expect(page.locator(".el-loading-mask")).to_have_count(0)
    page.get_by_role("combobox", name="贷款").click(force=True)
    page.get_by_role("option", name=re.compile(loan["order_no"])).click()
    page.get_by_role("combobox", name="资金池").click(force=True)
    page.get_by_role("option", name=re.compile(FUND_NAME)).click()
    # Without evidence: said under 证明材料.
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("请上传证明材料")).to_be_visible()
    evidence = tmp_path / "催收记录.png"
    evidence.write_bytes(png())
    page.get_by_role("button", name="证明材料").set_input_files(str(evidence))
    expect(page.get_by_text("催收记录.png")).to_be_visible()
    page.get_by_label("说明（选填）").fill("企业已停产，经多次催收未果")
    shot(page, "instruments-01-new-claim", "institution")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="代偿申请", exact=True)).to_be_visible()
    row = page.locator(".el-table__body-wrapper").get_by_role("row").filter(has_text=loan["order_no"])
    expect(row).to_contain_text("待审核")
    expect(row).to_contain_text(FUND_NAME)
    shot(page, "instruments-02-claims", "institution")
    (claim,) = bank.get("/claims", params={"fund_id": world["fund"]["id"]}).json()["items"]
    assert (claim["status"], len(claim["files"])) == ("submitted", 1)
    assert claim["loss_principal"] == loan["outstanding_principal"]
    world["claim"] = claim


def test_the_government_approves_within_the_limit_and_records_the_payment(platform, world, desktop):
    page, government, claim = desktop, world["government"], world["claim"]
    sign_in(page, Api(platform.gateway), phone_of(government), STAFF_PASSWORD, "监管首页")
    menu(page, "代偿审核")
    row = page.locator(".el-table__body-wrapper").get_by_role("row").filter(has_text=world["loan"]["order_no"])
    expect(row).to_contain_text("待审核")
    expect(row).to_contain_text("许昌银行魏都支行")
    row.get_by_role("button", name="查看详情").click()
    expect(page.get_by_role("heading", name="代偿申请详情")).to_be_visible()
    expect(page.get_by_role("img", name="催收记录.png")).to_be_visible()
    # share 30% × the loss, within the cap of 5 万元.
    limit = min(round(claim["loss_principal"] * 0.3, 4), 5)
    expect(page.get_by_label("可核准上限")).to_contain_text(f"{limit:,.4f}".rstrip("0").rstrip("."))
    expect(page.get_by_role("heading", name="贷款情况")).to_be_visible()
    shot(page, "instruments-04-claim", "government")

    page.get_by_role("button", name="批准").click()
    dialog = page.get_by_role("dialog", name="批准代偿")
    dialog.get_by_label("核准金额（万元）").fill(str(limit + 1))
    dialog.get_by_role("button", name="批准").click()
    expect(dialog.locator(".el-form-item__error")).to_contain_text("不能超过")
    shot(page, "instruments-05-over-limit", "government")
    dialog.get_by_label("核准金额（万元）").fill(str(limit))
    dialog.get_by_role("button", name="批准").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("main")).to_contain_text("已核准")

    page.get_by_role("button", name="登记拨付").click()
    pay = page.get_by_role("dialog", name="登记拨付")
    pay.get_by_label("拨付凭证号").fill("XCCZ-2026-0815")
    pay.get_by_role("button", name="登记").click()
    expect(pay).to_be_hidden()
    expect(page.locator("main")).to_contain_text("已拨付")
    paid = government.get(f"/claims/{claim['id']}").json()
    assert (paid["status"], paid["approved_amount"]) == ("paid", limit)
    fund = government.get(f"/funds/{world['fund']['id']}").json()
    assert (fund["paid"], fund["approved"], fund["available"]) == (limit, 0, round(600 - limit, 4))

    menu(page, "代偿审核")
    expect(page.locator(".el-table__body-wrapper").get_by_role("row").filter(
        has_text=world["loan"]["order_no"])).to_contain_text("已拨付")
    shot(page, "instruments-06-claims", "government")
    assert world["bank"].get(f"/claims/{claim['id']}").json()["status"] == "paid"


def test_the_dashboard_card_shows_the_funds_figures_after_the_payment(platform, world, desktop):
    page, government = desktop, world["government"]
    program = government.post("/subsidy-programs", json={
        "name": PROGRAM_NAME, "region_code": "411000", "share_percent": 50, "cap_per_enterprise": 5, "budget": 200,
        "loans_from": "2026-01-01", "loans_to": "2027-12-31", "apply_until": "2028-12-31"})
    assert program.status_code == 201, program.text
    sign_in(page, Api(platform.gateway), phone_of(government), STAFF_PASSWORD, "监管首页")
    figures = government.get("/instruments/figures").json()
    own = government.get(f"/funds/{world['fund']['id']}").json()
    (fund,) = [f for f in figures["funds"] if f["id"] == own["id"]]
    assert (fund["budget"], fund["approved"], fund["paid"], fund["available"]) == (
        own["budget"], own["approved"], own["paid"], own["available"])
    assert fund["claims"] == {"submitted": 0, "approved": 0, "rejected": 0, "paid": 1, "withdrawn": 0}
    (bank,) = [i for i in figures["claims_by_institution"] if i["institution_id"] == world["claim"]["institution_id"]]
    assert (bank["institution_name"], bank["claims"], bank["paid_amount"]) == (
        world["claim"]["institution_name"], 1, own["paid"])
    card = page.get_by_role("region", name="风险补偿与贴息")
    for key in ("fund_budget", "fund_approved", "fund_paid", "fund_available", "subsidy_budget", "subsidy_approved",
                "subsidy_paid"):
        expect(card.get_by_test_id(key.replace("_", "-"))).to_have_text(wan(figures["totals"][key]))
    for key in ("claims_open", "applications_open"):
        expect(card.get_by_test_id(key.replace("_", "-"))).to_have_text(str(figures["totals"][key]))
    row = card.get_by_label("各资金池", exact=True).locator(".el-table__body-wrapper").get_by_role("row").filter(
        has_text=FUND_NAME)
    expect(row).to_contain_text("受理中")
    expect(row).to_contain_text(wan(own["available"]))
    expect(row).to_contain_text("已拨付 1")
    programs = card.get_by_label("各贴息项目", exact=True).locator(".el-table__body-wrapper").get_by_role("row")
    expect(programs.filter(has_text=PROGRAM_NAME)).to_contain_text("暂无")
    card.evaluate("section => section.scrollIntoView({ block: 'start' })")
    shot(page, "instruments-07-dashboard", "government")

    with page.expect_download() as download:
        card.get_by_role("button", name="导出").click()
    assert re.fullmatch(r"风险补偿与贴息-[\d-]+\.xlsx", download.value.suggested_filename)
    book = workbook(download.value)
    assert book.sheetnames == ["资金池", "代偿（按机构）", "贴息项目"]
    (exported,) = [r for r in book["资金池"].iter_rows(values_only=True) if r[0] == FUND_NAME]
    assert exported[2:7] == ("受理中", own["budget"], own["approved"], own["paid"], own["available"])
    institutions = {r[0]: r for r in book["代偿（按机构）"].iter_rows(values_only=True)}
    assert institutions[bank["institution_name"]][1:] == (1, 0, own["paid"])
    (exported,) = [r for r in book["贴息项目"].iter_rows(values_only=True) if r[0] == PROGRAM_NAME]
    assert exported[2:7] == ("受理中", 200, 0, 0, 200)

    row.get_by_role("link", name=FUND_NAME).click()
    expect(page.get_by_role("heading", name="资金池详情")).to_be_visible()


def test_the_admin_sees_every_regions_instruments_in_its_console(platform, world, desktop):
    """The admin's console has the government's instrument pages, for every region: its dashboard card
    links to them, and 政府工具 in its menu leads to the funds, claims and programmes."""
    page = desktop
    sign_in(page, Api(platform.gateway), ADMIN_PHONE, ADMIN_PASSWORD, "机构管理")
    menu(page, "监管首页")
    card = page.get_by_role("region", name="风险补偿与贴息")
    card.get_by_label("各资金池", exact=True).get_by_role("link", name=FUND_NAME).click()
    expect(page.get_by_role("heading", name="资金池详情")).to_be_visible()
    expect(page.get_by_text(FUND_NAME).first).to_be_visible()
    menu(page, "代偿审核")
    expect(page.locator(".el-table__body-wrapper").get_by_role("row").filter(
        has_text=world["claim"]["order_no"])).to_contain_text("已拨付")
    menu(page, "贴息项目")
    page.locator(".el-table__body-wrapper").get_by_role("row").filter(has_text=PROGRAM_NAME).get_by_role(
        "button", name="查看详情").click()
    expect(page.get_by_role("heading", name="贴息项目详情")).to_be_visible()
    page.get_by_role("button", name="返回").click()
    expect(page.get_by_role("heading", name="贴息项目", exact=True)).to_be_visible()
