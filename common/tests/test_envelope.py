import uuid
from datetime import UTC, datetime, timedelta

import pytest

from xyd_common.events.envelope import ENVELOPE_VERSION, MalformedEnvelope, new_envelope, occurred_at, parse_time


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


def test_one_reading_of_event_times():
    at = datetime(2026, 11, 29, 8, 30, 0, 123000, tzinfo=UTC)
    for text in ("2026-11-29T08:30:00.123000Z", "2026-11-29T08:30:00.123+00:00", "2026-11-29T16:30:00.123+08:00",
                 "2026-11-29T08:30:00.123"):  # no offset: UTC
        assert parse_time(text) == at, text
    for text in (None, "", "yesterday", 20261129, "2026-13-01T00:00:00Z"):
        assert parse_time(text) is None
    assert occurred_at({"occurred_at": "2026-11-29T08:30:00.123Z"}) == at
    for envelope in ({}, {"occurred_at": None}, {"occurred_at": "soon"}):
        with pytest.raises(MalformedEnvelope):
            occurred_at(envelope)
