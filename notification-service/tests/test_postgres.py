"""On PostgreSQL, as in production: the migrations build the models' schema, and several
`deliver-webhooks` replicas share the work without sending a delivery twice."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from notification_service.delivery import WebhookDispatcher
from xyd_common.config import sqlalchemy_url
from xyd_common.sealed import new_key
from xyd_testing.helpers import postgres_database

from .support import WebhookReceiver, order_event, seed


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory):
    """A PostgreSQL database upgraded by the migrations (not by create_all)."""
    with postgres_database("xyd_notification_test") as url:
        flask = str(Path(sys.executable).with_name("flask"))
        env = {**os.environ, "XYD_VAR_DIR": str(tmp_path_factory.mktemp("var")), "NOTIFICATION_DATABASE_URL": url,
               "SMS_PROVIDER": "console", "DEVELOPMENT_MODE": "true", "SMS_EVENT_KEY": new_key(),
               "WEBHOOK_SECRET_KEY": new_key()}
        for command in (["db", "upgrade"], ["db", "check"]):
            result = subprocess.run([flask, "--app", "notification_service", *command], env=env,
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr
        yield sqlalchemy_url(url)


def test_two_workers_send_each_delivery_exactly_once(make_app, deliver, auth_service, migrated_database):
    app = make_app(SQLALCHEMY_DATABASE_URI=migrated_database, WEBHOOK_ALLOW_PRIVATE_NETWORKS=True)
    seed(app)
    with WebhookReceiver() as receiver:
        response = app.test_client().post("/api/v1/webhooks", headers=auth_service.headers("admin", 1),
                                          json={"url": receiver.url, "event_types": ["order.*"]})
        assert response.status_code == 201, response.json
        events = [order_event("order.submitted", order_id=700 + n) for n in range(12)]
        for event in events:
            assert deliver(app, event) == "ack"

        workers = [WebhookDispatcher(app), WebhookDispatcher(app)]
        counts = [0, 0]

        def work(i):
            counts[i] = workers[i].deliver_due()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    sent = sorted(headers["X-Xyd-Event-Id"] for headers, _ in receiver.requests)
    assert sent == sorted(e["event_id"] for e in events)
    assert sum(counts) == len(events)
    with app.app_context():
        from notification_service.models import db

        db.engine.dispose()
