"""Building blocks of end-to-end scenarios: unique identities, the 许昌 regions, staff users who have
changed their initial password, institutions, an event subscriber. Every test makes its own, so tests
never collide."""

import itertools
import json
import secrets
import struct
import uuid
import zlib

import pika
from api_client import Api

from xyd_common.validators import USCC_ALPHABET, uscc_check_char
from xyd_testing.helpers import RABBITMQ_HOST, RABBITMQ_PORT, amqp_url, wait_until

INITIAL_PASSWORD = "111111"
STAFF_PASSWORD = "Xuchang2026staff"
XUCHANG_REGIONS = ({"code": "411000", "name": "许昌市", "parent_code": None},
                   {"code": "411002", "name": "魏都区", "parent_code": "411000"})


def unique_phone(prefix: str = "137") -> str:
    return prefix + f"{uuid.uuid4().int % 10**8:08d}"


def random_uscc(region: str = "411002") -> str:
    first17 = "91" + region + "".join(secrets.choice(USCC_ALPHABET) for _ in range(9))
    return first17 + uscc_check_char(first17)


def admin_with_regions(platform, regions=XUCHANG_REGIONS) -> Api:
    """The platform admin, logged in, with `regions` in place (parents first)."""
    admin = Api(platform.gateway)
    admin.login()
    for body in regions:
        resp = admin.post("/admin/regions", json=body)
        assert resp.status_code in (201, 409), resp.text
    return admin


def admin_with_xuchang(platform) -> Api:
    """The platform admin, logged in, with 许昌市 and 魏都区 in place."""
    return admin_with_regions(platform)


def staff_user(platform, admin: Api, path: str, body: dict) -> tuple[Api, dict]:
    """A user the admin creates at `path`, logged in, its initial password already changed."""
    phone = unique_phone()
    created = admin.post(path, json={"phone": phone, **body})
    assert created.status_code == 201, created.text
    api = Api(platform.gateway)
    api.login(phone, INITIAL_PASSWORD)
    changed = api.post("/auth/password", json={"old_password": INITIAL_PASSWORD, "new_password": STAFF_PASSWORD})
    assert changed.status_code == 200, changed.text
    api.token = changed.json()["access_token"]
    return api, created.json()


# Branch names that make each institution's name unique on its platform (one per pytest process) and
# read as a real one on a page and in the manual's screenshots.
_STREETS = ("建安大道", "魏文路", "许继大道", "八一路", "七一路", "文峰路", "劳动路", "学院路", "瑞祥路", "莲城大道",
            "天宝路", "颍昌大道", "魏武大道", "永昌大道", "新兴路", "延安路")
_BRANCHES = ("支行", "营业部", "分理处", "社区支行")
_NUMERALS = "一二三四五六七八九"
_institutions = itertools.count()


def _chinese(number: int) -> str:
    """1–99 in Chinese numerals (二, 十一, 二十三)."""
    tens, ones = divmod(number, 10)
    return (("" if tens == 1 else _NUMERALS[tens - 1]) + "十" if tens else "") + (_NUMERALS[ones - 1] if ones else "")


def _branch() -> str:
    number = next(_institutions)
    street, branch = _STREETS[number % len(_STREETS)], _BRANCHES[number // len(_STREETS) % len(_BRANCHES)]
    lap = number // (len(_STREETS) * len(_BRANCHES))  # 64 names a lap; 第二, 第三 … on the later ones
    return f"{street}{'' if lap == 0 else '第' + _chinese(lap + 1)}{branch}"


def new_institution(admin: Api, name: str = "许昌银行", kind: str = "bank", region: str = "411000") -> dict:
    resp = admin.post("/admin/institutions", json={"name": f"{name}{_branch()}", "type": kind,
                                                   "region_code": region})
    assert resp.status_code == 201, resp.text
    return resp.json()


def institution_user(platform, admin: Api, institution: dict) -> Api:
    api, _ = staff_user(platform, admin, f"/admin/institutions/{institution['id']}/users", {"name": "信贷经理"})
    return api


LOAN_PRODUCT = {"name": "信易贷", "category": "loan", "guarantee_methods": ["credit"],
                "repayment_methods": ["equal_installment"], "amount_min": 10, "amount_max": 300,
                "term_min_months": 6, "term_max_months": 36, "rate_min": 3.45, "rate_max": 6.5,
                "region_codes": ["411000"]}


def published_product(bank: Api, body: dict = LOAN_PRODUCT) -> dict:
    """A product the bank publishes, retried while product-service has not heard of the new bank."""
    product = {}

    def publish():
        resp = bank.post("/products", json=body)
        assert resp.status_code in (201, 409), resp.text
        product.update(resp.json())
        return resp.status_code == 201

    wait_until(publish, timeout=30, interval=0.3, message="product-service to know the bank")
    return product


def tiny_png() -> bytes:
    """A real 1×1 PNG: what a scanned business licence is, as far as type checks go."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
            + chunk(b"IEND", b""))


def register_enterprise(platform, uscc: str, name: str, password: str = STAFF_PASSWORD,
                        contact_name: str = "李会计", region: str = "411002") -> tuple[Api, dict]:
    """An enterprise account registered through the API and logged in: it only claims `uscc`."""
    api = Api(platform.gateway)
    phone = unique_phone()
    code = api.request_code(phone, "register")
    resp = api.post("/auth/register", token="", json={
        "phone": phone, "sms_code": code, "password": password, "contact_name": contact_name,
        "enterprise_name": name, "uscc": uscc, "region_code": region})
    assert resp.status_code == 201, resp.text
    assert resp.json()["verification_status"] == "unverified"
    api.login(phone, password)
    return api, resp.json()


def submit_verification(api: Api, legal_representative: str = "李会计", **files) -> dict:
    """The enterprise asks to be verified (its contact as legal representative, a PNG licence)."""
    files = files or {"licence": ("营业执照.png", tiny_png(), "image/png")}
    resp = api.post("/auth/enterprise-verification", data={"legal_representative": legal_representative},
                    files=files)
    assert resp.status_code == 201, resp.text
    return resp.json()


def approve_verification(admin: Api, enterprise: Api, request_id: int) -> None:
    """The reviewer approves; the enterprise refreshes its token, which then says `verified`."""
    resp = admin.post(f"/admin/enterprise-verifications/{request_id}/approve")
    assert resp.status_code == 200, resp.text
    assert enterprise.refresh()["user"]["verification_status"] == "verified"


def verified_enterprise(platform, admin: Api, uscc: str | None = None, name: str = "许昌魏都制造有限公司",
                        password: str = STAFF_PASSWORD, contact_name: str = "李会计",
                        region: str = "411002") -> tuple[Api, dict]:
    """An enterprise that registered, sent its licence and was approved: it may apply and read its
    own credit record."""
    api, user = register_enterprise(platform, uscc or random_uscc(region), name, password, contact_name, region)
    request = submit_verification(api, legal_representative=contact_name)
    approve_verification(admin, api, request["id"])
    return api, user


def order_service_ready(enterprise: Api, product: dict) -> bool:
    """Whether order-service knows both the enterprise and `product` (its copies fill from events): an
    amount above the product's maximum is then refused as such, and nothing is written."""
    resp = enterprise.post("/orders", json={"product_id": product["id"], "amount": 300.0001, "term_months": 12,
                                            "purpose": "采购原材料", "credit_authorized": True})
    return resp.json().get("code") == "amount_out_of_range"


def authorization_version(api: Api) -> int:
    """The current version of the credit authorization text (授权书), which needs and orders consent to."""
    return Api(api.base).get("/credit/authorization-text", token="").json()["version"]


def post_need(enterprise: Api, valid_days: int = 30) -> dict:
    """A financing need the enterprise posts, retried while order-service has not heard of it."""
    body = {"amount": 100, "term_months": 12, "purpose": "扩大生产", "guarantee_methods": ["credit"],
            "valid_days": valid_days, "credit_authorization": {"version": authorization_version(enterprise)}}

    def attempt():
        resp = enterprise.post("/needs", json=body)
        assert resp.status_code in (201, 503), resp.text
        return resp.json() if resp.status_code == 201 else None

    return wait_until(attempt, timeout=20, interval=0.3, message="order-service to know the enterprise")


def published_policy(government: Api, events: "EventSubscriber", body: dict, audience_includes: str) -> dict:
    """A policy published today whose announced audience includes the enterprise `audience_includes`
    (a USCC). product-service learns an enterprise's region and industry from auth.enterprise_verified, a
    moment after the approval: a policy published before that misses it; withdraw it and publish again."""
    def attempt():
        resp = government.post("/policies", json=body)
        assert resp.status_code == 201, resp.text
        policy = resp.json()
        event = events.wait_for(lambda e: e["event_type"] == "policy.published" and e["data"]["id"] == policy["id"])
        if audience_includes in event["data"]["audience"]:
            return policy
        government.post(f"/policies/{policy['id']}/withdraw")  # too early: try again with a fresh policy
        return None

    return wait_until(attempt, timeout=30, interval=0.5, message="product-service to know the enterprise")


class EventSubscriber:
    """A subscriber of the platform's events, as a government system would be: its own queue in the
    platform's vhost bound to `binding` (e.g. `order.#`), deduplicating on event_id."""

    def __init__(self, platform, binding: str):
        params = pika.URLParameters(amqp_url(platform.vhost, RABBITMQ_HOST, RABBITMQ_PORT))
        params.heartbeat = 0  # the test reads between long pauses; no heartbeats to miss
        self.connection = pika.BlockingConnection(params)
        self.channel = self.connection.channel()
        self.queue = f"e2e-{uuid.uuid4().hex[:8]}.events"
        self.channel.queue_declare(self.queue, durable=True, arguments={"x-queue-type": "quorum"})
        # The exchange exists once a relay has connected: the platform may be younger than that.
        wait_until(lambda: self._bind(binding), timeout=30, message="xyd.events to exist")
        self.by_id: dict[str, dict] = {}
        self.deliveries = 0

    def _bind(self, binding: str) -> bool:
        try:
            self.channel.queue_bind(self.queue, "xyd.events", routing_key=binding)
            return True
        except pika.exceptions.ChannelClosedByBroker:  # NOT_FOUND closes the channel: open another
            self.channel = self.connection.channel()
            return False

    def drain(self) -> list[dict]:
        """Every distinct event received so far, in arrival order."""
        while True:
            method, properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return list(self.by_id.values())
            event = json.loads(body)
            assert properties.message_id == event["event_id"] and properties.content_type == "application/json"
            self.deliveries += 1
            self.by_id.setdefault(event["event_id"], event)

    def wait_for(self, predicate, timeout: float = 20, message: str = "an event") -> dict:
        return wait_until(lambda: next((e for e in self.drain() if predicate(e)), None), timeout=timeout,
                          interval=0.2, message=message)

    def close(self) -> None:
        self.channel.queue_delete(self.queue)
        self.connection.close()
