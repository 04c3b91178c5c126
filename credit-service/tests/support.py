"""Helpers of credit-service's tests: valid import rows, events as other services send them, the outbox."""

import json
import uuid
from datetime import timedelta

from credit_service.models import OutboxMessage, db
from credit_service.monitoring import china_today
from xyd_common.validators import USCC_ALPHABET, uscc_check_char
from xyd_testing.helpers import bearer as auth  # noqa: F401  (the tests' name for it)
from xyd_testing.helpers import deliver  # noqa: F401

# Regions of 许昌 under 河南, as auth-service announces them (with the path from the root).
XUCHANG_REGIONS = [
    ("410000", "河南省", None), ("411000", "许昌市", "410000"), ("411002", "魏都区", "411000"),
    ("411003", "建安区", "411000"), ("411024", "鄢陵县", "411000"), ("411025", "襄城县", "411000"),
    ("411081", "禹州市", "411000"), ("411082", "长葛市", "411000"),
]
BANK_ID, OTHER_BANK_ID = 7, 8
TODAY = china_today()  # the day whitelist entries are judged by, which UTC may not have reached yet


def new_uscc(region: str = "411002") -> str:
    """A fresh, valid USCC of an enterprise registered in `region`."""
    body = "".join(USCC_ALPHABET[b % 31] for b in uuid.uuid4().bytes[:9])
    first17 = "91" + region + body
    return first17 + uscc_check_char(first17)


def enterprise_row(uscc: str | None = None, **overrides) -> dict:
    row = {"uscc": uscc or new_uscc(), "name": "许昌恒美发制品有限公司", "legal_representative": "刘建国",
           "registered_capital": 3000.5, "established_on": "2009-04-16", "status": "存续",
           "industry": "制造业", "region_code": "411002", "tax_credit_rating": "A"}
    row.update(overrides)
    return row


def record_row(uscc: str, **overrides) -> dict:
    row = {"uscc": uscc, "category": "administrative_penalty", "title": "销售标签不符合规定的预包装食品",
           "authority": "许昌市魏都区市场监督管理局", "decided_on": "2025-07-22", "content": "罚款 5000 元。"}
    row.update(overrides)
    return row


def whitelist_row(uscc: str, **overrides) -> dict:
    row = {"uscc": uscc, "batch": "2026年第一批", "region_code": "411002",
           "listed_on": (TODAY - timedelta(days=30)).isoformat(),
           "valid_until": (TODAY + timedelta(days=335)).isoformat()}
    row.update(overrides)
    return row


def flag_row(uscc: str, indicator: str = "administrative_penalty", **overrides) -> dict:
    row = {"uscc": uscc, "indicator": indicator, "source": "许昌市市场监督管理局", "detected_on": "2026-03-09",
           "active": True}
    row.update(overrides)
    return row


def app_config(auth_service, **overrides) -> dict:
    """Test settings: an in-memory database, the stand-in auth-service, Redis keys of this test only."""
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "AUTH_SERVICE_URL": auth_service.url,
            "REDIS_KEY_PREFIX": f"test-credit-{uuid.uuid4().hex[:8]}:", **overrides}


def seed_regions(app) -> None:
    paths = {}
    for code, name, parent in XUCHANG_REGIONS:
        paths[code] = [*paths.get(parent, []), code]
        assert deliver(app, "region.created", {"code": code, "name": name, "parent_code": parent,
                                               "path": paths[code]}, source="auth-service") == "ack"


def order_data(uscc: str, institution_id: int = BANK_ID, order_id: int | None = None, status: str = "submitted",
               **overrides) -> dict:
    """The data of an order event, as the contract lists it."""
    order_id = order_id or uuid.uuid4().int % 10**9
    data = {"order_id": order_id, "order_no": f"XYD20261127{order_id % 10**6:06d}", "status": status,
            "previous_status": None, "product_id": 3, "product_name": "税易贷", "institution_id": institution_id,
            "institution_name": "许昌农商银行", "enterprise_uscc": uscc, "enterprise_name": "许昌恒美发制品有限公司",
            "region_code": "411002", "amount": 100, "term_months": 12, "applicant_user_id": 31}
    data.update(overrides)
    return data


def events(app, event_type: str | None = None) -> list[dict]:
    """Envelopes in the outbox, oldest first."""
    with app.app_context():
        stmt = db.select(OutboxMessage.payload).order_by(OutboxMessage.id)
        if event_type:
            stmt = stmt.where(OutboxMessage.event_type == event_type)
        return [json.loads(p) for p in db.session.scalars(stmt)]
