"""Bad tokens are refused at the gateway and at a service called directly; identity headers sent by
clients change nothing."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

ME = "/api/v1/auth/me"


def platform_key(platform):
    return load_pem_private_key(open(platform.env["JWT_PRIVATE_KEY_FILE"], "rb").read(), None)


def claims(**overrides):
    now = int(time.time())
    base = {"iss": "xyd-auth", "aud": "xyd-platform", "typ": "access", "sub": "1", "sid": "s" * 32,
            "iat": now, "exp": now + 600, "role": "admin", "mcp": False}
    base.update(overrides)
    return base


def kid(platform):
    import requests

    return requests.get(platform.service_url("auth-service") + "/.well-known/jwks.json").json()["keys"][0]["kid"]


def b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def bad_tokens(platform, valid: str) -> dict[str, str | None]:
    header, payload, signature = valid.split(".")
    tampered_payload = b64({**jwt.decode(valid, options={"verify_signature": False}), "role": "admin",
                            "sub": "999"})
    return {
        "missing": None,
        "garbage": "not-a-token",
        "expired": jwt.encode(claims(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
                              platform_key(platform), algorithm="EdDSA", headers={"kid": kid(platform)}),
        "tampered": f"{header}.{tampered_payload}.{signature}",
        "alg_none": f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': kid(platform)})}.{b64(claims())}.",
        "wrong_key": jwt.encode(claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA",
                                headers={"kid": kid(platform)}),
        "wrong_audience": jwt.encode(claims(aud="someone-else"), platform_key(platform), algorithm="EdDSA",
                                     headers={"kid": kid(platform)}),
    }


@pytest.fixture
def valid_token(admin):
    return admin.token


@pytest.mark.parametrize("kind", ["missing", "garbage", "expired", "tampered", "alg_none", "wrong_key",
                                  "wrong_audience"])
def test_bad_tokens_are_refused_at_the_gateway_and_at_the_service(platform, api, valid_token, kind):
    token = bad_tokens(platform, valid_token)[kind]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for base in (platform.gateway, platform.service_url("auth-service")):
        resp = api.session.get(base + ME, headers=headers, timeout=5)
        assert resp.status_code == 401, (base, resp.text)
        assert resp.json()["code"] == "unauthorized"


def test_the_valid_token_passes_both_ways(platform, api, valid_token):
    for base in (platform.gateway, platform.service_url("auth-service")):
        assert api.session.get(base + ME, headers={"Authorization": f"Bearer {valid_token}"}).status_code == 200


def test_spoofed_identity_headers_change_nothing(platform, api, valid_token):
    spoof = {"X-User-Id": "999", "X-User-Role": "admin", "X-Forwarded-User": "13800000000"}
    assert api.get("/auth/me", headers=spoof).status_code == 401
    me = api.get("/auth/me", token=valid_token, headers=spoof).json()
    assert me["id"] == 1 and me["phone"] == "13800000000"


def test_internal_endpoints_are_not_routed_by_the_gateway(platform, api):
    resp = api.session.post(platform.gateway + "/internal/service-tokens", json={"service": "x", "secret": "y"})
    assert resp.status_code == 404
