"""Helpers of the instruments' tests: funds, programmes, bad and repaid loans, claims with evidence."""

import io
from datetime import date

from loan_service.business_date import beijing_today
from loan_service.models import Loan, db
from xyd_testing.helpers import deliver

from .support import BANK_ID, auth, disbursed_data, institution_data

TODAY = beijing_today()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GUARANTEE_ID = 9


def fund_body(**overrides) -> dict:
    return {"name": "许昌市风险补偿资金池", "region_code": "411000", "budget": 100, "share_percent": 40,
            "cap_per_loan": 30, "institution_types": ["bank"], "whitelisted_only": False,
            "loans_from": "2020-01-01", "loans_to": "2030-12-31", "claims_until": "2030-12-31", **overrides}


def program_body(**overrides) -> dict:
    return {"name": "许昌市首贷贴息", "region_code": "411000", "share_percent": 50, "first_loan_only": False,
            "whitelisted_only": False, "cap_per_enterprise": 10, "budget": 100, "loans_from": "2020-01-01",
            "loans_to": "2030-12-31", "apply_until": "2030-12-31", **overrides}


def more_tokens(auth_service, tokens) -> dict:
    """The fixture's tokens plus a 魏都区 government (below 许昌市: read-only) and a guarantee company."""
    return {**tokens,
            "weidu_gov": auth(auth_service.token("government", sub="43", region_code="411002")),
            "guarantee": auth(auth_service.token("institution", sub="23", institution_id=GUARANTEE_ID))}


def add_guarantee_company(app) -> None:
    assert deliver(app, "institution.created", institution_data(GUARANTEE_ID, "许昌担保公司", "guarantee")) == "ack"


def create(client, headers, path: str, body: dict) -> dict:
    resp = client.post(path, json=body, headers=headers)
    assert resp.status_code == 201, resp.json
    return resp.json


def open_loan(app, disbursed_on: date | str, **data) -> Loan:
    """A loan from order.disbursed; disbursed long enough ago it opens non-performing (nothing repaid)."""
    on = disbursed_on if isinstance(disbursed_on, str) else disbursed_on.isoformat()
    body = disbursed_data(disbursed_on=on, **data)
    assert deliver(app, "order.disbursed", body) == "ack"
    with app.app_context():
        return db.session.scalar(db.select(Loan).where(Loan.order_id == body["order_id"]))


def bad_loan(app, **data) -> Loan:
    """A non-performing loan: 12 instalments from 2025-01-15, nothing repaid."""
    return open_loan(app, "2025-01-15", **data)


def claim(client, headers, fund_id: int, loan_id: int, loss, files=None, note="企业停产"):
    files = [(io.BytesIO(PDF), "催收记录.pdf")] if files is None else files
    return client.post(f"/api/v1/funds/{fund_id}/claims", headers=headers, content_type="multipart/form-data",
                       data={"loan_id": str(loan_id), "loss_principal": str(loss), "note": note, "evidence": files})


def repay_interest(client, headers, loan_id: int, interest, reference: str, principal=0):
    resp = client.post(f"/api/v1/loans/{loan_id}/repayments", headers=headers, json={
        "paid_on": TODAY.isoformat(), "principal": principal, "interest": interest, "reference": reference})
    assert resp.status_code == 201, resp.json
    return resp.json


BANK = BANK_ID
