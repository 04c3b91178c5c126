"""`make bench`: the platform's figures under load, printed as a table and written to docs/benchmarks.md.

One entry point for every benchmark:

- gateway: the running platform (the end-to-end harness: real processes, PostgreSQL, RabbitMQ, Redis,
  the same gunicorn settings for every service) loaded with wrk, straight to product-service and
  through the gateway, alternating, three runs each (median), on the public market page and on a
  token route (`/products/mine`);
- events: an institution's product change committed at 20 and 100 changes/s, and the time until a
  subscriber's queue hands over `product.updated` (from the envelope's `occurred_at`, written inside
  the committing transaction), p50/p99, and whether any went missing;
- memory: the resident size of every process of the platform, idle and while the gateway is loaded;
  and the proportional set size of the whole platform `make run` starts, idle (scripts/bench_memory.py);
- market: product-service/bench/bench_market.py (1,000 vs 100,000 products, per query shape);
- order lists: order-service/bench/bench_orders.py (first vs deep page at 1,000,000 orders).

    .venv/bin/python scripts/bench.py [--seconds 8] [--skip market orders] [--no-write]

Figures are printed, never asserted: they depend on the machine and on what else runs on it.
"""

import argparse
import json
import os
import platform as host
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pika
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests-e2e"))
from api_client import Api  # noqa: E402
from bench_memory import make_run_memory  # noqa: E402
from harness import running_platform  # noqa: E402
from scenario import (  # noqa: E402
    LOAN_PRODUCT,
    EventSubscriber,
    admin_with_xuchang,
    institution_user,
    new_institution,
    order_service_ready,
    published_product,
    verified_enterprise,
)

from xyd_testing.helpers import RABBITMQ_HOST, RABBITMQ_PORT, amqp_url, wait_until  # noqa: E402

PYTHON = sys.executable
RUNS = 3
# The harness shortens these for the tests' sake (a relay polling 10 times a second, every process
# reconciling every second); measured figures are those of the defaults an operator runs.
PRODUCTION_TIMINGS = {"OUTBOX_POLL_SECONDS": "0.5", "CREDIT_RECONCILE_SECONDS": "60",
                      "WEBHOOK_RETRY_BASE_SECONDS": "30"}


# --- load with wrk ------------------------------------------------------------------------------

def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, headers: dict, seconds: int, connections: int = 16) -> dict:
    """requests/s, p50 and p99 (ms) of `url` under `connections` keep-alive connections."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    # Errors are counted and shown, not fatal: on a shared machine a database may refuse connections.
    return {"errors": int(bad.group(1)) if bad else 0,
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
            "p99": _ms(re.search(r"\s99%\s+(\S+)", out).group(1))}


def cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by every process of process group `group`."""
    tick = os.sysconf("SC_CLK_TCK")
    used = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == group:  # pgrp; utime and stime follow at 11 and 12
            used += int(fields[11]) + int(fields[12])
    return used / tick


def compare(platform, direct_url: str, gateway_url: str, headers: dict, seconds: int) -> dict:
    """Direct and through the gateway, alternating, RUNS times each; the medians and the ratio.

    Besides requests/s, the CPU time the service and the gateway spend per request: on a machine
    other work shares, throughput swings with that work, but CPU per request hardly does. With the
    gateway and the service on the same cores, service / (service + gateway) is the throughput the
    gateway leaves — the ratio as it would be on a machine of their own."""
    groups = {name: platform.processes[f"{name}-0"][0].pid for name in ("gateway", "product-service")}
    wrk(direct_url, headers, 2)  # warm both paths (pools, caches, the token cache)
    wrk(gateway_url, headers, 2)
    runs = {"direct": [], "gateway": []}
    for _ in range(RUNS):
        for side, url in (("direct", direct_url), ("gateway", gateway_url)):
            before = {name: cpu_seconds(group) for name, group in groups.items()}
            result = wrk(url, headers, seconds)
            served = max(1.0, result["rps"] * seconds)
            result.update({f"cpu_{name}": (cpu_seconds(group) - before[name]) * 1000 / served
                           for name, group in groups.items()})
            runs[side].append(result)
    keys = ("rps", "p50", "p99", "cpu_gateway", "cpu_product-service")
    med = {side: {**{k: statistics.median(r[k] for r in rs) for k in keys},
                  "errors": sum(r["errors"] for r in rs)}
           for side, rs in runs.items()}
    service_ms, gateway_ms = med["gateway"]["cpu_product-service"], med["gateway"]["cpu_gateway"]
    def ratio(gateway: float, direct: float) -> float:
        return gateway / direct if direct else float("nan")  # nothing answered in a run on a swamped machine

    return {**med, "ratio": ratio(med["gateway"]["rps"], med["direct"]["rps"]),
            "added_p50": med["gateway"]["p50"] - med["direct"]["p50"],
            "ratios": [ratio(g["rps"], d["rps"]) for d, g in zip(runs["direct"], runs["gateway"], strict=True)],
            "service_cpu_ms": service_ms, "gateway_cpu_ms": gateway_ms,
            "cpu_ratio": service_ms / (service_ms + gateway_ms) if service_ms + gateway_ms else float("nan")}


# --- memory -------------------------------------------------------------------------------------

def platform_rss_mb(platform) -> float:
    """Resident memory of every process the platform started (each runs in its own process group)."""
    groups = {proc.pid for proc, _ in platform.processes.values()}
    out = subprocess.run(["ps", "-eo", "pgid=,rss="], capture_output=True, text=True, check=True).stdout
    kib = sum(int(rss) for pgid, rss in (line.split() for line in out.splitlines()) if int(pgid) in groups)
    return kib / 1024


# --- events -------------------------------------------------------------------------------------

class Receipts:
    """A subscriber's own queue bound to `product.updated`, consumed in a thread: event id -> the
    moment it was handed over."""

    def __init__(self, platform):
        params = pika.URLParameters(amqp_url(platform.vhost, RABBITMQ_HOST, RABBITMQ_PORT))
        self.connection = pika.BlockingConnection(params)
        self.channel = self.connection.channel()
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, "xyd.events", routing_key="product.updated")
        self.received: dict[str, tuple[float, str]] = {}
        self.channel.basic_consume(self.queue, self._on_message, auto_ack=True)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _on_message(self, channel, method, properties, body):
        envelope = json.loads(body)
        self.received.setdefault(envelope["event_id"], (time.time(), envelope["occurred_at"]))

    def _loop(self):
        while not self.stop.is_set():
            self.connection.process_data_events(time_limit=0.05)

    def close(self):
        self.stop.set()
        self.thread.join()
        self.connection.close()


def event_latency(platform, bank: Api, products: list[dict], rate: int, seconds: int, path: str) -> dict:
    """Change a product `rate` times a second for `seconds` and time each `product.updated` from its
    commit (the envelope's `occurred_at`) to the subscriber.

    `path` is how the change is made: "http" sends `PATCH /products/{id}` straight to product-service
    (its one gunicorn worker answers only so many a second on two shared cores); "database" commits
    the change in product-service's database from this process, the same transaction (row change,
    outbox row, NOTIFY) without the HTTP stack, so that a rate of 100/s is reached and what is
    measured is the relay and the broker."""
    receipts = Receipts(platform)
    sent, failed = [], []
    count = rate * seconds
    if path == "http":
        service = platform.service_url("product-service") + "/api/v1"
        session = requests.Session()
        session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=32))

        def change(i: int) -> None:
            product = products[i % len(products)]
            resp = session.patch(f"{service}/products/{product['id']}", json={"description": f"第 {i} 次修改"},
                                 headers={"Authorization": f"Bearer {bank.token}"}, timeout=30)
            (sent if resp.status_code == 200 else failed).append(i)
    else:
        change = product_service_changer(platform, bank, products, sent, failed)
    start = time.monotonic() + 0.5
    try:
        with ThreadPoolExecutor(max_workers=32 if path == "http" else 8) as pool:
            for i in range(count):
                time.sleep(max(0.0, start + i / rate - time.monotonic()))
                pool.submit(change, i)
        took = time.monotonic() - start
        wait_until(lambda: len(receipts.received) >= len(sent), timeout=60, interval=0.2,
                   message="every product.updated at the subscriber")
    except AssertionError:
        pass  # reported below as missing
    finally:
        receipts.close()
    latencies = sorted((at - datetime.fromisoformat(occurred.replace("Z", "+00:00")).timestamp()) * 1000
                       for at, occurred in receipts.received.values())
    return {"rate": rate, "path": path, "achieved": len(sent) / took, "sent": len(sent), "failed": len(failed),
            "missing": max(0, len(sent) - len(receipts.received)),
            "p50": statistics.median(latencies), "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)]}


def product_service_changer(platform, bank: Api, products: list[dict], sent: list, failed: list):
    """A function changing product `i % len(products)` in product-service's database the way
    `services.update_product` commits a change: the row, its `product.updated` outbox row (with the
    product as the API shows it) and the NOTIFY, in one transaction, without the HTTP and ORM work
    around it, so that this process reaches 100 changes a second."""
    from sqlalchemy import update

    from product_service import create_app
    from product_service.models import OutboxMessage, Product, db
    from product_service.services import SOURCE, product_data
    from xyd_common.events.outbox import record_event, utcnow

    url = platform.database_urls["PRODUCT_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "ERROR"})
    with app.app_context():
        shown = {p["id"]: product_data(db.session.get(Product, p["id"])) for p in products}

    def change(i: int) -> None:
        product_id = products[i % len(products)]["id"]
        description, now = f"第 {i} 次修改", utcnow()
        with app.app_context():
            try:
                db.session.execute(update(Product).where(Product.id == product_id)
                                   .values(description=description, updated_at=now))
                record_event(db.session, OutboxMessage, "product.updated",
                             {**shown[product_id], "description": description, "updated_at": now.isoformat()},
                             SOURCE)
                db.session.commit()
                sent.append(i)
            except Exception:  # noqa: BLE001  (counted and shown; the bench goes on)
                db.session.rollback()
                failed.append(i)

    return change


# --- order submissions ------------------------------------------------------------------------------

SUBMITTING_ENTERPRISES, SUBMISSION_CLIENTS = 25, 16


def sustained_submissions(platform, admin: Api, products: list[dict]) -> dict:
    """Applications through the gateway by SUBMISSION_CLIENTS clients as fast as they are answered, one
    per enterprise and product (25 × 20 = 500): submissions/s, answer times, and whether each order
    arrived in the order list and was announced as `order.submitted` exactly once (after dedup on
    `event_id`, as a subscriber is told to) — zero loss, not just 201s."""
    enterprises = [verified_enterprise(platform, admin, name=f"许昌压测企业{n}有限公司")[0]
                   for n in range(SUBMITTING_ENTERPRISES)]
    for enterprise in enterprises:
        wait_until(lambda e=enterprise: order_service_ready(e, products[-1]), timeout=120, interval=0.5,
                   message="order-service to know the enterprise")
    wait_until(lambda: all(order_service_ready(enterprises[0], p) for p in products), timeout=120, interval=1,
               message="order-service to know every product")
    subscriber = EventSubscriber(platform, "order.submitted")
    answers, times, created = [], [], []
    lock = threading.Lock()

    def apply(enterprise: Api, product: dict) -> None:
        started = time.monotonic()
        resp = enterprise.post("/orders", json={"product_id": product["id"], "amount": 100, "term_months": 12,
                                                "purpose": "采购原材料", "credit_authorized": True}, timeout=60)
        with lock:
            times.append((time.monotonic() - started) * 1000)
            answers.append(resp.status_code)
            if resp.status_code == 201:
                created.append(resp.json()["id"])

    try:
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=SUBMISSION_CLIENTS) as pool:
            for enterprise in enterprises:
                for product in products:
                    pool.submit(apply, enterprise, product)
        took = time.monotonic() - start
        try:
            wait_until(lambda: {e["data"]["order_id"] for e in subscriber.drain()} >= set(created), timeout=60,
                       interval=0.5, message="every order.submitted")
        except AssertionError:
            pass  # reported below as missing
        announced = [e["data"]["order_id"] for e in subscriber.drain()]
    finally:
        subscriber.close()
    listed = sum(enterprise.get("/orders", params={"per_page": 100}).json()["total"] for enterprise in enterprises)
    times.sort()
    return {"sent": len(answers), "created": len(created), "per_second": len(answers) / took,
            "p50": statistics.median(times), "p99": times[max(0, int(len(times) * 0.99) - 1)],
            "not_201": len(answers) - answers.count(201), "listed": listed,
            "announced": len(set(announced) & set(created)), "announced_twice": len(announced) - len(set(announced))}


# --- the running platform -----------------------------------------------------------------------

def platform_figures(seconds: int) -> dict:
    figures = {}
    with tempfile.TemporaryDirectory(prefix="xyd-bench-") as workdir, \
            running_platform(Path(workdir), settings=PRODUCTION_TIMINGS) as platform:
        # The first requests may meet a database still taking connections (a shared server): retried.
        admin = wait_until(lambda: admin_with_xuchang(platform), timeout=120, interval=2,
                           message="the admin logged in")
        # Setting up is retried too: on a loaded machine a request may pass the client's 10 s timeout.
        bank = wait_until(lambda: institution_user(platform, admin, new_institution(admin)), timeout=300,
                          interval=2, message="an institution user")
        products = [wait_until(lambda n=n: published_product(bank, {**LOAN_PRODUCT, "name": f"信易贷{n}号",
                                                                    "region_codes": ["411002"]}),
                               timeout=300, interval=2, message="a product") for n in range(20)]
        time.sleep(3)  # let the start-up work settle before measuring memory at rest
        figures["rss_idle"] = platform_rss_mb(platform)

        direct = platform.service_url("product-service") + "/api/v1"
        gateway = platform.gateway + "/api/v1"
        market = "/market/products?region_code=411002"
        peak = []
        sampler_stop = threading.Event()

        def sample():
            while not sampler_stop.wait(1.0):
                peak.append(platform_rss_mb(platform))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            figures["market_page"] = compare(platform, direct + market, gateway + market, {}, seconds)
            auth = {"Authorization": f"Bearer {bank.token}"}
            figures["token_route"] = compare(platform, direct + "/products/mine", gateway + "/products/mine", auth,
                                             seconds)
        finally:
            sampler_stop.set()
            sampler.join()
        figures["rss_load"] = max(peak) if peak else None
        figures["events"] = [event_latency(platform, bank, products, rate, max(5, seconds), path)
                             for rate, path in ((20, "http"), (100, "http"), (100, "database"))]
        figures["submissions"] = sustained_submissions(platform, admin, products)
    return figures


# --- the separate benchmarks --------------------------------------------------------------------

def run_script(service: str, script: str, *args: str) -> str:
    result = subprocess.run([PYTHON, f"bench/{script}", *args], cwd=ROOT / service, capture_output=True,
                            text=True)
    if result.returncode != 0:
        return f"(failed: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode})"
    return result.stdout.strip()


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), host.processor())
    mem = next(int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    load = os.getloadavg()
    return (f"{os.cpu_count()} CPU ({cpu}), {mem:,} MB RAM, {host.system()} {host.release()}, Python "
            f"{host.python_version()}; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


def report(figures: dict, market: str | None, orders: str | None, seconds: int,
           run_memory: dict | None = None) -> str:
    lines = [f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` (scripts/bench.py).", "",
             f"Machine: {machine()}.", ""]
    if figures:
        lines += [f"## Gateway (wrk -t2 -c16, {seconds} s per run, direct and gateway alternating, median of "
                  f"{RUNS})", "",
                  "| route | direct req/s | p50 ms | p99 ms | gateway req/s | p50 ms | p99 ms | ratio | added p50 ms "
                  "| ratio of each run | non-2xx (direct / gateway) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for name, key in (("`GET /market/products?region_code=411002` (public)", "market_page"),
                          ("`GET /products/mine` (token)", "token_route")):
            f = figures[key]
            d, g = f["direct"], f["gateway"]
            lines.append(f"| {name} | {d['rps']:.0f} | {d['p50']:.1f} | {d['p99']:.1f} | {g['rps']:.0f} | "
                         f"{g['p50']:.1f} | {g['p99']:.1f} | **{f['ratio']:.2f}** | {f['added_p50']:+.1f} | "
                         + ", ".join(f"{r:.2f}" for r in f["ratios"]) + f" | {d['errors']} / {g['errors']} |")
        lines += ["", "CPU time per request through the gateway (median of the gateway runs; /proc, user + system): "
                  "the service's, the gateway's, and service / (service + gateway) — the share of throughput the "
                  "gateway leaves when both share the cores, which the machine's other load does not move.", "",
                  "| route | service CPU ms/request | gateway CPU ms/request | CPU ratio |", "|---|---:|---:|---:|"]
        for name, key in (("market page (public)", "market_page"), ("`/products/mine` (token)", "token_route")):
            f = figures[key]
            lines.append(f"| {name} | {f['service_cpu_ms']:.2f} | {f['gateway_cpu_ms']:.2f} | "
                         f"**{f['cpu_ratio']:.2f}** |")
        lines += ["", "## Event latency (product change committed → subscriber)", "",
                  "| target rate | changes made by | achieved | changes | failed | missing | p50 ms | p99 ms |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|"]
        for e in figures["events"]:
            made_by = {"http": "`PATCH` to product-service",
                       "database": "committed in product-service's database"}[e["path"]]
            lines.append(f"| {e['rate']}/s | {made_by} | {e['achieved']:.0f}/s | {e['sent']} | {e['failed']} | "
                         f"{e['missing']} | "
                         f"{e['p50']:.0f} | **{e['p99']:.0f}** |")
        sub = figures["submissions"]
        lines += ["", f"## Order submissions through the gateway ({SUBMISSION_CLIENTS} clients as fast as answered, "
                  f"{SUBMITTING_ENTERPRISES} enterprises × 20 products)", "",
                  "| applications | per second | p50 ms | p99 ms | not 201 | in the order lists | announced once "
                  "| announced twice (before dedup) |", "|---:|---:|---:|---:|---:|---:|---:|---:|",
                  f"| {sub['sent']} | **{sub['per_second']:.0f}** | {sub['p50']:.0f} | {sub['p99']:.0f} | "
                  f"{sub['not_201']} | {sub['listed']} | {sub['announced']} | {sub['announced_twice']} |"]
        lines += ["", "## Memory (resident, every process of the bench platform: 7 web processes, 2 replicas of "
                  "each service's worker)", "",
                  f"- idle: {figures['rss_idle']:.0f} MB",
                  f"- peak while the gateway benchmark ran: {figures['rss_load']:.0f} MB" if figures["rss_load"]
                  else "- under load: not sampled"]
    if run_memory:
        lines += ["", "## Memory of `make run` (SQLite, one host; scripts/bench_memory.py)", "",
                  f"- idle: {run_memory['processes']} processes, **{run_memory['pss_mb']:.0f} MB PSS** "
                  "(proportional set size summed over the process tree)"]
    if market:
        lines += ["", "## Market at 1,000 and 100,000 products (product-service/bench/bench_market.py)", "", market]
    if orders:
        lines += ["", "## Order lists at 1,000,000 orders (order-service/bench/bench_orders.py)", "", orders]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="wrk time per run (each of 3 × 2 runs per route)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["platform", "memory", "market", "orders"])
    parser.add_argument("--market-repeat", type=int, default=60)
    parser.add_argument("--order-runs", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if "platform" not in args.skip and not shutil.which("wrk"):
        raise SystemExit("wrk is needed for the gateway figures: apt-get install -y wrk (or --skip platform)")
    figures = platform_figures(args.seconds) if "platform" not in args.skip else {}
    run_memory = make_run_memory() if "memory" not in args.skip else None
    market = (run_script("product-service", "bench_market.py", "--repeat", str(args.market_repeat))
              if "market" not in args.skip else None)
    orders = (run_script("order-service", "bench_orders.py", "--runs", str(args.order_runs))
              if "orders" not in args.skip else None)
    text = report(figures, market, orders, args.seconds, run_memory)
    print(text)
    if not args.no_write:
        write_figures(ROOT / "docs" / "benchmarks.md", text)


START, END = "<!-- figures: written by make bench -->", "<!-- end of figures -->"


def write_figures(path: Path, text: str) -> None:
    """Replace the figures between the markers of docs/benchmarks.md; the prose around them stays."""
    doc = path.read_text() if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    before, rest = doc.split(START, 1)
    after = rest.split(END, 1)[1]
    path.write_text(f"{before}{START}\n{text}{END}{after}")
    print(f"figures written to {path.relative_to(ROOT)}", file=sys.stderr)

if __name__ == "__main__":
    main()
