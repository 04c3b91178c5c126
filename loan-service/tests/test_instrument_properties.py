"""Properties of the instruments over generated cases: however approvals are asked for, a fund's and a
programme's approvals never add up past the budget, every claim approval keeps within the share of the
loss and the per-loan cap, and every subsidy approval equals the programme's rule applied to the
interest recorded as paid on the loan (capped by what the enterprise's cap left)."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loan_service.models import Repayment, db

from .instruments import bad_loan, claim, create, fund_body, more_tokens, program_body
from .support import WEIDU_CO, YANLING_CO
from .test_subsidies import paid_loan

CENT = Decimal("0.0001")
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
amounts = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(60), places=4)


@SLOW
@given(budget=amounts, share=st.integers(min_value=1, max_value=100), cap=amounts,
       claims=st.lists(st.tuples(st.integers(min_value=0, max_value=2), amounts, amounts), min_size=1, max_size=5))
def test_claim_approvals_never_pass_the_budget_the_share_or_the_cap(seeded, client, auth_service, tokens, budget,
                                                                    share, cap, claims):
    who = more_tokens(auth_service, tokens)
    fund = create(client, who["xuchang"], "/api/v1/funds", fund_body(budget=str(budget), share_percent=share,
                                                                     cap_per_loan=str(cap)))
    loans = [bad_loan(seeded) for _ in range(3)]
    approved_by_loan: dict[int, Decimal] = {}
    total = Decimal(0)
    for which, loss, asked in claims:
        loan = loans[which]
        made = claim(client, who["bank"], fund["id"], loan.id, str(loss))
        if made.status_code == 409:  # an open claim on this loan already: decide it first
            continue
        assert made.status_code == 201, made.json
        resp = client.post(f"/api/v1/claims/{made.json['id']}/approve", json={"amount": str(asked)},
                           headers=who["xuchang"])
        limit = min((Decimal(share) * loss / 100).quantize(CENT, ROUND_HALF_UP),
                    cap - approved_by_loan.get(loan.id, Decimal(0)), budget - total)
        if asked <= limit:
            assert resp.status_code == 200, resp.json
            approved_by_loan[loan.id] = approved_by_loan.get(loan.id, Decimal(0)) + asked
            total += asked
            client.post(f"/api/v1/claims/{made.json['id']}/pay", json={"paid_on": "2025-06-30", "reference": "P"},
                        headers=who["xuchang"])
        else:
            assert resp.status_code == 422 and resp.json["code"] == "over_fund_limit", resp.json
            client.post(f"/api/v1/claims/{made.json['id']}/reject", json={"reason": "超过限额"},
                        headers=who["xuchang"])
    now = client.get(f"/api/v1/funds/{fund['id']}", headers=who["admin"]).json
    assert Decimal(str(now["approved"])) + Decimal(str(now["paid"])) == total <= budget
    assert all(v <= cap for v in approved_by_loan.values())


@SLOW
@given(budget=amounts, cap=amounts, rule=st.one_of(st.tuples(st.just("share_percent"), st.integers(1, 100)),
                                                  st.tuples(st.just("rate_points"), st.integers(1, 900))),
       loans=st.lists(st.tuples(st.booleans(), st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.5"),
                                                           places=4)), min_size=1, max_size=4))
def test_subsidy_approvals_equal_the_rule_on_recorded_interest_within_the_budget(seeded, client, auth_service,
                                                                                  tokens, budget, cap, rule, loans):
    who = more_tokens(auth_service, tokens)
    name, value = rule
    value = Decimal(value) / (100 if name == "rate_points" else 1)  # points 0.01–9 against a 6 % loan
    body = {**program_body(budget=str(budget), cap_per_enterprise=str(cap), share_percent=None), name: str(value)}
    program = create(client, who["xuchang"], "/api/v1/subsidy-programs", body)
    granted = {"weidu": Decimal(0), "yanling": Decimal(0)}
    total = Decimal(0)
    for yanling, interest in loans:
        enterprise = "yanling" if yanling else "weidu"
        loan = paid_loan(seeded, client, who, interest=str(interest), rate=6,
                         company=YANLING_CO if yanling else WEIDU_CO)
        with seeded.app_context():
            recorded = sum(db.session.scalars(db.select(Repayment.interest).where(Repayment.loan_id == loan.id)))
        raw = value * recorded / 100 if name == "share_percent" else min(recorded, recorded * value / 6)
        expected = max(Decimal(0), min(raw, cap - granted[enterprise])).quantize(CENT, ROUND_HALF_UP)
        resp = client.post(f"/api/v1/subsidy-programs/{program['id']}/applications", json={"loan_id": loan.id},
                           headers=who[enterprise])
        if expected <= 0:
            assert resp.status_code == 422 and resp.json["code"] == "not_eligible"
            continue
        assert resp.status_code == 201, resp.json
        assert Decimal(str(resp.json["interest_paid"])) == recorded
        assert Decimal(str(resp.json["computed_amount"])) == expected
        approved = client.post(f"/api/v1/subsidy-applications/{resp.json['id']}/approve", json={},
                               headers=who["xuchang"])
        if expected <= budget - total:
            assert approved.status_code == 200 and Decimal(str(approved.json["approved_amount"])) == expected
            granted[enterprise] += expected
            total += expected
        else:
            assert approved.status_code == 422 and approved.json["code"] == "over_budget"
    now = client.get(f"/api/v1/subsidy-programs/{program['id']}", headers=who["admin"]).json
    assert Decimal(str(now["approved"])) == total <= budget
