"""政策资讯: the verified users of the enterprises a published policy matches hear of it in the app."""

from xyd_common.events.envelope import new_envelope

from .support import OTHER_USCC, USCC
from .test_notifications import notifications, recipients, sms


def policy_event(event_type: str = "policy.published", region_code: str = "411000", **data) -> dict:
    body = {"id": 12, "title": "首贷企业贷款贴息政策", "issuer": "许昌市财政局", "region_code": region_code,
            "status": "published", "audience": [USCC, OTHER_USCC], **data}
    return new_envelope(event_type, body, "product-service")


def test_a_published_policy_is_told_in_the_app_to_the_verified_users_of_its_audience_once(seeded, deliver):
    event = policy_event()
    assert [deliver(seeded, event), deliver(seeded, event)] == ["ack", "ack"]
    # 32 owns USCC; 31 and 34 merely claim it; OTHER_USCC has no verified owner.
    assert recipients(seeded) == [32]
    [notice] = notifications(seeded, 32)
    assert (notice.kind, notice.title) == ("policy_published", "新政策推荐")
    assert "许昌市财政局发布了与贵企业相符的政策《首贷企业贷款贴息政策》" in notice.body
    assert notice.data == {"policy_id": 12}
    assert sms(seeded) == []  # in the app only


def test_updates_and_withdrawals_tell_no_enterprise(seeded, deliver):
    assert deliver(seeded, policy_event("policy.updated")) == "ack"
    assert deliver(seeded, policy_event("policy.withdrawn", status="withdrawn")) == "ack"
    assert recipients(seeded) == []
