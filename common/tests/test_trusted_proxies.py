import pytest
from flask import request

from xyd_common.app import create_service_app
from xyd_common.config import common_settings
from xyd_common.trusted_proxies import (
    client_address,
    parse_trusted_proxies,
    proof_key,
    proven_client,
    sign_client,
)

GATEWAY = parse_trusted_proxies("127.0.0.1,::1")


def test_a_peer_that_is_not_trusted_is_the_client_whatever_it_forwards():
    assert client_address("203.0.113.9", "1.2.3.4", GATEWAY) == "203.0.113.9"
    assert client_address("203.0.113.9", None, GATEWAY) == "203.0.113.9"
    assert client_address("203.0.113.9", "1.2.3.4", ()) == "203.0.113.9"


def test_a_trusted_peer_names_the_client_and_only_trusted_hops_are_stepped_over():
    assert client_address("127.0.0.1", "198.51.100.7", GATEWAY) == "198.51.100.7"
    # A client that wrote its own X-Forwarded-For before the gateway appended the real address.
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.7", GATEWAY) == "198.51.100.7"
    ingress = parse_trusted_proxies("127.0.0.1, 10.0.0.0/8")
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3", ingress) == "198.51.100.7"
    assert client_address("::1", "2001:db8::1", GATEWAY) == "2001:db8::1"


def test_a_malformed_forwarded_entry_is_not_believed():
    assert client_address("127.0.0.1", "not-an-ip", GATEWAY) == "127.0.0.1"
    assert client_address("127.0.0.1", "198.51.100.7, <script>", GATEWAY) == "127.0.0.1"


def test_a_number_of_hops_trusts_that_many_proxies_in_front_whatever_their_addresses():
    assert parse_trusted_proxies(" 1 ") == 1
    # The ingress appended the address it saw; what the client wrote before that is not believed.
    assert client_address("10.42.0.7", "6.6.6.6, 198.51.100.7", 1) == "198.51.100.7"
    assert client_address("10.42.0.7", "6.6.6.6, 198.51.100.7, 10.42.1.1", 2) == "198.51.100.7"
    assert client_address("10.42.0.7", None, 1) == "10.42.0.7"
    assert client_address("10.42.0.7", "junk", 1) == "10.42.0.7"


def test_a_typo_in_the_setting_stops_the_process():
    with pytest.raises(ValueError):
        parse_trusted_proxies("10.0.0.0/33")


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("XYD_PROXY_TEST_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SERVICE_TOKEN_SECRET", "service-secret-for-proxy-test")
    from flask_sqlalchemy import SQLAlchemy

    app, _ = create_service_app(__name__, common_settings("proxy-test", "XYD_PROXY_TEST_DATABASE_URL"),
                                SQLAlchemy(), str(tmp_path / "migrations"))
    app.add_url_rule("/whoami", "whoami", lambda: {"ip": request.remote_addr})
    return app.test_client()


def test_only_the_gateways_signature_proves_a_client_address():
    key = proof_key("platform-secret")
    proof = sign_client("198.51.100.7", key, now=1_000_000)
    assert proven_client("198.51.100.7", proof, key, now=1_000_010)
    assert not proven_client("198.51.100.8", proof, key, now=1_000_010)  # another address
    assert not proven_client("198.51.100.7", proof, proof_key("another-secret"), now=1_000_010)
    assert not proven_client("198.51.100.7", proof, key, now=1_000_000 + 301)  # too old to be believed
    assert not proven_client("198.51.100.7", "garbage", key)
    assert not proven_client("198.51.100.7", proof, None)
    assert proof_key(None) is None and proof_key("") is None


def test_a_service_believes_x_forwarded_for_only_with_the_gateways_proof(client):
    # From the gateway's own address, even from the same host, an unsigned address is not believed.
    for peer in ("127.0.0.1", "192.0.2.5"):
        unsigned = client.get("/whoami", headers={"X-Forwarded-For": "1.2.3.4"}, environ_base={"REMOTE_ADDR": peer})
        assert unsigned.json["ip"] == peer
    key = proof_key("service-secret-for-proxy-test")
    via_gateway = client.get("/whoami", headers={"X-Forwarded-For": "1.2.3.4",
                                                 "X-Xyd-Client-Proof": sign_client("1.2.3.4", key)},
                             environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert via_gateway.json["ip"] == "1.2.3.4"
    forged = client.get("/whoami", headers={"X-Forwarded-For": "1.2.3.5",
                                            "X-Xyd-Client-Proof": sign_client("1.2.3.4", key)},
                        environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert forged.json["ip"] == "10.1.1.1"


def test_options_answers_are_not_typed_html(client):
    response = client.options("/whoami")
    assert response.status_code == 200 and "Content-Type" not in response.headers
