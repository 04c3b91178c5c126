from auth_service import services
from auth_service.models import User, db

from .test_login import auth


def test_service_obtains_a_token_with_the_shared_secret_and_calls_internal_endpoints(client):
    resp = client.post("/internal/service-tokens",
                       json={"service": "order-service", "secret": "service-secret-for-tests"})
    assert resp.status_code == 200
    user = client.get("/internal/users/1", headers=auth(resp.json["access_token"]))
    assert user.status_code == 200 and user.json["role"] == "admin"


def test_wrong_service_secret_is_refused(client):
    resp = client.post("/internal/service-tokens", json={"service": "order-service", "secret": "guess"})
    assert resp.status_code == 401


def test_user_token_cannot_call_internal_endpoints(client, login):
    pair = login()
    assert client.get("/internal/users/1", headers=auth(pair["access_token"])).status_code == 401
    assert client.get("/internal/users/1").status_code == 401


def test_bootstrap_creates_the_admin_once_and_generates_a_password_when_none_is_given(app):
    with app.app_context():
        assert services.bootstrap_admin("13800000009", None) == (None, None)
        db.session.execute(db.delete(User))
        db.session.commit()
        user, generated = services.bootstrap_admin("13800000009", None)
        assert user.must_change_password and len(generated) >= 12
        assert any(c.isdigit() for c in generated) and any(c.isalpha() for c in generated)


def test_jwks_publishes_the_public_key_only(client):
    keys = client.get("/.well-known/jwks.json").json["keys"]
    assert len(keys) == 1 and keys[0]["alg"] == "EdDSA" and "d" not in keys[0]


def test_services_load_every_institution_with_a_service_token(client, login):
    admin_token = login()["access_token"]
    client.post("/api/v1/admin/regions", json={"code": "411000", "name": "许昌市"}, headers=auth(admin_token))
    client.post("/api/v1/admin/institutions", json={"name": "许昌银行", "type": "bank", "region_code": "411000"},
                headers=auth(admin_token))
    token = client.post("/internal/service-tokens",
                        json={"service": "product-service", "secret": "service-secret-for-tests"}).json
    resp = client.get("/internal/institutions", headers=auth(token["access_token"]))
    assert resp.status_code == 200
    assert [(i["name"], i["status"]) for i in resp.json["items"]] == [("许昌银行", "active")]
    assert client.get("/internal/institutions", headers=auth(admin_token)).status_code == 401
