"""Secrets that travel in events (the SMS code) are sealed with a key only their two ends hold.

`SMS_EVENT_KEY` is a Fernet key (`python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`) shared by auth-service and notification-service only, so
the code is never in clear in the outbox, the broker or a dead-letter queue.
"""

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["seal", "unseal", "InvalidToken", "new_key", "NO_SMS_CODE"]

# Sealed in place of a code when a phone without an account asks for one: the event looks the same on
# the outbox and the broker (a code's length, sealed), auth-service does the same work for every phone,
# and notification-service, the only one able to open it, sends nothing.
NO_SMS_CODE = "------"


def new_key() -> str:
    return Fernet.generate_key().decode()


def seal(key: str, plaintext: str) -> str:
    return Fernet(key.encode()).encrypt(plaintext.encode()).decode()


def unseal(key: str, token: str, ttl: int | None = None) -> str:
    """The plaintext; raises InvalidToken if the key is wrong, the token was altered, or older than
    `ttl` seconds."""
    return Fernet(key.encode()).decrypt(token.encode(), ttl=ttl).decode()
