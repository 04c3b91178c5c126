import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from notification_service.models import ProcessedEvent, SmsMessage, db
from xyd_common.sealed import NO_SMS_CODE, InvalidToken, new_key, unseal


def sms_rows(app) -> list[SmsMessage]:
    with app.app_context():
        return list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)))


def processed_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProcessedEvent))


def test_code_travels_sealed_and_only_the_shared_key_opens_it(app, sms_code_event):
    event = sms_code_event(app, "13800000001", "482915")
    assert "482915" not in json.dumps(event)
    assert unseal(app.config["SMS_EVENT_KEY"], event["data"]["sealed_code"]) == "482915"
    with pytest.raises(InvalidToken):
        unseal(new_key(), event["data"]["sealed_code"])


def test_sms_code_event_delivered_twice_sends_one_sms(app, deliver, sms_code_event):
    event = sms_code_event(app, "13800000001", "482915")
    assert [deliver(app, event), deliver(app, event)] == ["ack", "ack"]
    rows = sms_rows(app)
    assert len(rows) == 1
    assert rows[0].event_id == event["event_id"]
    assert processed_count(app) == 1


def test_a_phone_without_an_account_gets_no_sms(app, deliver, sms_code_event):
    # auth-service seals NO_SMS_CODE for it, so the event looks like any other on the way.
    assert deliver(app, sms_code_event(app, "13800000009", NO_SMS_CODE)) == "ack"
    assert sms_rows(app) == []


def test_console_sms_text_contains_the_code_and_validity(app, deliver, sms_code_event, caplog):
    caplog.set_level(logging.INFO)
    deliver(app, sms_code_event(app, "13800000001", "482915", expires_in=300))
    [row] = sms_rows(app)
    assert (row.status, row.provider, row.phone) == ("sent", "console", "13800000001")
    assert "482915" in row.text and "5分钟内有效" in row.text
    assert json.loads(row.params) == {"code": "482915", "minutes": 5}
    assert row.text in caplog.text


@pytest.mark.parametrize(("purpose", "wording"), [
    ("login", "您正在登录"), ("register", "您正在注册"), ("reset_password", "您正在重置登录密码"),
    ("something_new", "您的验证码为"),
])
def test_sms_wording_fits_the_purpose_of_the_code(app, deliver, sms_code_event, purpose, wording):
    deliver(app, sms_code_event(app, "13800000001", "482915", purpose=purpose))
    assert wording in sms_rows(app)[0].text


def test_short_lived_code_still_says_at_least_one_minute(app, deliver, sms_code_event):
    deliver(app, sms_code_event(app, "13800000001", "482915", expires_in=30))
    assert "1分钟内有效" in sms_rows(app)[0].text


def test_gateway_receives_the_code_but_it_is_never_stored_or_logged(make_app, deliver, sms_code_event,
                                                                     sms_gateway, caplog):
    app = make_app(SMS_PROVIDER="http", SMS_HTTP_URL=sms_gateway.url)
    caplog.set_level(logging.DEBUG)
    assert deliver(app, sms_code_event(app, "13800000001", "482915", purpose="register")) == "ack"
    assert sms_gateway.received == [{"phone": "13800000001", "template_id": "register_code",
                                     "params": {"code": "482915", "minutes": 5}}]
    [row] = sms_rows(app)
    assert (row.status, row.provider) == ("sent", "http")
    assert "482915" not in row.text and "482915" not in row.params
    assert "verification code SMS sent" in caplog.text
    assert "482915" not in caplog.text


def test_gateway_failure_leaves_the_event_for_redelivery(make_app, deliver, sms_code_event, sms_gateway):
    app = make_app(SMS_PROVIDER="http", SMS_HTTP_URL=sms_gateway.url, SMS_HTTP_RETRIES=1)
    event = sms_code_event(app, "13800000001", "482915")
    sms_gateway.statuses = [500, 500, 200]
    assert deliver(app, event) == "requeue"
    assert sms_rows(app) == [] and processed_count(app) == 0
    assert deliver(app, event) == "ack"
    assert [row.status for row in sms_rows(app)] == ["sent"]
    assert len(sms_gateway.received) == 3


def test_code_sealed_with_another_key_is_recorded_as_failed_not_retried(app, deliver, sms_code_event,
                                                                         make_app):
    other = make_app()  # auth-service with a different SMS_EVENT_KEY
    assert deliver(app, sms_code_event(other, "13800000001", "482915")) == "ack"
    [row] = sms_rows(app)
    assert row.status == "failed" and "opened" in row.error
    assert "482915" not in row.text


def test_code_that_expired_while_queued_is_not_sent(app, deliver, sms_code_event, caplog):
    caplog.set_level(logging.INFO)
    event = sms_code_event(app, "13800000001", "482915", expires_in=300)
    event["occurred_at"] = (datetime.now(UTC) - timedelta(minutes=6)).isoformat()
    assert deliver(app, event) == "ack"
    [row] = sms_rows(app)
    assert row.status == "failed" and "expired" in row.error
    assert "expired before it could be sent" in caplog.text
    assert "482915" not in row.text and "482915" not in caplog.text
