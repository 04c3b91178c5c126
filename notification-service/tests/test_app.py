import pytest

from notification_service import create_app
from xyd_common.config import SettingError
from xyd_common.sealed import new_key
from xyd_testing.service_checks import *  # noqa: F403 - the checks every service passes


def test_factory_reads_the_environment_and_applies_the_test_config(monkeypatch):
    monkeypatch.setenv("SMS_PROVIDER", "console")
    monkeypatch.setenv("DEVELOPMENT_MODE", "true")
    monkeypatch.setenv("SMS_EVENT_KEY", new_key())
    monkeypatch.setenv("WEBHOOK_SECRET_KEY", new_key())
    monkeypatch.delenv("WEBHOOK_RETRY_BASE_SECONDS", raising=False)
    app = create_app()
    assert not app.testing
    assert app.config["SMS_HTTP_TIMEOUT"] == 5
    assert app.config["SMS_HTTP_RETRIES"] == 2
    assert app.config["WEBHOOK_RETRY_BASE_SECONDS"] == 30
    assert app.config["WEBHOOK_TIMEOUT_SECONDS"] == 5
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).testing


def test_http_sms_without_a_gateway_url_refuses_to_start():
    with pytest.raises(SettingError, match="SMS_HTTP_URL"):
        create_app({"SMS_PROVIDER": "http", "SMS_HTTP_URL": None, "SMS_EVENT_KEY": new_key()})


def test_console_sms_refuses_to_start_outside_development_mode(monkeypatch):
    monkeypatch.delenv("DEVELOPMENT_MODE", raising=False)
    settings = {"SMS_PROVIDER": "console", "SMS_EVENT_KEY": new_key(), "WEBHOOK_SECRET_KEY": new_key()}
    with pytest.raises(SettingError, match="DEVELOPMENT_MODE"):
        create_app(settings)
    with pytest.raises(SettingError, match="DEVELOPMENT_MODE"):
        create_app({**settings, "DEVELOPMENT_MODE": False})


def test_console_sms_in_development_mode_says_so_loudly_at_start(caplog):
    create_app({"SMS_PROVIDER": "console", "DEVELOPMENT_MODE": True, "SMS_EVENT_KEY": new_key(),
                "WEBHOOK_SECRET_KEY": new_key()})
    assert [r for r in caplog.records if r.levelname == "WARNING" and "DEVELOPMENT MODE" in r.getMessage()]


def test_unknown_sms_provider_refuses_to_start():
    with pytest.raises(SettingError, match="SMS_PROVIDER"):
        create_app({"SMS_PROVIDER": "carrier-pigeon", "SMS_EVENT_KEY": new_key()})


@pytest.mark.parametrize("key", [None, "not-a-fernet-key"])
def test_missing_or_malformed_sms_event_key_refuses_to_start(key):
    with pytest.raises(SettingError, match="SMS_EVENT_KEY"):
        create_app({"SMS_PROVIDER": "console", "DEVELOPMENT_MODE": True, "SMS_EVENT_KEY": key})


@pytest.mark.parametrize("key", [None, "not-a-fernet-key"])
def test_missing_or_malformed_webhook_secret_key_refuses_to_start(key):
    with pytest.raises(SettingError, match="WEBHOOK_SECRET_KEY"):
        create_app({"SMS_PROVIDER": "console", "DEVELOPMENT_MODE": True, "SMS_EVENT_KEY": new_key(),
                    "WEBHOOK_SECRET_KEY": key})


def test_webhook_secret_key_may_list_several_keys_for_a_rotation():
    app = create_app({"SMS_PROVIDER": "console", "DEVELOPMENT_MODE": True, "SMS_EVENT_KEY": new_key(),
                      "WEBHOOK_SECRET_KEY": f"{new_key()},{new_key()}"})
    assert "," in app.config["WEBHOOK_SECRET_KEY"]


def test_openapi_document_lists_every_public_path(client):
    paths = client.get("/openapi.json").json["paths"]
    for path in ("/api/v1/dev/sms", "/api/v1/notifications", "/api/v1/notifications/{notification_id}/read",
                 "/api/v1/notifications/read-all", "/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}",
                 "/api/v1/webhooks/{webhook_id}/deliveries",
                 "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"):
        assert path in paths, path
