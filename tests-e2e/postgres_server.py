"""A PostgreSQL server of the suite's own, in a temporary directory, for the end-to-end tests.

Why not the machine's server: two platforms side by side (one per pytest-xdist worker, E2E_JOBS) keep
about 35 connections each while idle and up to twice that while a page fans out, and a module's extra
processes (replicas, a platform of its own) add more; a stock server allows 100 in all, shared with
whatever else runs on the machine. Once past it, a service answers 503 and an event waits in its queue
until a connection frees up — a failure of the suite, not of the platform. A server of its own, with room
for every connection and no fsync (nothing here needs to survive a crash), keeps the suite's outcome
independent of the machine's settings. It is the same PostgreSQL, started from the same binaries.

Set TEST_PG_ADMIN_URL to run the suite on a server of your choosing instead (that setting is also how
the xdist workers learn this one's address: they inherit the controller's environment)."""

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from xyd_testing.helpers import free_port

SETTINGS = {
    "max_connections": "400",
    # Nothing in a test database must survive a crash of the machine.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "listen_addresses": "127.0.0.1",
}


def _binaries() -> Path | None:
    """The newest installed server's bin directory (Debian keeps them out of PATH), or PATH's."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda path: int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit()
                      else 0)
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_server_user(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI and fresh machines run the suite as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _run(args: list[str]) -> None:
    result = subprocess.run(_as_server_user(args), capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


@contextlib.contextmanager
def private_postgres() -> Iterator[str | None]:
    """Start a server and yield its admin URL; None (and nothing started) where no server binaries are
    installed, so that the suite falls back to TEST_PG_ADMIN_URL's default."""
    binaries = _binaries()
    if binaries is None:
        yield None
        return
    directory = Path(tempfile.mkdtemp(prefix="xyd-e2e-postgres-"))
    data = directory / "data"
    try:
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
        _run([str(binaries / "initdb"), "--pgdata", str(data), "--username", "postgres", "--auth", "trust",
              "--encoding", "UTF8", "--locale", "C.UTF-8", "--no-sync"])
        port = free_port()
        options = " ".join(f"-c {name}={value}" for name, value in
                           {**SETTINGS, "port": port, "unix_socket_directories": directory}.items())
        _run([str(binaries / "pg_ctl"), "--pgdata", str(data), "--log", str(directory / "server.log"),
              "--options", options, "--wait", "--timeout", "60", "start"])
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                _run([str(binaries / "pg_ctl"), "--pgdata", str(data), "--mode", "immediate", "--wait", "stop"])
    finally:
        shutil.rmtree(directory, ignore_errors=True)
