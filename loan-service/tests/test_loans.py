"""Loans opened from order.disbursed, who sees them, repayments one by one and imported, write-off,
the business date and the aging it runs."""

import io
from datetime import date, timedelta

import pytest

from loan_service.business_date import beijing_today
from loan_service.models import Loan, db
from xyd_testing.helpers import deliver

from .support import BANK_ID, OTHER_BANK_ID, WEIDU_CO, YANLING_CO, disbursed_data, outbox

TODAY = beijing_today()


def open_loan(app, client, tokens, **data) -> dict:
    """Deliver order.disbursed and answer the loan as the bank sees it."""
    body = disbursed_data(disbursed_on=data.pop("disbursed_on", TODAY.isoformat()), **data)
    assert deliver(app, "order.disbursed", body) == "ack"
    with app.app_context():
        loan_id = db.session.scalar(db.select(Loan.id).where(Loan.order_id == body["order_id"]))
    bank = "other_bank" if body["institution_id"] == OTHER_BANK_ID else "bank"
    resp = client.get(f"/api/v1/loans/{loan_id}", headers=tokens[bank])
    assert resp.status_code == 200, resp.json
    return resp.json


def move_date(client, tokens, to: date):
    resp = client.put("/api/v1/admin/loans/business-date", json={"date": to.isoformat()}, headers=tokens["admin"])
    assert resp.status_code == 200, resp.json
    return resp.json


def repay(client, tokens, loan, principal, interest, reference, paid_on=None, as_="bank"):
    return client.post(f"/api/v1/loans/{loan['id']}/repayments", headers=tokens[as_], json={
        "paid_on": (paid_on or TODAY).isoformat(), "principal": principal, "interest": interest,
        "reference": reference})


# --- opening -----------------------------------------------------------------------------------------

def test_a_disbursed_order_opens_a_loan_with_its_schedule(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens, amount=120, rate=6, term=12)
    assert loan["principal"] == 120 and loan["rate"] == 6 and loan["term_months"] == 12
    assert loan["status"] == "repaying" and loan["outstanding_principal"] == 120
    assert loan["institution_type"] == "bank" and loan["first_loan"] is True
    # Without the v4 fields of order.disbursed: 等额本息, not whitelisted, not a renewal.
    assert (loan["repayment_method"], loan["whitelisted"], loan["renewal"]) == ("equal_installment", False, False)
    assert len(loan["schedule"]) == 12 and sum(i["principal"] * 10_000 for i in loan["schedule"]) == 1_200_000
    assert {i["status"] for i in loan["schedule"]} == {"due"}
    assert loan["next_due_on"] == loan["schedule"][0]["due_on"]
    (opened,) = outbox(seeded, "loan.opened")
    assert opened["data"]["loan_id"] == loan["id"] and opened["data"]["region_code"] == WEIDU_CO[3]


def test_the_same_disbursement_twice_opens_one_loan(seeded, client, tokens):
    body = disbursed_data(disbursed_on=TODAY.isoformat())
    assert deliver(seeded, "order.disbursed", body) == "ack"
    assert deliver(seeded, "order.disbursed", body) == "ack"  # another event id: a republished order
    with seeded.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Loan)) == 1
    assert len(outbox(seeded, "loan.opened")) == 1


def test_the_loan_takes_the_named_method_or_else_its_products_first(seeded, client, tokens):
    assert deliver(seeded, "product.published", {"id": 1, "repayment_methods": ["bullet", "equal_principal"]},
                   source="product-service") == "ack"
    assert open_loan(seeded, client, tokens)["repayment_method"] == "bullet"
    named = open_loan(seeded, client, tokens, repayment_method="equal_principal", whitelisted=True)
    assert named["repayment_method"] == "equal_principal" and named["whitelisted"] is True


def test_only_the_enterprises_earliest_loan_is_its_first_and_a_renewal_never_is(seeded, client, tokens):
    first = open_loan(seeded, client, tokens, disbursed_on=TODAY.isoformat())
    second = open_loan(seeded, client, tokens, disbursed_on=TODAY.isoformat())
    other = open_loan(seeded, client, tokens, company=YANLING_CO, renewal=True)
    assert (first["first_loan"], second["first_loan"], other["first_loan"]) == (True, False, False)


# --- who sees what -------------------------------------------------------------------------------------

def test_each_role_sees_the_loans_of_its_scope_and_others_get_404(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens)  # 魏都区, the bank's
    for who in ("bank", "weidu", "xuchang", "admin"):
        assert client.get(f"/api/v1/loans/{loan['id']}", headers=tokens[who]).status_code == 200, who
        assert client.get("/api/v1/loans", headers=tokens[who]).json["total"] == 1, who
    for who in ("other_bank", "yanling", "yuzhou"):
        assert client.get(f"/api/v1/loans/{loan['id']}", headers=tokens[who]).status_code == 404, who
        assert client.get("/api/v1/loans", headers=tokens[who]).json["total"] == 0, who


def test_an_unverified_enterprise_is_told_to_verify_first(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens)
    for path in ("/api/v1/loans", f"/api/v1/loans/{loan['id']}"):
        resp = client.get(path, headers=tokens["weidu_unverified"])
        assert resp.status_code == 403 and resp.json["code"] == "enterprise_unverified"


def test_lists_filter_by_status_bucket_and_text(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens)
    open_loan(seeded, client, tokens, company=YANLING_CO)
    bank = tokens["bank"]
    assert client.get("/api/v1/loans?q=鄢陵", headers=bank).json["total"] == 1
    assert client.get(f"/api/v1/loans?q={loan['order_no']}", headers=bank).json["items"][0]["id"] == loan["id"]
    assert client.get("/api/v1/loans?status=overdue", headers=bank).json["total"] == 0
    assert client.get("/api/v1/loans?overdue_bucket=none", headers=bank).json["total"] == 2
    assert client.get("/api/v1/loans?status=nonsense", headers=bank).status_code == 422


# --- repayments ----------------------------------------------------------------------------------------

def test_a_repayment_is_allocated_and_the_same_reference_is_not_counted_twice(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens, amount=12, term=12, repayment_method="equal_principal")
    resp = repay(client, tokens, loan, 1.5, 0.01, "LS-001")
    assert resp.status_code == 201, resp.json
    first, second = resp.json["schedule"][:2]
    assert (first["paid_principal"], second["paid_principal"]) == (1, 0.5)
    assert first["paid_interest"] == 0.01 and first["status"] == "partly_paid"
    assert resp.json["outstanding_principal"] == 10.5
    again = repay(client, tokens, loan, 1.5, 0.01, "LS-001")
    assert again.status_code == 200 and again.json["outstanding_principal"] == 10.5
    other = repay(client, tokens, loan, 1, 0, "LS-001")
    assert other.status_code == 409 and other.json["code"] == "duplicate_reference"
    assert len(outbox(seeded, "loan.repayment_recorded")) == 1


def test_paying_more_than_is_owed_is_refused_and_nothing_is_written(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens, amount=12, term=12)
    resp = repay(client, tokens, loan, 12.0001, 0, "LS-OVER")
    assert resp.status_code == 422 and resp.json["code"] == "overpayment" and "principal" in resp.json["errors"]
    owed = sum(i["interest"] * 10_000 for i in loan["schedule"]) / 10_000
    resp = repay(client, tokens, loan, 0, round(owed + 0.0001, 4), "LS-OVER")
    assert resp.status_code == 422 and "interest" in resp.json["errors"]
    assert client.get(f"/api/v1/loans/{loan['id']}", headers=tokens["bank"]).json["outstanding_principal"] == 12


@pytest.mark.parametrize("paid_on", [TODAY + timedelta(days=1), TODAY - timedelta(days=1)])
def test_paid_on_lies_between_the_disbursement_and_the_business_date(seeded, client, tokens, paid_on):
    loan = open_loan(seeded, client, tokens)
    resp = repay(client, tokens, loan, 1, 0, "LS-DATE", paid_on=paid_on)
    assert resp.status_code == 422 and "paid_on" in resp.json["errors"]


def test_only_the_loans_institution_records_repayments(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens)
    assert repay(client, tokens, loan, 1, 0, "X", as_="other_bank").status_code == 404
    assert repay(client, tokens, loan, 1, 0, "X", as_="weidu").status_code == 403


def test_repaying_all_principal_settles_the_loan_and_then_no_more_is_taken(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens, amount=12, term=12)
    resp = repay(client, tokens, loan, 12, 0, "LS-ALL")
    assert resp.status_code == 201 and resp.json["status"] == "settled"
    assert resp.json["settled_on"] == TODAY.isoformat() and resp.json["next_due_on"] is None
    assert [e["data"]["status"] for e in outbox(seeded, "loan.settled")] == ["settled"]
    resp = repay(client, tokens, loan, 0, 0.01, "LS-AFTER")
    assert resp.status_code == 409 and resp.json["code"] == "invalid_transition"


def test_an_import_records_good_rows_and_reports_each_bad_one(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens, amount=12, term=12)
    other = open_loan(seeded, client, tokens, institution_id=OTHER_BANK_ID)
    day = TODAY.isoformat()
    csv = ("order_no,paid_on,principal,interest,reference\n"
           f"{loan['order_no']},{day},1,0,IMP-1\n"
           f"{loan['order_no']},{day},abc,0,IMP-2\n"
           f"{other['order_no']},{day},1,0,IMP-3\n"
           f"{loan['order_no']},{day},100,0,IMP-4\n"
           f"{loan['order_no']},{day},1,0,IMP-1\n"
           f"{loan['order_no']},{day},=1+1,0,IMP-5\n")
    resp = client.post("/api/v1/loans/repayments/import", headers=tokens["bank"],
                       data={"file": (io.BytesIO(csv.encode()), "repayments.csv")})
    assert resp.status_code == 200, resp.json
    assert resp.json["imported"] == 2  # IMP-1, and IMP-1 again (the same repayment)
    assert [(e["index"], e["line"]) for e in resp.json["errors"]] == [(1, 3), (2, 4), (3, 5), (5, 7)]
    assert "超过" in resp.json["errors"][2]["message"]
    assert client.get(f"/api/v1/loans/{loan['id']}", headers=tokens["bank"]).json["outstanding_principal"] == 11


def test_an_import_with_the_wrong_columns_is_refused_whole(seeded, client, tokens):
    resp = client.post("/api/v1/loans/repayments/import", headers=tokens["bank"],
                       data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")})
    assert resp.status_code == 422 and "file" in resp.json["errors"]


# --- the business date and aging -------------------------------------------------------------------------

def test_moving_the_business_date_ages_loans_at_once(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens, amount=12, term=12, repayment_method="equal_principal")
    first_due = date.fromisoformat(loan["schedule"][0]["due_on"])
    move_date(client, tokens, first_due - timedelta(days=3))
    (soon,) = outbox(seeded, "loan.instalment_due_soon")
    assert soon["data"]["instalment_no"] == 1 and soon["data"]["due_on"] == first_due.isoformat()
    assert move_date(client, tokens, first_due + timedelta(days=1))["business_date"] == (
        first_due + timedelta(days=1)).isoformat()
    aged = client.get(f"/api/v1/loans/{loan['id']}", headers=tokens["bank"]).json
    assert (aged["status"], aged["days_past_due"], aged["overdue_bucket"]) == ("overdue", 1, "1-30")
    assert aged["schedule"][0]["status"] == "overdue"
    move_date(client, tokens, first_due + timedelta(days=91))
    npl = client.get(f"/api/v1/loans/{loan['id']}", headers=tokens["bank"]).json
    assert (npl["status"], npl["overdue_bucket"]) == ("non_performing", "91+")
    assert [e["event_type"] for e in outbox(seeded) if e["event_type"] in ("loan.overdue", "loan.non_performing")] \
        == ["loan.overdue", "loan.non_performing"]
    # Caught up (three instalments past due by then), it recovers.
    due = [i for i in npl["schedule"] if i["status"] == "overdue"]
    resp = repay(client, tokens, npl, round(sum(i["principal"] for i in due), 4),
                 round(sum(i["interest"] for i in due), 4), "LS-CATCH-UP", paid_on=first_due + timedelta(days=91))
    assert resp.status_code == 201 and resp.json["status"] == "repaying"
    assert len(outbox(seeded, "loan.recovered")) == 1


def test_the_business_date_never_moves_backward(seeded, client, tokens):
    move_date(client, tokens, TODAY + timedelta(days=10))
    resp = client.put("/api/v1/admin/loans/business-date", json={"date": (TODAY + timedelta(days=9)).isoformat()},
                      headers=tokens["admin"])
    assert resp.status_code == 422 and "date" in resp.json["errors"]
    assert client.get("/api/v1/admin/loans/business-date", headers=tokens["admin"]).json["business_date"] == (
        TODAY + timedelta(days=10)).isoformat()
    assert client.put("/api/v1/admin/loans/business-date", json={"date": TODAY.isoformat()},
                      headers=tokens["bank"]).status_code == 403


def test_the_business_date_is_beijings_unless_enabled(auth_service):
    from loan_service import create_app

    from .conftest import app_config

    app = create_app(app_config(auth_service, LOAN_BUSINESS_DATE_ENABLED=False))
    with app.app_context():
        db.create_all()
    from xyd_testing.helpers import role_headers

    headers = role_headers(auth_service)["admin"]
    resp = app.test_client().put("/api/v1/admin/loans/business-date",
                                 json={"date": (TODAY + timedelta(days=1)).isoformat()}, headers=headers)
    assert resp.status_code == 403
    assert app.test_client().get("/api/v1/admin/loans/business-date", headers=headers).json == {
        "business_date": TODAY.isoformat(), "enabled": False}


def test_only_a_non_performing_loan_is_written_off(seeded, client, tokens):
    loan = open_loan(seeded, client, tokens, amount=12, term=12)
    resp = client.post(f"/api/v1/loans/{loan['id']}/write-off", json={"reason": "企业破产清算"}, headers=tokens["bank"])
    assert resp.status_code == 409 and resp.json["code"] == "invalid_transition"
    move_date(client, tokens, date.fromisoformat(loan["schedule"][0]["due_on"]) + timedelta(days=95))
    resp = client.post(f"/api/v1/loans/{loan['id']}/write-off", json={"reason": "企业破产清算"}, headers=tokens["bank"])
    assert resp.status_code == 200 and resp.json["status"] == "written_off"
    assert resp.json["written_off_amount"] == resp.json["outstanding_principal"] == 12
    assert outbox(seeded, "loan.written_off")[0]["data"]["reason"] == "企业破产清算"


def test_a_loan_opened_late_is_aged_at_once(seeded, client, tokens):
    old = (TODAY - timedelta(days=200)).isoformat()
    loan = open_loan(seeded, client, tokens, disbursed_on=old, term=12)
    assert loan["status"] == "non_performing"
    steps = [(e["event_type"], e["data"]["status"]) for e in outbox(seeded) if e["data"].get("loan_id") == loan["id"]]
    # Each step with the status it led to, as if the loan had been aged day by day.
    assert steps[:3] == [("loan.opened", "repaying"), ("loan.overdue", "overdue"),
                         ("loan.non_performing", "non_performing")]
    assert BANK_ID == loan["institution_id"]


# --- exports -------------------------------------------------------------------------------------------

def test_the_loan_export_keeps_user_text_as_text_and_the_callers_scope(seeded, client, tokens):
    open_loan(seeded, client, tokens, enterprise_name="=HYPERLINK(\"http://x\")有限公司")
    open_loan(seeded, client, tokens, institution_id=OTHER_BANK_ID)
    resp = client.get("/api/v1/loans/export?format=csv", headers=tokens["bank"])
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment")
    lines = resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 2 and lines[0].startswith("订单号,企业名称")
    assert ',"\'=HYPERLINK' in lines[1]  # prefixed: never a formula in Excel or WPS
    xlsx = client.get("/api/v1/loans/export", headers=tokens["admin"])
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 3 and sheet.cell(2, 7).value == 120
    assert client.get("/api/v1/loans/export", headers=tokens["weidu"]).status_code == 403


def test_an_export_too_large_is_refused(seeded, client, tokens):
    open_loan(seeded, client, tokens)
    open_loan(seeded, client, tokens)
    seeded.config["LOAN_EXPORT_MAX_ROWS"] = 1
    resp = client.get("/api/v1/loans/export", headers=tokens["bank"])
    assert resp.status_code == 422 and resp.json["code"] == "export_too_large"
