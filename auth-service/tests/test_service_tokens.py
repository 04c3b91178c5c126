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


def test_during_a_key_rotation_tokens_of_the_previous_key_still_verify(app, client, tmp_path):
    from auth_service import services, signing
    from xyd_common.tokens import SERVICE, TokenVerifier

    old_file, new_file = app.config["JWT_PRIVATE_KEY_FILE"], tmp_path / "jwt-next.pem"
    signing.generate_key_file(new_file)
    old_key = signing.SigningKey.load(old_file)
    issued_before = signing.service_token(old_key, app.config, "order-service")
    # The new key signs; the old one is still published until tokens signed with it have expired.
    app.config.update(JWT_PRIVATE_KEY_FILE=str(new_file), JWT_EXTRA_KEY_FILES=old_file)
    app.extensions.pop("xyd_signing_key", None)
    with app.app_context():
        new_key = services.signing_key()
    kids = [key["kid"] for key in client.get("/.well-known/jwks.json").json["keys"]]
    assert kids == [new_key.kid, old_key.kid]
    verifier = TokenVerifier(f"{app.config['AUTH_SERVICE_URL']}/.well-known/jwks.json", app.config["JWT_ISSUER"],
                             app.config["JWT_AUDIENCE"])
    issued_after = signing.service_token(new_key, app.config, "order-service")
    assert verifier.decode(issued_before, SERVICE)["sub"] == verifier.decode(issued_after, SERVICE)["sub"]


def test_services_list_every_user_in_pages_as_the_user_events_carry_them(app, client, monkeypatch):
    with app.app_context():  # an enterprise account besides the admin
        db.session.add(User(phone="13900000077", name="李会计", role="enterprise", password_hash="x", status="active",
                            enterprise_uscc="91411000MA0000007X", enterprise_name="许昌同步制造有限公司",
                            region_code="411002", verification_status="verified"))
        db.session.commit()
    monkeypatch.setattr(services, "INTERNAL_USERS_PAGE", 1)
    token = client.post("/internal/service-tokens",
                        json={"service": "notification-service", "secret": "service-secret-for-tests"}).json
    first = client.get("/internal/users", headers=auth(token["access_token"])).json
    assert [u["role"] for u in first["items"]] == ["admin"] and first["next_cursor"] == "1"
    second = client.get("/internal/users?after=1", headers=auth(token["access_token"])).json
    assert second["items"][0]["role"] == "enterprise"
    assert set(second["items"][0]) >= {"id", "phone", "enterprise_uscc", "verification_status", "status"}
    assert client.get("/internal/users").status_code == 401
