"""Starts the whole platform for the end-to-end tests: its own PostgreSQL databases (on the suite's own
server, postgres_server.py), its own RabbitMQ vhost reached through a TCP proxy that tests can cut, its
own Redis key prefix, free ports, test settings, one web worker per service and two replicas of every
service's worker (its relay, consumer and periodic jobs: two of each run side by side).

The fault tests ask for PostgreSQL and Redis behind cuttable proxies as well (`cuttable`): an outage of
the servers for this platform alone, without stopping them (the broker is the machine's, shared)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from xyd_common.config import DEFAULT_REDIS_URL
from xyd_common.sealed import new_key
from xyd_testing.helpers import (
    RABBITMQ_HOST,
    RABBITMQ_PORT,
    TcpProxy,
    amqp_url,
    free_port,
    postgres_database,
    rabbitmq_vhost,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from procfile import SERVICES, is_worker, read_procfile  # noqa: E402

BIN = Path(sys.executable).parent
ADMIN_PHONE = "13800000000"
ADMIN_PASSWORD = "E2eAdmin2026"
SERVICE_DIRECTORIES = tuple(service.directory for service in SERVICES.values())
PORT_SETTINGS = {"gateway": "GATEWAY_PORT",
                 **{service.directory: service.port_setting for service in SERVICES.values()}}
REPLICAS_PER_WORKER = 2
SECRET_SETTINGS = {"SMS_EVENT_KEY", "WEBHOOK_SECRET_KEY", "SERVICE_TOKEN_SECRET"}


@dataclass
class Platform:
    env: dict
    workdir: Path
    proxy: TcpProxy
    vhost: str
    database_urls: dict
    processes: dict = field(default_factory=dict)
    # "<process>-<replica>" -> the METRICS_PORT of a process without an HTTP port of its own.
    metrics_ports: dict = field(default_factory=dict)
    # "postgres" / "redis" -> the TcpProxy between the processes and that server, when asked for.
    proxies: dict = field(default_factory=dict)
    # Every event published while the suite runs (bus_recorder.BusRecorder, set by conftest).
    bus_recorder: object = None

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.env['GATEWAY_PORT']}"

    def service_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.env[PORT_SETTINGS[name]]}"

    @property
    def portal_origin(self) -> str:
        """The origin CORS_ALLOWED_ORIGINS lets call the API: a portal page a test serves on that port."""
        return self.env["CORS_ALLOWED_ORIGINS"]

    def start(self, name: str, command: str, replica: int = 0, env: dict | None = None) -> None:
        # Appended to: a process a test killed and restarted keeps its history.
        log = open(self.workdir / f"{name}-{replica}.log", "ab")  # noqa: SIM115 - closed at stop
        env = {**self.env, **(env or {})}
        if "--bind" not in command:  # workers: metrics and health on a port of their own
            port = self.metrics_ports[f"{name}-{replica}"] = free_port()
            env = {**env, "METRICS_PORT": str(port)}
        proc = subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[f"{name}-{replica}"] = (proc, log)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to one process ("order-worker-0"), as an operator or the kernel would."""
        proc, log = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        if sig in (signal.SIGKILL, signal.SIGTERM):
            proc.wait(timeout=30)
            log.close()

    def restart(self, name: str) -> None:
        """Start a killed process ("order-worker-0") again with its Procfile command."""
        process, _, replica = name.rpartition("-")
        self.start(process, read_procfile()[process], int(replica))

    def wait_healthy(self) -> None:
        def healthy():
            dead = self.dead_processes()
            if dead:
                raise RuntimeError(f"processes died at start: {dead}\n" + "\n".join(
                    f"--- {n}\n{self.log_tail(n)}" for n in dead))
            return requests.get(self.gateway + "/health", timeout=2).status_code == 200

        try:
            wait_until(healthy, timeout=60, interval=0.3, message="the platform to be healthy")
        except RuntimeError as exc:
            raise AssertionError(str(exc)) from None

    def stop(self) -> None:
        for proc, _ in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc, log in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            log.close()

    def retire(self, name: str) -> None:
        """Stop a process a test started for itself (or that was meant to exit, "notification-console-0")
        and drop it from the platform's list: its end is no death to report. Its log stays."""
        self.kill(name, signal.SIGTERM)
        self.processes.pop(name)

    def dead_processes(self) -> list[str]:
        return [name for name, (proc, _) in self.processes.items() if proc.poll() is not None]

    def log_tail(self, name: str, lines: int = 40) -> str:
        text = (self.workdir / f"{name}.log").read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def run_checked(args: list[str], env: dict) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def run_side_by_side(commands: list[list[str]], env: dict) -> None:
    """`run_checked` for each command, all at once."""
    with ThreadPoolExecutor(len(commands)) as pool:
        for future in [pool.submit(run_checked, args, env) for args in commands]:
            future.result()


def through(url: str, proxy: TcpProxy) -> str:
    """`url` with its host and port replaced by the proxy's."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=(userinfo + "@" if userinfo else "") + f"127.0.0.1:{proxy.port}"))


@contextlib.contextmanager
def running_platform(workdir: Path, cuttable: tuple[str, ...] = (), settings: dict | None = None):
    """The platform; `cuttable` may name "postgres" and "redis" to put those behind proxies too;
    `settings` override the harness's own (the benchmarks restore production defaults with it)."""
    with contextlib.ExitStack() as stack:
        vhost = stack.enter_context(rabbitmq_vhost("xyd-e2e"))
        proxy = stack.enter_context(TcpProxy(RABBITMQ_HOST, RABBITMQ_PORT))
        database_urls = {setting: stack.enter_context(postgres_database("xyd_e2e"))
                         for _, setting, _ in SERVICES.values()}
        proxies = {}
        redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
        for server, url in (("postgres", next(iter(database_urls.values()))), ("redis", redis_url)):
            if server in cuttable:
                target = urlsplit(url)
                proxies[server] = stack.enter_context(TcpProxy(target.hostname, target.port))
        key_file = workdir / "jwt-private.pem"
        from auth_service.signing import generate_key_file

        generate_key_file(key_file)
        # Secrets reach the processes as files (`<NAME>_FILE`), as Compose and Kubernetes mount them.
        secret_files = {}
        for name, value in {"SMS_EVENT_KEY": new_key(), "WEBHOOK_SECRET_KEY": new_key(),
                            "SERVICE_TOKEN_SECRET": uuid.uuid4().hex}.items():
            (workdir / name.lower()).write_text(value + "\n")
            secret_files[f"{name}_FILE"] = str(workdir / name.lower())
        env = {k: v for k, v in os.environ.items()
               if not k.endswith("_DATABASE_URL") and k.removesuffix("_FILE") not in SECRET_SETTINGS}
        env.update({setting: through(url, proxies["postgres"]) if "postgres" in proxies else url
                    for setting, url in database_urls.items()})
        if "redis" in proxies:
            env["REDIS_URL"] = through(redis_url, proxies["redis"])
        env.update(secret_files)
        env.update({
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "AMQP_URL": amqp_url(vhost, "127.0.0.1", proxy.port),
            "REDIS_KEY_PREFIX": f"xyd-e2e-{uuid.uuid4().hex[:8]}:",
            "XYD_VAR_DIR": str(workdir),
            "JWT_PRIVATE_KEY_FILE": str(key_file),
            "BOOTSTRAP_ADMIN_PHONE": ADMIN_PHONE,
            "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "SMS_PROVIDER": "console",
            # What allows console SMS (as `make run` sets it); test_edges.py starts a process without it.
            "DEVELOPMENT_MODE": "true",
            "SMS_RESEND_SECONDS": "2",
            "SMS_DAILY_LIMIT": "1000",
            "SMS_IP_HOURLY_LIMIT": "100000",
            "APPLICATION_STATUS_GUESSES_PER_HOUR": "100000",
            "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
            "WEBHOOK_RETRY_BASE_SECONDS": "1",
            # Relays wake on the commit's NOTIFY; their poll is only the safety net. Polling ten times a
            # second made an idle platform burn a quarter of a core (measured: 0.24 cores, 0.09 at these).
            "OUTBOX_POLL_SECONDS": "1",
            "CREDIT_RECONCILE_SECONDS": "2",
            # The loan tests move loan-service's business date forward instead of waiting months.
            "LOAN_BUSINESS_DATE_ENABLED": "true",
            "WEB_CONCURRENCY": "1",
            # Few idle connections per process (more open while busy): two platforms side by side (E2E_JOBS)
            # and the tests' extra processes, each connection a server process of its own.
            "DATABASE_POOL_SIZE": "2",
            "WEB_THREADS": "8",
            "LOG_LEVEL": "INFO",
            "BIND_HOST": "127.0.0.1",
            # Every test signs in and reads from 127.0.0.1: limits far above what the suite sends
            # (test_cors_and_limits.py starts gateways of its own with low ones).
            **{f"RATE_LIMIT_{group}": "1000000/minute" for group in ("AUTH", "PUBLIC", "USER", "EXPORT")},
            # A portal on another origin (test_cors_and_limits.py serves one there).
            "CORS_ALLOWED_ORIGINS": f"http://127.0.0.1:{free_port()}",
            **(settings or {}),
        })
        for setting in (*PORT_SETTINGS.values(), "GATEWAY_METRICS_PORT"):
            env[setting] = str(free_port())
        # Absolute page links (og:url) name the gateway as the tests reach it, whatever Host they send.
        env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{env['GATEWAY_PORT']}")
        for name, setting in PORT_SETTINGS.items():
            if name != "gateway":
                env[name.upper().replace("-", "_") + "_URL"] = f"http://127.0.0.1:{env[setting]}"

        # Each service's own database: the migrations run side by side (a second each, mostly imports).
        run_side_by_side([[str(BIN / "flask"), "--app", package, "migrate-locked"] for package in SERVICES], env)
        run_checked([str(BIN / "flask"), "--app", "auth_service", "bootstrap-admin"], env)

        platform = Platform(env=env, workdir=workdir, proxy=proxy, vhost=vhost, database_urls=database_urls,
                            proxies=proxies)
        stack.callback(platform.stop)
        for name, command in read_procfile().items():
            for replica in range(REPLICAS_PER_WORKER if is_worker(name) else 1):
                platform.start(name, command, replica)
        platform.wait_healthy()
        yield platform
