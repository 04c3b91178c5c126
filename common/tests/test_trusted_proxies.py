import pytest
from flask import request

from xyd_common.app import create_service_app
from xyd_common.config import common_settings
from xyd_common.trusted_proxies import client_address, parse_trusted_proxies

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


def test_a_typo_in_the_setting_stops_the_process():
    with pytest.raises(ValueError):
        parse_trusted_proxies("10.0.0.0/33")


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("XYD_PROXY_TEST_DATABASE_URL", "sqlite://")
    from flask_sqlalchemy import SQLAlchemy

    app, _ = create_service_app(__name__, common_settings("proxy-test", "XYD_PROXY_TEST_DATABASE_URL"),
                                SQLAlchemy(), str(tmp_path / "migrations"))
    app.add_url_rule("/whoami", "whoami", lambda: {"ip": request.remote_addr})
    return app.test_client()


def test_a_service_believes_x_forwarded_for_only_from_the_gateway(client):
    direct = client.get("/whoami", headers={"X-Forwarded-For": "1.2.3.4"}, environ_base={"REMOTE_ADDR": "192.0.2.5"})
    assert direct.json["ip"] == "192.0.2.5"
    via_gateway = client.get("/whoami", headers={"X-Forwarded-For": "1.2.3.4"},
                             environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert via_gateway.json["ip"] == "1.2.3.4"
