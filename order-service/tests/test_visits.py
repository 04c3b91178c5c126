"""走访 records: government users record visits in their region and list and export them."""

import csv
import io

from .support import WEIDU_CO, YUZHOU_CO, uscc

VISITS = "/api/v1/visits"


def visit(uscc, **overrides):
    return {"uscc": uscc, "enterprise_name": "某企业", "visited_on": "2026-11-30", "visitors": "王强、李娜",
            "findings": "原材料采购资金缺口约 200 万元", **overrides}


def test_a_government_user_records_a_visit_in_the_enterprises_region(client, seeded, tokens):
    resp = client.post(VISITS, json=visit(WEIDU_CO[1], enterprise_name="=HYPERLINK(\"x\")"), headers=tokens["xuchang"])
    assert resp.status_code == 201, resp.json
    # The verified enterprise's registered region, not the visitor's.
    assert (resp.json["region_code"], resp.json["recorded_by"]) == ("411002", 41)
    assert [v["id"] for v in client.get(VISITS, headers=tokens["xuchang"]).json["items"]] == [resp.json["id"]]
    assert [v["id"] for v in client.get(VISITS, headers=tokens["admin"]).json["items"]] == [resp.json["id"]]
    # 禹州市 sees nothing of 魏都区's visits.
    assert client.get(VISITS, headers=tokens["yuzhou"]).json["items"] == []

    exported = client.get(f"{VISITS}/export?format=csv", headers=tokens["xuchang"])
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["走访日期", "企业名称", "统一社会信用代码"]
    assert rows[1][1].startswith("'=")  # user text stays text
    assert client.get(f"{VISITS}/export", headers=tokens["xuchang"]).status_code == 200


def test_a_visit_outside_the_users_region_is_not_found(client, seeded, tokens):
    resp = client.post(VISITS, json=visit(WEIDU_CO[1]), headers=tokens["yuzhou"])
    assert (resp.status_code, resp.json["code"]) == (404, "not_found")
    # An enterprise not on the platform: the visitor's own region, or one below it that it names.
    unknown = uscc(99)
    assert client.post(VISITS, json=visit(unknown), headers=tokens["yuzhou"]).json["region_code"] == "411081"
    resp = client.post(VISITS, json=visit(unknown, region_code="411002"), headers=tokens["yuzhou"])
    assert resp.status_code == 404
    assert client.post(VISITS, json=visit(YUZHOU_CO[1]), headers=tokens["yuzhou"]).status_code == 201


def test_only_government_and_admin_record_and_read_visits(client, seeded, tokens):
    for role in ("bank", "weidu"):
        assert client.post(VISITS, json=visit(WEIDU_CO[1]), headers=tokens[role]).status_code == 403
        assert client.get(VISITS, headers=tokens[role]).status_code == 403


def test_a_visit_needs_its_fields_and_no_future_date(client, seeded, tokens):
    for body in (visit("123"), visit(WEIDU_CO[1], visited_on="2999-01-01"), visit(WEIDU_CO[1], findings=" "),
                 {"uscc": WEIDU_CO[1]}):
        resp = client.post(VISITS, json=body, headers=tokens["xuchang"])
        assert (resp.status_code, resp.json["code"]) == (422, "validation_error"), body
    assert client.get(VISITS, headers=tokens["xuchang"]).json["items"] == []
