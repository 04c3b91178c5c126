"""The contract's event envelope."""

import uuid
from datetime import UTC, datetime

ENVELOPE_VERSION = 1


def utc_now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
