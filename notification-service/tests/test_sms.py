import logging

import pytest

from notification_service.sms import (
    ConsoleProvider,
    HttpProvider,
    SmsDeliveryError,
    SmsTemplateError,
    masked_text,
    render,
)
from xyd_testing.helpers import free_port


def test_verification_code_template_renders_the_approved_chinese_text():
    assert render("verification_code", {"code": "123456", "minutes": 5}) == (
        "【许昌信易贷】您的验证码为123456，5分钟内有效。如非本人操作，请忽略本短信。")


def test_unknown_template_or_missing_parameter_is_refused():
    with pytest.raises(SmsTemplateError, match="unknown"):
        render("no_such_template", {})
    with pytest.raises(SmsTemplateError, match="code"):
        render("verification_code", {"minutes": 5})


def test_masked_text_hides_the_code():
    text = masked_text("login_code", {"code": "123456", "minutes": 5})
    assert "123456" not in text
    assert "******" in text


def test_console_provider_logs_the_rendered_text(caplog):
    caplog.set_level(logging.INFO)
    ConsoleProvider().send("13800000001", "verification_code", {"code": "654321", "minutes": 5})
    assert "13800000001" in caplog.text
    assert "您的验证码为654321" in caplog.text


def test_http_provider_posts_template_id_and_params_as_json(sms_gateway):
    HttpProvider(sms_gateway.url).send("13800000001", "login_code", {"code": "123456", "minutes": 5})
    assert sms_gateway.received == [
        {"phone": "13800000001", "template_id": "login_code", "params": {"code": "123456", "minutes": 5}}]


def test_http_provider_retries_then_raises_when_the_gateway_keeps_failing(sms_gateway):
    sms_gateway.statuses = [500]
    provider = HttpProvider(sms_gateway.url, timeout=2, retries=2, backoff_factor=0)
    with pytest.raises(SmsDeliveryError, match="500"):
        provider.send("13800000001", "login_code", {"code": "123456", "minutes": 5})
    assert len(sms_gateway.received) == 3


def test_http_provider_succeeds_when_a_retry_gets_through(sms_gateway):
    sms_gateway.statuses = [503, 200]
    HttpProvider(sms_gateway.url, retries=2, backoff_factor=0).send(
        "13800000001", "login_code", {"code": "123456", "minutes": 5})
    assert len(sms_gateway.received) == 2


def test_http_provider_does_not_retry_an_sms_the_gateway_rejects(sms_gateway):
    sms_gateway.statuses = [400]
    with pytest.raises(SmsDeliveryError, match="400"):
        HttpProvider(sms_gateway.url, retries=2, backoff_factor=0).send(
            "13800000001", "login_code", {"code": "123456", "minutes": 5})
    assert len(sms_gateway.received) == 1


def test_http_provider_raises_when_the_gateway_is_unreachable():
    provider = HttpProvider(f"http://127.0.0.1:{free_port()}/sms", timeout=1, retries=1, backoff_factor=0)
    with pytest.raises(SmsDeliveryError, match="unreachable"):
        provider.send("13800000001", "login_code", {"code": "123456", "minutes": 5})
