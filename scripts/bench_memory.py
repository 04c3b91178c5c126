"""The memory of the platform `make run` starts (SQLite, one host): the proportional set size (PSS: each
shared page counted once, split among the processes sharing it) summed over its whole process tree,
idle, read from /proc/<pid>/smaps_rollup. `make bench` prints it; alone:

    .venv/bin/python scripts/bench_memory.py
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack += children.get(pid, [])
    return tree


def pss_mb(pids: list[int]) -> float:
    kib = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:  # gone meanwhile
            continue
        kib += next(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return kib / 1024


def make_run_memory(idle_seconds: float = 20) -> dict:
    """Start `make run`'s platform on a fresh SQLite directory, wait until the gateway says every service
    is healthy and `idle_seconds` more, and measure; then stop it."""
    with tempfile.TemporaryDirectory(prefix="xyd-bench-run-") as var:
        env = {**os.environ, "XYD_VAR_DIR": var}
        log = open(Path(var) / "run.log", "wb")  # noqa: SIM115 - closed below
        run = subprocess.Popen([str(BIN / "python"), "scripts/run.py"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
        try:
            gateway = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}/health"
            deadline = time.monotonic() + 180
            while True:
                try:
                    if requests.get(gateway, timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if run.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("make run did not become healthy:\n" +
                                       (Path(var) / "run.log").read_text(errors="replace")[-3000:])
                time.sleep(1)
            time.sleep(idle_seconds)
            tree = process_tree(run.pid)
            return {"processes": len(tree), "pss_mb": pss_mb(tree)}
        finally:
            os.killpg(run.pid, signal.SIGINT)  # honcho stops its processes on Ctrl-C
            try:
                run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait()
            log.close()


if __name__ == "__main__":
    figures = make_run_memory()
    print(f"make run, idle: {figures['processes']} processes, {figures['pss_mb']:.0f} MB PSS")
