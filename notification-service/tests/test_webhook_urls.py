"""Which URLs may receive webhooks: the SSRF checks, without any network."""

import ipaddress

import pytest

from notification_service import webhooks
from notification_service.webhooks import UnsafeUrl, WebhookSender, check_url, is_public, signature


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/",                # cloud metadata (link-local)
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost/",                      # resolves to loopback
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.10/",
    "http://100.64.0.1/",                     # carrier-grade NAT
    "http://0.0.0.0/",
    "http://224.0.0.1/",                      # multicast
    "http://240.0.0.1/",                      # reserved
    "http://[::1]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[::ffff:10.0.0.1]/",              # IPv4 inside IPv6
    "http://[::ffff:169.254.169.254]/",
])
def test_private_loopback_link_local_and_reserved_addresses_are_refused(url):
    with pytest.raises(UnsafeUrl):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://x", "http"),
    ("file:///etc/passwd", "http"),
    ("javascript:alert(1)", "http"),
    ("x", "http"),
    ("http://", "主机名"),
    ("http://user:secret@93.184.216.34/", "用户名或密码"),
    ("http://93.184.216.34:99999/", "格式"),
])
def test_only_plain_http_and_https_urls_are_accepted(url, message):
    with pytest.raises(UnsafeUrl, match=message):
        check_url(url, allow_private=True)


@pytest.mark.parametrize("url", ["http://93.184.216.34/hook", "https://93.184.216.34:8443/x?y=1",
                                 "https://[2606:2800:220:1:248:1893:25c8:1946]/hook"])
def test_public_addresses_are_accepted(url):
    assert check_url(url, allow_private=False).host


def test_a_name_is_judged_by_every_address_it_resolves_to(monkeypatch):
    answers = {"gov.example.test": ["93.184.216.34"], "sneaky.example.test": ["93.184.216.34", "10.1.2.3"]}
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [ipaddress.ip_address(a) for a in answers[host]])
    assert check_url("https://gov.example.test/hook", allow_private=False).host == "gov.example.test"
    with pytest.raises(UnsafeUrl, match="10.1.2.3"):
        check_url("https://sneaky.example.test/hook", allow_private=False)


def test_a_name_that_does_not_resolve_is_refused(monkeypatch):
    def fail(host, port):
        raise OSError("no such host")

    monkeypatch.setattr(webhooks, "resolve", fail)
    with pytest.raises(UnsafeUrl, match="无法解析"):
        check_url("https://nowhere.example.test/", allow_private=False)


def test_private_addresses_are_accepted_when_private_networks_are_allowed():
    assert check_url("http://127.0.0.1:9000/hook", allow_private=True).port == 9000
    assert check_url("http://localhost/", allow_private=True).host == "localhost"


def test_public_means_global_unicast():
    assert is_public(ipaddress.ip_address("93.184.216.34"))
    for address in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "224.0.0.1", "0.0.0.0", "::"):
        assert not is_public(ipaddress.ip_address(address)), address


def test_delivery_refuses_a_name_that_now_resolves_to_a_private_address():
    """DNS rebinding: the name was public at registration, points inside at delivery time."""
    sender = WebhookSender(timeout=1, allow_private=False,
                           resolver=lambda host, port: [ipaddress.ip_address("169.254.169.254")])
    outcome = sender.post("http://gov.example.test/hook", b"{}", {})
    assert not outcome.delivered and outcome.status_code is None
    assert "169.254.169.254" in outcome.error


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    # Computed independently: printf '1764230400.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    assert signature("whsec_test", "1764230400", b'{"a":1}') == (
        "sha256=9b252bacbeb4b069dc6cb11dfa381eb5062d131c21196d0d14abae60ca21a917")
