import base64
import json
import time
import uuid

import jwt
import pytest
import redis
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask
from jwt.algorithms import OKPAlgorithm
from werkzeug.wrappers import Request, Response

from xyd_common.errors import ApiError, handle_api_error
from xyd_common.redis_store import get_redis, revoked_session_key
from xyd_common.tokens import (
    PASSWORD_CHANGE_ALLOWED_PATHS,
    TokenVerifier,
    authenticate,
    current_identity,
    require_auth,
)
from xyd_testing.helpers import WsgiServer, free_port, wait_until

ISSUER = "xyd-auth"
AUDIENCE = "xyd-platform"
JWKS_PATH = "/.well-known/jwks.json"


class SigningKey:
    def __init__(self, kid: str):
        self.kid = kid
        self.private = Ed25519PrivateKey.generate()

    def jwk(self) -> dict:
        return {**json.loads(OKPAlgorithm.to_jwk(self.private.public_key())), "kid": self.kid,
                "alg": "EdDSA", "use": "sig"}

    def sign(self, claims: dict, kid: str | None = None) -> str:
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": kid or self.kid})


class JwksServer(WsgiServer):
    """auth-service's JWKS endpoint, served for real over HTTP on a free port."""

    def __init__(self, keys):
        self.keys = list(keys)
        self.requests = 0
        super().__init__()
        self.base_url = self.url
        self.url = self.base_url + JWKS_PATH
        self.start()

    @Request.application
    def _app(self, request):
        if request.path != JWKS_PATH:
            return Response("not found", status=404)
        self.requests += 1
        return Response(json.dumps({"keys": [k.jwk() for k in self.keys]}), content_type="application/json")

    def stop(self):
        self.close()


@pytest.fixture
def key():
    return SigningKey("key-1")


@pytest.fixture
def jwks(key):
    server = JwksServer([key])
    yield server
    server.stop()


@pytest.fixture
def verifier(jwks):
    return TokenVerifier(jwks.url, ISSUER, AUDIENCE, jwks_timeout=1.0)


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "typ": "access", "sub": "42", "sid": uuid.uuid4().hex,
            "iat": now, "exp": now + 900, "role": "enterprise", "enterprise_uscc": "91350100M000100Y43",
            "region_code": "350100", "mcp": False}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_refused(verifier, token, typ="access"):
    with pytest.raises(ApiError) as exc:
        verifier.decode(token, typ)
    assert exc.value.status == 401
    assert exc.value.code == "unauthorized"
    assert exc.value.headers == {"WWW-Authenticate": "Bearer"}


def test_valid_token_gives_its_claims(verifier, key):
    decoded = verifier.decode(key.sign(claims()))
    assert decoded["sub"] == "42" and decoded["role"] == "enterprise"


def test_keys_are_cached_between_tokens(verifier, key, jwks):
    for _ in range(5):
        verifier.decode(key.sign(claims()))
    assert jwks.requests == 1


def test_expired_token_is_refused(verifier, key):
    now = int(time.time())
    assert_refused(verifier, key.sign(claims(iat=now - 1000, exp=now - 60)))


def test_tampered_token_is_refused(verifier, key):
    header, _payload, signature = key.sign(claims()).split(".")
    forged = ".".join([header, b64(claims(role="admin")), signature])
    assert_refused(verifier, forged)


def test_unsigned_alg_none_token_is_refused(verifier, key):
    unsigned = ".".join([b64({"alg": "none", "typ": "JWT", "kid": key.kid}), b64(claims(role="admin")), ""])
    assert_refused(verifier, unsigned)


def test_hmac_token_keyed_with_the_public_key_is_refused(verifier, key):
    public = key.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    confused = jwt.encode(claims(role="admin"), public, algorithm="HS256", headers={"kid": key.kid})
    assert_refused(verifier, confused)


def test_token_signed_by_another_key_with_the_same_kid_is_refused(verifier, key):
    impostor = SigningKey(key.kid)
    assert_refused(verifier, impostor.sign(claims()))


def test_token_with_unknown_kid_is_refused(verifier):
    assert_refused(verifier, SigningKey("key-unknown").sign(claims()))


def test_token_without_kid_is_refused(verifier, key):
    token = jwt.encode(claims(), key.private, algorithm="EdDSA")
    assert_refused(verifier, token)


def test_token_for_another_audience_is_refused(verifier, key):
    assert_refused(verifier, key.sign(claims(aud="some-other-platform")))


def test_token_from_another_issuer_is_refused(verifier, key):
    assert_refused(verifier, key.sign(claims(iss="someone-else")))


def test_token_of_another_type_is_refused(verifier, key):
    assert_refused(verifier, key.sign(claims(typ="service")))
    assert_refused(verifier, key.sign(claims(typ="refresh")))
    assert_refused(verifier, key.sign(claims(typ="access")), typ="service")


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "typ", "iss", "aud"])
def test_token_missing_a_required_claim_is_refused(verifier, key, missing):
    token = key.sign({k: v for k, v in claims().items() if k != missing})
    assert_refused(verifier, token)


def test_garbage_token_is_refused(verifier):
    assert_refused(verifier, "not-a-jwt")
    assert_refused(verifier, "a.b.c")


def test_new_key_published_before_the_first_token_is_used(verifier, key, jwks):
    new_key = SigningKey("key-2")
    jwks.keys.append(new_key)
    assert verifier.decode(new_key.sign(claims()))["sub"] == "42"
    assert verifier.decode(key.sign(claims()))["sub"] == "42"


def test_unreachable_jwks_without_a_cached_key_answers_503(key):
    nobody_listens = f"http://127.0.0.1:{free_port()}{JWKS_PATH}"
    verifier = TokenVerifier(nobody_listens, ISSUER, AUDIENCE, jwks_timeout=1.0)
    with pytest.raises(ApiError) as exc:
        verifier.decode(key.sign(claims()))
    assert exc.value.status == 503
    assert exc.value.code == "service_unavailable"


def test_cached_key_keeps_verifying_while_the_jwks_is_down(verifier, key, jwks):
    verifier.decode(key.sign(claims()))
    jwks.stop()
    assert verifier.decode(key.sign(claims()))["sub"] == "42"


def test_a_withdrawn_key_stops_verifying_once_the_key_set_is_refreshed(key, jwks):
    verifier = TokenVerifier(jwks.url, ISSUER, AUDIENCE, jwks_timeout=1.0, jwks_lifespan=0.5)
    verifier.decode(key.sign(claims()))
    new_key = SigningKey("key-2")
    jwks.keys[:] = [new_key]
    wait_until(lambda: _refused(verifier, key.sign(claims())), timeout=5, message="the old key to be refused")
    assert verifier.decode(new_key.sign(claims()))["sub"] == "42"


def test_the_last_key_set_serves_while_the_jwks_is_down_past_its_lifespan(key, jwks):
    verifier = TokenVerifier(jwks.url, ISSUER, AUDIENCE, jwks_timeout=1.0, jwks_lifespan=0.2)
    verifier.decode(key.sign(claims()))
    jwks.stop()
    time.sleep(0.3)  # the cached key set's lifespan itself is what is tested
    assert verifier.decode(key.sign(claims()))["sub"] == "42"


def _refused(verifier, token) -> bool:
    try:
        verifier.decode(token)
    except ApiError as exc:
        return exc.status == 401
    return False


# authenticate(): the verifier the app builds from its settings, plus revocation and forced password change.

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app(jwks):
    app = Flask(__name__)
    prefix = f"xyd-common-test-{uuid.uuid4().hex[:8]}:"
    app.config.update(AUTH_SERVICE_URL=jwks.base_url, JWT_ISSUER=ISSUER, JWT_AUDIENCE=AUDIENCE,
                      REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
    yield app
    with redis.Redis.from_url(REDIS_URL) as client:
        keys = list(client.scan_iter(prefix + "*"))
        if keys:
            client.delete(*keys)


def test_authenticate_gives_the_callers_identity(app, key):
    token = key.sign(claims(sub="42", sid="s-1", institution_id=None))
    identity = authenticate(token, "/api/v1/orders", app)
    assert identity.user_id == 42 and identity.role == "enterprise" and identity.session_id == "s-1"
    assert identity.enterprise_uscc == "91350100M000100Y43" and not identity.must_change_password


def test_token_of_a_revoked_session_is_refused(app, key):
    token = key.sign(claims(sid="s-revoked"))
    other = key.sign(claims(sid="s-other"))
    get_redis(app).set(revoked_session_key("s-revoked", app=app), "1", ex=60)
    with pytest.raises(ApiError) as exc:
        authenticate(token, "/api/v1/orders", app)
    assert exc.value.status == 401 and exc.value.code == "unauthorized"
    assert authenticate(other, "/api/v1/orders", app).session_id == "s-other"


def test_revocation_key_lives_under_the_apps_prefix(app):
    assert revoked_session_key("s-1", app=app) == app.config["REDIS_KEY_PREFIX"] + "revoked:sid:s-1"


def test_unreachable_redis_refuses_tokens_rather_than_letting_revoked_ones_pass(app, key):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(ApiError) as exc:
        authenticate(key.sign(claims()), "/api/v1/orders", app)
    assert exc.value.status == 503


def test_user_who_must_change_password_is_refused_elsewhere_with_403(app, key):
    token = key.sign(claims(mcp=True))
    with pytest.raises(ApiError) as exc:
        authenticate(token, "/api/v1/orders", app)
    assert exc.value.status == 403 and exc.value.code == "password_change_required"


@pytest.mark.parametrize("path", sorted(PASSWORD_CHANGE_ALLOWED_PATHS))
def test_user_who_must_change_password_may_still_reach_the_password_paths(app, key, path):
    identity = authenticate(key.sign(claims(mcp=True)), path, app)
    assert identity.must_change_password


def test_authenticate_refuses_a_service_token_as_an_access_token(app, key):
    with pytest.raises(ApiError) as exc:
        authenticate(key.sign(claims(typ="service", sub="service:order-service")), "/api/v1/orders", app)
    assert exc.value.status == 401


def test_redis_client_is_one_per_app(app):
    assert get_redis(app) is get_redis(app)
    assert isinstance(get_redis(app), redis.Redis)


def test_require_auth_refuses_a_missing_token_and_a_role_not_allowed(app, key):
    @app.get("/api/v1/admin-only")
    @require_auth("admin")
    def admin_only():
        return {"caller": current_identity().subject}

    app.register_error_handler(ApiError, handle_api_error)
    client = app.test_client()
    missing = client.get("/api/v1/admin-only")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    wrong_scheme = client.get("/api/v1/admin-only", headers={"Authorization": "Basic abc"})
    assert wrong_scheme.status_code == 401
    enterprise = client.get("/api/v1/admin-only", headers={"Authorization": f"Bearer {key.sign(claims())}"})
    assert enterprise.status_code == 403 and enterprise.json["code"] == "forbidden"
    admin = key.sign(claims(role="admin", sub="1"))
    allowed = client.get("/api/v1/admin-only", headers={"Authorization": f"Bearer {admin}"})
    assert allowed.status_code == 200 and allowed.json == {"caller": "1"}
