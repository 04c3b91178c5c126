"""Webhooks: which URLs may receive events, which events a webhook takes, its secret, the signature,
and one signed POST.

A webhook URL must not point into the platform's own networks (SSRF): private, loopback, link-local
(cloud metadata at 169.254.169.254 included), unspecified, multicast and reserved addresses are
refused unless WEBHOOK_ALLOW_PRIVATE_NETWORKS is set (local runs and tests). The check runs when the
webhook is registered and again at every delivery, against what the name resolves to then; the POST
then goes to exactly the address that was checked, so a name that changes its answer between the two
(DNS rebinding) cannot slip through.
"""

import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from xyd_common.events.topology import (
    FUND_EVENTS,
    LOAN_EVENTS,
    NEED_EVENTS,
    ORDER_EVENTS,
    POLICY_EVENTS,
    SUBSIDY_EVENTS,
)

from .config import fernet_keys

# What a webhook may subscribe to: order, financing-need, loan, fund, subsidy and policy events (never
# auth.* and the like), each family as a whole (`order.*`, `need.*`, `loan.*`, `fund.*`, `subsidy.*`,
# `policy.*`) or type by type; region-scoped alike.
FAMILIES = {"order.*": ORDER_EVENTS, "need.*": NEED_EVENTS, "loan.*": LOAN_EVENTS, "fund.*": FUND_EVENTS,
            "subsidy.*": SUBSIDY_EVENTS, "policy.*": POLICY_EVENTS}
ALL_ORDER_EVENTS = "order.*"
EVENT_TYPE_PATTERNS = (*FAMILIES, *ORDER_EVENTS, *NEED_EVENTS, *LOAN_EVENTS, *FUND_EVENTS, *SUBSIDY_EVENTS,
                       *POLICY_EVENTS)
SCHEMES = ("http", "https")
SIGNATURE_PREFIX = "sha256="
USER_AGENT = "xyd-webhooks/1"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """A URL that may not receive webhooks; the message says why, in Chinese."""


# --- what may be subscribed --------------------------------------------------------------------------

def unknown_event_types(patterns: list[str]) -> list[str]:
    """The patterns that are none of order, need, loan, fund, subsidy or policy events."""
    return [p for p in patterns if p not in EVENT_TYPE_PATTERNS]


def matches(patterns: list[str], event_type: str) -> bool:
    if event_type in patterns:
        return event_type in EVENT_TYPE_PATTERNS
    return any(event_type in members and family in patterns for family, members in FAMILIES.items())


# --- where events may go -----------------------------------------------------------------------------

def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address.sixtofour:
            return address.sixtofour
        if address.teredo:
            return address.teredo[1]
    return None


def is_public(address: Address) -> bool:
    """Whether an address is a public unicast one (not private, loopback, link-local, unspecified,
    multicast, reserved or otherwise non-global), also for IPv4 wrapped in IPv6."""
    inner = _embedded_ipv4(address)
    if inner is not None and not is_public(inner):
        return False
    return address.is_global and not (address.is_private or address.is_loopback or address.is_link_local
                                      or address.is_unspecified or address.is_multicast or address.is_reserved)


def resolve(host: str, port: int) -> list[Address]:
    """The addresses `host` stands for now (the literal itself for an IP). Raises OSError."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[Address] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OSError(f"{host} resolves to no address")
    return addresses


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str        # with the query
    host_header: str


def parse_url(url: str) -> Target:
    """The parts of a webhook URL; raises UnsafeUrl for anything but a plain http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeUrl("网址格式不正确") from None
    if parts.scheme.lower() not in SCHEMES:
        raise UnsafeUrl("只支持 http 或 https 网址")
    if not parts.hostname:
        raise UnsafeUrl("网址缺少主机名")
    if parts.username is not None or parts.password is not None:
        # They would be stored and shown in clear; the signature is what proves the sender.
        raise UnsafeUrl("网址中不能包含用户名或密码")
    if parts.fragment:
        raise UnsafeUrl("网址中不能包含 # 片段")
    scheme = parts.scheme.lower()
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port, path, parts.netloc)


def check_addresses(addresses: list[Address]) -> None:
    for address in addresses:
        if not is_public(address):
            raise UnsafeUrl(f"不允许投递到内网、本机、链路本地、组播或保留地址（{address}）")


def check_url(url: str, allow_private: bool) -> Target:
    """Validate a webhook URL at registration: scheme, host, and (unless private networks are allowed)
    that the literal address or every address the name resolves to is public."""
    target = parse_url(url)
    if not allow_private:
        try:
            addresses = resolve(target.host, target.port)
        except (OSError, UnicodeError):
            raise UnsafeUrl("无法解析该域名") from None
        check_addresses(addresses)
    return target


# --- secrets and signatures --------------------------------------------------------------------------

def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _fernet(key_setting: str) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in fernet_keys(key_setting)])


def encrypt_secret(key_setting: str, secret: str) -> str:
    return _fernet(key_setting).encrypt(secret.encode()).decode()


def decrypt_secret(key_setting: str, token: str) -> str:
    """The secret; raises InvalidToken when none of the configured keys opens it."""
    return _fernet(key_setting).decrypt(token.encode()).decode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, as the contract defines it."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def signed_headers(secret: str, event_id: str, event_type: str, timestamp: int, body: bytes,
                   delivery_id: int | None = None) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Xyd-Event-Id": event_id,
        "X-Xyd-Event-Type": event_type,
        "X-Xyd-Timestamp": str(timestamp),
        "X-Xyd-Signature": signature(secret, str(timestamp), body),
    }
    if delivery_id is not None:
        headers["X-Xyd-Delivery-Id"] = str(delivery_id)
    return headers


# --- one POST ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender:
    """POSTs a body to a webhook URL: checks the addresses the name resolves to now, connects to one
    of exactly those, follows no redirect, and gives up after `timeout` seconds."""

    def __init__(self, timeout: float, allow_private: bool, resolver=None):
        self.timeout = timeout
        self.allow_private = allow_private
        self.resolver = resolver

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        try:
            target = parse_url(url)
        except UnsafeUrl as exc:
            return Outcome(None, str(exc))
        try:
            addresses = (self.resolver or resolve)(target.host, target.port)
        except (OSError, UnicodeError):
            return Outcome(None, "域名解析失败")
        if not self.allow_private:
            try:
                check_addresses(addresses)
            except UnsafeUrl as exc:
                return Outcome(None, str(exc))
        error = "连接失败"
        deadline = time.monotonic() + self.timeout  # for all addresses together
        for address in addresses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            outcome = self._post_to(target, str(address), body, headers, remaining)
            if outcome is not None:
                return outcome
            error = f"无法连接 {address}:{target.port}"
        return Outcome(None, error)

    def _post_to(self, target: Target, address: str, body: bytes, headers: dict,
                 seconds: float) -> Outcome | None:
        """The outcome, or None when this address could not be connected to (try the next)."""
        timeout = urllib3.Timeout(total=seconds)
        if target.scheme == "https":
            # Connect to the checked address, but verify the certificate for the name (SNI too).
            pool = urllib3.HTTPSConnectionPool(address, target.port, timeout=timeout, retries=False,
                                               maxsize=1, server_hostname=target.host,
                                               assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
                                               ca_certs=certifi.where())
        else:
            pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
        try:
            response = pool.urlopen("POST", target.path, body=body,
                                    headers={**headers, "Host": target.host_header},
                                    redirect=False, retries=False, assert_same_host=False,
                                    preload_content=False)
            # The receiver's answer body is of no use to us; don't read (or wait for) it.
            response.close()
            status = response.status
            return Outcome(status, None if 200 <= status < 300 else f"对方返回 HTTP {status}")
        except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError):
            return None
        except urllib3.exceptions.TimeoutError:
            return Outcome(None, f"等待应答超时（{self.timeout:g} 秒）")
        except urllib3.exceptions.SSLError:
            return Outcome(None, "TLS 握手或证书校验失败")
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return Outcome(None, f"请求失败（{exc.__class__.__name__}）")
        finally:
            pool.close()


__all__ = ["InvalidToken", "WebhookSender", "Outcome", "UnsafeUrl", "check_url", "matches",
           "unknown_event_types", "signature", "signed_headers", "new_secret", "encrypt_secret",
           "decrypt_secret", "is_public", "resolve"]
