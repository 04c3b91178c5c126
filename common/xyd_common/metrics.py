"""Prometheus metrics: the platform's series, `/metrics` for web processes, and the small HTTP server
of relays, consumers and workers (`METRICS_PORT`: `/metrics` and a heartbeat `/health`).

Web processes run under gunicorn with several worker processes; `deploy/gunicorn.conf.py` then sets
`PROMETHEUS_MULTIPROC_DIR` before any worker imports this module, every worker writes its samples there,
and `/metrics` adds them up across workers (prometheus_client's multiprocess mode). Gauges that describe
a database (outbox backlog, pending webhook retries) are not kept in memory at all: a collector reads
them from the database when Prometheus scrapes, so every replica reports the same truth.
"""

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

log = logging.getLogger(__name__)

# Latency buckets for a JSON API: most answers take milliseconds, a slow query a second or more.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter("xyd_http_requests_total", "HTTP requests answered, by route template and status",
                        ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("xyd_http_request_duration_seconds", "Time to answer an HTTP request",
                         ["service", "method", "route"], buckets=LATENCY_BUCKETS)
GATEWAY_UPSTREAM_REQUESTS = Counter(
    "xyd_gateway_upstream_requests_total",
    "Requests the gateway forwarded, by service and status (503/504: the service was down or slow)",
    ["upstream", "status"])
GATEWAY_UPSTREAM_LATENCY = Histogram("xyd_gateway_upstream_duration_seconds",
                                     "Time a service took to answer the gateway", ["upstream"],
                                     buckets=LATENCY_BUCKETS)
GATEWAY_PAGE_CACHE = Counter(
    "xyd_gateway_page_cache_total",
    "Public pages asked for without a token: hit (answered from the gateway's memory), miss (forwarded, "
    "then remembered when it could be) or bypass (forwarded: the memory was not live)", ["result"])
OUTBOX_PUBLISHED = Counter("xyd_outbox_published_total", "Outbox events the broker confirmed",
                           ["service"])
OUTBOX_PUBLISH_FAILURES = Counter("xyd_outbox_publish_failures_total",
                                  "Outbox publishes that failed (the row stays pending)", ["service"])
EVENTS_HANDLED = Counter("xyd_events_handled_total", "Events a consumer handled and acknowledged",
                         ["service", "event_type"])
EVENT_HANDLER_FAILURES = Counter("xyd_event_handler_failures_total",
                                 "Events whose handler failed (requeued or dead-lettered)",
                                 ["service", "event_type"])
EVENT_REDELIVERIES = Counter("xyd_event_redeliveries_total",
                             "Deliveries of an event that had been delivered before", ["service"])
EVENTS_DEAD_LETTERED = Counter("xyd_events_dead_lettered_total",
                               "Events a consumer gave up on and sent to its dead-letter queue",
                               ["service", "reason"])
WEBHOOK_DELIVERIES = Counter("xyd_webhook_deliveries_total", "Webhook delivery attempts by outcome",
                             ["outcome"])
SMS_MESSAGES = Counter("xyd_sms_messages_total", "SMS handed to the provider, by outcome", ["outcome"])
FAIL_OPEN = Counter("xyd_fail_open_total",
                    "Requests a throttle let through unchecked because Redis could not be asked",
                    ["service", "check"])


_COLLECTORS = "xyd_metrics_collectors"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _Collectors:
    """Several collectors seen as one registry by `generate_latest`."""

    def __init__(self, collectors: Iterable):
        self.collectors = list(collectors)

    def collect(self):
        for collector in self.collectors:
            yield from collector.collect()


def process_collector():
    """This process's series: summed over gunicorn's workers in multiprocess mode, else its own."""
    directory = multiprocess_dir()
    if directory is None:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return registry


def exposition(extra_collectors: Iterable = ()) -> bytes:
    """The Prometheus text format of this process's series plus `extra_collectors` (read now)."""
    return generate_latest(_Collectors([process_collector(), *extra_collectors]))


class ScrapeGauges:
    """A collector of gauges computed when scraped: `read()` returns {name: (help, labels, rows)} with
    rows of (label values, value). A failing read (database down) yields nothing rather than an
    error page, so the process's other series still arrive; the log says why."""

    def __init__(self, read: Callable[[], dict]):
        self.read = read

    def collect(self):
        try:
            families = self.read()
        except Exception:
            log.warning("metrics: reading the gauges failed", exc_info=True)
            return
        for name, (help_text, labels, rows) in families.items():
            family = GaugeMetricFamily(name, help_text, labels=labels)
            for label_values, value in rows:
                family.add_metric(list(label_values), value)
            yield family


def add_collector(app, collector) -> None:
    """Have the app's `/metrics` include `collector` (read at each scrape)."""
    app.extensions.setdefault(_COLLECTORS, []).append(collector)


def instrument_requests(app) -> None:
    """Count and time every request of `app` by route template and status."""
    from flask import request

    service = app.config["SERVICE_NAME"]

    @app.before_request
    def start_timer():
        request.environ["xyd.started"] = time.perf_counter()

    @app.after_request
    def observe(response):
        # The route template (/api/v1/orders/<int:order_id>), never the path: one series per route,
        # not one per order. Unmatched paths share one label.
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        if route != "/metrics":
            started = request.environ.get("xyd.started", time.perf_counter())
            HTTP_REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
            HTTP_LATENCY.labels(service, request.method, route).observe(time.perf_counter() - started)
        return response


def register_metrics_endpoint(app) -> None:
    """`GET /metrics` on the app's own port (with what `add_collector` added), and request count and
    latency by route template."""
    from flask import Response

    collectors = app.extensions.setdefault(_COLLECTORS, [])
    instrument_requests(app)

    @app.get("/metrics")
    def metrics():
        return Response(exposition(collectors), mimetype=CONTENT_TYPE_LATEST)


class Heartbeat:
    """When each loop of a relay, consumer or worker last went round; its `/health` fails once one of
    them has not for `stall_seconds`, which is what a liveness probe needs to restart a stuck process.

    Kept per thread: a service's worker process (`flask work`) runs several loops side by side, and one
    stuck loop must fail the probe even while the others go round."""

    def __init__(self):
        self.last: dict[int, float] = {}

    def beat(self) -> None:
        self.last[threading.get_ident()] = time.monotonic()

    def forget(self) -> None:
        """The calling thread no longer runs a loop (the worker's main thread, once its loops started)."""
        self.last.pop(threading.get_ident(), None)

    def age(self) -> float:
        """Seconds since the loop that went round longest ago last did (0 before any loop beat)."""
        now = time.monotonic()
        return max((now - beat for beat in list(self.last.values())), default=0.0)


HEARTBEAT = Heartbeat()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # scrapes every few seconds would flood the JSON log
        pass


def worker_http_app(collectors: Iterable, stall_seconds: float):
    # Not copied: a worker's loops add their collectors to the list as they start.

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            body, status, content_type = exposition(collectors), "200 OK", CONTENT_TYPE_LATEST
        elif path == "/health":
            age = HEARTBEAT.age()
            ok = age <= stall_seconds
            status = "200 OK" if ok else "503 Service Unavailable"
            body = (b'{"status": "ok"}' if ok else
                    b'{"status": "stalled", "seconds_since_heartbeat": %d}' % int(age))
            content_type = "application/json"
        else:
            body, status, content_type = b'{"code": "not_found"}', "404 Not Found", "application/json"
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return app


class _ThreadedServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve_worker_endpoints(port: int, host: str, collectors: Iterable = (),
                           stall_seconds: float = 120.0) -> WSGIServer:
    """Serve `/metrics` and `/health` on `host:port` from a daemon thread; returns the server."""
    server = make_server(host, port, worker_http_app(collectors, stall_seconds), server_class=_ThreadedServer,
                         handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True,
                     name="metrics").start()
    log.info("metrics and health on port %d", port)
    return server
