from .support import unreachable_url


def test_health_is_ok_when_every_service_answers(make_app, tmp_path):
    response = make_app(WEB_DIST_DIR=str(tmp_path)).test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "services": {"auth-service": "ok", "product-service": "ok", "order-service": "ok",
                     "credit-service": "ok", "notification-service": "ok", "loan-service": "ok"},
        "redis": "ok",
        "web": "absent",
    }


def test_health_is_degraded_when_a_service_is_down(make_app):
    response = make_app(CREDIT_SERVICE_URL=unreachable_url()).test_client().get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["services"]["credit-service"] == "unavailable"
    assert body["services"]["order-service"] == "ok"


def test_health_needs_no_token_and_is_not_under_the_api(client):
    assert client.get("/api/v1/health").status_code == 404
    assert client.get("/health").status_code == 200
