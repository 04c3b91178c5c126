"""Government instruments end to end: the city's government sets up a risk compensation fund and a 首贷贴息
programme and publishes a policy linking both, which reaches the enterprise without a loan yet (in-app
notice, 为我推荐); that enterprise's first loan is disbursed and repaid in part, it applies for the subsidy and
sees the computed amount, the government approves and pays it; another enterprise's loan goes
non-performing as the admin moves the business date; its bank claims with an evidence file, the
government approves within the share and the cap and pays. At each step the fund's or programme's
figures, the loan-service audit log and a government system's own queue (fund.#, subsidy.#) agree, and
the bank's scorecard counts the claim;
another bank, another district's government and another enterprise find nothing (404)."""

from datetime import date, timedelta

import pytest
from scenario import (
    STAFF_PASSWORD,
    EventSubscriber,
    admin_with_regions,
    institution_user,
    new_institution,
    published_policy,
    published_product,
    random_uscc,
    staff_user,
    verified_enterprise,
)
from test_loans import PRODUCT, china_today, disbursed_order, move_business_date, repay, the_loan

from xyd_testing.helpers import wait_until

REGIONS = [{"code": "410000", "name": "河南省", "parent_code": None},
           {"code": "411000", "name": "许昌市", "parent_code": "410000"},
           {"code": "411002", "name": "魏都区", "parent_code": "411000"},
           {"code": "411003", "name": "建安区", "parent_code": "411000"}]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def world(platform):
    admin = admin_with_regions(platform, REGIONS)
    funds, subsidies = EventSubscriber(platform, "fund.#"), EventSubscriber(platform, "subsidy.#")
    policies = EventSubscriber(platform, "policy.#")
    bank = institution_user(platform, admin, new_institution(admin, "许昌补偿银行"))
    other_bank = institution_user(platform, admin, new_institution(admin, "他行补偿银行"))
    government, district, elsewhere = (
        staff_user(platform, admin, "/admin/government-users", {"name": name, "region_code": code})[0]
        for name, code in (("许昌市财政局", "411000"), ("魏都区金融办", "411002"), ("建安区金融办", "411003")))
    product = published_product(bank, {**PRODUCT, "name": "补偿贴息测试贷"})
    first_uscc = random_uscc()
    first, _ = verified_enterprise(platform, admin, first_uscc, "许昌首贷电子有限公司", STAFF_PASSWORD)
    second, _ = verified_enterprise(platform, admin, random_uscc(), "许昌不良机械有限公司", STAFF_PASSWORD)
    third, _ = verified_enterprise(platform, admin, random_uscc(), "许昌旁观商贸有限公司", STAFF_PASSWORD)
    yield {"admin": admin, "bank": bank, "other_bank": other_bank, "government": government, "district": district,
           "elsewhere": elsewhere, "product": product, "first": first, "second": second, "third": third,
           "first_uscc": first_uscc, "fund_events": funds, "subsidy_events": subsidies, "policy_events": policies}
    funds.close()
    subsidies.close()
    policies.close()


def created(api, path: str, body: dict) -> dict:
    """POST once loan-service knows the regions (it learns them from auth-service's events)."""
    def attempt():
        resp = api.post(path, json=body)
        assert resp.status_code in (201, 422), resp.text
        return resp.json() if resp.status_code == 201 else None

    return wait_until(attempt, timeout=30, interval=0.3, message=f"POST {path}")


def loan_of(world, enterprise) -> dict:
    order = disbursed_order({**world, "enterprise": enterprise})
    return wait_until(lambda: the_loan(world["bank"], order), timeout=30, interval=0.3, message="the loan")


def audit(world, target_type: str, target_id: int) -> list[dict]:
    resp = world["admin"].get("/admin/loans/audit-logs", params={"target_type": target_type,
                                                                 "target_id": str(target_id)})
    assert resp.status_code == 200, resp.text
    return list(reversed(resp.json()["items"]))


def queued(subscriber, event_type: str, key: str, value: int) -> dict:
    return subscriber.wait_for(lambda e: e["event_type"] == event_type and e["data"][key] == value,
                               message=f"{event_type} of {key} {value} on the government's queue")


def business_date(world) -> date:
    return date.fromisoformat(world["admin"].get("/admin/loans/business-date").json()["business_date"])


def test_a_fund_and_a_first_loan_subsidy_from_set_up_to_payment(world):
    government, bank, admin = world["government"], world["bank"], world["admin"]
    fund = created(government, "/funds", {
        "name": "许昌市科技型企业风险补偿资金池", "region_code": "411000", "budget": 100, "share_percent": 40,
        "cap_per_loan": 3, "institution_types": ["bank"], "loans_from": "2026-01-01", "loans_to": "2030-12-31",
        "claims_until": "2031-12-31"})
    program = created(government, "/subsidy-programs", {
        "name": "许昌市首贷贴息", "region_code": "411000", "share_percent": 50, "first_loan_only": True,
        "cap_per_enterprise": 1, "budget": 10, "loans_from": "2026-01-01", "loans_to": "2030-12-31",
        "apply_until": "2031-12-31"})
    assert queued(world["fund_events"], "fund.created", "fund_id", fund["id"])["data"]["available"] == 100
    queued(world["subsidy_events"], "subsidy.program_created", "program_id", program["id"])
    assert [r["action"] for r in audit(world, "fund", fund["id"])] == ["fund.created"]

    # --- 政策: the city publishes a policy linking both; the enterprise without a loan yet is told -------
    policy = published_policy(government, world["policy_events"], {
        "title": "许昌市小微企业首贷贴息和风险补偿政策", "issuer": "许昌市财政局", "region_code": "411000",
        "body": "首次获得银行贷款的小微企业，按实际支付利息的 50% 给予贴息。\n\n"
                "合作银行的不良贷款由资金池分担 40% 的本金损失。",
        "published_on": china_today().isoformat(), "valid_until": None,
        "tags": {"industries": [], "whitelisted_only": False, "first_loan_only": True},
        "links": [{"type": "fund", "id": fund["id"]}, {"type": "subsidy_program", "id": program["id"]}]},
        audience_includes=world["first_uscc"])
    wait_until(lambda: [n for n in world["first"].get("/notifications").json()["items"]
                        if n["kind"] == "policy_published" and n["data"]["policy_id"] == policy["id"]],
               timeout=20, message="the enterprise told of the policy in the app")
    recommended = world["first"].get("/policies/recommended").json()["items"]
    (item,) = [i for i in recommended if i["policy"]["id"] == policy["id"]]
    assert "首贷企业适用（尚无放款记录）" in item["reasons"]
    # The portal's page names what it links to (product-service heard fund.created, program_created).
    wait_until(lambda: [link["name"] for link in world["third"].get(f"/policies/{policy['id']}").json()["links"]]
               == [fund["name"], program["name"]], timeout=20, message="the policy's links named")

    # --- 首贷贴息: the first enterprise's first loan, repaid in part --------------------------------------
    loan = loan_of(world, world["first"])
    assert loan["first_loan"] is True
    instalment = loan["schedule"][0]
    repay(world, loan, instalment["principal"], instalment["interest"], f"IN-{loan['id']}-1", china_today())
    applied = world["first"].post(f"/subsidy-programs/{program['id']}/applications", json={"loan_id": loan["id"]})
    assert applied.status_code == 201, applied.text
    application = applied.json()
    assert application["interest_paid"] == instalment["interest"]
    assert application["computed_amount"] == round(instalment["interest"] * 0.5 + 1e-9, 4)
    mine = world["first"].get(f"/subsidy-applications/{application['id']}").json()
    assert mine["computed_amount"] == application["computed_amount"]
    # Another enterprise, another district's government: nothing there.
    assert world["third"].get(f"/subsidy-applications/{application['id']}").status_code == 404
    assert world["elsewhere"].get(f"/subsidy-applications/{application['id']}").status_code == 404
    assert world["third"].post(f"/subsidy-programs/{program['id']}/applications",
                               json={"loan_id": loan["id"]}).status_code == 404
    # The district whose enterprise it is reads it; only the city decides.
    assert world["district"].get(f"/subsidy-applications/{application['id']}").status_code == 200
    assert world["district"].post(f"/subsidy-applications/{application['id']}/approve", json={}).status_code == 403

    at = f"/subsidy-applications/{application['id']}"
    approved = government.post(f"{at}/approve", json={})
    assert approved.status_code == 200 and approved.json()["approved_amount"] == application["computed_amount"]
    figures = government.get(f"/subsidy-programs/{program['id']}").json()
    assert (figures["approved"], figures["paid"]) == (application["computed_amount"], 0)
    paid = government.post(f"{at}/pay", json={"paid_on": business_date(world).isoformat(), "reference": "TX-1"})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    figures = government.get(f"/subsidy-programs/{program['id']}").json()
    assert (figures["approved"], figures["paid"]) == (0, application["computed_amount"])
    assert figures["available"] == round(10 - application["computed_amount"], 4)
    steps = ["subsidy.application_submitted", "subsidy.application_approved", "subsidy.application_paid"]
    assert [r["action"] for r in audit(world, "subsidy_application", application["id"])] == steps
    for step in steps:
        event = queued(world["subsidy_events"], step, "application_id", application["id"])
        assert event["data"]["computed_amount"] == application["computed_amount"]
    assert queued(world["subsidy_events"], "subsidy.application_paid", "application_id",
                  application["id"])["data"]["approved_amount"] == application["computed_amount"]

    # --- 风险补偿: the second enterprise's loan goes bad --------------------------------------------------
    bad = loan_of(world, world["second"])
    first_due = date.fromisoformat(bad["schedule"][0]["due_on"])
    move_business_date(world, max(business_date(world), first_due + timedelta(days=92)))
    bad = bank.get(f"/loans/{bad['id']}").json()
    assert bad["status"] == "non_performing"
    claimed = bank.post(f"/funds/{fund['id']}/claims", data={
        "loan_id": bad["id"], "loss_principal": bad["outstanding_principal"], "note": "企业停产，追偿无果"},
        files=[("evidence", ("催收记录.pdf", PDF))])
    assert claimed.status_code == 201, claimed.text
    claim = claimed.json()
    (file,) = claim["files"]
    download = government.get(f"/claims/{claim['id']}/files/{file['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    for stranger in ("other_bank", "elsewhere"):
        assert world[stranger].get(f"/claims/{claim['id']}").status_code == 404, stranger
        assert world[stranger].get(f"/claims/{claim['id']}/files/{file['id']}").status_code == 404, stranger
    assert world["other_bank"].post(f"/funds/{fund['id']}/claims", data={
        "loan_id": bad["id"], "loss_principal": 1}, files=[("evidence", ("a.pdf", PDF))]).status_code == 404
    again = bank.post(f"/funds/{fund['id']}/claims", data={"loan_id": bad["id"], "loss_principal": 1},
                      files=[("evidence", ("a.pdf", PDF))])
    assert again.status_code == 409 and again.json()["code"] == "claim_exists"

    # 40 % of the loss is more than the cap of 3 万元 per loan: the cap is what may be approved.
    assert round(0.4 * bad["outstanding_principal"], 4) > 3
    over = government.post(f"/claims/{claim['id']}/approve", json={"amount": 3.0001})
    assert over.status_code == 422 and over.json()["code"] == "over_fund_limit"
    assert world["elsewhere"].post(f"/claims/{claim['id']}/approve", json={"amount": 3}).status_code == 404
    approved = government.post(f"/claims/{claim['id']}/approve", json={"amount": 3})
    assert approved.status_code == 200 and approved.json()["approved_amount"] == 3
    figures = bank.get(f"/funds/{fund['id']}").json()
    assert (figures["budget"], figures["approved"], figures["paid"], figures["available"]) == (100, 3, 0, 97)
    paid = government.post(f"/claims/{claim['id']}/pay", json={"paid_on": business_date(world).isoformat(),
                                                               "reference": "CZ-1"})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    figures = admin.get(f"/funds/{fund['id']}").json()
    assert (figures["approved"], figures["paid"], figures["available"]) == (0, 3, 97)

    steps = ["fund.claim_submitted", "fund.claim_approved", "fund.claim_paid"]
    trail = audit(world, "claim", claim["id"])
    assert [r["action"] for r in trail] == steps
    assert trail[1]["after"]["approved_amount"] == 3 and trail[1]["actor_role"] == "government"
    for step in steps:
        event = queued(world["fund_events"], step, "claim_id", claim["id"])
        assert event["data"]["loan_id"] == bad["id"] and event["data"]["region_code"] == bad["region_code"]
    assert queued(world["fund_events"], "fund.claim_paid", "claim_id", claim["id"])["data"]["paid_on"] == \
        paid.json()["paid_on"]
    # The bank's scorecard counts the claim (order-service, from fund.claim_submitted).
    def claims_on_scorecard():
        cards = government.get("/orders/scorecards").json()["items"]
        return next((c["claims"] for c in cards if c["institution_id"] == bad["institution_id"]), None) == 1

    wait_until(claims_on_scorecard, timeout=30, interval=0.5, message="the claim on the bank's scorecard")
    # The fund's own steps were one: created; the claims' are announced with the claim.
    assert [e["event_type"] for e in world["fund_events"].drain()
            if e["data"].get("fund_id") == fund["id"] and "claim_id" not in e["data"]] == ["fund.created"]
