"""Loans after disbursement end to end: an order is applied for, accepted, granted and disbursed; the
loan with its schedule appears for the bank and the enterprise; two repayments; a missed instalment ages
into overdue and then non-performing as the admin moves the business date forward (not by waiting);
another bank then sees `loan_default` in the enterprise's credit record on its new order; the enterprise
settles; a government system's own queue sees every step, and the city's government sees the loan and
its `/loans/stats` follow each step."""

from datetime import UTC, date, datetime, timedelta

import pytest
from scenario import (
    STAFF_PASSWORD,
    EventSubscriber,
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    random_uscc,
    staff_user,
    verified_enterprise,
)
from test_api_examples import LOAN_PATHS, Examples

from xyd_testing.helpers import wait_until

PRODUCT = {"name": "贷后测试贷", "category": "loan", "guarantee_methods": ["credit"],
           "repayment_methods": ["equal_principal"], "amount_min": 1, "amount_max": 300,
           "term_min_months": 6, "term_max_months": 36, "rate_min": 3.45, "rate_max": 6.5,
           "region_codes": ["411000"]}


def china_today() -> date:
    return (datetime.now(UTC) + timedelta(hours=8)).date()


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_xuchang(platform)
    events = EventSubscriber(platform, "loan.#")
    institution = new_institution(admin, "许昌贷后银行")
    bank = institution_user(platform, admin, institution)
    government = staff_user(platform, admin, "/admin/government-users",
                            {"name": "许昌市金融局", "region_code": "411000"})[0]
    product = published_product(bank, PRODUCT)
    enterprise, _user = verified_enterprise(platform, admin, random_uscc(), "许昌贷后制造有限公司", STAFF_PASSWORD)
    yield {"admin": admin, "bank": bank, "government": government, "enterprise": enterprise,
           "product": product, "events": events, "institution": institution}
    events.close()


def disbursed_order(world) -> dict:
    enterprise, bank = world["enterprise"], world["bank"]
    body = {"product_id": world["product"]["id"], "amount": 12, "term_months": 12, "purpose": "采购原材料",
            "credit_authorized": True}

    def applied():
        resp = enterprise.post("/orders", json=body)
        assert resp.status_code in (201, 422, 503), resp.text
        return resp.json() if resp.status_code == 201 else None

    order = wait_until(applied, timeout=30, interval=0.3, message="order-service to know product and enterprise")
    for action, payload in (("accept", None), ("grant", {"amount": 12, "rate": 6, "term_months": 12}),
                            ("disburse", {"amount": 12, "disbursed_on": china_today().isoformat()})):
        resp = bank.post(f"/orders/{order['id']}/{action}", json=payload)
        assert resp.status_code == 200, resp.text
    return order


def the_loan(api, order) -> dict | None:
    items = api.get("/loans", params={"q": order["order_no"]}).json()["items"]
    return items[0] if items else None


def move_business_date(world, to: date) -> None:
    resp = world["admin"].put("/admin/loans/business-date", json={"date": to.isoformat()})
    assert resp.status_code == 200, resp.text
    assert resp.json()["business_date"] == to.isoformat()


def repay(world, loan, principal, interest, reference, paid_on: date) -> dict:
    resp = world["bank"].post(f"/loans/{loan['id']}/repayments", json={
        "paid_on": paid_on.isoformat(), "principal": principal, "interest": interest, "reference": reference})
    assert resp.status_code == 201, resp.text
    return resp.json()


STEP_FIGURES = ("loans", "outstanding", "overdue_outstanding", "npl_outstanding", "npl_ratio")


def city_figures(world) -> dict:
    """The city government's /loans/stats of the bank's loans (a bank of this module's own)."""
    resp = world["government"].get("/loans/stats", params={"institution_id": world["institution"]["id"]})
    assert resp.status_code == 200, resp.text
    return {name: resp.json()[name] for name in STEP_FIGURES}


def figures_of(loans: int, outstanding, overdue=0, npl=0) -> dict:
    return {"loans": loans, "outstanding": outstanding, "overdue_outstanding": overdue, "npl_outstanding": npl,
            "npl_ratio": None if not outstanding else round(npl / outstanding, 4)}


def credit_categories(api, order_id: int) -> list[str]:
    details = api.get(f"/orders/{order_id}").json()
    assert details["credit_record"] is not None, details.get("credit_record_error")
    return [record["category"] for record in details["credit_record"]["records"]]


def another_banks_order(platform, world) -> tuple:
    """(the other bank, the enterprise's new order with it): the next bank the enterprise goes to."""
    other = institution_user(platform, world["admin"], new_institution(world["admin"], "他行授信银行"))
    product = published_product(other, {**PRODUCT, "name": "他行信用贷"})

    def applied():
        resp = world["enterprise"].post("/orders", json={"product_id": product["id"], "amount": 20, "term_months": 12,
                                                         "purpose": "补充流动资金", "credit_authorized": True})
        assert resp.status_code in (201, 422, 503), resp.text
        return resp.json() if resp.status_code == 201 else None

    return other, wait_until(applied, timeout=30, interval=0.3, message="order-service to know the other product")


def test_a_disbursed_loan_is_repaid_ages_into_non_performing_and_is_settled(world, platform):
    bank, enterprise, events = world["bank"], world["enterprise"], world["events"]
    assert city_figures(world) == figures_of(0, 0)
    order = disbursed_order(world)
    loan = wait_until(lambda: the_loan(bank, order), timeout=30, interval=0.3, message="loan-service to open the loan")
    assert city_figures(world) == figures_of(1, 12)
    assert (loan["status"], loan["principal"], loan["repayment_method"]) == ("repaying", 12, "equal_principal")
    assert len(loan["schedule"]) == 12 and {i["principal"] for i in loan["schedule"]} == {1}
    mine = the_loan(enterprise, order)
    assert mine["id"] == loan["id"] and mine["schedule"] == loan["schedule"]
    assert the_loan(world["government"], order)["id"] == loan["id"]

    today = china_today()
    first, second, third = loan["schedule"][:3]
    loan = repay(world, loan, first["principal"], first["interest"], f"E2E-{order['id']}-1", today)
    loan = repay(world, loan, second["principal"], second["interest"], f"E2E-{order['id']}-2", today)
    assert loan["outstanding_principal"] == 10 and [i["status"] for i in loan["schedule"][:3]] == [
        "paid", "paid", "due"]
    assert city_figures(world) == figures_of(1, 10)

    # The third instalment is missed.
    missed = date.fromisoformat(third["due_on"])
    move_business_date(world, missed + timedelta(days=1))
    loan = bank.get(f"/loans/{loan['id']}").json()
    assert (loan["status"], loan["days_past_due"], loan["overdue_bucket"]) == ("overdue", 1, "1-30")
    assert city_figures(world) == figures_of(1, 10, overdue=10)
    move_business_date(world, missed + timedelta(days=91))
    loan = bank.get(f"/loans/{loan['id']}").json()
    assert (loan["status"], loan["overdue_bucket"]) == ("non_performing", "91+")
    assert city_figures(world) == figures_of(1, 10, overdue=10, npl=10)

    # The next bank the enterprise applies to sees the default in its credit record.
    other, new_order = another_banks_order(platform, world)
    wait_until(lambda: "loan_default" in credit_categories(other, new_order["id"]), timeout=30, interval=0.5,
               message="credit-service to record the loan default")

    # The enterprise pays everything it owes: all principal, and the interest of the instalments due.
    owed_interest = round(sum(i["interest"] - i["paid_interest"] for i in loan["schedule"]
                              if i["status"] == "overdue"), 4)
    settled = repay(world, loan, loan["outstanding_principal"], owed_interest, f"E2E-{order['id']}-3",
                    missed + timedelta(days=91))
    assert settled["status"] == "settled" and settled["outstanding_principal"] == 0
    assert the_loan(enterprise, order)["status"] == "settled"
    assert city_figures(world) == figures_of(1, 0)
    # Every defaulted loan settled: the record is hidden again (信用修复).
    wait_until(lambda: "loan_default" not in credit_categories(other, new_order["id"]), timeout=30, interval=0.5,
               message="credit-service to hide the settled default")

    steps = ["loan.opened", "loan.repayment_recorded", "loan.overdue", "loan.non_performing", "loan.settled"]
    for step in steps:
        events.wait_for(lambda e, step=step: e["event_type"] == step and e["data"]["loan_id"] == loan["id"],
                        message=step)
    seen = [e["event_type"] for e in events.drain() if e["data"]["loan_id"] == loan["id"]]
    assert seen.count("loan.repayment_recorded") == 3
    assert [s for s in seen if s in steps[2:]] == steps[2:]


def test_someone_elses_loan_is_404_and_the_date_never_moves_back(world, platform):
    order = disbursed_order(world)
    loan = wait_until(lambda: the_loan(world["bank"], order), timeout=30, interval=0.3, message="the loan")
    other = institution_user(platform, world["admin"], new_institution(world["admin"], "他行贷后银行"))
    assert other.get(f"/loans/{loan['id']}").status_code == 404
    current = world["admin"].get("/admin/loans/business-date").json()["business_date"]
    back = world["admin"].put("/admin/loans/business-date",
                              json={"date": (date.fromisoformat(current) - timedelta(days=1)).isoformat()})
    assert back.status_code == 422


def test_every_loan_request_example_is_accepted(world, platform):
    """The loan operations' request examples (docs/openapi.json), sent with a real loan's ids, dates and
    amounts: a repayment, a CSV import, the business date moved past 90 days overdue, a write-off, and the
government instruments' examples on that loan (subsidies while it is repaid, claims once written off)."""
    examples = Examples(platform)
    bank, admin = world["bank"], world["admin"]
    order = disbursed_order(world)
    loan = wait_until(lambda: the_loan(bank, order), timeout=30, interval=0.3, message="loan-service to open the loan")
    at = f"/api/v1/loans/{loan['id']}"
    today = china_today().isoformat()
    examples.send(bank, "post", "/api/v1/loans/{loan_id}/repayments", f"{at}/repayments", paid_on=today,
                  principal=1, interest=0, reference=f"EX-{order['id']}-1")
    csv = f"order_no,paid_on,principal,interest,reference\r\n{order['order_no']},{today},1,0,EX-{order['id']}-2\r\n"
    imported = examples.upload(bank, "/api/v1/loans/repayments/import", {}, file=csv)
    assert imported["errors"] == [] and imported["imported"] == 1, imported
    current = date.fromisoformat(admin.get("/admin/loans/business-date").json()["business_date"])
    send_subsidy_examples(world, examples, loan, order, current)
    first_due = date.fromisoformat(loan["schedule"][0]["due_on"])
    examples.send(admin, "put", "/api/v1/admin/loans/business-date",
                  date=(max(current, first_due) + timedelta(days=92)).isoformat())
    assert bank.get(f"/loans/{loan['id']}").json()["status"] == "non_performing"
    examples.send(bank, "post", "/api/v1/loans/{loan_id}/write-off", f"{at}/write-off")
    assert bank.get(f"/loans/{loan['id']}").json()["status"] == "written_off"
    send_fund_examples(world, examples, bank.get(f"/loans/{loan['id']}").json())

    documented = {(m, p) for (m, p) in set(examples.json_bodies()) | set(examples.multipart_bodies())
                  if p.startswith(LOAN_PATHS)}
    assert documented and documented - examples.sent == set(), "loan request examples no step sends"


def send_subsidy_examples(world, examples: Examples, loan: dict, order: dict, on: date) -> None:
    """The subsidy examples on the example story's loan: interest paid, a programme (the city's), the
    enterprise's application approved and paid; a second programme's application rejected."""
    government, enterprise = world["government"], world["enterprise"]
    repay(world, loan, 0, 0.05, f"EX-{order['id']}-LX", on)
    decided = []
    for name in ("示例贴息甲", "示例贴息乙"):
        program = examples.send(government, "post", "/api/v1/subsidy-programs", name=f"{name}{order['id']}",
                                first_loan_only=False)
        decided.append(examples.send(enterprise, "post", "/api/v1/subsidy-programs/{program_id}/applications",
                                     f"/api/v1/subsidy-programs/{program['id']}/applications", loan_id=loan["id"]))
    applied, other = decided
    assert (applied["interest_paid"], applied["computed_amount"]) == (0.05, 0.025)
    at = f"/api/v1/subsidy-applications/{applied['id']}"
    examples.send(government, "post", "/api/v1/subsidy-applications/{application_id}/approve", f"{at}/approve",
                  amount=applied["computed_amount"])
    paid = examples.send(government, "post", "/api/v1/subsidy-applications/{application_id}/pay", f"{at}/pay",
                         paid_on=on.isoformat())
    assert (paid["status"], paid["approved_amount"]) == ("paid", 0.025)
    examples.send(government, "post", "/api/v1/subsidy-applications/{application_id}/reject",
                  f"/api/v1/subsidy-applications/{other['id']}/reject")


EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def send_fund_examples(world, examples: Examples, loan: dict) -> None:
    """The fund examples on the written-off loan: two funds of the city, one topped up; a claim on each,
    one approved and paid, the other rejected; a fund closed."""
    government, bank = world["government"], world["bank"]
    on = world["admin"].get("/admin/loans/business-date").json()["business_date"]
    claims = []
    for name in ("示例资金池甲", "示例资金池乙"):
        fund = examples.send(government, "post", "/api/v1/funds", name=f"{name}{loan['id']}")
        claims.append(examples.upload(bank, "/api/v1/funds/{fund_id}/claims", {"evidence": EVIDENCE},
                                      f"/api/v1/funds/{fund['id']}/claims", loan_id=loan["id"],
                                      loss_principal=loan["outstanding_principal"]))
    examples.send(government, "post", "/api/v1/funds/{fund_id}/top-up", f"/api/v1/funds/{fund['id']}/top-up")
    first, second = claims
    share = round(fund["share_percent"] * loan["outstanding_principal"] / 100, 4)
    examples.send(government, "post", "/api/v1/claims/{claim_id}/approve", f"/api/v1/claims/{first['id']}/approve",
                  amount=share)
    paid = examples.send(government, "post", "/api/v1/claims/{claim_id}/pay", f"/api/v1/claims/{first['id']}/pay",
                         paid_on=on)
    assert (paid["status"], paid["approved_amount"]) == ("paid", share)
    examples.send(government, "post", "/api/v1/claims/{claim_id}/reject", f"/api/v1/claims/{second['id']}/reject")
    assert government.post(f"/funds/{fund['id']}/close").json()["status"] == "closed"
