"""Who the client is: the peer address, or what X-Forwarded-For says when the peer is a trusted proxy.

`TRUSTED_PROXIES` lists addresses or networks (`127.0.0.1,10.0.0.0/8,::1`). A service trusts the
gateway (the default, 127.0.0.1 and ::1, is the gateway of a local run); the gateway trusts the ingress
or load balancer in front of it (default: none, the client connects to it directly). Anyone else who
sends X-Forwarded-For is ignored, so a client that reaches a port directly cannot choose its own address
for the per-IP throttles.
"""

import ipaddress

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(value: str | None) -> tuple[IPNetwork, ...]:
    """`TRUSTED_PROXIES` as networks; a plain address is a network of one. Raises ValueError on a typo,
    so a misconfigured process stops at start rather than trusting the wrong peers."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in (value or "").split(",")
                 if part.strip())


def _is_trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, networks: tuple[IPNetwork, ...]) -> str | None:
    """The client: starting from the peer, step back through X-Forwarded-For (right to left) while the
    address at hand is a trusted proxy; the first address not trusted is the client."""
    client = peer
    if not networks or not forwarded_for:
        return client
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if client is None or not _is_trusted(client, networks):
            break
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # a malformed entry ends what can be believed
        client = hop
    return client


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR becomes the client per `client_address`; the peer stays in
    `xyd.peer_addr`."""

    def __init__(self, app, networks: tuple[IPNetwork, ...]):
        self.app = app
        self.networks = networks

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR")
        environ["xyd.peer_addr"] = peer
        environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.networks)
        return self.app(environ, start_response)
