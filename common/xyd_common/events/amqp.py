"""Opening broker connections the same way everywhere."""

import logging

import pika

log = logging.getLogger(__name__)

# Errors after which a relay or consumer reconnects (broker restart, CONNECTION_FORCED, network cut).
CONNECTION_ERRORS = (
    pika.exceptions.AMQPConnectionError,  # includes ConnectionClosedByBroker and StreamLostError
    pika.exceptions.AMQPChannelError,
    ConnectionError,
    OSError,
)


def connection_parameters(url: str, name: str) -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.heartbeat = 30
    params.blocked_connection_timeout = 60
    params.connection_attempts = 1
    params.socket_timeout = 5
    params.client_properties = {"connection_name": name}
    return params


def connect(url: str, name: str) -> pika.BlockingConnection:
    """A new blocking connection. Each relay/consumer loop owns its own; none is shared between
    threads, and request handlers never open one (they write to the outbox instead)."""
    return pika.BlockingConnection(connection_parameters(url, name))


class Backoff:
    """Exponential back-off between reconnect attempts: 0.5 s doubling to `ceiling`."""

    def __init__(self, first: float = 0.5, ceiling: float = 10.0):
        self.first = first
        self.ceiling = ceiling
        self.current = first

    def next(self) -> float:
        value = self.current
        self.current = min(self.current * 2, self.ceiling)
        return value

    def reset(self) -> None:
        self.current = self.first
