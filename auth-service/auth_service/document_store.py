"""Where the documents of enterprise verification requests are kept (business licences, authorization
letters): personal and business data that is never served without an admin or government token.

Two stores behind one interface, chosen by `VERIFICATION_STORAGE`:
- `database` (the default): the bytes live in auth-service's own database, in the same transaction as
  the request. Every replica sees them with no shared volume to provision, backups of the database
  include them, and a request can never point at a file that is missing. The files are few and capped
  at VERIFICATION_FILE_MAX_BYTES, so the database carries them comfortably.
- `directory`: the bytes live under `VERIFICATION_STORAGE_DIR`, a directory every replica mounts
  (outside any web root), named by random keys; for platforms that keep documents on a separate volume.
"""

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from xyd_common.config import SettingError

from .models import VerificationFile


@dataclass(frozen=True)
class Document:
    kind: str
    content: bytes
    content_type: str


class DatabaseStore:
    name = "database"

    def put(self, row: VerificationFile, content: bytes) -> None:
        row.content = content

    def get(self, row: VerificationFile) -> bytes | None:
        return row.content

    def delete(self, row: VerificationFile) -> None:
        row.content = None


class DirectoryStore:
    name = "directory"

    def __init__(self, root: str | None):
        if not root:
            raise SettingError("VERIFICATION_STORAGE=directory needs VERIFICATION_STORAGE_DIR")
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, row: VerificationFile, content: bytes) -> None:
        key = secrets.token_hex(20)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_bytes(content)
        path.chmod(0o600)
        row.storage_key = key

    def get(self, row: VerificationFile) -> bytes | None:
        path = self._path(row.storage_key) if row.storage_key else None
        return path.read_bytes() if path is not None and path.exists() else None

    def delete(self, row: VerificationFile) -> None:
        if row.storage_key:
            self._path(row.storage_key).unlink(missing_ok=True)
            row.storage_key = None


def store_for(name: str):
    if name == DatabaseStore.name:
        return DatabaseStore()
    if name == DirectoryStore.name:
        return DirectoryStore(current_app.config["VERIFICATION_STORAGE_DIR"])
    raise SettingError(f"VERIFICATION_STORAGE must be database or directory, got {name!r}")


def save(verification_id: int, document: Document) -> VerificationFile:
    """A row for the document, its bytes handed to the configured store (not yet committed)."""
    store = store_for(current_app.config["VERIFICATION_STORAGE"])
    row = VerificationFile(verification_id=verification_id, kind=document.kind,
                           content_type=document.content_type, size=len(document.content),
                           sha256=hashlib.sha256(document.content).hexdigest(), storage=store.name)
    store.put(row, document.content)
    return row


def load(row: VerificationFile) -> bytes | None:
    return store_for(row.storage).get(row)


def discard(row: VerificationFile) -> None:
    store_for(row.storage).delete(row)
