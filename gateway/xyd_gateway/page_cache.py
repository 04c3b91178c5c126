"""Public pages answered from the gateway's memory: the market, product details and regions asked for
without a token (routes.CACHED_PAGES).

The popular anonymous market page costs the service a query and its serialization on every request,
and a hop through the gateway; remembered here it costs neither. Each gateway process keeps its own
copy (a bounded TTL cache) and listens to the event bus for what changes those pages
(routes.CACHED_PAGES_CHANGE_ON: product, institution and region events): each such event drops every
remembered page at once, so a change shows within the event's delivery time (milliseconds; a test holds
it under a second). Nothing is remembered or served from memory while that subscription is not live
(listening.py), so a broker outage costs speed, never freshness.

Two races are closed. A page already on its way when the event arrives is not kept (the generation it
was asked under is over). And for a short while after an event nothing is kept at all: an institution
event reaches the gateway and product-service at the same time, and the page product-service answers
before it applied the event must not be remembered.

Every such page carries a strong `ETag` (`If-None-Match` → 304) and `Cache-Control: no-cache`: a browser
keeps it and asks each time, cheaply. `Vary: Authorization` tells every cache on the way that an answer
to a token may differ.
"""

import time
from dataclasses import dataclass

import pika
from cachetools import TTLCache
from flask import Flask, Request, Response

from xyd_common.events.amqp import CONNECTION_ERRORS, connect
from xyd_common.metrics import GATEWAY_PAGE_CACHE

from .listening import Subscription
from .routes import CACHED_PAGES_CHANGE_ON, is_cached_page

_EXTENSION = "xyd_gateway_page_cache"
# Answers larger than this are streamed through, never remembered.
LARGEST_PAGE = 256 * 1024


@dataclass(frozen=True)
class Page:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class PageCache(Subscription):
    name = "page-cache"
    connection_errors = CONNECTION_ERRORS

    def __init__(self, amqp_url: str, exchange: str, seconds: float, size: int, quiet_seconds: float = 2.0):
        super().__init__()
        self.amqp_url = amqp_url
        self.exchange = exchange
        self.quiet_seconds = quiet_seconds
        self._pages: TTLCache = TTLCache(maxsize=size, ttl=seconds, timer=time.monotonic)
        self._quiet_until = 0.0

    @staticmethod
    def key(request: Request) -> str | None:
        """The memory's key for `request`, or None when it must reach the service."""
        if request.method not in ("GET", "HEAD") or "Authorization" in request.headers:
            return None
        if not is_cached_page(request.path):
            return None
        return request.full_path

    def lookup(self, key: str) -> tuple[Page | None, int | None]:
        """The remembered page and the generation it was looked up under (None: not live)."""
        self.ensure_started()
        with self._lock:
            if not self._live:
                return None, None
            return self._pages.get(key), self._generation

    def keep(self, key: str, generation: int, page: Page) -> None:
        with self._lock:
            if self._live and generation == self._generation and time.monotonic() >= self._quiet_until:
                self._pages[key] = page

    def changed(self) -> None:
        """Something the pages show changed: forget them all, and keep none for a short while."""
        with self._lock:
            self._void()
            self._quiet_until = time.monotonic() + self.quiet_seconds

    def forget(self) -> None:
        self._pages.clear()

    def _listen(self) -> None:
        connection = connect(self.amqp_url, "gateway-page-cache")
        try:
            channel = connection.channel()
            # A queue of this process's own, gone with its connection: every gateway process hears every event.
            queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
            for binding in CACHED_PAGES_CHANGE_ON:
                channel.queue_bind(queue, self.exchange, routing_key=binding)
            channel.basic_consume(queue, lambda *_: self.changed(), auto_ack=True)
            self._set_live(True)
            while not self.stop.is_set():
                connection.process_data_events(time_limit=0.5)
        finally:
            if connection.is_open:
                try:
                    connection.close()
                except pika.exceptions.AMQPError:
                    pass


def init_app(app: Flask) -> None:
    seconds = app.config["GATEWAY_PAGE_CACHE_SECONDS"]
    app.extensions[_EXTENSION] = PageCache(
        app.config["AMQP_URL"], app.config["EVENTS_EXCHANGE"], seconds,
        app.config["GATEWAY_PAGE_CACHE_ENTRIES"]) if seconds > 0 else None


def page_cache(app: Flask) -> PageCache | None:
    return app.extensions.get(_EXTENSION)


def _answer(page: Page, request: Request, response_class: type[Response]) -> Response:
    response = response_class(page.body, status=page.status, headers=list(page.headers))
    return response.make_conditional(request)


def cached_answer(app: Flask, request: Request, forward, response_class: type[Response]) -> Response:
    """The page for `request` from memory, or from `forward()` (remembered when it may be)."""
    cache = page_cache(app)
    key = cache.key(request) if cache is not None else None
    if key is None:
        response = forward()
        if cache is not None and is_cached_page(request.path):
            response.vary.add("Authorization")
        return response
    page, generation = cache.lookup(key)
    if page is not None:
        GATEWAY_PAGE_CACHE.labels("hit").inc()
        return _answer(page, request, response_class)
    response = forward()
    if (response.status_code != 200 or response.is_streamed or request.method != "GET"
            or "Set-Cookie" in response.headers):
        GATEWAY_PAGE_CACHE.labels("bypass" if generation is None else "miss").inc()
        response.vary.add("Authorization")
        return response
    response.vary.add("Authorization")
    response.cache_control.no_cache = True
    response.add_etag()
    page = Page(200, tuple(response.headers.items()), response.get_data())
    if generation is None:
        GATEWAY_PAGE_CACHE.labels("bypass").inc()
    else:
        GATEWAY_PAGE_CACHE.labels("miss").inc()
        if len(page.body) <= LARGEST_PAGE:
            cache.keep(key, generation, page)
    return response.make_conditional(request)
