"""POST /credit/imports (JSON and CSV) and the import commands."""

import io
from decimal import Decimal

from credit_service.cli import SAMPLE_DATA
from credit_service.models import CreditRecord, Enterprise, RiskFlag, WhitelistEntry, db
from xyd_common.validators import is_valid_uscc

from .support import enterprise_row, events, flag_row, new_uscc, record_row, whitelist_row

IMPORTS = "/api/v1/credit/imports"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def fifty_rows_three_bad() -> dict:
    usccs = [new_uscc() for _ in range(20)]
    enterprises = [enterprise_row(u, name=f"许昌测试企业{i}有限公司") for i, u in enumerate(usccs)]
    enterprises[4]["uscc"] = enterprises[4]["uscc"][:17] + ("0" if enterprises[4]["uscc"][17] != "0" else "1")
    records = [record_row(usccs[i % 20 if i % 20 != 4 else 5], title=f"处罚决定{i}") for i in range(15)]
    del records[7]["decided_on"]
    whitelist = [whitelist_row(usccs[i + 5], batch="2026年第一批") for i in range(10)]
    whitelist[2]["valid_until"] = "2020-01-01"
    flags = [flag_row(usccs[i + 10], source=f"来源{i}") for i in range(5)]
    return {"enterprises": enterprises, "records": records, "whitelist": whitelist, "risk_flags": flags}


def test_an_import_with_three_bad_rows_among_fifty_imports_the_other_47_and_says_why(app, import_batch):
    result = import_batch(**fifty_rows_three_bad())
    assert result["imported"] == {"enterprises": 19, "records": 14, "whitelist": 9, "risk_flags": 5}
    assert sum(result["imported"].values()) == 47
    errors = {(e["kind"], e["index"]): e for e in result["errors"]}
    assert set(errors) == {("enterprises", 4), ("records", 7), ("whitelist", 2)}
    assert "统一社会信用代码" in errors[("enterprises", 4)]["message"]
    assert errors[("records", 7)]["errors"] == {"decided_on": ["必填项"]}
    assert "有效期不能早于列入日期" in errors[("whitelist", 2)]["message"]
    assert (count(app, Enterprise), count(app, CreditRecord), count(app, WhitelistEntry), count(app, RiskFlag)) \
        == (19, 14, 9, 5)


def test_importing_the_same_batch_again_changes_nothing_and_records_no_event(app, import_batch):
    batch = fifty_rows_three_bad()
    first = import_batch(**batch)
    published = len(events(app))
    assert published > 0  # the first import put enterprises on the whitelist and flagged some
    again = import_batch(**batch)
    assert again["imported"] == first["imported"]
    assert again["changed"] == {"enterprises": 0, "records": 0, "whitelist": 0, "risk_flags": 0}
    assert len(again["errors"]) == 3
    assert len(events(app)) == published
    assert (count(app, Enterprise), count(app, CreditRecord)) == (19, 14)


def test_rows_are_updated_by_their_upsert_keys(app, client, admin, import_batch):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)], records=[record_row(uscc)], whitelist=[whitelist_row(uscc)])
    result = import_batch(
        enterprises=[{"uscc": uscc, "name": "许昌恒美发制品股份有限公司", "registered_capital": "5000.0001"}],
        records=[record_row(uscc, content="罚款 5000 元，已履行。"),
                 record_row(uscc, decided_on="2026-01-05")],  # another date: another record
        whitelist=[whitelist_row(uscc, valid_until="2099-12-31")],
    )
    assert result["changed"] == {"enterprises": 1, "records": 2, "whitelist": 1, "risk_flags": 0}
    body = client.get(f"/api/v1/credit/enterprises/{uscc}", headers=admin).json
    # Fields a row leaves out keep their values; money stays exact.
    assert body["enterprise"]["name"] == "许昌恒美发制品股份有限公司"
    assert body["enterprise"]["legal_representative"] == "刘建国"
    assert body["enterprise"]["registered_capital"] == 5000.0001
    assert [r["decided_on"] for r in body["records"]] == ["2026-01-05", "2025-07-22"]
    assert body["records"][1]["content"] == "罚款 5000 元，已履行。"
    assert [e["valid_until"] for e in body["whitelist_entries"]] == ["2099-12-31"]
    with app.app_context():
        assert db.session.get(Enterprise, uscc).registered_capital == Decimal("5000.0001")


def test_a_registered_capital_the_column_cannot_hold_is_a_row_error_not_a_500(import_batch):
    """10^14 万元 passed the inclusive bound but not NUMERIC(18, 4) on PostgreSQL (found by schemathesis
    at the documented maximum)."""
    result = import_batch(enterprises=[{"uscc": new_uscc(), "name": "许昌测试企业", "registered_capital": 10**14}])
    assert result["imported"]["enterprises"] == 0
    assert [error["kind"] for error in result["errors"]] == ["enterprises"]


def test_rows_of_an_enterprise_the_platform_does_not_know_are_refused(import_batch):
    uscc = new_uscc()
    result = import_batch(records=[record_row(uscc)], whitelist=[whitelist_row(uscc)], risk_flags=[flag_row(uscc)])
    assert result["imported"] == {"enterprises": 0, "records": 0, "whitelist": 0, "risk_flags": 0}
    assert [(e["kind"], e["index"]) for e in result["errors"]] == [("records", 0), ("whitelist", 0),
                                                                    ("risk_flags", 0)]
    assert all("请先导入其企业信息" in e["message"] for e in result["errors"])


def test_bad_values_are_explained_in_chinese(import_batch):
    uscc = new_uscc()
    result = import_batch(
        enterprises=[enterprise_row(uscc), enterprise_row(registered_capital=1.23456, tax_credit_rating="E"),
                     "不是对象", enterprise_row(unexpected="x")],
        risk_flags=[flag_row(uscc, indicator="bankrupt"), flag_row(uscc, level="severe"), flag_row(uscc, active="yes")],
    )
    errors = {(e["kind"], e["index"]): e for e in result["errors"]}
    assert errors[("enterprises", 1)]["errors"] == {"registered_capital": ["最多 4 位小数"],
                                                    "tax_credit_rating": ["必须是以下之一：A, B, M, C, D"]}
    assert errors[("enterprises", 2)]["message"] == "该行应为 JSON 对象"
    assert errors[("enterprises", 3)]["errors"] == {"unexpected": ["不支持的字段"]}
    assert set(errors[("risk_flags", 0)]["errors"]) == {"indicator"}
    assert set(errors[("risk_flags", 1)]["errors"]) == {"level"}
    assert set(errors[("risk_flags", 2)]["errors"]) == {"active"}
    assert result["imported"]["enterprises"] == 1


def test_only_admins_and_government_users_import(client, auth_service, bank):
    body = {"enterprises": [enterprise_row()]}
    assert client.post(IMPORTS, json=body).status_code == 401
    assert client.post(IMPORTS, json=body, headers=bank).status_code == 403
    enterprise = {"Authorization": f"Bearer {auth_service.token('enterprise', enterprise_uscc=new_uscc())}"}
    assert client.post(IMPORTS, json=body, headers=enterprise).status_code == 403


def test_a_body_that_is_not_a_batch_is_refused(client, admin):
    resp = client.post(IMPORTS, data="enterprises", headers={**admin, "Content-Type": "application/json"})
    assert (resp.status_code, resp.json["code"]) == (400, "bad_request")
    resp = client.post(IMPORTS, json={"enterprises": {"uscc": "x"}, "companies": []}, headers=admin)
    assert resp.status_code == 422
    assert set(resp.json["errors"]) == {"enterprises", "companies"}


def test_a_government_user_imports_for_its_own_region_only(seeded, import_batch, weidu_government):
    here, there = new_uscc("411002"), new_uscc("411082")
    import_batch(enterprises=[enterprise_row(there, region_code="411082")])
    result = import_batch(
        headers=weidu_government,
        enterprises=[enterprise_row(here), enterprise_row(new_uscc(), region_code="411082"),
                     enterprise_row(there, region_code="411002")],
        records=[record_row(here), record_row(there)],
    )
    assert result["imported"] == {"enterprises": 1, "records": 1, "whitelist": 0, "risk_flags": 0}
    assert [(e["kind"], e["index"], e["message"]) for e in result["errors"]] == [
        ("enterprises", 1, "行政区代码（region_code）：须为本辖区或其下级行政区"),
        ("enterprises", 2, "统一社会信用代码（uscc）：该企业不在本辖区"),
        ("records", 1, "统一社会信用代码（uscc）：该企业不在本辖区"),
    ]


# --- CSV --------------------------------------------------------------------------------------------

def csv_bytes(header: list[str], rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def test_csv_files_are_imported_with_the_same_rules(app, client, admin):
    good, bad = new_uscc(), new_uscc()
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    files = {
        # Excel's way: a BOM, Chinese headers, dates as 2009/4/16, a trailing blank line.
        "enterprises": (io.BytesIO(csv_bytes(
            ["统一社会信用代码", "企业名称", "法定代表人", "注册资本（万元）", "成立日期", "登记状态", "行业",
             "行政区代码", "纳税信用等级"],
            [[good, "许昌恒美发制品有限公司", "刘建国", "3000.5", "2009/4/16", "存续", "制造业", "411002", "a"],
             [bad, "许昌坏代码有限公司", "", "", "", "", "", "411002", ""], ["", "", "", "", "", "", "", "", ""]])),
            "enterprises.csv"),
        "risk_flags": (io.BytesIO(csv_bytes(
            ["uscc", "indicator", "level", "source", "detected_on", "active"],
            [[good, "administrative_penalty", "", "许昌市市场监督管理局", "2026-03-09", "是"],
             [good, "litigation", "", "中国裁判文书网", "2026-04-01", "否"]])), "flags.csv"),
    }
    resp = client.post(IMPORTS, data=files, headers=admin, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.json
    assert resp.json["imported"] == {"enterprises": 1, "records": 0, "whitelist": 0, "risk_flags": 2}
    assert [(e["kind"], e["index"], e["line"]) for e in resp.json["errors"]] == [("enterprises", 1, 3)]
    body = client.get(f"/api/v1/credit/enterprises/{good}", headers=admin).json
    assert body["enterprise"]["established_on"] == "2009-04-16"
    assert body["enterprise"]["registered_capital"] == 3000.5
    assert body["tax_credit_rating"] == "A"
    assert body["risk"]["level"] == "medium"
    assert [f["active"] for f in body["risk"]["flags"]] == [True, False]


def test_a_csv_saved_by_excel_in_gbk_is_read_too(client, admin):
    uscc = new_uscc()
    raw = csv_bytes(["uscc", "name", "region_code"], [[uscc, "鄢陵县花都园林绿化工程有限公司", "411024"]], "gb18030")
    resp = client.post(IMPORTS, data={"enterprises": (io.BytesIO(raw), "e.csv")}, headers=admin,
                       content_type="multipart/form-data")
    assert resp.json["imported"]["enterprises"] == 1
    assert client.get(f"/api/v1/credit/enterprises/{uscc}", headers=admin).json["enterprise"]["name"] \
        == "鄢陵县花都园林绿化工程有限公司"


def test_a_csv_with_columns_the_kind_does_not_have_is_refused_whole(client, admin):
    raw = csv_bytes(["uscc", "name", "phone"], [[new_uscc(), "许昌某公司", "13800000000"]])
    resp = client.post(IMPORTS, data={"enterprises": (io.BytesIO(raw), "e.csv")}, headers=admin,
                       content_type="multipart/form-data")
    assert resp.json["imported"]["enterprises"] == 0
    assert resp.json["errors"] == [{"kind": "enterprises", "index": None,
                                    "message": "无法识别的列：phone（可用的列见导入说明）"}]


def test_an_upload_must_say_what_each_file_holds(client, admin):
    raw = csv_bytes(["uscc", "name"], [[new_uscc(), "许昌某公司"]])
    resp = client.post(IMPORTS, data={"file": (io.BytesIO(raw), "data.csv")}, headers=admin,
                       content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in resp.json["errors"]
    # The file name may say it instead of the field.
    resp = client.post(IMPORTS, data={"file": (io.BytesIO(raw), "enterprises-2026.csv")}, headers=admin,
                       content_type="multipart/form-data")
    assert resp.json["imported"]["enterprises"] == 1


def test_the_import_command_reads_a_directory_of_csv_files(app, runner, tmp_path):
    uscc = new_uscc()
    (tmp_path / "risk_flags.csv").write_bytes(csv_bytes(
        ["uscc", "indicator", "source", "detected_on"], [[uscc, "tax_arrears", "税务局", "2026-09-30"]]))
    (tmp_path / "enterprises.csv").write_bytes(csv_bytes(
        ["uscc", "name", "region_code"], [[uscc, "长葛市蜜源蜂业有限公司", "411082"], ["91BAD", "坏数据", "411082"]]))
    (tmp_path / "notes.txt").write_text("ignored")
    result = runner.invoke(args=["import-credit", str(tmp_path)])
    assert result.exit_code == 1  # a bad row
    assert "enterprises.csv line 3" in result.output
    assert "2 rows imported, 1 errors" in result.output
    with app.app_context():
        assert db.session.get(Enterprise, uscc).risk_level == "low"


def test_the_sample_data_of_xuchang_loads_cleanly_and_again(app, runner):
    result = runner.invoke(args=["load-sample-data"])
    assert result.exit_code == 0, result.output
    published = len(events(app))
    assert runner.invoke(args=["load-sample-data"]).exit_code == 0
    assert len(events(app)) == published
    with app.app_context():
        enterprises = db.session.scalars(db.select(Enterprise)).all()
        assert len(enterprises) >= 20 and all(is_valid_uscc(e.uscc) for e in enterprises)
        assert {e.region_code for e in enterprises} == {"411002", "411003", "411024", "411025", "411081", "411082"}
        assert {e.risk_level for e in enterprises} == {"none", "low", "medium", "high"}
        assert any(e.whitelisted for e in enterprises) and any(not e.whitelisted for e in enterprises)
    assert {p.name for p in SAMPLE_DATA.iterdir()} >= {"enterprises.csv", "records.csv", "whitelist.csv",
                                                        "risk_flags.csv"}
