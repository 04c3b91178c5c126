"""Helpers of loan-service's tests: events as the other services send them, disbursed orders, tokens."""

import itertools
import json

from loan_service.models import OutboxMessage, db
from xyd_common.validators import uscc_check_char
from xyd_testing.helpers import bearer as auth  # noqa: F401  (the tests' name for it)
from xyd_testing.helpers import deliver

XUCHANG_REGIONS = [
    ("410000", "河南省", None), ("411000", "许昌市", "410000"), ("411002", "魏都区", "411000"),
    ("411024", "鄢陵县", "411000"), ("411081", "禹州市", "411000"),
]
BANK_ID, OTHER_BANK_ID = 7, 8


def uscc(serial: int) -> str:
    first17 = f"9141100{serial:09d}M"
    return first17 + uscc_check_char(first17)


# Enterprise users: (user id, USCC, name, region)
WEIDU_CO = (31, uscc(1), "许昌魏都制造有限公司", "411002")
YANLING_CO = (32, uscc(2), "鄢陵花木有限公司", "411024")

_order_ids = itertools.count(1000)


def institution_data(institution_id: int, name: str, type_: str = "bank") -> dict:
    return {"id": institution_id, "name": name, "type": type_, "region_code": "411000", "uscc": None,
            "contact_name": "王经理", "contact_phone": "13700000001", "status": "active"}


def seed_reference_data(app) -> None:
    """Regions of 许昌 and two banks, as auth-service's events deliver them."""
    paths: dict[str, list[str]] = {}
    for code, name, parent in XUCHANG_REGIONS:
        paths[code] = [*paths.get(parent, []), code]
        data = {"code": code, "name": name, "parent_code": parent, "path": paths[code]}
        assert deliver(app, "region.created", data) == "ack"
    for institution_id, name in ((BANK_ID, "许昌农商银行"), (OTHER_BANK_ID, "中原银行许昌分行")):
        assert deliver(app, "institution.created", institution_data(institution_id, name)) == "ack"


def disbursed_data(company=WEIDU_CO, institution_id: int = BANK_ID, amount=120, rate=6, term=12,
                   disbursed_on: str = "2026-01-15", order_id: int | None = None, **extra) -> dict:
    """`order.disbursed` data as order-service sends it today (without the v4 fields unless given)."""
    order_id = order_id or next(_order_ids)
    _user, code, name, region = company
    return {"order_id": order_id, "order_no": f"XC20260115{order_id:06d}", "status": "disbursed",
            "previous_status": "credit_granted", "product_id": 1, "product_name": "税易贷",
            "institution_id": institution_id, "institution_name": "许昌农商银行", "enterprise_uscc": code,
            "enterprise_name": name, "region_code": region, "amount": amount, "term_months": term,
            "applicant_user_id": _user, "granted_amount": amount, "granted_rate": rate,
            "granted_term_months": term, "disbursed_amount": amount, "disbursed_on": disbursed_on, **extra}


def outbox(app, event_type: str | None = None) -> list[dict]:
    """Envelopes in the outbox, oldest first."""
    with app.app_context():
        stmt = db.select(OutboxMessage.payload).order_by(OutboxMessage.id)
        if event_type:
            stmt = stmt.where(OutboxMessage.event_type == event_type)
        return [json.loads(p) for p in db.session.scalars(stmt)]
