"""Files people upload (business licences, authorization letters, claim evidence): what they are and
how they are served, the same in every service.

- **Type from the bytes.** `sniff_type` tells a JPEG, PNG or PDF by its content (`filetype`), never by
  the file's name or the client's Content-Type, so a page or script cannot be stored as a "PDF".
- **Served as a download.** `attachment_response` answers `Content-Disposition: attachment` with the
  sniffed type, `X-Content-Type-Options: nosniff`, `Cache-Control: no-store` and a sandboxing
  `Content-Security-Policy`: a PDF carrying `/OpenAction` JavaScript, or anything else active, is saved
  by the browser rather than run on the platform's origin. Who may fetch the file is the caller's
  business (a reviewer, the uploader), checked before this is reached.
"""

import filetype
from flask import Response

# What an uploaded document may be, with the extension its download is named with.
DOCUMENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}

# Nothing in a served file may load or run anything, should a browser ever render it.
FILE_POLICY = "default-src 'none'; sandbox"


def sniff_type(content: bytes, accepted: dict[str, str] = DOCUMENT_TYPES) -> str | None:
    """The file's real MIME type if it is one of `accepted`; None otherwise."""
    kind = filetype.guess(content[:8192])
    mime = kind.mime if kind is not None else None
    return mime if mime in accepted else None


def attachment_response(content: bytes, content_type: str, name: str) -> Response:
    """An uploaded file as a download named `name` plus the extension of its type (`content_type`, as
    `sniff_type` told it at upload)."""
    filename = f"{name}.{DOCUMENT_TYPES.get(content_type, 'bin')}"
    return Response(content, mimetype=content_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FILE_POLICY,
        "Cache-Control": "no-store",
    })
