"""What the gateway tests share. Mainly a stand-in for the services behind the gateway, served for
real over HTTP on a free port.

It echoes what reached it (method, path, query, headers, body bytes), publishes the JWKS of a test
signing key like auth-service does, and answers /health and /openapi.json like every service does.
Query parameters starting with an underscore make it misbehave on purpose: `_sleep` (seconds before
answering), `_status` (the status to answer), `_size` (answer that many bytes, streamed, instead of the
echo), `_text` (answer exactly this text instead of the echo).
"""

import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask, Response, request
from jwt.algorithms import OKPAlgorithm

from xyd_testing.helpers import WsgiServer, bearer, free_port  # noqa: F401  (bearer: the tests import it from here)

ISSUER = "xyd-auth"
AUDIENCE = "xyd-platform"

OPENAPI_DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "echo", "version": "v1"},
    "paths": {
        "/api/v1/orders": {"get": {"summary": "订单列表", "responses": {"200": {"description": "ok"}}}},
        "/api/v1/auth/login": {"post": {"summary": "登录", "responses": {"200": {"description": "ok"}}}},
        "/api/v1/products/{product_id}": {"get": {"summary": "产品", "responses": {"200": {"description": "ok"}}},
                                          "patch": {"summary": "修改", "responses": {"200": {"description": "ok"}}}},
        "/internal/users/{user_id}": {"get": {"summary": "内部接口", "responses": {"200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InternalUser"}}}}}}},
    },
    "components": {"schemas": {"InternalUser": {"type": "object"}}},
}


class SigningKey:
    """An Ed25519 key like auth-service's, publishing its public half as a JWK."""

    def __init__(self, kid: str = "test-key"):
        self.kid = kid
        self.private = Ed25519PrivateKey.generate()

    def jwk(self) -> dict:
        return {**json.loads(OKPAlgorithm.to_jwk(self.private.public_key())), "kid": self.kid,
                "alg": "EdDSA", "use": "sig"}

    def sign(self, claims: dict, headers: dict | None = None) -> str:
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": self.kid, **(headers or {})})


def access_claims(**overrides) -> dict:
    """The claims of a valid access token of an enterprise user, valid for five minutes."""
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "typ": "access", "sub": "7", "sid": uuid.uuid4().hex,
              "iat": now, "exp": now + 300, "role": "enterprise"}
    claims.update(overrides)
    return claims


def echo_app(key: SigningKey) -> Flask:
    app = Flask(__name__)
    app.config["SEEN"] = []  # every request the echo answered (path and query), for counting
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    @app.get("/.well-known/jwks.json")
    def jwks():
        return {"keys": [key.jwk()]}

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/openapi.json")
    def openapi():
        return OPENAPI_DOCUMENT

    @app.route("/<path:_rest>", methods=methods, provide_automatic_options=False)
    def echo(_rest):
        app.config["SEEN"].append(request.full_path)
        time.sleep(float(request.args.get("_sleep", 0)))
        if "_size" in request.args:
            chunks = (bytes([i % 251]) * 1000 for i in range(int(request.args["_size"]) // 1000))
            return Response(chunks, content_type="application/octet-stream")
        if "_text" in request.args:
            return Response(request.args["_text"], content_type="text/plain; charset=utf-8")
        body = {
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "headers": dict(request.headers.items()),
            "body_hex": request.get_data().hex(),
        }
        response = Response(json.dumps(body, ensure_ascii=False), status=int(request.args.get("_status", 200)),
                            content_type="application/json")
        response.headers["X-Upstream"] = "echo"
        if "_no_cookies" not in request.args:
            response.headers.add("Set-Cookie", "a=1; Path=/")
            response.headers.add("Set-Cookie", "b=2; Path=/")
        return response

    return app


class Upstream(WsgiServer):
    """The echo app on 127.0.0.1:<free port>, in a thread, until `stop()`."""

    def __init__(self, key: SigningKey):
        app = echo_app(key)
        super().__init__(app)
        self.seen: list[str] = app.config["SEEN"]
        self.start()

    def stop(self) -> None:
        self.close()


def unreachable_url() -> str:
    """A loopback port nothing listens on: connections to it are refused."""
    return f"http://127.0.0.1:{free_port()}"
