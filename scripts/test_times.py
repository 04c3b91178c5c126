"""Where `make test`'s time goes: runs its steps one after another (lint, `npm ci`, the web build, the web
checks, every package's units, the end-to-end suite) and prints a table of each step's time, each
package's units, each end-to-end module, and the set-ups inside them (platform and browser start-ups,
sign-ins: every fixture that takes a second or more), with the tests collected and passed.

`make test-times` runs it; the README's table is its output. `npm ci` and the web build run here even
when nothing changed (`make test` skips them then), so their cost is measured.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def timed(label: str, args: list[str], cwd: Path = ROOT, env: dict | None = None) -> tuple[float, int]:
    print(f"== {label}: {' '.join(args)}", flush=True)
    started = time.monotonic()
    returncode = subprocess.run(args, cwd=cwd, env=env).returncode
    return time.monotonic() - started, returncode


def minutes(seconds: float) -> str:
    whole = round(seconds)  # rounded first: 119.6 s is "2 min 0 s", never "1 min 60 s"
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"


def merged_e2e_times(e2e_file: Path) -> dict:
    """The end-to-end figures: pytest_times.py's file, or the sum of its workers' files under xdist."""
    parts = [json.loads(p.read_text()) for p in sorted(e2e_file.parent.glob(e2e_file.name + "*"))]
    merged = {"collected": 0, "outcomes": {}, "modules": {}, "fixtures": {}}
    for part in parts:
        merged["collected"] = max(merged["collected"], part.get("collected", 0))  # each worker collects all
        for outcome, count in part.get("outcomes", {}).items():
            merged["outcomes"][outcome] = merged["outcomes"].get(outcome, 0) + count
        merged["modules"].update(part.get("modules", {}))
        for name, times in part.get("fixtures", {}).items():
            merged["fixtures"].setdefault(name, []).extend(times)
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", nargs="+", required=True, help="the packages whose units run")
    parser.add_argument("--unit-jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--e2e-args", default="-m 'not fault_long'", help="pytest arguments for tests-e2e")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "test-times.md")
    args = parser.parse_args()

    steps, failed = [], []
    workdir = Path(tempfile.mkdtemp(prefix="xyd-test-times-"))
    total_started = time.monotonic()

    def step(label, command, cwd=ROOT, env=None):
        seconds, returncode = timed(label, command, cwd, env)
        steps.append((label, seconds))
        if returncode:
            failed.append(label)

    step("lint (ruff)", [str(BIN / "ruff"), "check", "."])
    step("npm ci", ["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT / "web")
    step("web build (vite)", ["npm", "run", "build"], cwd=ROOT / "web")
    step("OpenAPI document check", [str(BIN / "python"), "scripts/openapi_document.py", "--check"])
    step("web lint (vue-tsc, eslint)", ["npm", "run", "lint"], cwd=ROOT / "web")
    step("web unit tests (vitest)", ["npm", "test"], cwd=ROOT / "web")
    step("API types check", ["npm", "run", "api-types:check"], cwd=ROOT / "web")
    units_file = workdir / "units.json"
    step(f"units ({args.unit_jobs} side by side)", [str(BIN / "python"), "scripts/run_units.py", "--jobs",
         str(args.unit_jobs), "--times", str(units_file), *args.packages])
    e2e_file = workdir / "e2e.json"
    env = {**os.environ, "XYD_TEST_TIMES": str(e2e_file),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS), os.environ.get("PYTHONPATH")]))}
    step("e2e", ["bash", "-c", f"{BIN / 'pytest'} -q -p pytest_times tests-e2e {args.e2e_args}"], env=env)
    total = time.monotonic() - total_started

    units = json.loads(units_file.read_text()) if units_file.exists() else {"packages": []}
    e2e = merged_e2e_times(e2e_file)
    lines = ["| step | time |", "|---|---|"]
    lines += [f"| {label} | {minutes(seconds)} |" for label, seconds in steps]
    lines += [f"| **all of it** | **{minutes(total)}** |", "",
              "| units of | time | tests collected | passed |", "|---|---|---|---|"]
    for package in sorted(units["packages"], key=lambda p: -p["seconds"]):
        lines.append(f"| {package['package']} | {minutes(package['seconds'])} | {package['collected']} | "
                     f"{package['passed']} |")
    unit_collected = sum(p["collected"] for p in units["packages"])
    unit_passed = sum(p["passed"] for p in units["packages"])
    lines += ["", "| e2e module | time |", "|---|---|"]
    lines += [f"| {module} | {minutes(seconds)} |"
              for module, seconds in sorted(e2e["modules"].items(), key=lambda kv: -kv[1])]
    lines += ["", "| set-up (fixtures of a second or more) | times | total | longest |", "|---|---|---|---|"]
    for name, times in sorted(e2e["fixtures"].items(), key=lambda kv: -sum(kv[1])):
        lines.append(f"| {name} | {len(times)} | {minutes(sum(times))} | {minutes(max(times))} |")
    outcomes = e2e.get("outcomes", {})
    lines += ["", f"Tests: units {unit_collected} collected, {unit_passed} passed; e2e {e2e.get('collected', 0)} "
              f"collected, {outcomes.get('passed', 0)} passed"
              + "".join(f", {n} {k}" for k, n in sorted(outcomes.items()) if k != "passed") + "."]
    table = "\n".join(lines)
    print("\n" + table)
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(table + "\n", encoding="utf-8")
    print(f"\n(written to {args.out.relative_to(ROOT)})")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
