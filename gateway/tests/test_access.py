import base64
import json
import time

import jwt

from xyd_common.redis_store import get_redis, revoked_session_key
from xyd_testing.helpers import wait_until

from .support import SigningKey, access_claims, bearer, unreachable_url


def assert_unauthorized(response):
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_gateway_refuses_request_without_token(client):
    assert_unauthorized(client.get("/api/v1/orders"))


def test_gateway_refuses_non_bearer_authorization(client):
    assert_unauthorized(client.get("/api/v1/orders", headers={"Authorization": "Basic dXNlcjpwdw=="}))


def test_gateway_refuses_expired_token(client, token):
    now = int(time.time())
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(token(iat=now - 600, exp=now - 1))))


def test_gateway_refuses_tampered_token(client, token):
    header, payload, signature = token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(f"{header}.{forged}.{signature}")))


def test_gateway_refuses_alg_none_token(client):
    unsigned = jwt.encode(access_claims(role="admin"), None, algorithm="none", headers={"kid": "test-key"})
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(unsigned)))


def test_gateway_refuses_token_signed_with_another_key_under_the_known_kid(client):
    impostor = SigningKey("test-key")
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(impostor.sign(access_claims()))))


def test_gateway_refuses_token_with_unknown_kid(client):
    stranger = SigningKey("unknown-key")
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(stranger.sign(access_claims()))))


def test_gateway_refuses_refresh_token_as_access_token(client, token):
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(token(typ="refresh"))))


def test_gateway_refuses_token_for_another_audience(client, token):
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(token(aud="someone-else"))))


def test_gateway_refuses_garbage_token(client):
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer("not-a-jwt")))


def test_gateway_refuses_token_of_revoked_session(client, token, revoke):
    revoke("sid-logged-out")
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(token(sid="sid-logged-out"))))


def test_gateway_refuses_token_revoked_after_it_was_accepted(app, client, token, revoke):
    """Verified signatures are cached, and so is a clean revocation check; the revocation's
    announcement ends both (it reaches the gateway's listening thread within milliseconds)."""
    access = token(sid="sid-later-logged-out")
    assert client.get("/api/v1/orders", headers=bearer(access)).status_code == 200  # starts the watch
    wait_until(lambda: app.extensions["xyd_revocation_watch"].live, message="the revocation watch to listen")
    for _ in range(3):  # found clean and remembered
        assert client.get("/api/v1/orders", headers=bearer(access)).status_code == 200
    revoke("sid-later-logged-out")
    wait_until(lambda: client.get("/api/v1/orders", headers=bearer(access)).status_code == 401, timeout=2,
               interval=0.01, message="the revoked token refused")
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(access)))


def test_a_session_found_clean_is_asked_of_redis_once_while_the_revocation_channel_is_live(
        app, client, token, monkeypatch):
    from xyd_gateway import access as access_module

    asked = []
    real = access_module.session_revoked
    monkeypatch.setattr(access_module, "session_revoked", lambda sid, app=None: asked.append(sid) or real(sid, app))
    watch = app.extensions["xyd_revocation_watch"]
    client.get("/api/v1/orders", headers=bearer(token(sid="sid-first")))  # starts the watch
    wait_until(lambda: watch.live, message="the revocation watch to listen")
    asked.clear()
    headers = bearer(token(sid="sid-often-seen"))
    for _ in range(5):
        assert client.get("/api/v1/orders", headers=headers).status_code == 200
    assert asked == ["sid-often-seen"]


def test_without_the_revocation_channel_every_request_asks_redis(app, client, token):
    """A revocation written without being announced (or while the channel is down) must still be seen
    at once: nothing is remembered unless the subscription is live."""
    watch = app.extensions["xyd_revocation_watch"]
    client.get("/api/v1/orders", headers=bearer(token(sid="sid-first")))  # starts the watch
    wait_until(lambda: watch.live, message="the revocation watch to listen")
    watch.stop.set()
    wait_until(lambda: not watch.live, timeout=5, message="the watch to stop listening")
    access = bearer(token(sid="sid-unannounced"))
    assert client.get("/api/v1/orders", headers=access).status_code == 200
    assert client.get("/api/v1/orders", headers=access).status_code == 200
    get_redis(app).set(revoked_session_key("sid-unannounced", app=app), "1", ex=60)  # no announcement
    assert_unauthorized(client.get("/api/v1/orders", headers=access))


def test_revocation_memory_can_be_turned_off(make_app, token):
    app = make_app(GATEWAY_REVOCATION_MEMORY_SECONDS=0)
    assert app.extensions["xyd_revocation_watch"] is None
    client = app.test_client()
    access = bearer(token(sid="sid-no-memory"))
    assert client.get("/api/v1/orders", headers=access).status_code == 200
    get_redis(app).set(revoked_session_key("sid-no-memory", app=app), "1", ex=60)
    assert_unauthorized(client.get("/api/v1/orders", headers=access))


def test_token_accepted_before_is_refused_once_it_expires(client, token):
    """Verified tokens are cached, but never beyond their `exp`."""
    now = int(time.time())
    access = bearer(token(iat=now, exp=now + 2))
    assert client.get("/api/v1/orders", headers=access).status_code == 200
    wait_until(lambda: client.get("/api/v1/orders", headers=access).status_code == 401, timeout=5,
               message="the expired token to be refused")


def test_tokens_are_checked_with_the_cache_turned_off(make_app, token):
    client = make_app(GATEWAY_TOKEN_CACHE_SIZE=0).test_client()
    assert client.get("/api/v1/orders", headers=bearer(token())).status_code == 200
    assert_unauthorized(client.get("/api/v1/orders", headers=bearer(token(typ="refresh"))))


def test_must_change_password_token_is_refused_with_403(client, token):
    response = client.get("/api/v1/orders", headers=bearer(token(mcp=True)))
    assert response.status_code == 403
    assert response.get_json()["code"] == "password_change_required"


def test_must_change_password_token_reaches_personal_center(client, token):
    response = client.get("/api/v1/auth/me", headers=bearer(token(mcp=True)))
    assert response.status_code == 200
    assert response.get_json()["path"] == "/api/v1/auth/me"


def test_valid_token_is_forwarded_with_authorization_header_intact(client, token):
    access = token()
    response = client.get("/api/v1/orders", headers=bearer(access))
    assert response.status_code == 200
    assert response.get_json()["headers"]["Authorization"] == f"Bearer {access}"


def test_public_routes_answer_without_token(client):
    for method, path in [("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/sms-codes"),
                         ("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/refresh"),
                         ("POST", "/api/v1/auth/password/reset"), ("GET", "/api/v1/regions"),
                         ("GET", "/api/v1/market/products"), ("GET", "/api/v1/products/42"),
                         ("GET", "/api/v1/dev/sms")]:
        response = client.open(path, method=method)
        assert response.status_code == 200, (method, path)
        assert response.get_json()["path"] == path


def test_public_route_passes_a_sent_token_on(client, token):
    access = token(role="institution")
    response = client.get("/api/v1/products/42", headers=bearer(access))
    assert response.status_code == 200
    assert response.get_json()["headers"]["Authorization"] == f"Bearer {access}"


def test_public_data_route_refuses_an_invalid_token(client, token):
    assert_unauthorized(client.get("/api/v1/market/products", headers=bearer(token(typ="refresh"))))
    assert_unauthorized(client.get("/api/v1/products/42", headers=bearer("not-a-jwt")))


def test_stale_token_does_not_stand_in_the_way_of_signing_in(client, token, revoke):
    """A client still holding the token its password change just revoked can ask for a code and log in;
    the stale token is not passed on."""
    revoke("sid-before-password-change")
    stale = bearer(token(sid="sid-before-password-change"))
    for method, path in [("POST", "/api/v1/auth/sms-codes"), ("GET", "/api/v1/dev/sms"),
                         ("POST", "/api/v1/auth/login")]:
        response = client.open(path, method=method, headers=stale)
        assert response.status_code == 200, (method, path)
        assert "Authorization" not in response.get_json()["headers"]


def test_own_products_list_needs_a_token(client):
    assert_unauthorized(client.get("/api/v1/products/mine"))


def test_changing_a_product_needs_a_token(client):
    assert_unauthorized(client.patch("/api/v1/products/42", json={"name": "x"}))


def test_gateway_answers_503_when_the_key_set_cannot_be_fetched(make_app, token):
    client = make_app(AUTH_SERVICE_URL=unreachable_url()).test_client()
    response = client.get("/api/v1/orders", headers=bearer(token()))
    assert response.status_code == 503
    assert response.get_json()["code"] == "service_unavailable"


def test_gateway_answers_503_when_the_revocation_list_cannot_be_read(make_app, token):
    client = make_app(REDIS_URL=f"redis://127.0.0.1:{unreachable_url().rsplit(':', 1)[1]}/0").test_client()
    response = client.get("/api/v1/orders", headers=bearer(token()))
    assert response.status_code == 503
    assert response.get_json()["code"] == "service_unavailable"
