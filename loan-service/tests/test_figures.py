"""`/loans/stats` and its export, added up from the pre-aggregated loan figures: every figure of the
contract on loans whose numbers are known, each caller's scope, groupings, and the figures table kept
equal to a recount from the loans whatever happens to them (random opens, repayments, aging,
write-offs)."""

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest

from loan_service import figures
from loan_service.business_date import beijing_today
from loan_service.models import LIVE_STATUSES, Loan, db
from xyd_testing.helpers import deliver

from .support import OTHER_BANK_ID, WEIDU_CO, YANLING_CO, disbursed_data

TODAY = beijing_today()
STATS = "/api/v1/loans/stats"


def opened(app, **data) -> Loan:
    body = disbursed_data(**data)
    assert deliver(app, "order.disbursed", body) == "ack"
    with app.app_context():
        loan = db.session.scalar(db.select(Loan).where(Loan.order_id == body["order_id"]))
        db.session.expunge(loan)
        return loan


def submitted(days_before: int) -> str:
    """An application time (UTC) on the China day `days_before` today."""
    return f"{TODAY - timedelta(days=days_before)}T02:00:00Z"


@pytest.fixture
def portfolio(seeded, client, tokens):
    """Four loans whose figures are known:
    A 魏都 bank 120 @ 6 %, first loan, applied 10 days before its disbursement, 20 repaid: repaying, 100 owed;
    B 魏都 bank 60 @ 4.35 %, a renewal disbursed 40 days ago: overdue, 60 owed;
    C 鄢陵 other bank 100 @ 5 %, first loan applied 5 days before, 130 days ago: non-performing, 100 owed;
    D 鄢陵 other bank 40 @ 8 %, 130 days ago: non-performing, then written off (40)."""
    a = opened(seeded, amount=120, rate=6, disbursed_on=(TODAY - timedelta(days=5)).isoformat(),
               submitted_at=submitted(15))
    b = opened(seeded, amount=60, rate=4.35, disbursed_on=(TODAY - timedelta(days=40)).isoformat(), renewal=True)
    c = opened(seeded, company=YANLING_CO, institution_id=OTHER_BANK_ID, amount=100, rate=5,
               disbursed_on=(TODAY - timedelta(days=130)).isoformat(), submitted_at=submitted(135))
    d = opened(seeded, company=YANLING_CO, institution_id=OTHER_BANK_ID, amount=40, rate=8,
               disbursed_on=(TODAY - timedelta(days=130)).isoformat())
    resp = client.post(f"/api/v1/loans/{a.id}/repayments", headers=tokens["bank"], json={
        "paid_on": TODAY.isoformat(), "principal": 20, "interest": 0, "reference": "FIG-A-1"})
    assert resp.status_code == 201, resp.json
    resp = client.post(f"/api/v1/loans/{d.id}/write-off", headers=tokens["other_bank"], json={"reason": "企业注销"})
    assert resp.status_code == 200, resp.json
    assert (a.first_loan, b.first_loan, c.first_loan, d.first_loan) == (True, False, True, False)
    with seeded.app_context():
        statuses = [db.session.get(Loan, loan.id).status for loan in (a, b, c, d)]
    assert statuses == ["repaying", "overdue", "non_performing", "written_off"]
    return {"a": a, "b": b, "c": c, "d": d}


FIGURES = ("loans", "principal", "outstanding", "first_loans", "first_loan_principal", "renewals", "avg_rate",
           "avg_days_apply_to_disburse", "overdue_outstanding", "npl_outstanding", "npl_ratio", "written_off")


def only_figures(answer: dict) -> dict:
    return {name: answer[name] for name in FIGURES}


def test_every_figure_of_the_city(client, tokens, portfolio):
    answer = client.get(STATS, headers=tokens["xuchang"]).json
    assert only_figures(answer) == {
        "loans": 4, "principal": 320, "outstanding": 260, "first_loans": 2, "first_loan_principal": 220,
        "renewals": 1,
        # (120 × 6 + 60 × 4.35 + 100 × 5 + 40 × 8) / 320 = 5.628125
        "avg_rate": 5.6281,
        "avg_days_apply_to_disburse": 7.5,  # A 10 days, C 5 days; B and D have no application time
        "overdue_outstanding": 160, "npl_outstanding": 100,
        "npl_ratio": 0.3846,  # 100 / 260
        "written_off": 40,
    }
    assert answer["region_code"] == "411000" and answer["institution_id"] is None
    assert answer["business_date"] == TODAY.isoformat() and "groups" not in answer
    assert client.get(STATS, headers=tokens["admin"]).json["loans"] == 4


def test_a_scope_without_loans_has_null_ratios(client, tokens, portfolio):
    answer = client.get(STATS, headers=tokens["yuzhou"]).json  # 禹州市: none of the four
    assert only_figures(answer) == {**dict.fromkeys(FIGURES, 0), "avg_rate": None, "npl_ratio": None,
                                    "avg_days_apply_to_disburse": None}


def test_the_institution_sees_its_own_loans_only(client, tokens, portfolio):
    bank = client.get(STATS, headers=tokens["bank"]).json
    assert (bank["institution_id"], bank["loans"], bank["outstanding"], bank["npl_ratio"]) == (7, 2, 160, 0)
    other = client.get(STATS, headers=tokens["other_bank"]).json
    assert (other["loans"], other["npl_outstanding"], other["npl_ratio"], other["written_off"]) == (2, 100, 1, 40)
    resp = client.get(STATS, headers=tokens["bank"], query_string={"institution_id": OTHER_BANK_ID})
    assert resp.status_code == 403 and resp.json["code"] == "forbidden"
    assert client.get(STATS, headers=tokens["bank"], query_string={"institution_id": 7}).json["loans"] == 2


def test_government_sees_its_region_and_below_only(client, tokens, portfolio):
    weidu = client.get(STATS, headers=tokens["xuchang"], query_string={"region_code": WEIDU_CO[3]}).json
    assert (weidu["loans"], weidu["principal"], weidu["overdue_outstanding"]) == (2, 180, 60)
    resp = client.get(STATS, headers=tokens["yuzhou"], query_string={"region_code": WEIDU_CO[3]})
    assert resp.status_code == 403 and resp.json["code"] == "forbidden"
    admin = client.get(STATS, headers=tokens["admin"], query_string={"institution_id": OTHER_BANK_ID}).json
    assert (admin["loans"], admin["principal"]) == (2, 140)


@pytest.mark.parametrize("who", ["weidu", "weidu_unverified"])
def test_enterprises_get_no_statistics(client, tokens, portfolio, who):
    for path in (STATS, f"{STATS}/export"):
        resp = client.get(path, headers=tokens[who])
        assert resp.status_code == 403 and resp.json["code"] == "forbidden"


def test_the_date_range_filters_on_the_disbursement_day(client, tokens, portfolio):
    recent = client.get(STATS, headers=tokens["xuchang"], query_string={
        "from": (TODAY - timedelta(days=50)).isoformat(), "to": TODAY.isoformat()}).json
    assert (recent["loans"], recent["principal"], recent["renewals"]) == (2, 180, 1)
    old = client.get(STATS, headers=tokens["xuchang"], query_string={
        "to": (TODAY - timedelta(days=100)).isoformat()}).json
    assert (old["loans"], old["npl_ratio"], old["written_off"]) == (2, 1, 40)
    resp = client.get(STATS, headers=tokens["xuchang"], query_string={"from": "2026-02-01", "to": "2026-01-01"})
    assert resp.status_code == 422 and "from" in resp.json["errors"]
    resp = client.get(STATS, headers=tokens["xuchang"], query_string={"group_by": "year"})
    assert resp.status_code == 422 and "group_by" in resp.json["errors"]


def test_groups_per_district_and_per_period(client, tokens, portfolio):
    by_region = client.get(STATS, headers=tokens["xuchang"], query_string={"group_by": "region"}).json
    assert by_region["group_by"] == "region"
    assert [(g["key"], g["name"], g["loans"], g["outstanding"], g["npl_ratio"]) for g in by_region["groups"]] == [
        ("411002", "魏都区", 2, 160, 0), ("411024", "鄢陵县", 2, 100, 1)]
    for grouping in ("day", "week", "month"):
        answer = client.get(STATS, headers=tokens["xuchang"], query_string={"group_by": grouping}).json
        keys = [g["key"] for g in answer["groups"]]
        assert keys == sorted(keys) and sum(g["loans"] for g in answer["groups"]) == 4, grouping
        assert sum(Decimal(str(g["outstanding"])) for g in answer["groups"]) == 260, grouping
    days = client.get(STATS, headers=tokens["xuchang"], query_string={"group_by": "day"}).json["groups"]
    assert [g["key"] for g in days] == [(TODAY - timedelta(days=n)).isoformat() for n in (130, 40, 5)]
    first = TODAY - timedelta(days=5)
    assert days[-1]["name"] == f"{first.year}年{first.month}月{first.day}日" and days[-1]["avg_rate"] == 6


def test_the_statistics_export_as_xlsx_and_csv(client, tokens, portfolio):
    resp = client.get(f"{STATS}/export", headers=tokens["xuchang"], query_string={"group_by": "region"})
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["分组", "汇总"]
    grouped = [[cell.value for cell in row] for row in book["分组"].iter_rows()]
    assert grouped[0][:4] == ["行政区", "贷款笔数", "放款金额（万元）", "贷款余额（万元）"]
    assert grouped[1][:4] == ["魏都区", 2, 180, 160] and grouped[2][0] == "鄢陵县"
    summary = [[cell.value for cell in row] for row in book["汇总"].iter_rows()]
    assert summary[1][:2] == ["411000", "全部"] and summary[1][5] == 4
    assert summary[1][summary[0].index("不良率")] == pytest.approx(0.3846)

    text = client.get(f"{STATS}/export?format=csv", headers=tokens["bank"]).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["统计范围", "金融机构", "放款日起"] and rows[1][5] == "2"
    empty = client.get(f"{STATS}/export?format=csv", headers=tokens["yuzhou"]).get_data(as_text=True)
    (row,) = list(csv.reader(io.StringIO(empty.lstrip("\ufeff"))))[1:]
    assert row[rows[0].index("不良率")] == ""  # no balance: no ratio
    resp = client.get(f"{STATS}/export", headers=tokens["bank"], query_string={"institution_id": OTHER_BANK_ID})
    assert resp.status_code == 403


# --- the table equals a recount ----------------------------------------------------------------------

def random_steps(app, client, tokens, rng: random.Random, steps: int, on: date = TODAY) -> date:
    """Opens over half a year, repayments (part, whole, past dates), aging by moving the business date
    (from `on`), write-offs, at random; returns the business date reached."""
    banks = {7: "bank", OTHER_BANK_ID: "other_bank"}
    for _ in range(steps):
        action = rng.choice(["open", "open", "repay", "repay", "repay", "age", "write_off"])
        with app.app_context():
            live = list(db.session.execute(db.select(Loan.id, Loan.institution_id, Loan.disbursed_on,
                                                     Loan.outstanding_principal).where(Loan.status.in_(LIVE_STATUSES))))
            npl = list(db.session.execute(db.select(Loan.id, Loan.institution_id)
                                          .where(Loan.status == "non_performing")))
        if action == "open" or not live:
            company = rng.choice([WEIDU_CO, YANLING_CO])
            opened(app, company=company, institution_id=rng.choice(list(banks)), amount=rng.randint(1, 500),
                   rate=rng.choice([3.45, 4.35, 5.2, 6]), term=rng.choice([3, 6, 12]),
                   repayment_method=rng.choice(["equal_installment", "equal_principal", "interest_first", "bullet"]),
                   renewal=rng.random() < 0.2, submitted_at=submitted(rng.randint(0, 220)) if rng.random() < 0.8
                   else None, disbursed_on=(on - timedelta(days=rng.randint(0, 200))).isoformat())
        elif action == "repay":
            loan_id, institution, disbursed_on, outstanding = rng.choice(live)
            whole = rng.random() < 0.2
            principal = outstanding if whole else (outstanding * Decimal(rng.randint(1, 60)) / 100).quantize(
                Decimal("0.0001"))
            paid_on = disbursed_on + timedelta(days=rng.randint(0, max(0, (on - disbursed_on).days)))
            resp = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=tokens[banks[institution]], json={
                "paid_on": paid_on.isoformat(), "principal": float(principal), "interest": 0,
                "reference": f"RND-{rng.getrandbits(64):x}"})
            assert resp.status_code == 201, resp.json
        elif action == "age":
            on += timedelta(days=rng.randint(1, 45))
            resp = client.put("/api/v1/admin/loans/business-date", json={"date": on.isoformat()},
                              headers=tokens["admin"])
            assert resp.status_code == 200, resp.json
        elif npl:
            loan_id, institution = rng.choice(npl)
            resp = client.post(f"/api/v1/loans/{loan_id}/write-off", headers=tokens[banks[institution]],
                               json={"reason": "随机核销"})
            assert resp.status_code == 200, resp.json
    return on


def expected_figures(app, date_from=None, date_to=None) -> dict:
    """The statistics' figures as the loans themselves say them."""
    with app.app_context():
        loans = [loan for loan in db.session.scalars(db.select(Loan))
                 if (date_from is None or loan.disbursed_on >= date_from)
                 and (date_to is None or loan.disbursed_on <= date_to)]
    live = [loan for loan in loans if loan.status in LIVE_STATUSES]
    principal = sum((loan.principal for loan in loans), Decimal(0))
    outstanding = sum((loan.outstanding_principal for loan in live), Decimal(0))
    npl = sum((loan.outstanding_principal for loan in live if loan.status == "non_performing"), Decimal(0))
    return {
        "loans": len(loans), "principal": principal, "outstanding": outstanding,
        "overdue_outstanding": sum((loan.outstanding_principal for loan in live if loan.status != "repaying"),
                                   Decimal(0)),
        "npl_outstanding": npl, "first_loans": sum(loan.first_loan for loan in loans),
        "renewals": sum(loan.renewal for loan in loans),
        "written_off": sum((loan.written_off_amount or 0 for loan in loans if loan.status == "written_off"),
                           Decimal(0)),
        "avg_rate": (round(sum(loan.rate * loan.principal for loan in loans) / principal, 4) if principal else None),
        "npl_ratio": round(npl / outstanding, 4) if outstanding else None,
    }


def answered(answer: dict) -> dict:
    return {name: (None if answer[name] is None else Decimal(str(answer[name])))
            for name in ("loans", "principal", "outstanding", "overdue_outstanding", "npl_outstanding", "first_loans",
                         "renewals", "written_off", "avg_rate", "npl_ratio")}


def test_the_figures_equal_a_recount_after_random_steps(seeded, client, tokens):
    rng = random.Random(20261205)
    on = TODAY
    for _ in range(6):
        on = random_steps(seeded, client, tokens, rng, 25, on)
        with seeded.app_context():
            assert figures.stored(db.session) == figures.recount(db.session)
    with seeded.app_context():
        statuses = set(db.session.scalars(db.select(Loan.status)))
    assert {"repaying", "settled", "non_performing", "written_off"} <= statuses  # the steps reached them


def test_statistics_for_any_date_range_equal_the_loans(seeded, client, tokens):
    rng = random.Random(99)
    random_steps(seeded, client, tokens, rng, 80)
    ranges = [(None, None), (TODAY - timedelta(days=120), TODAY - timedelta(days=30)),
              (None, TODAY - timedelta(days=60))]
    for _ in range(8):
        first = TODAY - timedelta(days=rng.randint(0, 220))
        ranges.append((first, first + timedelta(days=rng.randint(0, 90))))
    for date_from, date_to in ranges:
        query = {k: v.isoformat() for k, v in (("from", date_from), ("to", date_to)) if v}
        answer = client.get(STATS, headers=tokens["admin"], query_string=query).json
        assert answered(answer) == expected_figures(seeded, date_from, date_to), query
        for grouping in ("day", "week", "month", "region"):
            groups = client.get(STATS, headers=tokens["xuchang"], query_string={**query, "group_by": grouping}
                                ).json["groups"]
            assert sum(g["loans"] for g in groups) == answer["loans"], (query, grouping)
            assert sum(Decimal(str(g["outstanding"])) for g in groups) == Decimal(str(answer["outstanding"]))
    for group in client.get(STATS, headers=tokens["admin"], query_string={"group_by": "month"}).json["groups"]:
        first = date.fromisoformat(group["key"] + "-01")
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        assert answered(group) == expected_figures(seeded, first, last), group["key"]


def test_a_rebuild_restores_figures_lost_or_damaged(seeded, client, tokens, runner):
    random_steps(seeded, client, tokens, random.Random(5), 30)
    with seeded.app_context():
        expected = figures.stored(db.session)
        assert expected
        db.session.execute(db.update(figures.LoanFigures).values(loans=99))
        db.session.commit()
    result = runner.invoke(args=["rebuild-figures"])
    assert result.exit_code == 0, result.output
    with seeded.app_context():
        assert figures.stored(db.session) == expected


def test_a_rolled_back_change_leaves_the_figures_alone(seeded, client, tokens):
    loan = opened(seeded, amount=50, disbursed_on=TODAY.isoformat())
    with seeded.app_context():
        before = figures.stored(db.session)
        for end in (db.session.rollback, db.session.close):
            db.session.get(Loan, loan.id).outstanding_principal = Decimal(1)
            db.session.flush()
            end()
            db.session.commit()
            assert figures.stored(db.session) == before == figures.recount(db.session)
