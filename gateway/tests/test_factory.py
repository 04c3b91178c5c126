from xyd_gateway import create_app


def test_settings_have_the_contract_defaults(monkeypatch):
    for name in ("AUTH_SERVICE_URL", "ORDER_SERVICE_URL", "GATEWAY_READ_TIMEOUT", "MAX_BODY_BYTES",
                 "REDIS_KEY_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert not app.testing
    assert app.config["AUTH_SERVICE_URL"] == "http://127.0.0.1:8081"
    assert app.config["ORDER_SERVICE_URL"] == "http://127.0.0.1:8083"
    assert app.config["GATEWAY_CONNECT_TIMEOUT"] == 2.0
    assert app.config["GATEWAY_READ_TIMEOUT"] == 15.0
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert app.config["SERVICE_NAME"] == "gateway"
    assert app.config["REDIS_KEY_PREFIX"] == "xyd:"


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PRODUCT_SERVICE_URL", "http://products.internal:9000/")
    monkeypatch.setenv("GATEWAY_READ_TIMEOUT", "7.5")
    monkeypatch.setenv("MAX_BODY_BYTES", "2048")
    app = create_app()
    assert app.config["PRODUCT_SERVICE_URL"] == "http://products.internal:9000"
    assert app.config["GATEWAY_READ_TIMEOUT"] == 7.5
    assert app.config["MAX_CONTENT_LENGTH"] == 2048


def test_test_config_overrides_the_environment():
    assert create_app({"TESTING": True, "GATEWAY_READ_TIMEOUT": 0.1}).config["GATEWAY_READ_TIMEOUT"] == 0.1
