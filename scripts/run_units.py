"""Runs the unit tests of the packages named on the command line, each in its own pytest process (every
service has its own conftest and app), several side by side: they share nothing but PostgreSQL and
RabbitMQ, where each test makes its own database and vhost. Prints each package's output when it ends,
then one line per package (time, tests collected and passed) and the totals; fails when one fails.

    python scripts/run_units.py [--jobs N] [--times FILE] common auth-service ...
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent
PYTEST = Path(sys.executable).parent / "pytest"
# The last run's times: the longest package starts first, so the slowest one never starts last.
LAST_TIMES = ROOT / "var" / "unit-times.json"


def run_package(package: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json") as figures:
        env = {**os.environ, "XYD_TEST_TIMES": figures.name,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS), os.environ.get("PYTHONPATH")]))}
        started = time.monotonic()
        result = subprocess.run([str(PYTEST), "-q", "-p", "pytest_times", "tests"], cwd=ROOT / package, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seconds = time.monotonic() - started
        try:
            counts = json.loads(Path(figures.name).read_text() or "{}")
        except json.JSONDecodeError:
            counts = {}
    return {"package": package, "seconds": seconds, "returncode": result.returncode, "output": result.stdout,
            "collected": counts.get("collected", 0), "passed": counts.get("outcomes", {}).get("passed", 0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("packages", nargs="+")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="packages side by side")
    parser.add_argument("--times", type=Path, help="write each package's figures to this JSON file")
    args = parser.parse_args()

    packages = [p for p in args.packages if (ROOT / p / "tests").is_dir()]
    last = json.loads(LAST_TIMES.read_text()) if LAST_TIMES.exists() else {}
    packages.sort(key=lambda p: -last.get(p, 0))
    started = time.monotonic()
    results = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for future in as_completed([pool.submit(run_package, p) for p in packages]):
            result = future.result()
            print(f"== {result['package']} ({result['seconds']:.0f} s)\n{result['output']}", end="", flush=True)
            results.append(result)
    wall = time.monotonic() - started

    LAST_TIMES.parent.mkdir(exist_ok=True)
    LAST_TIMES.write_text(json.dumps({r["package"]: round(r["seconds"], 1) for r in results}))
    if args.times:
        args.times.write_text(json.dumps({"wall": wall, "jobs": args.jobs, "packages": [
            {k: r[k] for k in ("package", "seconds", "collected", "passed", "returncode")} for r in results]}))
    print(f"\n{'package':<24}{'seconds':>8}{'collected':>11}{'passed':>8}")
    for r in results:
        mark = "" if r["returncode"] == 0 else "  FAILED"
        print(f"{r['package']:<24}{r['seconds']:>8.0f}{r['collected']:>11}{r['passed']:>8}{mark}")
    collected, passed = sum(r["collected"] for r in results), sum(r["passed"] for r in results)
    print(f"units: {collected} collected, {passed} passed, {len(results)} packages, {args.jobs} side by side, "
          f"{wall:.0f} s", flush=True)
    return 0 if all(r["returncode"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
