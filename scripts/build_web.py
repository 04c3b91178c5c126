"""Builds the web app (`web/dist`) when it is missing or its sources' content changed since it was built.

`make run` calls it plainly: without Node it says what to do and the platform still starts, serving
the API alone (the gateway reports `"web": "absent"`). `make test` and `make manual` call it with
`--strict`: there a missing Node is an error. `--deps-only` installs the locked packages (`npm ci`)
without building, for the lint and unit steps.
"""

import argparse
import hashlib
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


# What each step was last done from, by content (not timestamps: a fresh clone or a checkout touches
# every file): the build from SOURCES, `npm ci` from the lock. Kept in node_modules, not in dist (which
# the gateway serves); `npm ci` empties node_modules, and the build after it is due anyway.
BUILT_FROM = WEB / "node_modules" / ".xyd-dist-sources.sha256"
INSTALLED_FROM = WEB / "node_modules" / ".package-lock.sha256"


def content_hash(names) -> str:
    """A SHA-256 over the relative path and bytes of every file under `names` (files or folders of web/)."""
    digest = hashlib.sha256()
    for name in names:
        path = WEB / name
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.exists():
                digest.update(f.relative_to(WEB).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()


def recorded(stamp: Path) -> str | None:
    return stamp.read_text().strip() if stamp.exists() else None


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
    """`npm ci` unless node_modules was installed from this very lock (npm writes its own copy of it)."""
    lock = content_hash(["package-lock.json"])
    if (WEB / "node_modules" / ".package-lock.json").exists() and recorded(INSTALLED_FROM) == lock:
        return
    print("== web: npm ci", flush=True)
    npm("ci", "--no-audit", "--no-fund")
    INSTALLED_FROM.write_text(lock + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strict", action="store_true", help="fail without Node instead of warning")
    parser.add_argument("--deps-only", action="store_true", help="install the locked packages, do not build")
    args = parser.parse_args()

    sources = content_hash(SOURCES)
    stale = not DIST_INDEX.exists() or recorded(BUILT_FROM) != sources
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
            BUILT_FROM.write_text(sources + "\n")
    except subprocess.CalledProcessError as exc:
        print(f"web build failed ({exc.cmd[0]} {exc.cmd[1]}): see the output above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
