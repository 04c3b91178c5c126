"""The contract's event envelope."""

import uuid
from datetime import UTC, datetime

ENVELOPE_VERSION = 1


def utc_now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class MalformedEnvelope(ValueError):
    """An envelope without what every event must carry; the consumer dead-letters it at once."""


def parse_time(value) -> datetime | None:
    """An ISO 8601 instant as events carry them (`Z` or an offset; none means UTC); None when missing
    or not a time."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def occurred_at(event: dict) -> datetime:
    """When the event happened at its source: what read models compare to ignore stale events."""
    at = parse_time(event.get("occurred_at"))
    if at is None:
        raise MalformedEnvelope("occurred_at missing or not an ISO 8601 time")
    return at


def new_envelope(event_type: str, data: dict, source: str, version: int = ENVELOPE_VERSION) -> dict:
    """A new event: `{event_id, event_type, version, occurred_at, source, data}`."""
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "version": version,
        "occurred_at": utc_now_iso(),
        "source": source,
        "data": data,
    }
