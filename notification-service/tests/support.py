"""Helpers of notification-service's tests: a stand-in auth-service, a webhook receiver, and the
events other services send, as they send them."""


from xyd_common.events.envelope import new_envelope
from xyd_testing import helpers as testing
from xyd_testing.helpers import RecordingServer
from xyd_testing.helpers import deliver_envelope as deliver  # noqa: F401  (the tests' name for it)

USCC = "91350100M000100Y43"
OTHER_USCC = "91411000MA44XXXX0X"  # only ever an identifier here, never checksum-validated
BANK_ID, OTHER_BANK_ID = 7, 8
# Regions of 许昌 under 河南, as auth-service announces them.
XUCHANG_REGIONS = [
    ("410000", "河南省", None), ("411000", "许昌市", "410000"), ("411002", "魏都区", "411000"),
    ("411082", "长葛市", "411000"), ("410100", "郑州市", "410000"),
]


class FakeAuthService(testing.FakeAuthService):
    """The shared stand-in auth-service; this suite names the user id second and wants headers."""

    def token(self, role: str, sub: int, institution_id: int | None = None, enterprise_uscc: str | None = None,
              region_code: str | None = None) -> str:
        return super().token(role, sub=str(sub), institution_id=institution_id, enterprise_uscc=enterprise_uscc,
                             region_code=region_code)

    def headers(self, *args, **kwargs) -> dict:
        return {"Authorization": f"Bearer {self.token(*args, **kwargs)}"}


class WebhookReceiver(RecordingServer):
    """A government system's endpoint on 127.0.0.1: records each request (headers and exact body)
    and answers the next status of `statuses` (the last one repeats)."""

    def __init__(self, statuses=(200,), delay: float = 0):
        super().__init__(statuses, path="/xyd/events", delay=delay)


def user_event(user_id: int, role: str, phone: str, *, event_type: str = "auth.user_created", status: str = "active",
               institution_id: int | None = None, enterprise_uscc: str | None = None,
               enterprise_name: str | None = None, region_code: str | None = None, name: str = "张三") -> dict:
    return new_envelope(event_type, {
        "id": user_id, "role": role, "phone": phone, "name": name, "institution_id": institution_id,
        "enterprise_uscc": enterprise_uscc, "enterprise_name": enterprise_name, "region_code": region_code,
        "status": status}, "auth-service")


def region_events() -> list[dict]:
    paths: dict[str, list[str]] = {}
    events = []
    for code, name, parent in XUCHANG_REGIONS:
        paths[code] = [*paths.get(parent, []), code]
        events.append(new_envelope("region.created", {"code": code, "name": name, "parent_code": parent,
                                                      "path": paths[code]}, "auth-service"))
    return events


def order_data(status: str = "submitted", previous_status: str | None = None, **overrides) -> dict:
    data = {
        "order_id": 501, "order_no": "XYD202611270001", "status": status, "previous_status": previous_status,
        "product_id": 11, "product_name": "税易贷", "institution_id": BANK_ID, "institution_name": "许昌农商银行",
        "enterprise_uscc": USCC, "enterprise_name": "许昌瑞祥机械有限公司", "region_code": "411002",
        "amount": 100, "term_months": 12, "applicant_user_id": 31,
    }
    data.update(overrides)
    return data


ORDER_EXTRAS = {
    "order.accepted": ("accepted", "submitted", {}),
    "order.credit_granted": ("credit_granted", "accepted",
                             {"granted_amount": 80.5, "granted_rate": 4.35, "granted_term_months": 12}),
    "order.disbursed": ("disbursed", "credit_granted", {"disbursed_amount": 80.5, "disbursed_on": "2026-12-01"}),
    "order.terminated": ("terminated", "accepted", {"reason": "经营流水不足，暂不符合准入条件"}),
    "order.withdrawn": ("withdrawn", "submitted", {}),
    "order.submitted": ("submitted", None, {}),
    "order.accept_overdue": ("submitted", "submitted", {}),
    "order.urged": ("submitted", "submitted", {"message": "请尽快受理"}),
}


def order_event(event_type: str, **overrides) -> dict:
    """An order event as order-service sends it (the status and extra fields its type implies)."""
    status, previous, extra = ORDER_EXTRAS[event_type]
    return new_envelope(event_type, order_data(status, previous, **{**extra, **overrides}), "order-service")


def risk_event(level: str, previous_level: str, uscc: str = USCC, tags=("dishonest_debtor",)) -> dict:
    return new_envelope("credit.risk_changed", {"uscc": uscc, "level": level, "tags": list(tags),
                                                "previous_level": previous_level}, "credit-service")


def seed(app) -> None:
    """Tell the app 许昌's regions, a bank with two active users and one disabled, an enterprise with
    its applicant and its verified owner account, a stranger merely claiming the enterprise's USCC,
    users of another bank and another enterprise, the admin, and government users of 许昌市 and 长葛市."""
    events = [*region_events(),
              user_event(21, "institution", "13700000021", institution_id=BANK_ID),
              user_event(22, "institution", "13700000022", institution_id=BANK_ID),
              user_event(23, "institution", "13700000023", institution_id=BANK_ID, status="disabled"),
              user_event(24, "institution", "13700000024", institution_id=OTHER_BANK_ID),
              user_event(31, "enterprise", "13900000031", enterprise_uscc=USCC, enterprise_name="许昌瑞祥机械有限公司"),
              user_event(32, "enterprise", "13900000032", enterprise_uscc=USCC, enterprise_name="许昌瑞祥机械有限公司"),
              user_event(33, "enterprise", "13900000033", enterprise_uscc=OTHER_USCC),
              user_event(34, "enterprise", "13900000034", enterprise_uscc=USCC, enterprise_name="冒用者"),
              new_envelope("auth.enterprise_verified", {"user_id": 32, "uscc": USCC,
                                                        "enterprise_name": "许昌瑞祥机械有限公司",
                                                        "region_code": "411002"}, "auth-service"),
              user_event(1, "admin", "13800000000"),
              user_event(41, "government", "13600000041", region_code="411000"),
              user_event(42, "government", "13600000042", region_code="411082")]
    for event in events:
        assert deliver(app, event) == "ack"
