"""Helpers of order-service's tests: events as the other services send them (to fill the read model),
tokens of every role, valid request bodies, a stand-in for credit-service."""

import json
from datetime import UTC, datetime

from werkzeug.wrappers import Request, Response

from order_service.models import OutboxMessage, db
from xyd_common.validators import uscc_check_char
from xyd_testing.helpers import (
    WsgiServer,
    deliver,  # noqa: F401
)
from xyd_testing.helpers import bearer as auth  # noqa: F401  (the tests' name for it)

# 许昌 under 河南, as auth-service announces the regions (with the path from the root).
XUCHANG_REGIONS = [
    ("410000", "河南省", None), ("411000", "许昌市", "410000"), ("411002", "魏都区", "411000"),
    ("411003", "建安区", "411000"), ("411024", "鄢陵县", "411000"), ("411081", "禹州市", "411000"),
]
BANK_ID, OTHER_BANK_ID = 7, 8


def uscc(serial: int) -> str:
    """A valid USCC (check character included) for test enterprise number `serial`."""
    first17 = f"9141100{serial:09d}M"
    return first17 + uscc_check_char(first17)


# Enterprise users: (user id, USCC, name, region)
WEIDU_CO = (31, uscc(1), "许昌魏都制造有限公司", "411002")
YANLING_CO = (32, uscc(2), "鄢陵花木有限公司", "411024")
YUZHOU_CO = (33, uscc(3), "禹州钧瓷有限公司", "411081")


def iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def institution_data(institution_id: int, name: str, status: str = "active") -> dict:
    return {"id": institution_id, "name": name, "type": "bank", "region_code": "411000", "uscc": None,
            "contact_name": "王经理", "contact_phone": "13700000001", "status": status}


def user_data(user_id: int, uscc_: str, enterprise_name: str, region_code: str) -> dict:
    return {"id": user_id, "role": "enterprise", "phone": f"139{user_id:08d}", "name": "联系人",
            "institution_id": None, "enterprise_uscc": uscc_, "enterprise_name": enterprise_name,
            "region_code": region_code, "status": "active"}


def verified_data(user_id: int, uscc_: str, enterprise_name: str, region_code: str) -> dict:
    """`auth.enterprise_verified`: the user owns the USCC (企业认证 approved)."""
    return {"user_id": user_id, "uscc": uscc_, "enterprise_name": enterprise_name, "region_code": region_code}


def text_published(version: int) -> dict:
    """`credit.authorization_text_published`: a new current version of the authorization text."""
    return {"version": version, "digest": "0" * 64, "purpose": "融资申请审核、授信审批及贷后管理",
            "data_categories": ["credit_records"], "valid_days": 365, "published_at": "2026-11-01T00:00:00+00:00"}


def product_data(product_id: int, institution_id: int = BANK_ID, **overrides) -> dict:
    """A product exactly as product-service's ProductSchema dumps it (the data of product.* events)."""
    data = {
        "id": product_id, "institution_id": institution_id,
        "institution_name": {BANK_ID: "许昌农商银行", OTHER_BANK_ID: "中原银行许昌分行"}.get(institution_id, "某银行"),
        "name": f"税易贷{product_id}", "category": "loan", "guarantee_methods": ["credit"],
        "repayment_methods": ["equal_installment"], "amount_min": 10, "amount_max": 300.5,
        "term_min_months": 6, "term_max_months": 36, "rate_min": 3.45, "rate_max": 6.5,
        "target_customers": "小微企业", "requirements": "", "features": "", "description": "", "featured": False,
        "region_codes": ["411000"], "status": "active", "orders_count": 0,
        "created_at": "2026-11-27T08:00:00+00:00", "updated_at": "2026-11-27T08:00:00+00:00",
    }
    data.update(overrides)
    return data


def seed_reference_data(app) -> None:
    """Regions of 许昌, two banks, three verified enterprises, version 1 of the authorization text and
    products 1 (bank, 许昌市), 2 (bank, 禹州市 only)
    and 3 (the other bank, 许昌市) — as their owners' events deliver them."""
    paths: dict[str, list[str]] = {}
    for code, name, parent in XUCHANG_REGIONS:
        paths[code] = [*paths.get(parent, []), code]
        data = {"code": code, "name": name, "parent_code": parent, "path": paths[code]}
        assert deliver(app, "region.created", data) == "ack"
    for institution_id, name in ((BANK_ID, "许昌农商银行"), (OTHER_BANK_ID, "中原银行许昌分行")):
        assert deliver(app, "institution.created", institution_data(institution_id, name)) == "ack"
    for user_id, code, name, region in (WEIDU_CO, YANLING_CO, YUZHOU_CO):
        assert deliver(app, "auth.user_created", user_data(user_id, code, name, region)) == "ack"
        assert deliver(app, "auth.enterprise_verified", verified_data(user_id, code, name, region)) == "ack"
    for data in (product_data(1), product_data(2, region_codes=["411081"]), product_data(3, OTHER_BANK_ID)):
        assert deliver(app, "product.published", data, source="product-service") == "ack"
    assert deliver(app, "credit.authorization_text_published", text_published(1), source="credit-service") == "ack"


def order_body(**overrides) -> dict:
    body = {"product_id": 1, "amount": 100, "term_months": 12, "purpose": "采购原材料", "credit_authorized": True,
            "contact_name": "李会计", "contact_phone": "13912345678"}
    body.update(overrides)
    return body


def outbox(app, event_type: str | None = None) -> list[dict]:
    """Envelopes in the outbox, oldest first."""
    with app.app_context():
        stmt = db.select(OutboxMessage.payload).order_by(OutboxMessage.id)
        if event_type:
            stmt = stmt.where(OutboxMessage.event_type == event_type)
        return [json.loads(p) for p in db.session.scalars(stmt)]


class FakeCreditService(WsgiServer):
    """`GET /internal/credit/risk?uscc=…` answered from `states` ({uscc: (level, tags, whitelisted)});
    `asked` records the USCC lists of every call and `tokens` their Authorization headers."""

    def __init__(self):
        self.states: dict[str, tuple[str, list, bool]] = {}
        self.asked: list[list[str]] = []
        self.tokens: list[str | None] = []
        super().__init__()
        self.start()

    def _app(self, environ, start_response):
        request = Request(environ)
        if request.path != "/internal/credit/risk":
            return Response('{"code": "not_found", "message": "资源不存在"}', status=404,
                            content_type="application/json")(environ, start_response)
        usccs = request.args.getlist("uscc")
        self.asked.append(usccs)
        self.tokens.append(request.headers.get("Authorization"))
        body = []
        for u in usccs:
            level, tags, whitelisted = self.states.get(u, ("none", [], False))  # unknown: as credit-service says
            body.append({"uscc": u, "level": level, "tags": tags, "whitelisted": whitelisted,
                         "known": u in self.states})
        return Response(json.dumps(body, ensure_ascii=False), content_type="application/json")(environ, start_response)

