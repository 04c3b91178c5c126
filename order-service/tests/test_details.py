"""An order's details: history, consent, and the credit record from credit-service — or a clear
reason without it, quickly, when credit-service is down, slow or without the endpoint."""

import socket
import time

import pytest

from xyd_testing.helpers import FakeAuthService

from .support import WEIDU_CO

ORDERS = "/api/v1/orders"
RECORD = {"enterprise": {"uscc": WEIDU_CO[1], "name": WEIDU_CO[2]}, "tax_credit_rating": "A", "records": [],
          "whitelisted": True, "risk": {"level": "none", "tags": [], "flags": []}}


@pytest.fixture
def credit_service():
    # A generic JSON server is all credit-service needs to be here.
    with FakeAuthService() as fake:
        yield fake


def test_details_show_the_credit_record_read_with_a_service_token(client, app, apply, tokens, credit_service):
    order = apply()
    credit_service.routes[f"/internal/credit/enterprises/{WEIDU_CO[1]}"] = (200, RECORD)
    app.config["CREDIT_SERVICE_URL"] = credit_service.url
    details = client.get(f"{ORDERS}/{order['id']}", headers=tokens["bank"]).json
    assert details["credit_record"] == RECORD and details["credit_record_error"] is None
    assert details["credit_authorized"] is True and details["contact_phone"] == "13912345678"
    path, headers = credit_service.requests[-1]
    assert path == f"/internal/credit/enterprises/{WEIDU_CO[1]}" and headers["Authorization"].startswith("Bearer ")


def test_without_the_endpoint_there_is_no_record_and_the_page_loads(client, app, apply, tokens, credit_service):
    order = apply()
    app.config["CREDIT_SERVICE_URL"] = credit_service.url
    details = client.get(f"{ORDERS}/{order['id']}", headers=tokens["bank"]).json
    assert details["credit_record"] is None and details["credit_record_error"]
    assert details["order_no"] == order["order_no"]


def test_an_unreachable_credit_service_leaves_a_reason(client, apply, tokens):
    order = apply()
    details = client.get(f"{ORDERS}/{order['id']}", headers=tokens["weidu"]).json
    assert details["credit_record"] is None and details["credit_record_error"] == "信用服务暂不可用"


def test_a_credit_service_that_never_answers_costs_about_the_timeout(client, app, apply, tokens):
    order = apply()
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts connections, never answers
        app.config["CREDIT_SERVICE_URL"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        details = client.get(f"{ORDERS}/{order['id']}", headers=tokens["bank"]).json
        assert time.monotonic() - started < 2
    assert details["credit_record"] is None and details["credit_record_error"] == "信用服务暂不可用"


def test_without_a_service_token_secret_the_record_is_unavailable(client, app, apply, tokens):
    order = apply()
    app.config["SERVICE_TOKEN_SECRET"] = None
    assert client.get(f"{ORDERS}/{order['id']}", headers=tokens["admin"]).json["credit_record_error"]
