"""Request examples of the OpenAPI document, sent as they stand by tests-e2e/test_api_examples.py
(which puts in a real record id)."""

import csv
import io

IMPORT_BATCH = {
    "enterprises": [{"uscc": "91411002MA45L8XK1L", "name": "许昌魏都精密制造有限公司", "legal_representative": "王建国",
                     "registered_capital": 1000, "established_on": "2016-05-18", "status": "存续",
                     "industry": "通用设备制造业", "region_code": "411002",
                     "tax_credit_rating": "A"}],
    "records": [{"uscc": "91411002MA45L8XK1L", "category": "commendation", "title": "许昌市专精特新中小企业",
                 "authority": "许昌市工业和信息化局", "decided_on": "2025-12-20",
                 "content": "认定为 2025 年度许昌市专精特新中小企业"}],
    "whitelist": [{"uscc": "91411002MA45L8XK1L", "batch": "2026年第一批", "listed_on": "2026-03-01",
                   "valid_until": "2027-02-28"}],
    "risk_flags": [{"uscc": "91411002MA45L8XK1L", "indicator": "litigation", "source": "许昌市中级人民法院",
                    "detected_on": "2026-06-10", "active": False}],
}


def _csv_file(rows: list[dict]) -> str:
    """Rows as the CSV file an import takes: a header of the field names, booleans as true/false."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: str(value).lower() if isinstance(value, bool) else value for key, value in row.items()}
                     for row in rows)
    return out.getvalue()


# The same batch as one CSV file per kind (multipart/form-data, a file part per kind).
IMPORT_CSV_FILES = {kind: _csv_file(rows) for kind, rows in IMPORT_BATCH.items()}
DISPUTE_CREATE = {"record_id": 1, "reason": "该行政处罚已于 2026 年 5 月履行完毕并经原机关信用修复，请予以更正",
                  "contact": "王建国 13912345678"}
DISPUTE_DECISION = {"decision": "uphold", "note": "经核实，处罚已修复，记录不再向机构展示"}
AUTHORIZATION_TEXT = {
    "text": "本企业同意许昌市信易贷平台向所申请产品的金融机构提供本企业的登记信息、纳税信用等级、"
            "信用记录、白名单状态与风险提示，仅用于本次融资申请的审核与贷后管理。",
    "data_categories": ["registration", "tax_credit_rating", "credit_records", "whitelist", "risk_flags"],
    "purpose": "融资申请审核与贷后管理", "valid_days": 365,
}

AUTHORIZATION_TEXT_PAGE = {
    "items": [{**AUTHORIZATION_TEXT, "version": 2, "digest": "9f2c" + "0" * 60,
               "published_at": "2026-11-20T02:00:00+00:00"},
              {**AUTHORIZATION_TEXT, "version": 1, "valid_days": 180, "digest": "41d7" + "0" * 60,
               "published_at": "2026-03-01T01:30:00+00:00"}],
    "total": 2, "page": 1, "per_page": 20, "next_cursor": None,
}
