"""The event contract (docs/asyncapi.yaml): generated from the shared catalog, valid AsyncAPI, complete
for what the services publish, and what the platform really sends matches it (the session's bus recorder
checks every event; the example subscriber checks what it receives)."""

import ast
import json
import subprocess
import sys
import uuid

import pika
import pytest
from bus_recorder import load_example_subscriber
from harness import BIN, ROOT
from scenario import admin_with_xuchang, new_institution

from xyd_common.events import catalog, topology
from xyd_common.events.envelope import new_envelope
from xyd_testing.helpers import RABBITMQ_HOST, RABBITMQ_PORT, amqp_url, wait_until

sys.path.insert(0, str(ROOT / "scripts"))
import asyncapi_document  # noqa: E402

CHECKER = ROOT / "scripts" / "asyncapi"
SERVICE_PACKAGES = ("auth-service/auth_service", "product-service/product_service", "order-service/order_service",
                    "credit-service/credit_service", "notification-service/notification_service")


def test_asyncapi_document_is_generated_from_the_event_catalog():
    committed = (ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8")
    assert committed == asyncapi_document.render(), "docs/asyncapi.yaml is stale: run scripts/asyncapi_document.py"


def test_asyncapi_document_passes_the_asyncapi_parser():
    lock, installed = CHECKER / "package-lock.json", CHECKER / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CHECKER, check=True, timeout=600)
    result = subprocess.run(["node", "validate.mjs", str(ROOT / "docs" / "asyncapi.yaml")], cwd=CHECKER,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"valid AsyncAPI 3.0.0, {len(catalog.EVENTS) + 1} messages" in result.stdout


def recorded_event_types() -> set[str]:
    """Every event type the services' code records: literal `record_event(..., "x.y", ...)` arguments, and
    the order statuses order-service turns into `order.<status>` (states.event_type)."""
    found = set()
    for package in SERVICE_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_event":
                    found.update(arg.value for arg in node.args
                                 if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value)
    from order_service import states

    found.update(states.event_type(status) for status in states.STATUSES)
    return found


def test_every_event_the_services_publish_or_consume_is_in_the_contract():
    documented = set(catalog.BY_TYPE)
    assert recorded_event_types() - documented == set()
    bound = {key for spec in topology.QUEUES.values() for key in spec.bindings}
    assert bound - documented == set()


def test_the_contract_refuses_what_it_does_not_promise():
    contract = load_example_subscriber().EventContract()
    event = new_envelope("credit.whitelist_changed", {"uscc": "91350100M000100Y43", "whitelisted": True,
                                                      "batch": "2026-1", "valid_until": "2027-06-30"},
                         "credit-service")
    assert contract.problems(event) == []
    assert contract.problems({**event, "source": "order-service"})
    assert contract.problems({**event, "occurred_at": "2026-11-27T08:00:00"})  # no offset
    assert contract.problems({**event, "data": {**event["data"], "whitelisted": "yes"}})
    assert contract.problems({**event, "event_type": "credit.unknown"})


def test_events_on_the_bus_are_recorded_and_match_the_contract(platform):
    admin = admin_with_xuchang(platform)
    institution = new_institution(admin)
    recorder = platform.bus_recorder

    def institution_created():
        return any(m.routing_key == "institution.created" and json.loads(m.body)["data"]["id"] == institution["id"]
                   for m in list(recorder.messages))

    wait_until(institution_created, timeout=30, message="institution.created on the bus")
    assert recorder.problems() == []


def test_example_subscriber_handles_conforming_events_and_rejects_others(platform, tmp_path):
    queue = f"e2e-example-{uuid.uuid4().hex[:8]}.orders"
    url = amqp_url(platform.vhost, RABBITMQ_HOST, RABBITMQ_PORT)
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen([str(BIN / "python"), str(ROOT / "deploy" / "example_subscriber.py"), "--amqp-url",
                                 url, "--queue", queue, "--seen-db", str(tmp_path / "seen.sqlite3")],
                                stdout=stdout, stderr=stderr)
    try:
        wait_until(lambda: "listening on queue" in err.read_text(), timeout=30, message="the subscriber to listen")
        good = new_envelope("order.accepted", {
            "order_id": 7, "order_no": "XC20261127000007", "status": "accepted", "previous_status": "submitted",
            "product_id": 1, "product_name": "税易贷", "institution_id": 2, "institution_name": "许昌农商银行",
            "enterprise_uscc": "91350100M000100Y43", "enterprise_name": "许昌瑞祥机械有限公司",
            "region_code": "411002", "amount": 100, "term_months": 12, "applicant_user_id": 9}, "order-service")
        bad = {**good, "event_id": str(uuid.uuid4()), "data": {**good["data"], "amount": "一百万"}}
        # Straight into the subscriber's queue (the default exchange), so nothing else sees the bad one.
        connection = pika.BlockingConnection(pika.URLParameters(url))
        try:
            channel = connection.channel()
            for event in (bad, good):
                channel.basic_publish("", queue, json.dumps(event, ensure_ascii=False).encode(),
                                      pika.BasicProperties(content_type="application/json",
                                                           message_id=event["event_id"], delivery_mode=2))
        finally:
            connection.close()
        wait_until(lambda: good["event_id"] in out.read_text(), timeout=20, message="the good event handled")
        assert bad["event_id"] not in out.read_text()
        assert f"event {bad['event_id']} (order.accepted) does not match the contract" in err.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        pika_connection = pika.BlockingConnection(pika.URLParameters(url))
        pika_connection.channel().queue_delete(queue)
        pika_connection.close()


@pytest.mark.parametrize("doc", ["docs/events.md", "docs/subscribing.md"])
def test_event_documents_link_to_the_contract(doc):
    assert "asyncapi.yaml" in (ROOT / doc).read_text(encoding="utf-8")
