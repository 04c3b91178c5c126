import pytest

from notification_service import create_app
from xyd_common.config import SettingError
from xyd_common.sealed import new_key
from xyd_common.service_checks import *  # noqa: F403 - the checks every service passes


def test_factory_reads_the_environment_and_applies_the_test_config(monkeypatch):
    monkeypatch.setenv("SMS_PROVIDER", "console")
    monkeypatch.setenv("SMS_EVENT_KEY", new_key())
    app = create_app()
    assert not app.testing
    assert app.config["SMS_HTTP_TIMEOUT"] == 5
    assert app.config["SMS_HTTP_RETRIES"] == 2
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).testing


def test_http_sms_without_a_gateway_url_refuses_to_start():
    with pytest.raises(SettingError, match="SMS_HTTP_URL"):
        create_app({"SMS_PROVIDER": "http", "SMS_HTTP_URL": None, "SMS_EVENT_KEY": new_key()})


def test_unknown_sms_provider_refuses_to_start():
    with pytest.raises(SettingError, match="SMS_PROVIDER"):
        create_app({"SMS_PROVIDER": "carrier-pigeon", "SMS_EVENT_KEY": new_key()})


@pytest.mark.parametrize("key", [None, "not-a-fernet-key"])
def test_missing_or_malformed_sms_event_key_refuses_to_start(key):
    with pytest.raises(SettingError, match="SMS_EVENT_KEY"):
        create_app({"SMS_PROVIDER": "console", "SMS_EVENT_KEY": key})


def test_openapi_document_lists_dev_sms(client):
    assert "/api/v1/dev/sms" in client.get("/openapi.json").json["paths"]
