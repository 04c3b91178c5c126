"""Builds the web app (`web/dist`) when it is missing or older than its sources.

`make run` calls it plainly: without Node it says what to do and the platform still starts, serving
the API alone (the gateway reports `"web": "absent"`). `make test` and `make manual` call it with
`--strict`: there a missing Node is an error. `--deps-only` installs the locked packages (`npm ci`)
without building, for the lint and unit steps.
"""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST_INDEX = WEB / "dist" / "index.html"
SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json")
MIN_NODE = (20, 19)

NO_NODE = """
网页端无法构建（缺少 Node.js）: the web console (web/) needs Node.js 20.19+ or 22.12+ with npm to be
built, and this machine has none. Install it, e.g. `apt-get install nodejs npm` on Debian 13 or a release
from https://nodejs.org, then run the command again. {consequence}
"""


def newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = WEB / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def node_version() -> tuple[int, ...] | None:
    if not shutil.which("node") or not shutil.which("npm"):
        return None
    out = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip().lstrip("v")
    try:
        return tuple(int(part) for part in out.split(".")[:2])
    except ValueError:
        return None


def npm(*args: str) -> None:
    subprocess.run(["npm", *args], cwd=WEB, check=True)


def ensure_packages() -> None:
    """`npm ci` when node_modules is missing or older than the lock (npm writes its own copy of it)."""
    installed = WEB / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (WEB / "package-lock.json").stat().st_mtime:
        print("== web: npm ci", flush=True)
        npm("ci", "--no-audit", "--no-fund")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strict", action="store_true", help="fail without Node instead of warning")
    parser.add_argument("--deps-only", action="store_true", help="install the locked packages, do not build")
    args = parser.parse_args()

    stale = not DIST_INDEX.exists() or DIST_INDEX.stat().st_mtime < newest_source_mtime()
    if not args.deps_only and not stale:
        return 0
    version = node_version()
    if version is None or version < MIN_NODE:
        if args.strict:
            print(NO_NODE.format(consequence=""), file=sys.stderr)
            return 1
        consequence = ("Starting with the previous build of web/dist." if DIST_INDEX.exists()
                       else "Starting without the web console: the gateway serves the API only.")
        print(NO_NODE.format(consequence=consequence), file=sys.stderr)
        return 0
    try:
        ensure_packages()
        if not args.deps_only:
            print("== web: building web/dist", flush=True)
            npm("run", "build")
    except subprocess.CalledProcessError as exc:
        print(f"web build failed ({exc.cmd[0]} {exc.cmd[1]}): see the output above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
