"""The platform's token-signing key (Ed25519) and the tokens auth-service issues with it.

Every auth-service replica loads the same private key from `JWT_PRIVATE_KEY_FILE`; the public half is
published at `/.well-known/jwks.json`, where the gateway and the services fetch it.
"""

import base64
import hashlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from xyd_common.tokens import ACCESS, SERVICE


def generate_key_file(path: str | Path) -> None:
    """Write a new Ed25519 private key in PEM (for `make run` and tests)."""
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM,
                                                     serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
    path.chmod(0o600)


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    kid: str
    public_jwk: dict

    @classmethod
    def load(cls, path: str | None) -> "SigningKey":
        if not path:
            raise RuntimeError("JWT_PRIVATE_KEY_FILE is not set: auth-service needs the platform's "
                               "Ed25519 signing key (make run generates one under var/)")
        private_key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise RuntimeError("JWT_PRIVATE_KEY_FILE must hold an Ed25519 private key")
        jwk = json.loads(OKPAlgorithm.to_jwk(private_key.public_key()))
        # RFC 7638 thumbprint: replicas sharing the key publish the same kid.
        canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]},
                               separators=(",", ":"), sort_keys=True)
        kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
        return cls(private_key, kid, {**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"})

    def jwks(self) -> dict:
        return {"keys": [self.public_jwk]}

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})


def access_token(key: SigningKey, config: dict, user, session_id: str) -> str:
    now = int(time.time())
    return key.sign({
        "iss": config["JWT_ISSUER"], "aud": config["JWT_AUDIENCE"], "typ": ACCESS,
        "sub": str(user.id), "sid": session_id, "jti": uuid.uuid4().hex,
        "iat": now, "exp": now + config["ACCESS_TOKEN_TTL_SECONDS"],
        "role": user.role, "institution_id": user.institution_id,
        "enterprise_uscc": user.enterprise_uscc, "region_code": user.region_code,
        "mcp": bool(user.must_change_password),
        # 企业认证 state, read by every service's enterprise rules (xyd_common.tokens.Identity).
        **({"evs": user.verification_status or "unverified"} if user.role == "enterprise" else {}),
    })


def service_token(key: SigningKey, config: dict, service: str) -> str:
    now = int(time.time())
    return key.sign({
        "iss": config["JWT_ISSUER"], "aud": config["JWT_AUDIENCE"], "typ": SERVICE,
        "sub": f"service:{service}", "jti": uuid.uuid4().hex,
        "iat": now, "exp": now + config["SERVICE_TOKEN_TTL_SECONDS"],
    })


def new_refresh_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
