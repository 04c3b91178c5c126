"""Who the client is: the peer, or the address the chain of trusted proxies in front of it names.

The trust chain has two links and one setting:

- **Outside → gateway: `TRUSTED_PROXIES`**, read by the gateway. Addresses or networks
  (`10.0.0.0/8,192.0.2.7`) of the proxies in front of it (a TLS terminator, a load balancer): only
  their X-Forwarded-For names the client. Or a number of hops (`1`) where the proxies' addresses are
  not known in advance but the network admits nobody else to the gateway (Kubernetes: the ingress
  controller, fenced by a NetworkPolicy). Empty (the default): clients connect directly and what they
  send as X-Forwarded-For is ignored.
- **Gateway → services: the gateway's signature.** The gateway forwards the client it established in
  `X-Forwarded-For` with `X-Xyd-Client-Proof`, an HMAC keyed by the platform's `SERVICE_TOKEN_SECRET`
  (which every process already holds and no client does) over the address and the time. A service
  believes X-Forwarded-For only with a valid proof, whoever the peer is, so nothing else on the host
  or in the cluster can choose its address for the per-IP throttles or the logs; services need no
  address setting of their own, and none can disagree with the gateway's.
"""

import hashlib
import hmac
import ipaddress
import time

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Networks of trusted proxies, or how many proxies in front are trusted whatever their addresses.
Trust = tuple[IPNetwork, ...] | int

PROOF_HEADER = "X-Xyd-Client-Proof"
# A proof older (or newer) than this is refused: a copied header cannot be used for long.
PROOF_MAX_AGE_SECONDS = 300


def parse_trusted_proxies(value: str | None) -> Trust:
    """`TRUSTED_PROXIES` as networks (a plain address is a network of one), or as a number of hops.
    Raises ValueError on a typo, so a misconfigured gateway stops at start rather than trusting the
    wrong peers."""
    text = (value or "").strip()
    if text.isdigit():
        return int(text)
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def _is_ip(address: str | None) -> bool:
    try:
        ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return True


def _is_trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    if not _is_ip(address):
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Trust) -> str | None:
    """The client: starting from the peer, step back through X-Forwarded-For (right to left) while the
    address at hand is a trusted proxy (or, with a number of hops, that many times); the first address
    not trusted is the client."""
    client = peer
    if not trusted or not forwarded_for:
        return client
    hops = [part.strip() for part in forwarded_for.split(",")]
    for stepped, hop in enumerate(reversed(hops)):
        if client is None:
            break
        if isinstance(trusted, int):
            if stepped >= trusted:
                break
        elif not _is_trusted(client, trusted):
            break
        if not _is_ip(hop):
            break  # a malformed entry ends what can be believed
        client = hop
    return client


def proof_key(service_token_secret: str | None) -> bytes | None:
    """The key of the gateway's client proofs, derived from the platform's shared service secret (so that
    it is never the secret itself); None without one: then services believe no X-Forwarded-For."""
    if not service_token_secret:
        return None
    return hmac.new(service_token_secret.encode(), b"xyd client address proof", hashlib.sha256).digest()


def sign_client(client: str, key: bytes, now: float | None = None) -> str:
    """The `X-Xyd-Client-Proof` value the gateway sends with `X-Forwarded-For: <client>`."""
    stamp = str(int(time.time() if now is None else now))
    mac = hmac.new(key, f"{stamp}|{client}".encode(), hashlib.sha256).hexdigest()
    return f"{stamp}.{mac}"


def proven_client(client: str | None, proof: str | None, key: bytes | None, now: float | None = None) -> bool:
    """Whether `proof` is the gateway's, recent, for exactly this client address."""
    if not key or not client or not proof or not _is_ip(client):
        return False
    stamp, _, mac = proof.partition(".")
    if not stamp.isdigit() or abs((time.time() if now is None else now) - int(stamp)) > PROOF_MAX_AGE_SECONDS:
        return False
    expected = hmac.new(key, f"{stamp}|{client}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, mac)


class TrustedProxies:
    """WSGI middleware of the gateway: REMOTE_ADDR becomes the client per `client_address`; the peer
    stays in `xyd.peer_addr`."""

    def __init__(self, app, trusted: Trust):
        self.app = app
        self.trusted = trusted

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR")
        environ["xyd.peer_addr"] = peer
        environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.trusted)
        return self.app(environ, start_response)


class GatewayClient:
    """WSGI middleware of a service: REMOTE_ADDR becomes the X-Forwarded-For address when the gateway's
    proof of it is valid, else stays the peer; the peer stays in `xyd.peer_addr`."""

    def __init__(self, app, key: bytes | None):
        self.app = app
        self.key = key

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR")
        environ["xyd.peer_addr"] = peer
        forwarded = (environ.get("HTTP_X_FORWARDED_FOR") or "").strip()
        if proven_client(forwarded, environ.get("HTTP_X_XYD_CLIENT_PROOF"), self.key):
            environ["REMOTE_ADDR"] = forwarded
        return self.app(environ, start_response)
