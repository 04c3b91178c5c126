"""Helpers of product-service's tests: a stand-in auth-service, events as auth-service sends them,
valid request bodies."""

import json
import uuid

from product_service.models import OutboxMessage, Product, db
from xyd_testing import helpers as testing
from xyd_testing.helpers import bearer as auth  # noqa: F401  (the tests' name for it)
from xyd_testing.helpers import deliver  # noqa: F401

# Regions of 许昌 under 河南, as auth-service announces them (with the path from the root).
XUCHANG_REGIONS = [
    ("410000", "河南省", None), ("411000", "许昌市", "410000"), ("411002", "魏都区", "411000"),
    ("411003", "建安区", "411000"), ("411024", "鄢陵县", "411000"), ("411025", "襄城县", "411000"),
    ("411081", "禹州市", "411000"), ("411082", "长葛市", "411000"),
]
BANK_ID, OTHER_BANK_ID = 7, 8


class FakeAuthService(testing.FakeAuthService):
    """The shared stand-in auth-service, with this suite's habit of passing the institution second."""

    def token(self, role: str, institution_id: int | None = None, sub: str = "1", mcp: bool = False,
              **claims) -> str:
        return super().token(role, sub=sub, institution_id=institution_id, mcp=mcp, **claims)


def app_config(auth_service, **overrides) -> dict:
    # Market totals are counted afresh: these tests change the catalogue behind the web code's back
    # (events, direct writes); reusing them is tested on its own (test_postgres).
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "AUTH_SERVICE_URL": auth_service.url,
            "REDIS_KEY_PREFIX": f"test-product-{uuid.uuid4().hex[:8]}:", "MARKET_TOTAL_CACHE_SECONDS": 0,
            **overrides}


def institution_data(institution_id: int, name: str, status: str = "active") -> dict:
    return {"id": institution_id, "name": name, "type": "bank", "region_code": "411000", "uscc": None,
            "contact_name": "王经理", "contact_phone": "13700000001", "status": status}


def seed_reference_data(app) -> None:
    paths = {}
    for code, name, parent in XUCHANG_REGIONS:
        paths[code] = [*paths.get(parent, []), code]
        assert deliver(app, "region.created", {"code": code, "name": name, "parent_code": parent,
                                               "path": paths[code]}) == "ack"
    for institution_id, name in ((BANK_ID, "许昌农商银行"), (OTHER_BANK_ID, "中原银行许昌分行")):
        assert deliver(app, "institution.created", institution_data(institution_id, name)) == "ack"


def product_body(**overrides) -> dict:
    body = {
        "name": "税易贷", "category": "loan", "guarantee_methods": ["credit"],
        "repayment_methods": ["equal_installment", "interest_first"],
        "amount_min": 10, "amount_max": 300, "term_min_months": 6, "term_max_months": 36,
        "rate_min": 3.45, "rate_max": 6.5, "target_customers": "依法纳税的小微企业",
        "requirements": "纳税信用等级 B 级及以上；正常经营满两年", "features": "纯信用、线上申请、随借随还",
        "description": "以企业纳税信息为依据发放的信用贷款。", "featured": False, "region_codes": ["411000"],
    }
    body.update(overrides)
    return body


def count(app, model=Product) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def events(app, event_type: str | None = None) -> list[dict]:
    """Envelopes in the outbox, oldest first."""
    with app.app_context():
        stmt = db.select(OutboxMessage.payload).order_by(OutboxMessage.id)
        if event_type:
            stmt = stmt.where(OutboxMessage.event_type == event_type)
        return [json.loads(p) for p in db.session.scalars(stmt)]
