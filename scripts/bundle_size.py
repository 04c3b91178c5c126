"""How much JavaScript the portal's first page costs a visitor: the entry chunk of web/dist and every
chunk it imports statically, plus the portal layout's and the home page's chunks (the router loads those
two before the first paint of `/`), each gzipped as a web server would send it. Prints a table and the
total against the target (issue 26: at most 250 KB gzipped); `--check` exits non-zero when it is missed.

Reads the Vite manifest (web/dist/.vite/manifest.json, written by every `vite build`), so it measures the
build that is there: run after `make web`."""

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "web" / "dist"
TARGET_KB = 250
# What `/` loads before its first paint besides the entry: the routes' lazy components (router/portal.ts).
FIRST_PAGE = ("src/layouts/PortalLayout.vue", "src/views/portal/HomeView.vue")


def first_load(manifest: dict) -> list[str]:
    """The files of the entry, the first page's chunks and everything they import statically, in order."""
    seen: list[str] = []

    def visit(key: str) -> None:
        chunk = manifest[key]
        if chunk["file"] in seen:
            return
        seen.append(chunk["file"])
        for imported in chunk.get("imports", []):
            visit(imported)

    visit(next(key for key, chunk in manifest.items() if chunk.get("isEntry")))
    for key in FIRST_PAGE:
        visit(key)
    return [file for file in seen if file.endswith(".js")]


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the total misses the target")
    args = parser.parse_args()
    manifest_file = DIST / ".vite" / "manifest.json"
    if not manifest_file.exists():
        print(f"no {manifest_file.relative_to(ROOT)}: build the web app first (make web)", file=sys.stderr)
        return 2
    files = first_load(json.loads(manifest_file.read_text()))
    rows = [(file, (DIST / file).stat().st_size, gzipped(DIST / file)) for file in files]
    width = max(len(file) for file in files)
    print(f"{'portal first load (/)':<{width}}  {'raw KB':>8}  {'gzip KB':>8}")
    for file, raw, packed in sorted(rows, key=lambda row: -row[2]):
        print(f"{file:<{width}}  {raw / 1024:8.1f}  {packed / 1024:8.1f}")
    total = sum(packed for _, _, packed in rows) / 1024
    verdict = "met" if total <= TARGET_KB else "missed"
    print(f"{'total':<{width}}  {sum(raw for _, raw, _ in rows) / 1024:8.1f}  {total:8.1f}"
          f"   target ≤ {TARGET_KB} KB: {verdict}")
    return 1 if args.check and verdict == "missed" else 0


if __name__ == "__main__":
    sys.exit(main())
