"""Rate limits per route group, counted in Redis (shared by every gateway replica)."""

import logging
import time
import uuid

import pytest

from xyd_common.redis_store import get_redis
from xyd_gateway.ratelimit import Limit, parse_limit

from .support import bearer, unreachable_url


def ip() -> str:
    """A client address of this test alone: counts of other tests never touch it."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def login(client, address):
    return client.post("/api/v1/auth/login", json={}, environ_base={"REMOTE_ADDR": address})


def test_limit_settings_are_parsed():
    assert parse_limit("X", "60/minute") == Limit(60, 60)
    assert parse_limit("X", "5 / 30") == Limit(5, 30)
    assert parse_limit("X", "1000/hours") == Limit(1000, 3600)
    assert parse_limit("X", "off") is None
    assert parse_limit("X", "0/minute") is None
    with pytest.raises(ValueError, match="X"):
        parse_limit("X", "sixty a minute")
    with pytest.raises(ValueError, match="period"):
        parse_limit("X", "60/fortnight")


def test_public_sign_in_routes_are_limited_per_client_ip(make_app):
    client = make_app(RATE_LIMIT_AUTH="3/minute").test_client()
    address = ip()
    assert [login(client, address).status_code for _ in range(4)] == [200, 200, 200, 429]
    # Another client is counted on its own.
    assert login(client, ip()).status_code == 200


def test_throttled_answer_is_the_contract_error_with_retry_after_rounded_up(make_app):
    app = make_app(RATE_LIMIT_AUTH="1/minute")
    address = ip()
    # The bucket's next token is free in 1.4 s (by Redis's clock): Retry-After must say 2, not 1.
    redis = get_redis(app)
    seconds, micros = redis.time()
    redis.set(f"{app.config['REDIS_KEY_PREFIX']}rl:auth:ip:{address}", seconds * 1000 + micros // 1000 + 1400,
              px=60_000)
    response = login(app.test_client(), address)
    assert response.status_code == 429
    assert response.get_json()["code"] == "throttled"
    assert response.headers["Retry-After"] == "2"


def test_a_client_that_waits_retry_after_is_let_through(make_app):
    client = make_app(RATE_LIMIT_AUTH="1/1").test_client()
    address = ip()
    assert login(client, address).status_code == 200
    refused = login(client, address)
    assert refused.status_code == 429
    time.sleep(int(refused.headers["Retry-After"]))
    assert login(client, address).status_code == 200


def test_authenticated_routes_are_limited_per_user_not_per_address(make_app, token):
    client = make_app(RATE_LIMIT_USER="2/minute").test_client()
    user, other = str(uuid.uuid4().int % 10**9), str(uuid.uuid4().int % 10**9)
    statuses = [client.get("/api/v1/orders", headers=bearer(token(sub=user)),
                           environ_base={"REMOTE_ADDR": ip()}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/orders", headers=bearer(token(sub=other))).status_code == 200


def test_groups_are_counted_apart(make_app, token):
    client = make_app(RATE_LIMIT_EXPORT="1/minute", RATE_LIMIT_USER="100/minute").test_client()
    headers = bearer(token(sub=str(uuid.uuid4().int % 10**9)))
    assert client.get("/api/v1/orders/export", headers=headers).status_code == 200
    assert client.get("/api/v1/orders/export", headers=headers).status_code == 429
    assert client.get("/api/v1/orders", headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/loans/export", "/api/v1/loans/stats/export",
                                  "/api/v1/instruments/figures/export"])
def test_every_spreadsheet_export_is_in_the_export_group(make_app, token, path):
    client = make_app(RATE_LIMIT_EXPORT="1/minute", RATE_LIMIT_USER="100/minute").test_client()
    headers = bearer(token(sub=str(uuid.uuid4().int % 10**9)))
    assert [client.get(path, headers=headers).status_code for _ in range(2)] == [200, 429]


def test_public_reads_are_limited_per_client_ip(make_app):
    client = make_app(RATE_LIMIT_PUBLIC="2/minute").test_client()
    address = ip()
    statuses = [client.get("/api/v1/market/products", environ_base={"REMOTE_ADDR": address}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_replicas_share_their_counts(make_app):
    first, second = (make_app(RATE_LIMIT_AUTH="2/minute").test_client() for _ in range(2))
    address = ip()
    assert login(first, address).status_code == 200
    assert login(second, address).status_code == 200
    assert login(first, address).status_code == 429


def test_a_group_can_be_switched_off(make_app):
    client = make_app(RATE_LIMIT_AUTH="off").test_client()
    address = ip()
    assert {login(client, address).status_code for _ in range(5)} == {200}


def test_limits_fail_open_with_a_warning_when_redis_is_down(make_app, caplog):
    client = make_app(RATE_LIMIT_AUTH="1/minute", REDIS_URL=unreachable_url().replace("http", "redis")).test_client()
    address = ip()
    with caplog.at_level(logging.WARNING, logger="xyd_gateway.ratelimit"):
        assert [login(client, address).status_code for _ in range(3)] == [200, 200, 200]
    warnings = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(warnings) == 1  # once, not once per request
