"""Prometheus metrics: `/metrics` of a web app, the outbox gauges, the workers' metrics and health port."""

import threading
from datetime import timedelta

import requests
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from xyd_common import metrics
from xyd_common.events.outbox import outbox_gauges, utcnow
from xyd_testing.helpers import free_port

from .support import Outbox, db


def samples(text: str, name: str) -> dict[frozenset, float]:
    """{frozenset of (label, value): value} of the samples called `name` in a text exposition."""
    return {frozenset(sample.labels.items()): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples
            if sample.name == name}


def labels(**pairs) -> frozenset:
    return frozenset(pairs.items())


def test_requests_are_counted_by_route_template_and_status_on_the_apps_own_port():
    app = Flask(__name__)
    app.config["SERVICE_NAME"] = "metrics-test-service"
    metrics.register_metrics_endpoint(app)

    @app.get("/things/<int:thing_id>")
    def thing(thing_id):
        return {"id": thing_id}, 200 if thing_id < 100 else 404

    client = app.test_client()
    for thing_id in (1, 2, 3, 404):
        client.get(f"/things/{thing_id}")
    client.get("/nowhere")
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    text = answer.get_data(as_text=True)
    counted = samples(text, "xyd_http_requests_total")
    route = {"service": "metrics-test-service", "method": "GET", "route": "/things/<int:thing_id>"}
    assert counted[labels(**route, status="200")] == 3
    assert counted[labels(**route, status="404")] == 1
    assert counted[labels(service="metrics-test-service", method="GET", route="unmatched", status="404")] == 1
    # One series per template, never per path; scrapes themselves are not counted.
    assert not [series for series in counted if ("route", "/metrics") in series]
    assert samples(text, "xyd_http_request_duration_seconds_count")[labels(**route)] == 4


def test_outbox_gauges_show_pending_rows_and_the_age_of_the_oldest(make_app, database_uri, broker_url):
    app = make_app(database_uri, broker_url, "gauge-test-service")
    gauges = outbox_gauges(app, db, Outbox)

    def read():
        return {family.name: family.samples[0].value for family in gauges.collect()}

    assert read() == {"xyd_outbox_pending": 0, "xyd_outbox_oldest_pending_age_seconds": 0}
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            Outbox(event_id="old", event_type="t.x", payload="{}", created_at=now - timedelta(minutes=5)),
            Outbox(event_id="new", event_type="t.x", payload="{}", created_at=now),
            Outbox(event_id="done", event_type="t.x", payload="{}", created_at=now - timedelta(hours=1),
                   published_at=now),
        ])
        db.session.commit()
    values = read()
    assert values["xyd_outbox_pending"] == 2
    assert 300 <= values["xyd_outbox_oldest_pending_age_seconds"] < 360


def test_gauges_that_cannot_be_read_leave_the_other_series_intact():
    def broken():
        raise ConnectionError("database down")

    assert list(metrics.ScrapeGauges(broken).collect()) == []
    assert b"xyd_http_requests_total" in metrics.exposition([metrics.ScrapeGauges(broken)])


def test_worker_port_serves_metrics_and_a_health_that_fails_once_the_loop_stalls():
    port = free_port()
    server = metrics.serve_worker_endpoints(port, "127.0.0.1", stall_seconds=30)
    try:
        metrics.OUTBOX_PUBLISHED.labels("worker-port-test").inc(3)
        metrics.HEARTBEAT.beat()
        base = f"http://127.0.0.1:{port}"
        assert requests.get(base + "/health", timeout=5).status_code == 200
        scraped = requests.get(base + "/metrics", timeout=5)
        assert samples(scraped.text, "xyd_outbox_published_total")[labels(service="worker-port-test")] == 3
        assert requests.get(base + "/other", timeout=5).status_code == 404

        metrics.HEARTBEAT.last[threading.get_ident()] -= 31  # the loop has not gone round for 31 s
        stalled = requests.get(base + "/health", timeout=5)
        assert stalled.status_code == 503
        assert stalled.json()["status"] == "stalled"
        metrics.HEARTBEAT.beat()
        assert requests.get(base + "/health", timeout=5).status_code == 200
    finally:
        server.shutdown()
        server.server_close()
