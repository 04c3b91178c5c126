"""Settings: every secret setting `X` may come from the file `X_FILE` names instead."""

import pytest

from xyd_common.config import SettingError, common_settings, env_secret


def test_secret_is_read_from_the_file_its_file_setting_names(tmp_path, monkeypatch):
    secret = tmp_path / "service_token_secret"
    secret.write_text("s3cret-from-a-file\n")
    monkeypatch.delenv("SERVICE_TOKEN_SECRET", raising=False)
    monkeypatch.setenv("SERVICE_TOKEN_SECRET_FILE", str(secret))
    assert env_secret("SERVICE_TOKEN_SECRET") == "s3cret-from-a-file"
    assert common_settings("x-service", "X_DATABASE_URL")["SERVICE_TOKEN_SECRET"] == "s3cret-from-a-file"


def test_database_and_broker_urls_may_come_from_files(tmp_path, monkeypatch):
    (tmp_path / "db").write_text("postgresql://xyd:pw@db:5432/xyd_x")
    (tmp_path / "amqp").write_text("amqp://xyd:pw@mq:5672/%2F\n")
    monkeypatch.delenv("X_DATABASE_URL", raising=False)
    monkeypatch.delenv("AMQP_URL", raising=False)
    monkeypatch.setenv("X_DATABASE_URL_FILE", str(tmp_path / "db"))
    monkeypatch.setenv("AMQP_URL_FILE", str(tmp_path / "amqp"))
    settings = common_settings("x-service", "X_DATABASE_URL")
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://xyd:pw@db:5432/xyd_x"
    assert settings["AMQP_URL"] == "amqp://xyd:pw@mq:5672/%2F"


def test_secret_from_the_environment_still_works_and_unset_means_the_default(monkeypatch):
    monkeypatch.setenv("SMS_EVENT_KEY", "from-env")
    monkeypatch.delenv("SMS_EVENT_KEY_FILE", raising=False)
    assert env_secret("SMS_EVENT_KEY") == "from-env"
    monkeypatch.delenv("SMS_EVENT_KEY")
    assert env_secret("SMS_EVENT_KEY", "fallback") == "fallback"


def test_both_the_value_and_its_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "key").write_text("a")
    monkeypatch.setenv("SMS_EVENT_KEY", "b")
    monkeypatch.setenv("SMS_EVENT_KEY_FILE", str(tmp_path / "key"))
    with pytest.raises(SettingError, match="not both"):
        env_secret("SMS_EVENT_KEY")


def test_an_unreadable_secret_file_stops_start_up_without_showing_a_value(tmp_path, monkeypatch):
    monkeypatch.delenv("SMS_EVENT_KEY", raising=False)
    monkeypatch.setenv("SMS_EVENT_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingError, match="SMS_EVENT_KEY_FILE names a file that cannot be read"):
        env_secret("SMS_EVENT_KEY")


def test_only_one_trailing_newline_is_dropped(tmp_path, monkeypatch):
    (tmp_path / "pw").write_text("  pass word \n\n")
    monkeypatch.delenv("INITIAL_PASSWORD", raising=False)
    monkeypatch.setenv("INITIAL_PASSWORD_FILE", str(tmp_path / "pw"))
    assert env_secret("INITIAL_PASSWORD") == "  pass word \n"
