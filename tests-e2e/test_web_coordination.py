"""Financing coordination (小微企业融资协调工作机制) and 退回补正 in Chromium: a district government user
records a visit (a wrong code is refused on the page first), finds it and exports the list; it pushes an
open need to two banks from 融资需求 and follows them in 推荐清单, where one bank reads the credit record
and declines with a reason and the other accepts with a product (an order from 推荐清单); a bank returns
an order for named documents, the enterprise sees them in 我的订单, resubmits with a note, the bank sees
both steps in the history and accepts; a returned order may still be withdrawn. Effects are checked
through the API too."""

import uuid

import pytest
from api_client import Api
from browser import screenshot, walk_at_phone_width
from playwright.sync_api import Page, expect
from scenario import (
    LOAN_PRODUCT,
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    random_uscc,
    staff_user,
    verified_enterprise,
)
from test_web_government import workbook
from test_web_institution import apply, china_today, confirm, credit_data
from test_web_needs import menu, post_need, switch_user

from xyd_testing.helpers import wait_until

MANUAL = "government"


def sms_received(api: Api, words: str) -> None:
    """Waits for the SMS telling `api`'s user of `words`: signing in reads the newest SMS for its code,
    so a notice must not arrive between the code and its use."""
    wait_until(lambda: any(words in text for text in api.sms_texts(api.phone)), timeout=30,
               message=f"the SMS about {words}")


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    tag = uuid.uuid4().hex[:4]
    bank = institution_user(platform, admin, new_institution(admin, f"许昌协调银行{tag}"))
    product = published_product(bank, {**LOAN_PRODUCT, "name": f"协调{tag}经营贷"})
    other = institution_user(platform, admin, new_institution(admin, f"魏都推荐银行{tag}"))
    other_product = published_product(other, {**LOAN_PRODUCT, "name": f"推荐{tag}信用贷"})
    name = f"许昌补正机械有限公司{tag}"
    uscc = random_uscc("411002")
    enterprise, _ = verified_enterprise(platform, admin, uscc, name)
    # The enterprise whose need is pushed: its credit record is what the banks read.
    needing = f"许昌推荐电子有限公司{tag}"
    needing_uscc = random_uscc("411002")
    credit_data(admin, needing_uscc, needing)  # whitelisted, one litigation flag, a commendation
    needing_enterprise, _ = verified_enterprise(platform, admin, needing_uscc, needing)
    government, _ = staff_user(platform, admin, "/admin/government-users",
                               {"name": "魏都区金融办", "region_code": "411002"})
    return {"admin": admin, "bank": bank, "product": product, "other": other, "other_product": other_product,
            "enterprise": enterprise, "name": name, "needing": needing, "needing_enterprise": needing_enterprise,
            "government": government, "tag": tag}


def institution_name(api: Api) -> str:
    return api.get("/auth/me").json()["institution"]["name"]


def order_row(page: Page, text: str):
    return page.get_by_role("row").filter(has_text=text)


def test_government_records_finds_and_exports_a_visit(platform, world, desktop):
    page, gov = desktop, world["government"]
    name, uscc = f"许昌走访食品有限公司{world['tag']}", random_uscc("411002")
    switch_user(page, gov, "监管首页")
    menu(page, "走访登记")
    page.get_by_role("button", name="登记走访").click()
    form = page.get_by_role("dialog", name="登记走访")
    form.get_by_label("统一社会信用代码").fill(uscc[:-1] + ("0" if uscc[-1] != "0" else "1"))
    form.get_by_role("button", name="登记", exact=True).click()
    expect(form.get_by_text("统一社会信用代码校验位不正确，请核对")).to_be_visible()
    expect(form.get_by_text("至少 2 个字")).to_have_count(3)  # name, visitors, findings
    form.get_by_label("统一社会信用代码").fill(uscc.lower())
    form.get_by_label("企业名称").fill(name)
    form.get_by_label("走访人员").fill("魏都区金融办 李娜、市发改委 王强")
    findings = "新签订单 300 万元，原材料采购资金缺口约 200 万元，希望申请信用贷款"
    form.get_by_label("走访情况").fill(findings)
    screenshot(page, "coordination-01-visit-form", MANUAL)
    form.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_text(f"已登记对{name}的走访")).to_be_visible()
    expect(form).to_be_hidden()
    row = order_row(page, name)
    expect(row).to_contain_text(uscc)
    expect(row).to_contain_text("魏都区")
    expect(row).to_contain_text(china_today().isoformat())
    screenshot(page, "coordination-02-visits", MANUAL)
    [visit] = [v for v in gov.get("/visits", params={"q": uscc}).json()["items"]]
    assert (visit["enterprise_name"], visit["findings"], visit["region_code"]) == (name, findings, "411002")
    assert visit["visited_on"] == china_today().isoformat()

    # The search narrows the list and the export carries the same filter.
    page.get_by_label("搜索企业").fill(uscc)
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the visit
    with page.expect_download() as download:
        page.get_by_role("button", name="导出（Excel）").click()
    sheet = workbook(download.value).active
    cells = [[str(c) if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert len(cells) == 2 and any(uscc in c for c in cells[1]) and any(name in c for c in cells[1]), cells


def test_an_order_is_returned_for_documents_resubmitted_and_accepted(platform, world, desktop):
    page, bank, enterprise = desktop, world["bank"], world["enterprise"]
    order = apply(enterprise, world["product"]["id"])

    # --- the bank returns it: the reason and the items are required; a common one and a typed one
    switch_user(page, bank, "订单管理")
    order_row(page, order["order_no"]).get_by_role("button", name="查看详情").click()
    expect(page.get_by_role("heading", name="订单详情")).to_be_visible()
    page.get_by_role("button", name="退回补正").click()
    dialog = page.get_by_role("dialog", name="退回补正")
    dialog.get_by_role("button", name="提交").click()
    expect(dialog.get_by_text("请至少列出一项需补充的材料")).to_be_visible()
    expect(dialog.get_by_text("至少 2 个字")).to_be_visible()
    dialog.get_by_label("退回原因").fill("申请材料不全，请补充后重新提交")
    dialog.get_by_role("combobox", name="需补充的材料").click(force=True)
    page.get_by_role("option", name="营业执照副本").click()
    page.keyboard.type("2025 年度审计报告")
    page.keyboard.press("Enter")
    expect(dialog.get_by_text("2025 年度审计报告")).to_be_visible()
    dialog.get_by_label("退回原因").click()  # closes the choice
    screenshot(page, "coordination-03-return", "institution")
    dialog.get_by_role("button", name="提交").click()
    confirm(page)
    expect(page.get_by_text("已退回补正，订单状态：待补正")).to_be_visible()
    notice = page.get_by_role("alert").filter(has_text="等待企业补充材料")
    expect(notice).to_contain_text("需补充：营业执照副本、2025 年度审计报告")
    returned = bank.get(f"/orders/{order['id']}").json()
    assert returned["status"] == "returned"
    assert returned["return_items"] == ["营业执照副本", "2025 年度审计报告"]
    assert returned["return_reason"] == "申请材料不全，请补充后重新提交"

    # --- the enterprise, told by SMS, sees the items in 我的订单 and resubmits with a note
    sms_received(enterprise, "退回补正")
    switch_user(page, enterprise, "我的订单")
    row = order_row(page, order["order_no"])
    expect(row).to_contain_text("待补正")
    row.get_by_role("button", name="去补正").click()
    expect(page.get_by_role("heading", name=f"订单 {order['order_no']}")).to_be_visible()
    items = page.get_by_role("list", name="需补充的材料")
    expect(items.get_by_role("listitem")).to_have_text(["营业执照副本", "2025 年度审计报告"])
    expect(page.get_by_text("申请材料不全，请补充后重新提交").first).to_be_visible()
    expect(page.get_by_role("button", name="撤回申请")).to_be_visible()
    note = "已补充营业执照副本和 2025 年度审计报告，已交客户经理"
    page.get_by_label("补正说明（选填）").fill(note)
    screenshot(page, "coordination-04-resubmit", "enterprise")
    page.get_by_role("button", name="重新提交").click()
    confirm(page)
    expect(page.get_by_text("已重新提交，等待金融机构受理")).to_be_visible()
    expect(page.get_by_text("当前状态：待受理")).to_be_visible()
    steps = page.get_by_role("listitem").filter(has_text="补正后重新提交")
    expect(steps).to_contain_text(note)
    expect(page.get_by_role("listitem").filter(has_text="退回补正").filter(has_text="营业执照副本")).to_be_visible()
    screenshot(page, "coordination-05-resubmitted", "enterprise")
    assert enterprise.get(f"/orders/{order['id']}").json()["status"] == "submitted"

    # --- the bank sees both steps in words and accepts
    switch_user(page, bank, "订单管理")
    order_row(page, order["order_no"]).get_by_role("button", name="查看详情").click()
    history = page.get_by_role("listitem")
    expect(history.filter(has_text="退回补正").filter(has_text="金融机构")).to_be_visible()
    expect(history.filter(has_text="补正后重新提交").filter(has_text=note)).to_be_visible()
    history.filter(has_text="补正后重新提交").scroll_into_view_if_needed()
    screenshot(page, "coordination-06-history", "institution")
    page.get_by_role("button", name="受理", exact=True).click()
    confirm(page)
    expect(page.get_by_text("已受理，订单状态：已受理")).to_be_visible()
    assert bank.get(f"/orders/{order['id']}").json()["status"] == "accepted"


def test_a_returned_order_may_still_be_withdrawn(platform, world, desktop):
    # The other bank's product: the enterprise's order for the first one is still open.
    page, bank, enterprise = desktop, world["other"], world["enterprise"]
    order = apply(enterprise, world["other_product"]["id"], amount=80)
    # Signed in first: the SMS telling of the return must not come between the login code and its use.
    switch_user(page, enterprise, "我的订单")
    resp = bank.post(f"/orders/{order['id']}/return", json={"reason": "缺少材料", "items": ["纳税证明"]})
    assert resp.status_code == 200, resp.text
    page.goto(f"/enterprise/orders/{order['id']}")
    expect(page.get_by_role("list", name="需补充的材料")).to_have_text("纳税证明")
    page.get_by_role("button", name="撤回申请").click()
    confirm(page)
    expect(page.get_by_text("当前状态：已撤回")).to_be_visible()
    expect(page.get_by_role("button", name="重新提交")).to_have_count(0)
    assert enterprise.get(f"/orders/{order['id']}").json()["status"] == "withdrawn"


def test_a_need_is_pushed_to_two_banks_one_declines_and_one_accepts(platform, world, desktop):
    page, gov, enterprise = desktop, world["government"], world["needing_enterprise"]
    bank, other = world["bank"], world["other"]
    bank_name, other_name = institution_name(bank), institution_name(other)
    need = post_need(enterprise, 120)

    # --- the government pushes the open need from 融资需求 to both banks, with a note
    switch_user(page, gov, "监管首页")
    menu(page, "融资需求")
    order_row(page, world["needing"]).filter(has_text="待抢单").get_by_role("button", name="推送").click()
    dialog = page.get_by_role("dialog", name="推送融资需求")
    expect(dialog).to_contain_text("120 万元，12 个月")
    dialog.get_by_role("button", name="推送", exact=True).click()
    expect(dialog.get_by_text("请至少选择一家金融机构")).to_be_visible()
    choices = dialog.get_by_role("group", name="推送的金融机构")
    choices.get_by_text(bank_name).click()
    choices.get_by_text(other_name).click()
    expect(choices).to_contain_text(world["other_product"]["name"])
    note = "走访核实，企业订单充足，建议优先对接"
    dialog.get_by_label("推荐说明（选填）").fill(note)
    screenshot(page, "coordination-07-push", MANUAL)
    dialog.get_by_role("button", name="推送", exact=True).click()
    expect(page.get_by_text(f"已推送给 {bank_name}、{other_name}")).to_be_visible()
    expect(dialog).to_be_hidden()
    pushes = {p["institution_name"]: p for p in gov.get(f"/needs/{need['id']}/pushes").json()["items"]}
    assert set(pushes) == {bank_name, other_name} and {p["status"] for p in pushes.values()} == {"pending"}
    assert pushes[bank_name]["note"] == note

    # --- 推荐清单 (government): both pushes waiting, the days left counted down
    menu(page, "推荐清单")
    rows = page.get_by_role("row").filter(has_text=world["needing"])
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=bank_name)).to_contain_text("待答复")
    expect(rows.filter(has_text=bank_name)).to_contain_text(pushes[bank_name]["due_on"])
    expect(rows.filter(has_text=bank_name).get_by_text("还剩 30 天")).to_be_visible()
    screenshot(page, "coordination-08-pushes", MANUAL)

    # --- the second bank, told by SMS, reads the need and the credit record, then declines with a reason
    sms_received(other, "推荐清单")
    sms_received(bank, "推荐清单")
    switch_user(page, other, "订单管理")
    menu(page, "推荐清单")
    row = order_row(page, world["needing"])
    expect(row).to_contain_text("待答复")
    expect(row.get_by_text("还剩 30 天")).to_be_visible()
    screenshot(page, "coordination-09-push-inbox", "institution")
    row.get_by_role("button", name="查看").click()
    drawer = page.get_by_role("dialog", name="推送详情")
    expect(drawer).to_contain_text(note)
    expect(drawer.get_by_text("纳税信用等级")).to_be_visible()
    expect(drawer.get_by_text("许昌市诚信示范企业")).to_be_visible()
    screenshot(page, "coordination-10-push-credit-record", "institution")
    drawer.get_by_role("button", name="拒绝").click()
    reason_dialog = page.get_by_role("dialog", name="拒绝推送")
    reason_dialog.get_by_role("button", name="确认拒绝").click()
    expect(reason_dialog.get_by_text("请填写拒绝原因")).to_be_visible()
    reason = "企业所在行业暂不在本行授信投向内"
    reason_dialog.get_by_label("拒绝原因").fill(reason)
    reason_dialog.get_by_role("button", name="确认拒绝").click()
    expect(page.get_by_text("已拒绝推送，政府部门将看到拒绝原因")).to_be_visible()
    expect(order_row(page, world["needing"])).to_contain_text("已拒绝")
    expect(order_row(page, world["needing"]).get_by_role("button", name="接受")).to_have_count(0)
    [declined] = [p for p in other.get("/needs/pushes").json()["items"] if p["need_id"] == need["id"]]
    assert (declined["status"], declined["reason"]) == ("declined", reason)

    # --- the first bank accepts with its product: a submitted order from 推荐清单
    switch_user(page, bank, "订单管理")
    menu(page, "推荐清单")
    order_row(page, world["needing"]).get_by_role("button", name="接受").click()
    accept = page.get_by_role("dialog", name="接受推送")
    accept.get_by_role("combobox", name="受理产品").click(force=True)
    page.get_by_role("option", name=world["product"]["name"]).click()
    screenshot(page, "coordination-11-push-accept", "institution")
    accept.get_by_role("button", name="确认接受").click()
    expect(page.get_by_role("heading", name="订单详情")).to_be_visible()
    expect(page.get_by_text("政府推荐", exact=True)).to_be_visible()  # 来源
    [accepted] = [p for p in bank.get("/needs/pushes").json()["items"] if p["need_id"] == need["id"]]
    order = bank.get(f"/orders/{accepted['order_id']}").json()
    assert accepted["status"] == "accepted" and page.url.endswith(f"/institution/orders/{order['id']}")
    assert (order["status"], order["source"], order["product_id"]) == ("submitted", "push", world["product"]["id"])
    expect(page.get_by_text(order["order_no"]).first).to_be_visible()
    screenshot(page, "coordination-12-push-order", "institution")

    # --- the government sees both answers
    switch_user(page, gov, "监管首页")
    menu(page, "推荐清单")
    rows = page.get_by_role("row").filter(has_text=world["needing"])
    expect(rows.filter(has_text=other_name)).to_contain_text("已拒绝")
    expect(rows.filter(has_text=other_name)).to_contain_text(reason)
    expect(rows.filter(has_text=bank_name)).to_contain_text("已接受")
    screenshot(page, "coordination-13-pushes-answered", MANUAL)
    rows.filter(has_text=bank_name).get_by_role("link", name="查看订单").click()
    expect(page.get_by_role("heading", name="订单详情")).to_be_visible()
    assert page.url.endswith(f"/government/orders/{order['id']}")


def test_coordination_pages_fit_a_phone_screen(platform, world, phone):
    switch_user(phone, world["government"], "监管首页")
    walk_at_phone_width(phone, [("/government/visits", "走访登记"), ("/government/pushes", "推荐清单")], "走访登记",
                        MANUAL)
    switch_user(phone, world["bank"], "订单管理")
    walk_at_phone_width(phone, [("/institution/pushes", "推荐清单")], "推荐清单")
