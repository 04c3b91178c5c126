import uuid
from datetime import UTC, datetime, timedelta

from xyd_common.events.envelope import ENVELOPE_VERSION, new_envelope


def test_envelope_has_exactly_the_contract_fields():
    envelope = new_envelope("order.submitted", {"order_id": 7}, "order-service")
    assert set(envelope) == {"event_id", "event_type", "version", "occurred_at", "source", "data"}
    assert envelope["event_type"] == "order.submitted"
    assert envelope["source"] == "order-service"
    assert envelope["data"] == {"order_id": 7}


def test_event_id_is_a_uuid_and_new_for_every_event():
    first = new_envelope("order.submitted", {}, "order-service")
    second = new_envelope("order.submitted", {}, "order-service")
    assert str(uuid.UUID(first["event_id"])) == first["event_id"]
    assert first["event_id"] != second["event_id"]


def test_version_is_1():
    assert ENVELOPE_VERSION == 1
    assert new_envelope("order.submitted", {}, "order-service")["version"] == 1


def test_occurred_at_is_iso_8601_utc_with_z():
    before = datetime.now(UTC)
    occurred_at = new_envelope("order.submitted", {}, "order-service")["occurred_at"]
    after = datetime.now(UTC)
    assert occurred_at.endswith("Z")
    parsed = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    assert parsed.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= parsed <= after
