"""How much the gateway costs: requests/s to a small service directly, and through the gateway.

Starts, on free loopback ports, a stand-in service (a 20-item JSON page, plus a JWKS like auth-service's)
and the gateway, both under gunicorn with deploy/gunicorn.conf.py, then loads each for a fixed time
with `wrk` when it is installed (else a small Python load generator, whose own CPU use lowers every
figure) and prints the figures. Needs the local Redis (REDIS_URL) for the revocation check.

    .venv/bin/python scripts/bench_gateway.py [--seconds 10] [--connections 16]

Figures are printed, never asserted: they depend on the machine.
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISSUER = "xyd-auth"
AUDIENCE = "xyd-platform"


# The stand-in service, loaded by gunicorn from this file (`bench_gateway:service_app()`).

def service_app():
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from flask import Flask
    from jwt.algorithms import OKPAlgorithm

    private = load_pem_private_key(Path(os.environ["BENCH_KEY_FILE"]).read_bytes(), password=None)
    jwk = {**json.loads(OKPAlgorithm.to_jwk(private.public_key())), "kid": "bench", "alg": "EdDSA",
           "use": "sig"}
    page = {"items": [{"id": i, "name": f"产品 {i}", "amount_min": 10, "amount_max": 500, "rate_min": 3.45}
                      for i in range(20)], "total": 20, "page": 1, "per_page": 20}
    app = Flask(__name__)
    app.json.ensure_ascii = False

    @app.get("/.well-known/jwks.json")
    def jwks():
        return {"keys": [jwk]}

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/api/v1/orders")
    def orders():
        return page

    @app.get("/api/v1/market/products")
    def market():
        return page

    return app


# Running it all.

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 20.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=1):
                return
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout}s")


def gunicorn(app_spec: str, port: int, env: dict, log) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", "--pythonpath", str(ROOT / "scripts"), app_spec]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log)


def run_wrk(url: str, headers: dict, seconds: int, connections: int) -> float:
    from bench import wrk  # the one wrk runner (scripts/bench.py), here without the platform

    return wrk(url, headers, seconds, connections)["rps"]


def _python_load_worker(host: str, port: int, path: str, headers: dict, seconds: float, threads: int,
                        counts) -> None:
    import http.client

    def loop(slot: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        deadline = time.monotonic() + seconds
        done = 0
        while time.monotonic() < deadline:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: answer {response.status}")
            done += 1
        counts[slot] = done

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def run_python_load(url: str, headers: dict, seconds: int, connections: int) -> float:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    processes = 2
    per_process = max(1, connections // processes)
    counts = [multiprocessing.Array("l", per_process) for _ in range(processes)]
    jobs = [multiprocessing.Process(target=_python_load_worker,
                                    args=(parts.hostname, parts.port, parts.path, headers, seconds,
                                          per_process, counts[i]))
            for i in range(processes)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()
    return sum(sum(c) for c in counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="load time per measurement (1-120)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--gateway-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the gateway only (e.g. WEB_CONCURRENCY=4)")
    parser.add_argument("--reuse-port", action="store_true",
                        help="gunicorn --reuse-port for both: a listening socket per worker, so the kernel "
                             "spreads keep-alive connections over the workers")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 1), 120)

    import jwt
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    load = run_wrk if shutil.which("wrk") else run_python_load
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
        key = Ed25519PrivateKey.generate()
        key_file = Path(tmp) / "key.pem"
        key_file.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        now = int(time.time())
        token = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "typ": "access", "sub": "1",
                            "sid": uuid.uuid4().hex, "iat": now, "exp": now + 3600, "role": "admin"},
                           key, algorithm="EdDSA", headers={"kid": "bench"})
        service_port, gateway_port = free_port(), free_port()
        service_url = f"http://127.0.0.1:{service_port}"
        prefix = f"bench-gateway-{uuid.uuid4().hex[:8]}:"
        common_env = {"GUNICORN_CMD_ARGS": "--reuse-port"} if args.reuse_port else {}
        gateway_env = {**common_env, "REDIS_KEY_PREFIX": prefix, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
                       **dict(item.split("=", 1) for item in args.gateway_env)}
        for name in ("AUTH", "PRODUCT", "ORDER", "CREDIT", "NOTIFICATION"):
            gateway_env[f"{name}_SERVICE_URL"] = service_url
        with open(Path(tmp) / "service.log", "w") as service_log, \
                open(Path(tmp) / "gateway.log", "w") as gateway_log:
            processes = [gunicorn("bench_gateway:service_app()", service_port,
                                  {**common_env, "BENCH_KEY_FILE": str(key_file)}, service_log),
                         gunicorn("xyd_gateway:create_app()", gateway_port, gateway_env, gateway_log)]
            try:
                wait_for(service_url + "/health")
                wait_for(f"http://127.0.0.1:{gateway_port}/health")
                auth = {"Authorization": f"Bearer {token}"}
                gateway = f"http://127.0.0.1:{gateway_port}"
                print(f"load: {load.__name__.removeprefix('run_')}, {args.connections} connections, "
                      f"{seconds}s each; gunicorn {os.environ.get('WEB_CONCURRENCY', '2')} workers x "
                      f"{os.environ.get('WEB_THREADS', '8')} threads"
                      + ("; --reuse-port" if args.reuse_port else "")
                      + (f"; gateway: {' '.join(args.gateway_env)}" if args.gateway_env else ""))
                load(service_url + "/api/v1/orders", auth, 2, args.connections)  # warm-up
                direct = load(service_url + "/api/v1/orders", auth, seconds, args.connections)
                print(f"direct to the service              {direct:8.0f} req/s  1.00")
                load(gateway + "/api/v1/orders", auth, 2, args.connections)  # warm-up
                through = load(gateway + "/api/v1/orders", auth, seconds, args.connections)
                print(f"through the gateway, with a token  {through:8.0f} req/s  {through / direct:.2f}")
                public = load(gateway + "/api/v1/market/products", {}, seconds, args.connections)
                print(f"through the gateway, public route  {public:8.0f} req/s  {public / direct:.2f}")
            finally:
                for process in processes:
                    process.terminate()
                for process in processes:
                    process.wait(timeout=15)


if __name__ == "__main__":
    main()
