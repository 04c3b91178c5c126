"""The government supervision console in Chromium. A government user of 襄城区 logs in for the first time
and changes its initial password; its dashboard's totals, per-district table and scorecards equal the
API's for the same filters, with 樊城区's orders absent, before and after the date range and grouping
change; it exports the order list (.xlsx and .csv) and the statistics (.xlsx) and the files hold what
the API lists; it urges (督办) an open order, once; it registers a webhook (the secret shown once)
pointed at a real receiver, sees the delivery of an order's change in the log and redelivers it. Then
every page of the console at phone width. Every effect is checked through the API too."""

import csv
import io
import re
from urllib.parse import parse_qsl, urlparse

import openpyxl
from api_client import Api
from browser import screenshot, walk_at_phone_width
from playwright.sync_api import Page, expect
from scenario import (
    INITIAL_PASSWORD,
    LOAN_PRODUCT,
    STAFF_PASSWORD,
    admin_with_regions,
    institution_user,
    new_institution,
    published_product,
    staff_user,
    unique_phone,
    verified_enterprise,
)
from test_notifications import signature_is_valid
from test_orders import act, china_today
from test_web_admin import HEADINGS, menu, sign_in
from test_web_institution import apply

from xyd_testing.helpers import RecordingServer, wait_until

# A province chain of its own (no other end-to-end test nor `make demo` uses it), so the district's
# figures are this file's orders only: the user supervises 襄城区; 樊城区 is the other district.
XIANGYANG, XIANGCHENG, FANCHENG = "420600", "420602", "420606"
HUBEI_REGIONS = ({"code": "420000", "name": "湖北省", "parent_code": None},
                 {"code": XIANGYANG, "name": "襄阳市", "parent_code": "420000"},
                 {"code": XIANGCHENG, "name": "襄城区", "parent_code": XIANGYANG},
                 {"code": FANCHENG, "name": "樊城区", "parent_code": XIANGYANG})


def shot(page: Page, name: str) -> None:
    screenshot(page, name, manual="government")


def xiangyang_admin(platform) -> Api:
    return admin_with_regions(platform, HUBEI_REGIONS)


def rows(page: Page, table: str) -> list[list[str]]:
    """The body rows of the table labelled `table`, as the cells' texts."""
    body = page.get_by_label(table, exact=True).locator(".el-table__body-wrapper").get_by_role("row")
    return [[text.strip() for text in row.get_by_role("cell").all_inner_texts()] for row in body.all()]


def number(value) -> str:
    """A figure as the page prints it (JavaScript drops a trailing `.0`)."""
    return str(int(value)) if float(value) == int(value) else str(value)


def check_dashboard(page: Page, gov: Api, params: dict) -> dict:
    """The dashboard's totals, per-district table and scorecards equal the API's for `params`."""
    stats = gov.get("/orders/stats", params=params).json()
    for key, testid in (("total", "total"), ("requested_amount", "requested"), ("granted_amount", "granted"),
                        ("disbursed_amount", "disbursed"), ("overdue", "overdue")):
        expect(page.get_by_test_id(testid)).to_have_text(number(stats[key]))
    per_region = gov.get("/orders/stats", params={**params, "group_by": "region"}).json()
    expected = [[g["name"], *(number(g[k]) for k in ("total", "requested_amount", "granted_amount",
                                                      "disbursed_amount", "overdue"))] for g in per_region["groups"]]
    wait_until(lambda: rows(page, "各区县订单明细") == expected, timeout=10, message=f"the districts {expected}")
    cards = gov.get("/orders/scorecards", params=params).json()["items"]
    shown = {row[0]: row for row in rows(page, "机构考核")}
    assert sorted(shown) == sorted(card["institution_name"] for card in cards)
    for card in cards:
        row = shown[card["institution_name"]]
        assert row[1:3] == [str(card["received"]), str(card["accepted"])], (row, card)
        assert row[6] == str(card["urged"]) and row[8] == number(card["granted_amount"]), (row, card)
    return stats


def workbook(download) -> openpyxl.Workbook:
    """A downloaded .xlsx, read back (the download's own file has no extension, which openpyxl needs)."""
    return openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True)


def page_query(response) -> dict:
    """The filters the page sent with a statistics request, less the grouping."""
    return {k: v for k, v in parse_qsl(urlparse(response.url).query) if k != "group_by"}


def test_government_console_supervises_its_district_only(platform, desktop):
    page = desktop
    admin = xiangyang_admin(platform)
    institution = new_institution(admin, "襄阳测试银行", region=XIANGYANG)
    bank = institution_user(platform, admin, institution)
    product = published_product(bank, {**LOAN_PRODUCT, "region_codes": [XIANGYANG]})
    mine, _ = verified_enterprise(platform, admin, name="襄城区机械有限公司", region=XIANGCHENG)
    other, _ = verified_enterprise(platform, admin, name="樊城区纺织有限公司", region=FANCHENG)
    granted = apply(mine, product["id"], amount=120)
    act(bank, granted["id"], "accept")
    act(bank, granted["id"], "grant", amount=100, rate=4.35, term_months=12)
    act(bank, granted["id"], "disburse", amount=90, disbursed_on=china_today())  # closed: it may apply again
    waiting = apply(mine, product["id"], amount=80)
    outside = apply(other, product["id"], amount=300)
    act(bank, outside["id"], "accept")
    gov_phone = unique_phone()
    assert admin.post("/admin/government-users", json={"phone": gov_phone, "name": "襄城区金融工作局",
                                                       "region_code": XIANGCHENG}).status_code == 201

    # The first login asks for a new password, then opens the dashboard.
    sign_in(page, Api(platform.gateway), gov_phone, INITIAL_PASSWORD, "首次登录，请修改初始密码")
    page.get_by_label("当前密码").fill(INITIAL_PASSWORD)
    page.get_by_label("新密码", exact=True).fill(STAFF_PASSWORD)
    page.get_by_label("确认新密码").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("heading", name="监管首页")).to_be_visible()
    gov = Api(platform.gateway)
    gov.login(gov_phone, STAFF_PASSWORD)

    # 监管首页: 襄城区's two orders only (樊城区's 300 万元 absent), as the API counts them.
    stats = check_dashboard(page, gov, {})
    assert [stats[k] for k in ("total", "requested_amount", "granted_amount", "disbursed_amount")] == [2, 200, 100, 90]
    assert [g["key"] for g in gov.get("/orders/stats", params={"group_by": "region"}).json()["groups"]] == [XIANGCHENG]
    assert admin.get("/orders/stats", params={"region_code": XIANGYANG}).json()["total"] == 3
    expect(page.get_by_label("各区县订单明细")).not_to_contain_text("樊城区")
    shot(page, "01-dashboard")
    # By month over the last month: the page's request, replayed, gives the same figures.
    with page.expect_response(lambda r: "/orders/stats" in r.url and "group_by=month" in r.url) as monthly:
        page.get_by_text("按月", exact=True).click()
    assert page_query(monthly.value) == {}
    page.get_by_placeholder("开始日期").click()
    with page.expect_response(lambda r: "/orders/stats" in r.url and "from=" in r.url and "group_by=month" in r.url
                              ) as ranged:
        page.get_by_text("最近一个月", exact=True).click()
    params = page_query(ranged.value)
    assert set(params) == {"from", "to"}, params
    assert ranged.value.json()["groups"] == gov.get("/orders/stats", params={**params, "group_by": "month"}
                                                    ).json()["groups"]
    check_dashboard(page, gov, params)

    # The statistics as .xlsx: the grouped sheet and the totals, as the API has them.
    with page.expect_download() as download:
        page.get_by_role("button", name="导出统计（Excel）").click()
    assert re.fullmatch(r"订单统计-[\d-]+\.xlsx", download.value.suggested_filename)
    book = workbook(download.value)
    by_month = gov.get("/orders/stats", params={**params, "group_by": "month"}).json()
    grouped = [list(r) for r in book["分组"].iter_rows(values_only=True)]
    assert grouped[0][:2] == ["月份", "订单总数"]
    assert [(r[0], r[1]) for r in grouped[1:]] == [(g["name"], g["total"]) for g in by_month["groups"]]
    header, totals = (list(r) for r in book["汇总"].iter_rows(values_only=True))
    summary = dict(zip(header, totals, strict=True))
    assert (summary["订单总数"], summary["申请金额（万元）"], summary["授信金额（万元）"]) == (2, 200, 100)

    # 订单监管: the same two orders; the list as .xlsx and as .csv.
    menu(page, "订单监管")
    listed = gov.get("/orders", params={"per_page": 100}).json()
    assert sorted(o["id"] for o in listed["items"]) == sorted([granted["id"], waiting["id"]])
    expect(page.get_by_role("row").filter(has_text=waiting["order_no"])).to_be_visible()
    expect(page.get_by_text(outside["order_no"])).to_have_count(0)
    order_nos = sorted(o["order_no"] for o in listed["items"])
    with page.expect_download() as download:
        page.get_by_role("button", name="导出订单（Excel）").click()
    sheet = [list(r) for r in workbook(download.value).active.iter_rows(values_only=True)]
    assert sheet[0][:3] == ["订单号", "状态", "企业名称"]
    assert sorted(r[0] for r in sheet[1:]) == order_nos
    with page.expect_download() as download:
        page.get_by_role("button", name="导出订单（CSV）").click()
    assert download.value.suggested_filename.endswith(".csv")
    table = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert sorted(r["订单号"] for r in table) == order_nos
    by_no = {r["订单号"]: r for r in table}
    assert by_no[waiting["order_no"]]["企业名称"] == "襄城区机械有限公司"
    assert float(by_no[waiting["order_no"]]["申请金额（万元）"]) == 80
    shot(page, "02-orders")

    # 督办 on the open order, with a message: the history shows it; a second urge is refused.
    page.get_by_role("row").filter(has_text=waiting["order_no"]).get_by_role("button", name="查看详情").click()
    expect(page.get_by_role("heading", name="订单详情")).to_be_visible()
    message = "请于两个工作日内受理该企业的申请"
    page.get_by_role("button", name="督办", exact=True).click()
    dialog = page.get_by_role("dialog", name="督办")
    dialog.get_by_role("button", name="发送督办").click()
    expect(dialog.get_by_text("请填写督办意见（2 到 500 字）")).to_be_visible()
    dialog.get_by_label("督办意见").fill(message)
    shot(page, "03-urge")
    dialog.get_by_role("button", name="发送督办").click()
    expect(page.get_by_text("已督办，受理机构将收到通知和短信")).to_be_visible()
    step = page.get_by_role("listitem").filter(has_text=message)
    expect(step).to_contain_text("督办")
    expect(step).to_contain_text("政府")
    last = gov.get(f"/orders/{waiting['id']}").json()["history"][-1]
    assert (last["remark"], last["actor_role"], last["to_status"]) == (message, "government", "submitted")
    step.scroll_into_view_if_needed()
    shot(page, "04-order-urged")
    page.get_by_role("button", name="督办", exact=True).click()
    dialog.get_by_label("督办意见").fill("再次督办")
    dialog.get_by_role("button", name="发送督办").click()
    expect(page.get_by_text("该订单 24 小时内已督办过，请稍后再试")).to_be_visible()
    dialog.get_by_role("button", name="取消").click()
    assert gov.post(f"/orders/{waiting['id']}/urge", json={"message": "再次督办"}).json()["code"] == "already_urged"

    # 事件订阅: a webhook at a real receiver; the secret shown once and copied; an order's change is
    # delivered, signed with that secret, and shows in the log; 重新投递 sends it again.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    with RecordingServer(path="/xiangcheng/events") as receiver:
        menu(page, "事件订阅")
        page.get_by_role("button", name="新增订阅").click()
        form = page.get_by_role("dialog", name="新增订阅")
        form.get_by_label("接收地址").fill("ftp://example")
        form.get_by_role("button", name="保存").click()
        expect(form.get_by_text("请输入 http:// 或 https:// 开头的地址")).to_be_visible()
        form.get_by_label("接收地址").fill(receiver.url)
        form.get_by_label("说明（选填）").fill("襄城区订单推送")
        form.get_by_role("button", name="保存").click()
        created = page.get_by_role("dialog", name="订阅已创建")
        secret = page.get_by_test_id("webhook-secret").inner_text()
        assert secret.startswith("whsec_")
        created.get_by_role("button", name="复制密钥").click()
        expect(page.get_by_text("密钥已复制")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        shot(page, "05-webhook-secret")
        created.get_by_role("button", name="我已保存").click()
        expect(created).to_be_hidden()
        [hook] = [w for w in gov.get("/webhooks").json()["items"] if w["url"] == receiver.url]
        assert hook["region_code"] == XIANGCHENG and "secret" not in hook
        expect(page.get_by_text(secret)).to_have_count(0)  # shown once only

        act(bank, waiting["id"], "accept")
        accepted = wait_until(lambda: [(h, b) for h, b in receiver.requests
                                       if h.get("X-Xyd-Event-Type") == "order.accepted"], timeout=30,
                              interval=0.3, message="order.accepted at the receiver")
        headers, body = accepted[0]
        assert signature_is_valid(secret, headers, body)
        event_id = headers["X-Xyd-Event-Id"]
        page.get_by_role("row").filter(has_text=receiver.url).get_by_role("button", name="投递记录").click()
        log = page.get_by_role("region", name=re.compile("^投递记录"))
        delivery = log.get_by_role("row").filter(has_text="订单受理")
        expect(delivery).to_contain_text("已送达")
        expect(delivery.get_by_role("cell").nth(2)).to_have_text("1")
        expect(delivery.get_by_role("cell").nth(3)).to_have_text(re.compile(r"^\s*200"))
        shot(page, "06-webhook-deliveries")
        delivery.get_by_role("button", name="重新投递").click()
        expect(page.get_by_text("已安排重新投递")).to_be_visible()
        wait_until(lambda: sum(h.get("X-Xyd-Event-Id") == event_id for h, _ in receiver.requests) == 2,
                   timeout=30, interval=0.3, message="the delivery sent again")

        def delivered_twice():
            items = gov.get(f"/webhooks/{hook['id']}/deliveries").json()["items"]
            return [d for d in items if d["event_id"] == event_id and d["status"] == "delivered"
                    and d["attempts"] == 2]

        wait_until(delivered_twice, timeout=20, message="the log to count two attempts")
        log.get_by_role("button", name="刷新").click()
        expect(delivery.get_by_role("cell").nth(2)).to_have_text("2")
        gov.delete(f"/webhooks/{hook['id']}")

    # The console's other pages, for the manual.
    for name, picture in (("信易贷企业白名单", "07-whitelist"), ("申请入驻审核", "08-institution-applications"),
                          ("企业认证审核", "09-verifications"), ("企业信用查询", "10-credit-lookup"),
                          ("通知", "11-notifications"), ("个人中心", "12-profile"), ("修改密码", "13-password")):
        menu(page, name, HEADINGS.get(name))
        shot(page, picture)


GOVERNMENT_PAGES = (("/government/dashboard", "监管首页"), ("/government/orders", "订单监管"),
                    ("/government/whitelist", "“信易贷”企业白名单"),
                    ("/government/institution-applications", "入驻申请审核"),
                    ("/government/verifications", "企业认证审核"), ("/government/credit/import", "信用数据导入"),
                    ("/government/credit/lookup", "企业信用查询"), ("/government/webhooks", "事件订阅"),
                    ("/government/notifications", "通知"), ("/government/profile", "个人中心"),
                    ("/government/password", "修改密码"))


def test_government_console_fits_a_phone_screen(platform, phone):
    page = phone
    admin = xiangyang_admin(platform)
    gov, user = staff_user(platform, admin, "/admin/government-users", {"name": "襄城区发改委",
                                                                         "region_code": XIANGCHENG})
    sign_in(page, Api(platform.gateway), user["phone"], STAFF_PASSWORD, "监管首页")
    walk_at_phone_width(page, GOVERNMENT_PAGES, "订单监管", manual="government")
