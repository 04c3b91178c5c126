"""The public pages the gateway answers from memory (page_cache.py): kept only for requests without a
token, dropped within a second by the events that change them, never kept while the bus is not heard,
and always with an ETag that answers 304."""

import json
import time

import pika
import pytest

from xyd_common.events.amqp import connect
from xyd_common.events.topology import declare_topology
from xyd_gateway.page_cache import Page, page_cache
from xyd_gateway.routes import is_cached_page
from xyd_testing.helpers import amqp_url, rabbitmq_vhost, wait_until

from .support import unreachable_url

MARKET = "/api/v1/market/products?region_code=411000&_no_cookies=1"
EXCHANGE = "xyd.events"


@pytest.fixture(scope="module")
def bus():
    with rabbitmq_vhost("xyd-gateway-cache") as vhost:
        url = amqp_url(vhost)
        connection = connect(url, "test-page-cache")
        declare_topology(connection.channel(), EXCHANGE)
        connection.close()
        yield url


@pytest.fixture
def cached_app(make_app, bus):
    app = make_app(GATEWAY_PAGE_CACHE_SECONDS=60, AMQP_URL=bus, EVENTS_EXCHANGE=EXCHANGE)
    yield app
    page_cache(app).stop.set()


def listening(app, client):
    client.get(MARKET)  # starts the listener
    wait_until(lambda: page_cache(app).live, message="the page cache to hear the bus")


def publish(url: str, event_type: str) -> None:
    connection = connect(url, "test-publisher")
    try:
        body = json.dumps({"event_id": event_type + str(time.time()), "event_type": event_type, "data": {}})
        connection.channel().basic_publish(EXCHANGE, event_type, body.encode(),
                                           pika.BasicProperties(content_type="application/json"))
    finally:
        connection.close()


def times_asked(upstream, path: str) -> int:
    return upstream.seen.count(path)


def test_an_anonymous_market_page_is_answered_from_memory_with_an_etag(cached_app, upstream):
    client = cached_app.test_client()
    listening(cached_app, client)
    before = times_asked(upstream, MARKET)
    first = client.get(MARKET)
    again = client.get(MARKET)
    assert first.status_code == again.status_code == 200
    assert times_asked(upstream, MARKET) == before + 1
    assert first.get_data() == again.get_data()
    assert first.headers["ETag"] == again.headers["ETag"]
    assert "no-cache" in again.headers["Cache-Control"]
    assert "Authorization" in again.headers["Vary"]
    assert client.head(MARKET).status_code == 200
    assert times_asked(upstream, MARKET) == before + 1
    # The browser's copy is still good: 304, no body.
    unchanged = client.get(MARKET, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert client.get(MARKET, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_request_with_a_token_always_reaches_the_service(cached_app, client, upstream, token):
    client = cached_app.test_client()
    listening(cached_app, client)
    headers = {"Authorization": f"Bearer {token()}"}
    path = "/api/v1/market/products?whitelist_only=true&_no_cookies=1"
    before = times_asked(upstream, path)
    for _ in range(3):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200 and "Authorization" in answer.headers["Vary"]
    anonymous = client.get(path)
    assert times_asked(upstream, path) == before + 4
    # What the token saw was not kept for anyone: the anonymous answer is its own.
    assert "authorization" not in {k.lower() for k in json.loads(anonymous.get_data())["headers"]}
    assert times_asked(upstream, path) == before + 4
    client.get(path)
    assert times_asked(upstream, path) == before + 4  # the anonymous page was kept


@pytest.mark.parametrize("event_type", ["product.published", "product.updated", "product.disabled",
                                        "product.enabled", "institution.disabled", "institution.updated",
                                        "region.created"])
def test_each_event_that_changes_a_page_drops_it_within_a_second(cached_app, upstream, bus, event_type):
    client = cached_app.test_client()
    listening(cached_app, client)
    path = f"/api/v1/products/7?_no_cookies=1&case={event_type}"
    client.get(path)
    client.get(path)
    assert times_asked(upstream, path) == 1
    publish(bus, event_type)
    started = time.monotonic()
    wait_until(lambda: client.get(path) and times_asked(upstream, path) == 2, timeout=1, interval=0.02,
               message=f"{event_type} to drop the remembered page")
    assert time.monotonic() - started < 1


def test_other_events_leave_the_pages_alone(cached_app, bus):
    cache = page_cache(cached_app)
    listening(cached_app, cached_app.test_client())
    _, before = cache.lookup("/any")
    publish(bus, "order.submitted")
    publish(bus, "product.updated")  # heard after the order event: once it counted, so had the other
    wait_until(lambda: cache.lookup("/any")[1] != before, timeout=1, interval=0.02)
    assert cache.lookup("/any")[1] == before + 1  # one change: the product's


def test_pages_are_not_kept_while_the_bus_is_not_heard(make_app, upstream):
    app = make_app(GATEWAY_PAGE_CACHE_SECONDS=60, AMQP_URL=unreachable_url().replace("http", "amqp"))
    client = app.test_client()
    path = "/api/v1/market/products?_no_cookies=1&case=unheard"
    for _ in range(3):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["ETag"]
    assert times_asked(upstream, path) == 3
    page_cache(app).stop.set()


def test_answers_that_are_not_plain_pages_are_never_kept(cached_app, upstream):
    client = cached_app.test_client()
    listening(cached_app, client)
    for path in ("/api/v1/products/8?_status=404&_no_cookies=1", "/api/v1/products/8?case=cookies",
                 "/api/v1/products/8?_size=300000&_no_cookies=1"):
        client.get(path)
        client.get(path)
        assert times_asked(upstream, path) == 2, path
    # An institution's own list is no public page, whatever it is asked with.
    assert not is_cached_page("/api/v1/products/mine")


def test_a_page_asked_for_before_a_change_or_just_after_it_is_not_kept(make_app, bus):
    app = make_app(GATEWAY_PAGE_CACHE_SECONDS=60, AMQP_URL=bus, EVENTS_EXCHANGE=EXCHANGE)
    cache = page_cache(app)
    listening(app, app.test_client())
    page = Page(200, (), b"{}")
    _, generation = cache.lookup("/a")
    cache.changed()  # the change arrived while the page was on its way
    cache.keep("/a", generation, page)
    assert cache.lookup("/a")[0] is None
    _, generation = cache.lookup("/a")
    cache.keep("/a", generation, page)  # within the quiet time after the change
    assert cache.lookup("/a")[0] is None
    cache.quiet_seconds = 0
    cache.changed()
    _, generation = cache.lookup("/a")
    cache.keep("/a", generation, page)
    assert cache.lookup("/a")[0] == page
    cache.stop.set()
