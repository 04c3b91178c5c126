"""The acceptance-deadline job: orders still submitted after their deadline are marked once and
announced once."""

from datetime import UTC, datetime, timedelta

from order_service import services
from order_service.services import mark_overdue_orders

from .support import outbox

ORDERS = "/api/v1/orders"
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in China; deadline Thursday 26th


def test_orders_past_their_deadline_are_marked_once(app, client, apply, tokens, monkeypatch):
    monkeypatch.setattr(services, "utcnow", lambda: MONDAY)
    late, accepted = apply(), apply(product_id=3)
    assert late["accept_deadline"] == "2026-11-26"
    assert client.post(f"{ORDERS}/{accepted['id']}/accept", headers=tokens["other_bank"]).status_code == 200
    with app.app_context():
        # The deadline day itself is still in time (until midnight in China).
        assert mark_overdue_orders(now=datetime(2026, 11, 26, 15, 59, tzinfo=UTC)) == 0
        assert mark_overdue_orders(now=datetime(2026, 11, 26, 16, 0, tzinfo=UTC)) == 1
        assert mark_overdue_orders(now=MONDAY + timedelta(days=30)) == 0

    [event] = outbox(app, "order.accept_overdue")
    assert event["data"]["order_id"] == late["id"] and event["data"]["status"] == "submitted"
    assert event["data"]["accept_deadline"] == "2026-11-26" and event["data"]["institution_name"] == "许昌农商银行"
    details = client.get(f"{ORDERS}/{late['id']}", headers=tokens["bank"]).json
    assert details["accept_overdue"] is True and details["history"][-1]["actor_role"] == "system"
    assert [o["id"] for o in client.get(f"{ORDERS}?accept_overdue=true", headers=tokens["xuchang"]).json["items"]] == [
        late["id"]]
    assert [o["id"] for o in client.get(f"{ORDERS}?overdue=true", headers=tokens["bank"]).json["items"]] == [late["id"]]
    assert client.get(f"{ORDERS}/stats", headers=tokens["xuchang"]).json["overdue"] == 1

    # Still acceptable afterwards, and it stays counted as overdue.
    assert client.post(f"{ORDERS}/{late['id']}/accept", headers=tokens["bank"]).status_code == 200
    assert client.get(f"{ORDERS}/{late['id']}", headers=tokens["bank"]).json["accept_overdue"] is True


def test_the_command_runs_once(app, runner, apply, monkeypatch):
    monkeypatch.setattr(services, "utcnow", lambda: MONDAY - timedelta(days=30))
    apply()
    monkeypatch.setattr(services, "utcnow", lambda: MONDAY)
    result = runner.invoke(args=["mark-overdue", "--once"])
    assert result.exit_code == 0, result.output
    assert len(outbox(app, "order.accept_overdue")) == 1
