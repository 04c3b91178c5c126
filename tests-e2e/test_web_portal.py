"""The public portal in Chromium: a visitor browses the 金融超市 with filters, sorts and `after`-cursor
pages and opens a product (whose page search engines read without the app); an institution applies to
join (申请入驻) through the page, the admin approves it on the review page, and the new administrator
signs in with the initial password and must change it first."""

import re
import uuid

import pytest
import requests
from api_client import Api
from browser import assert_no_horizontal_scroll, screenshot
from harness import ADMIN_PASSWORD, ADMIN_PHONE
from playwright.sync_api import Page, expect
from scenario import (
    INITIAL_PASSWORD,
    LOAN_PRODUCT,
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    random_uscc,
    unique_phone,
)
from test_web_institution import ask_for_code, confirm, fill_login, sms_code

from xyd_testing.helpers import wait_until

PER_PAGE = 12  # the market page's page size


@pytest.fixture(scope="module")
def market(platform):
    """A bank with 13 products sharing a keyword: two stand out (featured; lowest rate; only 建安区)."""
    admin = admin_with_xuchang(platform)
    resp = admin.post("/admin/regions", json={"code": "411003", "name": "建安区", "parent_code": "411000"})
    assert resp.status_code in (201, 409), resp.text
    bank = institution_user(platform, admin, new_institution(admin, "许昌市场银行"))
    keyword = f"门户{uuid.uuid4().hex[:4]}"
    products = [published_product(bank, {**LOAN_PRODUCT, "name": f"{keyword}经营贷{i:02d}", "rate_min": 4.0 + i / 10})
                for i in range(11)]
    featured = published_product(bank, {**LOAN_PRODUCT, "name": f"{keyword}特色科创贷", "featured": True,
                                         "rate_min": 3.05, "guarantee_methods": ["credit", "pledge"],
                                         "features": "纯信用、随借随还", "target_customers": "科技型中小企业"})
    jianan = published_product(bank, {**LOAN_PRODUCT, "name": f"{keyword}建安助农贷", "category": "guarantee",
                                       "region_codes": ["411003"], "rate_min": 5.5})
    api = Api(platform.gateway)
    wait_until(lambda: api.get("/market/products", token="", params={"q": keyword}).json()["total"] == 13,
               timeout=30, message="the products in the market")
    return {"admin": admin, "keyword": keyword, "products": products, "featured": featured, "jianan": jianan}


def product_names(page: Page) -> list[str]:
    return page.get_by_role("list", name="产品列表").locator(".product-name").all_inner_texts()


def search(page: Page, keyword: str) -> None:
    page.get_by_label("关键词").fill(keyword)
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"q="))


def test_a_visitor_browses_the_market_and_opens_a_product(platform, market, desktop):
    page, keyword = desktop, market["keyword"]
    page.goto("/web/")
    expect(page.get_by_role("heading", name="许昌市中小企业融资综合信用服务平台")).to_be_visible()
    figures = page.get_by_role("region", name="平台数据")
    expect(figures.get_by_text("入驻金融机构（家）")).to_be_visible()
    expect(figures.locator(".figure-value").first).not_to_have_text("—")
    expect(page.get_by_role("heading", name="特色产品")).to_be_visible()
    screenshot(page, "01-portal-home", "enterprise")

    page.get_by_role("navigation", name="门户导航").get_by_role("link", name="金融超市").click()
    expect(page.get_by_role("heading", name="金融超市", exact=True)).to_be_visible()
    search(page, keyword)
    expect(page.get_by_text("共 13 款产品")).to_be_visible()
    # Pages by cursor: 12, then the 13th after 加载更多.
    expect(page.get_by_role("list", name="产品列表").get_by_role("listitem")).to_have_count(PER_PAGE)
    page.get_by_role("button", name="加载更多").click()
    expect(page.get_by_role("list", name="产品列表").get_by_role("listitem")).to_have_count(13)
    expect(page.get_by_text("已显示全部")).to_be_visible()
    screenshot(page, "02-market", "enterprise")

    # Sort by lowest rate: the featured product (3.05%) first.
    page.get_by_role("radio", name="利率最低").locator("..").click()
    expect(page.get_by_role("list", name="产品列表").locator(".product-name").first).to_have_text(
        market["featured"]["name"])
    assert "sort=rate_asc" in page.url
    page.get_by_role("radio", name="额度最高").locator("..").click()
    expect(page).to_have_url(re.compile("sort=amount_desc"))
    page.get_by_role("radio", name="申请最多").locator("..").click()
    expect(page).to_have_url(re.compile("sort=popular"))

    # Featured only.
    page.get_by_text("只看特色产品").click()
    expect(page.get_by_text("共 1 款产品")).to_be_visible()
    assert product_names(page) == [market["featured"]["name"]]
    page.get_by_text("只看特色产品").click()
    expect(page.get_by_text("共 13 款产品")).to_be_visible()

    # Category and guarantee method.
    page.get_by_role("combobox", name="产品类别").click(force=True)
    page.get_by_role("option", name="担保", exact=True).click()
    expect(page.get_by_text("共 1 款产品")).to_be_visible()
    assert product_names(page) == [market["jianan"]["name"]]
    page.get_by_role("button", name="重置").click()
    search(page, keyword)
    page.get_by_role("combobox", name="担保方式").click(force=True)
    page.get_by_role("option", name="质押", exact=True).click()
    expect(page.get_by_text("共 1 款产品")).to_be_visible()
    page.get_by_role("button", name="重置").click()

    # Region: 魏都区 also lists the products serving 许昌市 (the region above), not those of 建安区 only.
    search(page, keyword)
    page.get_by_role("combobox", name="服务区域").click(force=True)
    page.get_by_role("treeitem", name="魏都区", exact=True).get_by_text("魏都区", exact=True).click()
    expect(page.get_by_text("共 12 款产品")).to_be_visible()
    assert market["jianan"]["name"] not in product_names(page)
    page.goto(f"/market?q={keyword}&amount=2000")  # more than every product lends: the empty state
    expect(page.get_by_text("没有符合条件的产品，请调整筛选条件")).to_be_visible()
    page.goto(f"/market?q={keyword}&amount=100&term_months=12")
    expect(page.get_by_text("共 13 款产品")).to_be_visible()

    # The product's page: every field, its institution and regions, and 立即申请 for a visitor.
    page.goto(f"/market?q={keyword}&featured=true")
    page.get_by_role("link", name=market["featured"]["name"]).click()
    expect(page.get_by_role("heading", name=market["featured"]["name"])).to_be_visible()
    for text in ("纯信用、随借随还", "科技型中小企业", "许昌市", "信用、质押", market["featured"]["institution_name"]):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    screenshot(page, "03-product", "enterprise")
    page.get_by_role("button", name="立即申请").click()
    expect(page.get_by_role("heading", name="企业用户登录")).to_be_visible()

    # What a search engine or a link preview reads without running the app.
    html = requests.get(f"{platform.gateway}/products/{market['featured']['id']}", timeout=10).text
    assert f"<title>{market['featured']['name']} - 金融超市" in html and 'property="og:title"' in html
    assert "<dt>年利率</dt><dd>3.05–6.5%</dd>" in html
    market_html = requests.get(f"{platform.gateway}/market", timeout=10).text
    assert "<title>金融超市 - 许昌市中小企业融资综合信用服务平台</title>" in market_html


def test_the_market_fits_a_phone(market, phone):
    page = phone
    for path in ("/", f"/market?q={market['keyword']}", f"/products/{market['featured']['id']}", "/join",
                 "/register"):
        page.goto(path)
        expect(page.get_by_role("heading").first).to_be_visible()
        assert_no_horizontal_scroll(page)


def test_an_institution_applies_to_join_and_its_administrator_signs_in(platform, market, desktop):
    page, api, admin = desktop, Api(platform.gateway), market["admin"]
    name = f"许昌新入驻银行{uuid.uuid4().hex[:4]}"
    uscc, contact_phone = random_uscc("411002"), unique_phone("139")

    page.goto("/web/")
    page.get_by_role("navigation", name="用户入口").get_by_role("link", name=re.compile("^申请入驻")).click()
    expect(page.get_by_role("heading", name="金融机构申请入驻")).to_be_visible()
    page.get_by_role("button", name="提交申请").click()  # empty: the form says what is missing
    expect(page.get_by_text("请选择机构类型")).to_be_visible()
    page.get_by_label("机构名称").fill(name)
    page.get_by_role("combobox", name="机构类型").click(force=True)
    page.get_by_role("option", name="银行", exact=True).click()
    page.get_by_label("统一社会信用代码").fill(uscc[:-1] + ("0" if uscc[-1] != "0" else "1"))
    page.get_by_label("办公地址").click()
    expect(page.get_by_text("统一社会信用代码校验位不正确，请核对")).to_be_visible()  # checked before submitting
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_role("combobox", name="所在区域").click(force=True)
    page.get_by_role("treeitem", name="魏都区", exact=True).get_by_text("魏都区", exact=True).click()
    page.get_by_label("办公地址").fill("许昌市魏都区七一路88号")
    page.get_by_label("金融许可证编号（选填）").fill("B1086H341100001")
    page.get_by_label("机构简介（选填）").fill("立足魏都、服务小微")
    page.get_by_label("联系人", exact=True).fill("李娜")
    page.get_by_label("联系人手机号").fill(contact_phone)
    before = len(api.sms_texts(contact_phone))
    wait_until(lambda: ask_for_code(page, "sent"), timeout=40, interval=0, message="an SMS code to be sent")
    page.get_by_label("验证码").fill(sms_code(api, contact_phone, before))
    screenshot(page, "join-01-form", "institution")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("入驻申请已提交")).to_be_visible()
    [application] = admin.get("/admin/institution-applications", params={"q": uscc}).json()["items"]
    assert application["name"] == name and application["status"] == "pending"

    # The status lookup: USCC + a code sent to the contact phone.
    page.get_by_role("link", name="查询申请进度").last.click()
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("联系人手机号").fill(contact_phone)
    before = len(api.sms_texts(contact_phone))
    wait_until(lambda: ask_for_code(page, "sent"), timeout=40, interval=0, message="an SMS code to be sent")
    page.get_by_label("验证码").fill(sms_code(api, contact_phone, before))
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("cell", name="待审核")).to_be_visible()

    # The admin approves on the review page.
    page.goto("/login")
    fill_login(page, api, ADMIN_PHONE, ADMIN_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).not_to_have_url(re.compile("/login"))
    page.goto("/review/institution-applications")
    card = page.get_by_role("article", name=name)
    expect(card).to_contain_text(uscc)
    screenshot(page, "join-02-review", "institution")
    card.get_by_role("button", name="通过").click()
    confirm(page)
    expect(card).to_contain_text("已通过")
    wait_until(lambda: any("入驻申请已通过审核" in t for t in api.sms_texts(contact_phone)), timeout=30,
               message="the approval SMS")
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="企业登录", exact=True)).to_be_visible()

    # The new administrator: the initial password, then the forced change.
    page.goto("/login?role=institution")
    fill_login(page, api, contact_phone, INITIAL_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="首次登录，请修改初始密码")).to_be_visible()
    page.get_by_label("当前密码").fill(INITIAL_PASSWORD)
    page.get_by_label("新密码", exact=True).fill("Xinruzhu2026bank")
    page.get_by_label("确认新密码").fill("Xinruzhu2026bank")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("heading", name="订单管理")).to_be_visible()
