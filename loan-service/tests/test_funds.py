"""Risk compensation funds and claims: who manages and sees them, every rule of a claim and of its
approval, the fund's sums, evidence files served as licences are, events and the audit log."""

import io

import pytest

from loan_service.models import db
from xyd_common.uploads import FILE_POLICY

from .instruments import (
    PDF,
    TODAY,
    add_guarantee_company,
    bad_loan,
    claim,
    create,
    fund_body,
    more_tokens,
    open_loan,
)
from .support import OTHER_BANK_ID, YANLING_CO, outbox


@pytest.fixture
def who(auth_service, tokens):
    return more_tokens(auth_service, tokens)


def new_fund(client, who, as_="xuchang", **overrides) -> dict:
    return create(client, who[as_], "/api/v1/funds", fund_body(**overrides))


def submitted(client, who, fund, loan, loss=50, as_="bank") -> dict:
    resp = claim(client, who[as_], fund["id"], loan.id, loss)
    assert resp.status_code == 201, resp.json
    return resp.json


def approve(client, who, claim_id, amount, as_="xuchang"):
    return client.post(f"/api/v1/claims/{claim_id}/approve", json={"amount": amount}, headers=who[as_])


def audit_actions(client, who, target_type, target_id) -> list[str]:
    resp = client.get(f"/api/v1/admin/loans/audit-logs?target_type={target_type}&target_id={target_id}",
                      headers=who["admin"])
    assert resp.status_code == 200, resp.json
    return [row["action"] for row in reversed(resp.json["items"])]


# --- funds -------------------------------------------------------------------------------------------

def test_a_government_creates_a_fund_of_its_region_announced_and_audited(seeded, client, who):
    fund = new_fund(client, who)
    assert (fund["status"], fund["budget"], fund["approved"], fund["paid"], fund["available"]) == (
        "open", 100, 0, 0, 100)
    (event,) = outbox(seeded, "fund.created")
    assert event["data"]["fund_id"] == fund["id"] and event["data"]["region_code"] == "411000"
    assert audit_actions(client, who, "fund", fund["id"]) == ["fund.created"]


def test_a_fund_is_for_the_callers_region_or_below_and_a_known_region(seeded, client, who):
    assert client.post("/api/v1/funds", json=fund_body(region_code="411002"), headers=who["xuchang"]).status_code == 201
    assert client.post("/api/v1/funds", json=fund_body(), headers=who["yuzhou"]).json["code"] == "forbidden"
    assert client.post("/api/v1/funds", json=fund_body(region_code="419999"),
                       headers=who["admin"]).json["errors"]["region_code"]
    bad_dates = client.post("/api/v1/funds", json=fund_body(loans_from="2031-01-01"), headers=who["admin"])
    assert bad_dates.status_code == 422 and "loans_to" in bad_dates.json["errors"]
    for role in ("bank", "weidu"):
        assert client.post("/api/v1/funds", json=fund_body(), headers=who[role]).status_code == 403


def test_who_sees_a_fund_and_who_manages_it(seeded, client, who):
    fund = new_fund(client, who)
    for role in ("xuchang", "weidu_gov", "admin", "bank"):
        assert client.get(f"/api/v1/funds/{fund['id']}", headers=who[role]).status_code == 200, role
    assert client.get(f"/api/v1/funds/{fund['id']}", headers=who["yuzhou"]).status_code == 200  # 禹州 is below too
    other = new_fund(client, who, region_code="411002")
    assert client.get(f"/api/v1/funds/{other['id']}", headers=who["yuzhou"]).status_code == 404
    assert [f["id"] for f in client.get("/api/v1/funds", headers=who["yuzhou"]).json["items"]] == [fund["id"]]
    assert client.get("/api/v1/funds", headers=who["bank"]).json["total"] == 2
    # The district sees its city's fund read-only; another district's fund is not there at all.
    assert client.post(f"/api/v1/funds/{fund['id']}/top-up", json={"amount": 1},
                       headers=who["weidu_gov"]).status_code == 403
    assert client.post(f"/api/v1/funds/{other['id']}/close", headers=who["yuzhou"]).status_code == 404


def test_top_up_and_close(seeded, client, who):
    fund = new_fund(client, who)
    topped = client.post(f"/api/v1/funds/{fund['id']}/top-up", json={"amount": 20.5, "note": "追加"},
                         headers=who["xuchang"])
    assert topped.status_code == 200 and (topped.json["budget"], topped.json["available"]) == (120.5, 120.5)
    closed = client.post(f"/api/v1/funds/{fund['id']}/close", headers=who["admin"])
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    again = client.post(f"/api/v1/funds/{fund['id']}/close", headers=who["admin"])
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"
    late = client.post(f"/api/v1/funds/{fund['id']}/top-up", json={"amount": 1}, headers=who["admin"])
    assert late.status_code == 409 and late.json["code"] == "invalid_transition"
    assert [e["data"]["amount"] for e in outbox(seeded, "fund.topped_up")] == [20.5]
    assert len(outbox(seeded, "fund.closed")) == 1
    assert audit_actions(client, who, "fund", fund["id"]) == ["fund.created", "fund.topped_up", "fund.closed"]


# --- claims ------------------------------------------------------------------------------------------

def test_the_loans_institution_claims_with_evidence_served_as_a_download(seeded, client, who):
    fund, loan = new_fund(client, who), bad_loan(seeded)
    made = submitted(client, who, fund, loan, loss=80)
    assert (made["status"], made["loss_principal"], made["institution_id"], made["approved_amount"]) == (
        "submitted", 80, loan.institution_id, None)
    (file,) = made["files"]
    assert (file["name"], file["content_type"], file["size"]) == ("催收记录.pdf", "application/pdf", len(PDF))
    for role in ("bank", "xuchang", "weidu_gov", "admin"):
        resp = client.get(f"/api/v1/claims/{made['id']}/files/{file['id']}", headers=who[role])
        assert resp.status_code == 200 and resp.data == PDF, role
        assert resp.headers["Content-Disposition"].startswith("attachment")
        assert resp.headers["Content-Security-Policy"] == FILE_POLICY
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    for role in ("other_bank", "yuzhou"):
        assert client.get(f"/api/v1/claims/{made['id']}", headers=who[role]).status_code == 404, role
        assert client.get(f"/api/v1/claims/{made['id']}/files/{file['id']}", headers=who[role]).status_code == 404
    assert client.get(f"/api/v1/claims/{made['id']}/files/999", headers=who["bank"]).status_code == 404
    (event,) = outbox(seeded, "fund.claim_submitted")
    assert event["data"]["claim_id"] == made["id"] and event["data"]["region_code"] == loan.region_code
    assert audit_actions(client, who, "claim", made["id"]) == ["fund.claim_submitted"]


def test_one_open_claim_per_loan_and_fund_but_several_funds(seeded, client, who):
    fund, second, loan = new_fund(client, who), new_fund(client, who), bad_loan(seeded)
    first = submitted(client, who, fund, loan)
    again = claim(client, who["bank"], fund["id"], loan.id, 10)
    assert again.status_code == 409 and again.json["code"] == "claim_exists"
    assert claim(client, who["bank"], second["id"], loan.id, 50).status_code == 201
    client.post(f"/api/v1/claims/{first['id']}/reject", json={"reason": "材料不全"}, headers=who["xuchang"])
    assert claim(client, who["bank"], fund["id"], loan.id, 50).status_code == 201  # the rejected one is closed


@pytest.mark.parametrize("fund_overrides, loan_data", [
    ({}, {"disbursed_on": TODAY}),  # still repaying
    ({"institution_types": ["guarantee"]}, {}),
    ({"whitelisted_only": True}, {}),
    ({"loans_from": "2025-02-01"}, {}),
    ({"loans_to": "2025-01-14"}, {}),
    ({"region_code": "411081"}, {}),  # 禹州市's fund; the loan is 魏都区's
    ({"claims_until": "2024-12-31"}, {}),
], ids=["not_bad", "institution_type", "whitelisted_only", "before_loans_from", "after_loans_to", "region",
        "claims_until"])
def test_a_loan_the_fund_does_not_cover_is_422_not_covered(seeded, client, who, fund_overrides, loan_data):
    fund = new_fund(client, who, as_="admin", **fund_overrides)
    loan = open_loan(seeded, loan_data.pop("disbursed_on", "2025-01-15"), **loan_data)
    resp = claim(client, who["bank"], fund["id"], loan.id, 10)
    assert resp.status_code == 422 and resp.json["code"] == "not_covered", resp.json
    assert not outbox(seeded, "fund.claim_submitted")


def test_a_whitelisted_guarantee_loan_in_a_fund_for_them_is_covered(seeded, client, who):
    add_guarantee_company(seeded)
    fund = new_fund(client, who, institution_types=["guarantee"], whitelisted_only=True)
    loan = bad_loan(seeded, institution_id=9, whitelisted=True)
    assert claim(client, who["guarantee"], fund["id"], loan.id, 10).status_code == 201


def test_claim_errors_change_nothing(seeded, client, who):
    fund, loan = new_fund(client, who), bad_loan(seeded)
    other_banks = bad_loan(seeded, institution_id=OTHER_BANK_ID)
    assert claim(client, who["bank"], fund["id"], other_banks.id, 10).status_code == 404
    assert claim(client, who["bank"], 9999, loan.id, 10).status_code == 404
    too_much = claim(client, who["bank"], fund["id"], loan.id, 120.0001)
    assert too_much.status_code == 422 and "loss_principal" in too_much.json["errors"]
    assert claim(client, who["bank"], fund["id"], loan.id, 10, files=[]).json["errors"]["evidence"]
    html = claim(client, who["bank"], fund["id"], loan.id, 10, files=[(io.BytesIO(b"<html>x</html>"), "a.pdf")])
    assert html.status_code == 422 and "evidence" in html.json["errors"]
    assert claim(client, who["bank"], fund["id"], loan.id, "abc").json["errors"]["loss_principal"]
    assert client.post(f"/api/v1/funds/{fund['id']}/claims", json={"loan_id": loan.id},
                       headers=who["bank"]).status_code == 400
    for role in ("xuchang", "weidu"):
        assert claim(client, who[role], fund["id"], loan.id, 10).status_code == 403
    client.post(f"/api/v1/funds/{fund['id']}/close", headers=who["xuchang"])
    closed = claim(client, who["bank"], fund["id"], loan.id, 10)
    assert closed.status_code == 409 and closed.json["code"] == "invalid_transition"
    assert not outbox(seeded, "fund.claim_submitted")
    assert client.get("/api/v1/claims", headers=who["bank"]).json["total"] == 0


# --- approval, rejection, payment --------------------------------------------------------------------

def limits(client, who, claim) -> dict:
    """The claim's approval limits as its detail shows them to the fund's manager."""
    return client.get(f"/api/v1/claims/{claim['id']}", headers=who["xuchang"]).json["limits"]


def test_approval_is_within_share_cap_and_available(seeded, client, who):
    fund = new_fund(client, who, budget=50, share_percent=40, cap_per_loan=30)
    loan, other = bad_loan(seeded), bad_loan(seeded, company=YANLING_CO)
    first = submitted(client, who, fund, loan, loss=50)  # 40 % → 20
    assert limits(client, who, first) == {"share": 20, "cap_left": 30, "available": 50, "approvable": 20}
    over = approve(client, who, first["id"], 20.0001)
    assert over.status_code == 422 and over.json["code"] == "over_fund_limit"
    ok = approve(client, who, first["id"], 20)
    assert ok.status_code == 200 and (ok.json["status"], ok.json["approved_amount"]) == ("approved", 20)
    assert ok.json["limits"] is None  # decided: nothing more to approve
    fund_now = client.get(f"/api/v1/funds/{fund['id']}", headers=who["bank"]).json
    assert (fund_now["approved"], fund_now["paid"], fund_now["available"]) == (20, 0, 30)
    # The same loan's next claim (after payment) only has what the cap leaves: 30 − 20.
    assert client.post(f"/api/v1/claims/{first['id']}/pay", json={"paid_on": TODAY.isoformat(), "reference": "P1"},
                       headers=who["xuchang"]).status_code == 200
    second = submitted(client, who, fund, loan, loss=100)
    assert limits(client, who, second) == {"share": 40, "cap_left": 10, "available": 30, "approvable": 10}
    assert approve(client, who, second["id"], 10.0001).json["code"] == "over_fund_limit"
    assert approve(client, who, second["id"], 10).status_code == 200
    # Another loan: 40 % of 100 = 40 and the cap 30, but only 50 − 20 − 10 = 20 is left in the fund.
    third = submitted(client, who, fund, other, loss=100)
    assert limits(client, who, third) == {"share": 40, "cap_left": 30, "available": 20, "approvable": 20}
    assert approve(client, who, third["id"], 20.0001).json["code"] == "over_fund_limit"
    assert approve(client, who, third["id"], 20).status_code == 200
    fund_now = client.get(f"/api/v1/funds/{fund['id']}", headers=who["admin"]).json
    assert (fund_now["approved"], fund_now["paid"], fund_now["available"]) == (30, 20, 0)
    assert [e["data"]["approved_amount"] for e in outbox(seeded, "fund.claim_approved")] == [20, 10, 20]
    assert [e["data"]["status"] for e in outbox(seeded, "fund.claim_paid")] == ["paid"]


def test_decisions_need_the_manager_and_the_right_state(seeded, client, who):
    fund, loan = new_fund(client, who), bad_loan(seeded)
    made = submitted(client, who, fund, loan)
    assert approve(client, who, made["id"], 1, as_="weidu_gov").status_code == 403
    assert approve(client, who, made["id"], 1, as_="yuzhou").status_code == 404
    assert approve(client, who, made["id"], 1, as_="bank").status_code == 403
    early_pay = client.post(f"/api/v1/claims/{made['id']}/pay", json={"paid_on": TODAY.isoformat(), "reference": "P"},
                            headers=who["xuchang"])
    assert early_pay.status_code == 409 and early_pay.json["code"] == "invalid_transition"
    rejected = client.post(f"/api/v1/claims/{made['id']}/reject", json={"reason": "材料不全"}, headers=who["admin"])
    assert rejected.status_code == 200
    assert (rejected.json["status"], rejected.json["reason"]) == ("rejected", "材料不全")
    assert approve(client, who, made["id"], 1).json["code"] == "invalid_transition"
    assert client.post(f"/api/v1/claims/{made['id']}/reject", json={"reason": "再次驳回"},
                       headers=who["admin"]).json["code"] == "invalid_transition"
    assert audit_actions(client, who, "claim", made["id"]) == ["fund.claim_submitted", "fund.claim_rejected"]


def test_payment_moves_the_amount_from_approved_to_paid(seeded, client, who):
    fund, loan = new_fund(client, who), bad_loan(seeded)
    made = submitted(client, who, fund, loan, loss=50)
    approve(client, who, made["id"], 15)
    future = client.post(f"/api/v1/claims/{made['id']}/pay", json={"paid_on": "2099-01-01", "reference": "P"},
                         headers=who["xuchang"])
    assert future.status_code == 422 and "paid_on" in future.json["errors"]
    paid = client.post(f"/api/v1/claims/{made['id']}/pay", json={"paid_on": TODAY.isoformat(), "reference": "CZ1"},
                       headers=who["xuchang"])
    assert paid.status_code == 200 and (paid.json["status"], paid.json["paid_on"]) == ("paid", TODAY.isoformat())
    fund_now = client.get(f"/api/v1/funds/{fund['id']}", headers=who["xuchang"]).json
    assert (fund_now["approved"], fund_now["paid"], fund_now["available"]) == (0, 15, 85)
    assert audit_actions(client, who, "claim", made["id"]) == [
        "fund.claim_submitted", "fund.claim_approved", "fund.claim_paid"]


def test_a_loan_settled_before_payment_withdraws_its_open_claims(seeded, client, who):
    fund, second, loan = new_fund(client, who), new_fund(client, who), bad_loan(seeded)
    approved = submitted(client, who, fund, loan, loss=50)
    approve(client, who, approved["id"], 20)
    waiting = submitted(client, who, second, loan, loss=50)
    settle = client.post(f"/api/v1/loans/{loan.id}/repayments", headers=who["bank"], json={
        "paid_on": TODAY.isoformat(), "principal": 120, "interest": 0, "reference": "JQ1"})
    assert settle.status_code == 201 and settle.json["status"] == "settled"
    for made in (approved, waiting):
        assert client.get(f"/api/v1/claims/{made['id']}", headers=who["bank"]).json["status"] == "withdrawn"
    fund_now = client.get(f"/api/v1/funds/{fund['id']}", headers=who["xuchang"]).json
    assert (fund_now["approved"], fund_now["available"]) == (0, 100)
    assert sorted(e["data"]["claim_id"] for e in outbox(seeded, "fund.claim_withdrawn")) == sorted(
        [approved["id"], waiting["id"]])
    assert audit_actions(client, who, "claim", approved["id"])[-1] == "fund.claim_withdrawn"


def test_claim_lists_are_scoped(seeded, client, who):
    fund, loan = new_fund(client, who), bad_loan(seeded)
    other_fund = new_fund(client, who, as_="admin", region_code="411081")
    made = submitted(client, who, fund, loan)
    assert [c["id"] for c in client.get("/api/v1/claims", headers=who["bank"]).json["items"]] == [made["id"]]
    assert client.get("/api/v1/claims", headers=who["other_bank"]).json["total"] == 0
    assert client.get("/api/v1/claims", headers=who["yuzhou"]).json["total"] == 0
    assert client.get(f"/api/v1/claims?fund_id={fund['id']}", headers=who["weidu_gov"]).json["total"] == 1
    assert client.get(f"/api/v1/claims?fund_id={other_fund['id']}", headers=who["admin"]).json["total"] == 0
    assert client.get("/api/v1/claims?status=paid", headers=who["admin"]).json["total"] == 0
    assert client.get("/api/v1/claims", headers=who["weidu"]).status_code == 403


def test_the_audit_log_is_the_admins(seeded, client, who):
    new_fund(client, who)
    for role in ("xuchang", "bank", "weidu"):
        assert client.get("/api/v1/admin/loans/audit-logs", headers=who[role]).status_code == 403
    (row,) = client.get("/api/v1/admin/loans/audit-logs", headers=who["admin"]).json["items"]
    assert (row["actor_id"], row["actor_role"], row["after"]["name"]) == (41, "government", "许昌市风险补偿资金池")
    with seeded.app_context():
        assert db.session.execute(db.text("select count(*) from audit_logs")).scalar() == 1
