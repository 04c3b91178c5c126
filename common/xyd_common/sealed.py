"""Secrets that travel in events (the SMS code) are sealed with a key only their two ends hold.

`SMS_EVENT_KEY` is a Fernet key (`python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`) shared by auth-service and notification-service only, so
the code is never in clear in the outbox, the broker or a dead-letter queue.

`SMS_EVENT_KEY` may list several keys, comma-separated, during a rotation: the first seals, every one
opens (deploy/kubernetes/README.md, "Rotating keys").
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["seal", "unseal", "InvalidToken", "new_key", "NO_SMS_CODE", "key_list"]

# Sealed in place of a code when a phone without an account asks for one: the event looks the same on
# the outbox and the broker (a code's length, sealed), auth-service does the same work for every phone,
# and notification-service, the only one able to open it, sends nothing.
NO_SMS_CODE = "------"


def new_key() -> str:
    return Fernet.generate_key().decode()


def key_list(keys: str) -> list[str]:
    """The keys of a setting that may list several, comma-separated; the first is the current one."""
    return [key.strip() for key in keys.split(",") if key.strip()]


def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in key_list(keys)])


def seal(keys: str, plaintext: str) -> str:
    """Sealed with the first of `keys`."""
    return _fernet(keys).encrypt(plaintext.encode()).decode()


def unseal(keys: str, token: str, ttl: int | None = None) -> str:
    """The plaintext, opened with any of `keys`; raises InvalidToken if no key fits, the token was
    altered, or it is older than `ttl` seconds."""
    return _fernet(keys).decrypt(token.encode(), ttl=ttl).decode()
