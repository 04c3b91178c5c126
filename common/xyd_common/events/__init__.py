"""Event machinery: the envelope, the broker topology, the transactional outbox and consumers."""

from .envelope import new_envelope
from .outbox import OutboxMixin, record_event

__all__ = ["new_envelope", "OutboxMixin", "record_event"]
