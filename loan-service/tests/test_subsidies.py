"""Interest subsidies: programmes, the enterprise's application and its computed amount, every
eligibility rule, approval within the computed amount, the enterprise's cap and the budget, payment,
who sees what, events and the audit log."""

from datetime import timedelta
from decimal import Decimal

import pytest

from loan_service.subsidies import computed_amount
from xyd_testing.helpers import deliver

from .instruments import TODAY, create, more_tokens, open_loan, program_body, repay_interest
from .support import OTHER_BANK_ID, WEIDU_CO, YANLING_CO, outbox


@pytest.fixture
def who(auth_service, tokens):
    return more_tokens(auth_service, tokens)


def new_program(client, who, as_="xuchang", **overrides) -> dict:
    return create(client, who[as_], "/api/v1/subsidy-programs", program_body(**overrides))


def paid_loan(app, client, who, interest=0.4, **data):
    """A loan disbursed today with `interest` 万元 of interest recorded as paid."""
    loan = open_loan(app, TODAY, **data)
    if interest:
        bank = "other_bank" if data.get("institution_id") == OTHER_BANK_ID else "bank"
        repay_interest(client, who[bank], loan.id, interest, f"LX{loan.id}")
    return loan


def applied(client, who, program, loan, as_="weidu"):
    return client.post(f"/api/v1/subsidy-programs/{program['id']}/applications", json={"loan_id": loan.id},
                       headers=who[as_])


def audit_actions(client, who, target_type, target_id) -> list[str]:
    resp = client.get(f"/api/v1/admin/loans/audit-logs?target_type={target_type}&target_id={target_id}",
                      headers=who["admin"])
    return [row["action"] for row in reversed(resp.json["items"])]


# --- the rule ----------------------------------------------------------------------------------------

class Rule:
    def __init__(self, share_percent=None, rate_points=None):
        self.share_percent = None if share_percent is None else Decimal(share_percent)
        self.rate_points = None if rate_points is None else Decimal(rate_points)


def test_the_computed_amount_is_share_or_points_over_rate_capped_and_rounded_half_up():
    big = Decimal(100)
    assert computed_amount(Rule(share_percent=50), Decimal(6), Decimal("0.3333"), big) == Decimal("0.1667")
    assert computed_amount(Rule(rate_points=1), Decimal(6), Decimal("0.6"), big) == Decimal("0.1")
    # Points above the loan's rate never give more than the interest paid.
    assert computed_amount(Rule(rate_points=8), Decimal(6), Decimal("0.6"), big) == Decimal("0.6")
    assert computed_amount(Rule(share_percent=50), Decimal(6), Decimal(10), Decimal("2.5")) == Decimal("2.5")
    assert computed_amount(Rule(share_percent=50), Decimal(6), Decimal(10), Decimal(-1)) == Decimal(0)


# --- programmes --------------------------------------------------------------------------------------

def test_a_programme_takes_exactly_one_rule_and_the_callers_region(seeded, client, who):
    program = new_program(client, who)
    assert (program["share_percent"], program["rate_points"], program["available"]) == (50, None, 100)
    (event,) = outbox(seeded, "subsidy.program_created")
    assert event["data"]["program_id"] == program["id"]
    assert audit_actions(client, who, "subsidy_program", program["id"]) == ["subsidy.program_created"]
    both = client.post("/api/v1/subsidy-programs", json=program_body(rate_points=1), headers=who["admin"])
    assert both.status_code == 422 and "rate_points" in both.json["errors"]
    neither = client.post("/api/v1/subsidy-programs", json=program_body(share_percent=None), headers=who["admin"])
    assert neither.status_code == 422
    assert client.post("/api/v1/subsidy-programs", json=program_body(), headers=who["weidu_gov"]).status_code == 403
    assert client.post("/api/v1/subsidy-programs", json=program_body(), headers=who["weidu"]).status_code == 403


def test_a_programme_is_open_until_its_apply_until_then_ended(seeded, client, who):
    open_ = new_program(client, who, apply_until=TODAY.isoformat())
    ended = new_program(client, who, apply_until=(TODAY - timedelta(days=1)).isoformat(), loans_from="2020-01-01")
    assert (open_["status"], ended["status"]) == ("open", "ended")
    for status, program in (("open", open_), ("ended", ended)):
        listed = client.get(f"/api/v1/subsidy-programs?status={status}", headers=who["weidu"]).json["items"]
        assert [p["id"] for p in listed] == [program["id"]], status
    assert client.get("/api/v1/subsidy-programs?status=closed", headers=who["weidu"]).status_code == 422


def test_who_sees_a_programme(seeded, client, who):
    program = new_program(client, who, region_code="411002")
    for role in ("xuchang", "weidu_gov", "admin", "weidu", "yanling"):
        assert client.get(f"/api/v1/subsidy-programs/{program['id']}", headers=who[role]).status_code == 200, role
    assert client.get(f"/api/v1/subsidy-programs/{program['id']}", headers=who["yuzhou"]).status_code == 404
    assert client.get("/api/v1/subsidy-programs", headers=who["yuzhou"]).json["total"] == 0
    assert client.get("/api/v1/subsidy-programs", headers=who["bank"]).status_code == 403


# --- applications ------------------------------------------------------------------------------------

def test_the_enterprise_applies_and_sees_the_computed_amount(seeded, client, who):
    program = new_program(client, who, share_percent=50, cap_per_enterprise=10)
    loan = paid_loan(seeded, client, who, interest=0.3333)
    resp = applied(client, who, program, loan)
    assert resp.status_code == 201, resp.json
    made = resp.json
    assert (made["status"], made["interest_paid"], made["computed_amount"], made["approved_amount"]) == (
        "submitted", 0.3333, 0.1667, None)
    assert made["calculation"] == "已付利息 0.3333 万元 × 50%，四舍五入至 0.0001 万元 = 0.1667 万元"
    # The names its pages show: the programme's, the loan's order number, the borrower and the lender.
    assert (made["program_name"], made["order_no"], made["enterprise_name"], made["institution_name"]) == (
        program["name"], loan.order_no, WEIDU_CO[2], "许昌农商银行")
    # Interest paid later does not change it (frozen at submission).
    repay_interest(client, who["bank"], loan.id, 0.1, "LX-LATER")
    later = client.get(f"/api/v1/subsidy-applications/{made['id']}", headers=who["weidu"]).json
    assert later["interest_paid"] == 0.3333
    (event,) = outbox(seeded, "subsidy.application_submitted")
    assert event["data"]["application_id"] == made["id"] and event["data"]["region_code"] == WEIDU_CO[3]
    again = applied(client, who, program, loan)
    assert again.status_code == 409 and again.json["code"] == "subsidy_exists"


def test_rate_points_over_the_loans_rate(seeded, client, who):
    program = new_program(client, who, share_percent=None, rate_points=1.5)
    loan = paid_loan(seeded, client, who, interest=0.6, rate=6)
    made = applied(client, who, program, loan).json
    assert made["computed_amount"] == 0.15
    assert made["calculation"] == ("已付利息 0.6 万元 × 1.5 个百分点 ÷ 贷款年利率 6%（不超过已付利息），"
                                   "四舍五入至 0.0001 万元 = 0.15 万元")


@pytest.mark.parametrize("overrides, loan_data, interest", [
    ({"first_loan_only": True}, {"renewal": True}, 0.3),
    ({"whitelisted_only": True}, {}, 0.3),
    ({"loans_from": (TODAY.replace(year=TODAY.year + 1)).isoformat(),
      "loans_to": (TODAY.replace(year=TODAY.year + 2)).isoformat()}, {}, 0.3),
    ({"region_code": "411081"}, {}, 0.3),
    ({"apply_until": "2020-12-31", "loans_from": "2020-01-01"}, {}, 0.3),
    ({}, {}, 0),
], ids=["not_first_loan", "not_whitelisted", "outside_dates", "region", "apply_until", "no_interest"])
def test_a_loan_outside_the_rules_is_422_not_eligible(seeded, client, who, overrides, loan_data, interest):
    program = new_program(client, who, as_="admin", **overrides)
    loan = paid_loan(seeded, client, who, interest=interest, **loan_data)
    resp = applied(client, who, program, loan)
    assert resp.status_code == 422 and resp.json["code"] == "not_eligible", resp.json
    assert not outbox(seeded, "subsidy.application_submitted")


def test_whitelisting_is_asked_at_application(seeded, client, who):
    program = new_program(client, who, whitelisted_only=True)
    loan = paid_loan(seeded, client, who, whitelisted=True)
    assert deliver(seeded, "credit.whitelist_changed", {"uscc": WEIDU_CO[1], "whitelisted": False, "batch": None,
                                                         "valid_until": None}) == "ack"
    assert applied(client, who, program, loan).json["code"] == "not_eligible"
    assert deliver(seeded, "credit.whitelist_changed", {"uscc": WEIDU_CO[1], "whitelisted": True, "batch": "2026-12",
                                                         "valid_until": "2099-12-31"}) == "ack"
    assert applied(client, who, program, loan).status_code == 201


def test_a_written_off_loan_is_not_eligible(seeded, client, who):
    program = new_program(client, who)
    loan = open_loan(seeded, "2025-01-15")
    repay_interest(client, who["bank"], loan.id, 0.3, "LX-WO")
    assert client.post(f"/api/v1/loans/{loan.id}/write-off", json={"reason": "企业破产清算，追偿无果"},
                       headers=who["bank"]).status_code == 200
    assert applied(client, who, program, loan).json["code"] == "not_eligible"


def test_application_errors(seeded, client, who):
    program = new_program(client, who)
    yanlings = paid_loan(seeded, client, who, company=YANLING_CO)
    assert applied(client, who, program, yanlings).status_code == 404  # another enterprise's loan
    assert client.post("/api/v1/subsidy-programs/999/applications", json={"loan_id": yanlings.id},
                       headers=who["yanling"]).status_code == 404
    assert applied(client, who, program, yanlings, as_="weidu_unverified").json["code"] == "enterprise_unverified"
    for role in ("bank", "xuchang"):
        assert applied(client, who, program, yanlings, as_=role).status_code == 403


# --- decisions ---------------------------------------------------------------------------------------

def test_approval_defaults_to_the_computed_amount_within_the_budget(seeded, client, who):
    program = new_program(client, who, share_percent=50, budget=0.3, cap_per_enterprise=10)
    first = applied(client, who, program, paid_loan(seeded, client, who, interest=0.4)).json  # 0.2
    second = applied(client, who, program, paid_loan(seeded, client, who, interest=0.4, company=YANLING_CO),
                     as_="yanling").json
    more = client.post(f"/api/v1/subsidy-applications/{first['id']}/approve", json={"amount": 0.2001},
                       headers=who["xuchang"])
    assert more.status_code == 422 and more.json["code"] == "over_budget"
    ok = client.post(f"/api/v1/subsidy-applications/{first['id']}/approve", json={}, headers=who["xuchang"])
    assert ok.status_code == 200 and (ok.json["status"], ok.json["approved_amount"]) == ("approved", 0.2)
    # Only 0.1 of the budget is left for the second's 0.2.
    assert client.post(f"/api/v1/subsidy-applications/{second['id']}/approve", json={},
                       headers=who["xuchang"]).json["code"] == "over_budget"
    partly = client.post(f"/api/v1/subsidy-applications/{second['id']}/approve", json={"amount": 0.1},
                         headers=who["xuchang"])
    assert partly.status_code == 200
    now = client.get(f"/api/v1/subsidy-programs/{program['id']}", headers=who["xuchang"]).json
    assert (now["approved"], now["paid"], now["available"]) == (0.3, 0, 0)
    paid = client.post(f"/api/v1/subsidy-applications/{first['id']}/pay",
                       json={"paid_on": TODAY.isoformat(), "reference": "TX1"}, headers=who["admin"])
    assert paid.status_code == 200 and paid.json["paid_on"] == TODAY.isoformat()
    now = client.get(f"/api/v1/subsidy-programs/{program['id']}", headers=who["xuchang"]).json
    assert (now["approved"], now["paid"], now["available"]) == (0.1, 0.2, 0)
    assert audit_actions(client, who, "subsidy_application", first["id"]) == [
        "subsidy.application_submitted", "subsidy.application_approved", "subsidy.application_paid"]
    assert [e["data"]["approved_amount"] for e in outbox(seeded, "subsidy.application_approved")] == [0.2, 0.1]


def test_the_enterprises_cap_counts_what_it_was_granted(seeded, client, who):
    program = new_program(client, who, share_percent=100, cap_per_enterprise=0.5)
    first = applied(client, who, program, paid_loan(seeded, client, who, interest=0.4)).json
    second = applied(client, who, program, paid_loan(seeded, client, who, interest=0.4)).json
    assert (first["computed_amount"], second["computed_amount"]) == (0.4, 0.4)  # nothing granted yet
    capped = applied(client, who, new_program(client, who, share_percent=100, cap_per_enterprise=0.1),
                     paid_loan(seeded, client, who, interest=0.4)).json
    assert capped["computed_amount"] == 0.1 and "按每户上限封顶" in capped["calculation"]
    client.post(f"/api/v1/subsidy-applications/{first['id']}/approve", json={}, headers=who["xuchang"])
    assert client.post(f"/api/v1/subsidy-applications/{second['id']}/approve", json={},
                       headers=who["xuchang"]).json["code"] == "over_budget"
    assert client.post(f"/api/v1/subsidy-applications/{second['id']}/approve", json={"amount": 0.1},
                       headers=who["xuchang"]).status_code == 200
    third = applied(client, who, program, paid_loan(seeded, client, who, interest=0.4))
    assert third.status_code == 422 and third.json["code"] == "not_eligible"  # the cap is used up


def test_decisions_need_the_manager_and_the_right_state(seeded, client, who):
    program = new_program(client, who)
    made = applied(client, who, program, paid_loan(seeded, client, who)).json
    url = f"/api/v1/subsidy-applications/{made['id']}"
    assert client.post(f"{url}/approve", json={}, headers=who["weidu_gov"]).status_code == 403
    assert client.post(f"{url}/approve", json={}, headers=who["yuzhou"]).status_code == 404
    assert client.post(f"{url}/approve", json={}, headers=who["weidu"]).status_code == 403
    assert client.post(f"{url}/pay", json={"paid_on": TODAY.isoformat(), "reference": "T"},
                       headers=who["xuchang"]).json["code"] == "invalid_transition"
    rejected = client.post(f"{url}/reject", json={"reason": "不符合条件"}, headers=who["xuchang"])
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert client.post(f"{url}/approve", json={}, headers=who["xuchang"]).json["code"] == "invalid_transition"
    assert len(outbox(seeded, "subsidy.application_rejected")) == 1


def test_application_lists_are_scoped(seeded, client, who):
    program = new_program(client, who)
    mine = applied(client, who, program, paid_loan(seeded, client, who)).json
    theirs = applied(client, who, program, paid_loan(seeded, client, who, company=YANLING_CO), as_="yanling").json
    assert [a["id"] for a in client.get("/api/v1/subsidy-applications", headers=who["weidu"]).json["items"]] == [
        mine["id"]]
    assert client.get(f"/api/v1/subsidy-applications/{theirs['id']}", headers=who["weidu"]).status_code == 404
    assert client.get(f"/api/v1/subsidy-programs/{program['id']}/applications",
                      headers=who["xuchang"]).json["total"] == 2
    # 魏都区 sees its own enterprise's application, read-only, and not 鄢陵县's.
    district = client.get(f"/api/v1/subsidy-programs/{program['id']}/applications", headers=who["weidu_gov"]).json
    assert [a["id"] for a in district["items"]] == [mine["id"]]
    assert client.get(f"/api/v1/subsidy-applications/{theirs['id']}", headers=who["weidu_gov"]).status_code == 404
    assert client.get("/api/v1/subsidy-applications", headers=who["yuzhou"]).json["total"] == 0
    assert client.get(f"/api/v1/subsidy-programs/{program['id']}/applications",
                      headers=who["weidu"]).status_code == 403
