"""Writes docs/openapi.json: the merged API document exactly as the gateway serves it at
`/api/openapi.json`, built from the services' code without running them. The web app generates its
TypeScript types from this file (`npm run api-types` in web/).

`--check` writes nothing and fails when the file differs from what the code documents today (run by
`make web-check`, together with `npm run api-types:check`, which fails when web/src/api/schema.d.ts
differs from what openapi-typescript makes of the file).
"""

import argparse
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "openapi.json"
sys.path.insert(0, str(ROOT / "scripts"))
from procfile import SERVICES  # noqa: E402


def documents() -> dict[str, dict]:
    """Each service's own document, from its app factory (settings that only matter at run time are
    given throw-away values: nothing is connected to)."""
    from cryptography.fernet import Fernet

    with tempfile.TemporaryDirectory() as var:
        os.environ.update({"XYD_VAR_DIR": var, "SMS_PROVIDER": "console", "DEVELOPMENT_MODE": "true",
                           "LOG_LEVEL": "ERROR",
                           "SMS_EVENT_KEY": Fernet.generate_key().decode(),
                           "WEBHOOK_SECRET_KEY": Fernet.generate_key().decode()})
        out = {}
        for package, service in SERVICES.items():
            app = importlib.import_module(package).create_app({"TESTING": True})
            out[service.directory] = app.test_client().get("/openapi.json").get_json()
        return out


def merged_document() -> dict:
    from xyd_gateway.docs import merge_documents, public_document

    return merge_documents({service: public_document(document) for service, document in documents().items()})


def render(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when docs/openapi.json is out of date")
    args = parser.parse_args()
    text = render(merged_document())
    if args.check:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print("docs/openapi.json differs from what the code documents: run "
                  "`.venv/bin/python scripts/openapi_document.py` and `npm run api-types` in web/", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
