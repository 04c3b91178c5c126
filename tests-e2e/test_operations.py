"""What operators see: Prometheus metrics on each process's own port (never through the gateway), the
event pipeline's counters moving with real events, the dead-letter queue and its command."""

import subprocess
import sys
from pathlib import Path

import pika
import requests
from prometheus_client.parser import text_string_to_metric_families
from scenario import admin_with_xuchang, new_institution

from xyd_testing.helpers import RABBITMQ_HOST, RABBITMQ_PORT, amqp_url, wait_until

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def scrape(url: str) -> list:
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 200, answer.text
    return [sample for family in text_string_to_metric_families(answer.text) for sample in family.samples]


def total(platform, process: str, name: str, **labels) -> float:
    """The sum of a series over every replica of `process` (each serves its own METRICS_PORT)."""
    value = 0.0
    for key, port in platform.metrics_ports.items():
        if key.rsplit("-", 1)[0] == process:
            value += sum(s.value for s in scrape(f"http://127.0.0.1:{port}/metrics")
                         if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))
    return value


def test_a_published_event_raises_the_relays_published_counter(platform):
    admin = admin_with_xuchang(platform)
    before = total(platform, "auth-worker", "xyd_outbox_published_total", service="auth-service")
    new_institution(admin)  # institution.created, through auth-service's outbox
    wait_until(lambda: total(platform, "auth-worker", "xyd_outbox_published_total",
                             service="auth-service") > before,
               timeout=30, interval=0.3, message="the published counter to rise")


def test_a_dead_lettered_message_raises_the_dead_letter_counter_and_the_command_drops_it(platform):
    before = total(platform, "order-worker", "xyd_events_dead_lettered_total", service="order-service",
                   reason="malformed")
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url(platform.vhost, RABBITMQ_HOST,
                                                                      RABBITMQ_PORT)))
    try:
        connection.channel().basic_publish("", "order-service.events", b"{not an event",
                                           pika.BasicProperties(message_id="e2e-malformed"))
    finally:
        connection.close()
    wait_until(lambda: total(platform, "order-worker", "xyd_events_dead_lettered_total",
                             service="order-service", reason="malformed") == before + 1,
               timeout=30, interval=0.3, message="the dead-letter counter to rise")
    try:
        wait_until(lambda: total(platform, "order-worker", "xyd_dead_letter_messages",
                                 queue="order-service.events.dlq") >= 2,  # each replica reports the queue
                   timeout=60, interval=0.5, message="the dead-letter queue gauge")
    except AssertionError:
        for key, port in platform.metrics_ports.items():
            if key.startswith("order-worker"):
                print(key, [line for line in requests.get(f"http://127.0.0.1:{port}/metrics").text.splitlines()
                            if "dead" in line])
                print(platform.log_tail(key, 30))
        raise

    def dead_letters(*args):
        return subprocess.run([str(BIN / "flask"), "--app", "order_service", "dead-letters", *args], cwd=ROOT,
                              env=platform.env, capture_output=True, text=True, timeout=60)

    listed = dead_letters("list")
    assert listed.returncode == 0, listed.stderr
    assert "e2e-malformed" in listed.stdout and "malformed: not an event envelope" in listed.stdout
    dropped = dead_letters("drop", "e2e-malformed")
    assert dropped.returncode == 0, dropped.stderr
    wait_until(lambda: total(platform, "order-worker", "xyd_dead_letter_messages",
                             queue="order-service.events.dlq") == 0,
               timeout=30, interval=0.3, message="the dead-letter queue to be empty")


def test_metrics_are_on_each_services_own_port_and_the_gateways_metrics_port_never_the_public_one(platform):
    admin = admin_with_xuchang(platform)
    assert admin.get("/auth/me").status_code == 200
    # Not through the gateway's public port, under any path, even with a token.
    for path in ("/metrics", "/api/v1/metrics", "/api/v1/auth/metrics", "/api/v1/orders/metrics"):
        answer = admin.get(platform.gateway + path)
        assert answer.status_code == 404, (path, answer.status_code)
        assert "xyd_http_requests_total" not in answer.text

    gateway = scrape(f"http://127.0.0.1:{platform.env['GATEWAY_METRICS_PORT']}/metrics")
    assert any(s.name == "xyd_gateway_upstream_requests_total" and s.labels == {"upstream": "auth-service",
                                                                                 "status": "200"} and s.value > 0
               for s in gateway)
    auth = scrape(platform.service_url("auth-service") + "/metrics")
    assert any(s.name == "xyd_http_requests_total" and s.labels["route"] == "/api/v1/auth/me"
               and s.labels["status"] == "200" and s.value > 0 for s in auth)
    assert any(s.name == "xyd_outbox_pending" and s.labels == {"service": "auth-service"} for s in auth)


def test_every_relay_consumer_and_worker_answers_its_health_probe(platform):
    assert platform.metrics_ports
    dead = platform.dead_processes()
    assert not dead, "processes died during the run:\n" + "\n".join(
        f"--- {name}\n{platform.log_tail(name, 80)}" for name in dead)
    for key, port in platform.metrics_ports.items():
        answer = requests.get(f"http://127.0.0.1:{port}/health", timeout=5)
        assert answer.status_code == 200, (key, answer.text)
