"""`make image-test`: builds deploy/Dockerfile for real and walks the platform running in containers.

What it proves (deploy/README.md, "The image, for real"): the image builds; its migration container
brings five empty databases up to date and creates the admin; the Procfile's web processes, relays and
consumers run in it, one container each, with Compose's settings and secret files, on a user-defined
bridge network where two order-service containers answer to one network alias; and the main flow walks
through the gateway container's published port — admin login, an institution and its user, a product,
an enterprise registered and verified, an application accepted, the order events at a subscriber's queue
— before and after one order-service container is stopped in the middle of a walk.

It runs as root on a Debian host with no image registry in reach:
- Debian's docker.io and debootstrap are installed with apt when missing; `dockerd` is started when no
  engine answers, and stopped at the end when this script started it.
- The base image is Debian bookworm from Debian's packages (debootstrap + python3 in a virtual
  environment on PATH, as the official python image has it), imported with `docker import` and kept
  between runs. The web console is built on the host (scripts/build_web.py) and handed to the build as
  a one-layer image, so the Dockerfile's Node stage (node:22, unreachable here) is skipped.
- PostgreSQL, RabbitMQ and Redis are the host's, which listen on loopback: the containers reach them
  through TCP forwarders on the bridge's gateway address. Each run has its own databases, RabbitMQ
  vhost and Redis key prefix, all removed at the end with every container and the network.
"""

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests-e2e"))
sys.path.insert(0, str(ROOT / "scripts"))

from api_client import Api  # noqa: E402
from harness import ADMIN_PASSWORD, ADMIN_PHONE  # noqa: E402
from procfile import SERVICES, is_worker, read_procfile  # noqa: E402
from scenario import (  # noqa: E402
    EventSubscriber,
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    verified_enterprise,
)

from xyd_common.config import DEFAULT_REDIS_URL  # noqa: E402
from xyd_common.sealed import new_key  # noqa: E402
from xyd_testing.helpers import (  # noqa: E402
    RABBITMQ_HOST,
    RABBITMQ_PORT,
    TcpProxy,
    amqp_url,
    pg_admin_url,
    postgres_database,
    rabbitmq_vhost,
    wait_until,
)

IMAGE = "xyd-platform:image-test"
BASE_REPOSITORY = "xyd-debian-python"
# What goes into the base image; part of its cache key, so changing it rebuilds the base.
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
BASE_VENV = "/opt/python"
BASE_CHANGES = (f"ENV PATH={BASE_VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "ENV LANG=C.UTF-8", 'CMD ["python3"]')
LABEL = "xyd-image-test"
# The processes the walk needs: every web process and every service's worker (its relay, consumer and
# periodic jobs): the whole Procfile.
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
COMPOSE_DEV = yaml.safe_load((ROOT / "docker-compose.dev.yml").read_text(encoding="utf-8"))
WALK_PROCESSES = {name: command for name, command in read_procfile().items()
                  if "--bind" in command or is_worker(name)}
ORDER_REPLICAS = 2
TIMINGS: dict[str, float] = {}


def log(message: str) -> None:
    print(f"[image-test {time.strftime('%H:%M:%S')}] {message}", flush=True)


@contextlib.contextmanager
def timed(phase: str):
    start = time.monotonic()
    log(f"{phase} ...")
    yield
    TIMINGS[phase] = time.monotonic() - start
    log(f"{phase}: {TIMINGS[phase]:.0f} s")


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """A command that must succeed; its output is shown only when it fails."""
    kwargs.setdefault("text", True)
    result = subprocess.run(args, capture_output=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({result.returncode}):\n"
                           f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


# ------------------------------------------------------------------ the engine


def ensure_packages() -> None:
    missing = [package for package, program in (("docker.io", "dockerd"), ("debootstrap", "debootstrap"))
               if not shutil.which(program)]
    if missing:
        log(f"installing {', '.join(missing)} from Debian")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "install", "-y", "-q", *missing], env=env, timeout=900)


def docker_cli() -> str:
    """Debian's docker.io ships a 20.10 CLI that builds with BuildKit by itself. A newer CLI found
    earlier on PATH (23+) builds with BuildKit only through the buildx plugin, which Debian does not
    package; the legacy builder would build the Node stage this machine cannot pull."""
    files = run(["dpkg-query", "-L", "docker.io"]).stdout.split()
    return next(f for f in files if f.endswith("/bin/docker"))


DOCKER = ["docker"]


def docker(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return run([*DOCKER, *args], **kwargs)


def engine_answers() -> bool:
    return subprocess.run([*DOCKER, "info"], capture_output=True, timeout=30).returncode == 0


@contextlib.contextmanager
def docker_engine(workdir: Path):
    """The running engine, or one started for this run and stopped after it."""
    if engine_answers():
        yield
        return
    log("no Docker engine answers: starting dockerd")
    with open(workdir / "dockerd.log", "wb") as out:
        proc = subprocess.Popen(["dockerd"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_until(lambda: proc.poll() is None and engine_answers(), timeout=60, interval=0.5,
                       message="dockerd to answer")
        except AssertionError:
            tail = (workdir / "dockerd.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"dockerd did not start (exit code {proc.poll()}):\n{tail}") from None
        yield
    finally:
        log("stopping the dockerd this run started")
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ------------------------------------------------------------------ the images


def debian_mirror() -> str:
    """The Debian mirror apt uses on this host (deb822 .sources or a one-line sources.list)."""
    candidates = sorted(Path("/etc/apt/sources.list.d").glob("*.sources")) + [Path("/etc/apt/sources.list")]
    for path in candidates:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        for stanza in re.split(r"\n\s*\n", text):
            if re.search(r"^Suites:.*\bbookworm\b", stanza, re.M) and not re.search(r"^Enabled:\s*no", stanza, re.M):
                match = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
                if match and "security" not in match[1]:
                    return match[1]
        match = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", text, re.M)
        if match:
            return match[1]
    return "http://deb.debian.org/debian"


def host_pip_index() -> str:
    """The host's own package-index settings as a pip.conf for the build, or "" when it has none.
    Only http(s) URLs: a file:// index on this host's disk is not inside the build."""
    lines = []
    for key, option in (("PIP_INDEX_URL", "index-url"), ("PIP_EXTRA_INDEX_URL", "extra-index-url")):
        urls = os.environ.get(key, "").split()
        if not urls:
            got = subprocess.run([sys.executable, "-m", "pip", "config", "get", f"global.{option}"],
                                 capture_output=True, text=True)
            urls = got.stdout.split() if got.returncode == 0 else []
        urls = [u for u in urls if u.startswith(("http://", "https://"))]
        if urls:
            lines.append(f"{option} = {' '.join(urls)}")
    return "[global]\n" + "\n".join(lines) + "\n" if lines else ""


def host_ca_bundle() -> Path:
    """The host's trust store: pip inside the build trusts what this host trusts (here that includes
    the certificate of the proxy that carries HTTPS out of the machine)."""
    for candidate in (os.environ.get("PIP_CERT"), os.environ.get("SSL_CERT_FILE"),
                      "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise RuntimeError("no CA bundle found on this host (set SSL_CERT_FILE)")


def image_exists(ref: str) -> bool:
    return subprocess.run([*DOCKER, "image", "inspect", ref], capture_output=True).returncode == 0


def base_image(workdir: Path) -> str:
    """Debian bookworm + Python 3.11 from Debian's packages, cached under a tag that names its recipe."""
    ca_bundle, pip_conf, mirror = host_ca_bundle(), host_pip_index(), debian_mirror()
    recipe = json.dumps([BASE_PACKAGES, BASE_VENV, BASE_CHANGES, pip_conf,
                         hashlib.sha256(ca_bundle.read_bytes()).hexdigest()])
    tag = f"{BASE_REPOSITORY}:bookworm-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"
    if image_exists(tag):
        log(f"base image {tag} is cached")
        return tag
    rootfs = workdir / "rootfs"
    log(f"debootstrap bookworm from {mirror} (a few minutes)")
    try:
        run(["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", "bookworm",
             str(rootfs), mirror], timeout=1800)
    finally:
        # debootstrap mounts /proc and /sys inside the target while it installs; a run that fails
        # half-way may leave them, and removing the directory would then walk into the host's.
        for mount in reversed(Path("/proc/mounts").read_text().splitlines()):
            point = mount.split()[1]
            if point.startswith(f"{rootfs}/"):
                subprocess.run(["umount", "-l", point], capture_output=True)
    # A virtual environment first on PATH gives `python` and a `pip` that root may use, which is what
    # deploy/Dockerfile expects of python:3.11-slim (Debian's own python3 refuses pip installs, PEP 668).
    run(["chroot", str(rootfs), "python3", "-m", "venv", BASE_VENV], timeout=600)
    shutil.copyfile(ca_bundle, rootfs / "etc/ssl/certs/ca-certificates.crt")
    if pip_conf:
        (rootfs / "etc/pip.conf").write_text(pip_conf)
    for leftover in ("var/lib/apt/lists", "var/cache/apt"):
        shutil.rmtree(rootfs / leftover, ignore_errors=True)
        (rootfs / leftover).mkdir(parents=True)
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE)
    changes = [arg for change in BASE_CHANGES for arg in ("--change", change)]
    docker("import", *changes, "-", tag, stdin=tar.stdout, timeout=600)
    if tar.wait() != 0:
        raise RuntimeError("tar of the base image's root filesystem failed")
    shutil.rmtree(rootfs, ignore_errors=True)
    # Older recipes' base images are of no further use.
    for old in docker("images", "--format", "{{.Repository}}:{{.Tag}}", BASE_REPOSITORY).stdout.split():
        if old != tag:
            subprocess.run([*DOCKER, "rmi", old], capture_output=True)
    return tag


def web_dist_image(run_id: str) -> str:
    """web/dist, built on the host, as an image holding /web/dist: what the Dockerfile's Node stage
    would have produced."""
    run([sys.executable, str(ROOT / "scripts" / "build_web.py"), "--strict"], timeout=900)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(ROOT / "web" / "dist", arcname="web/dist")
    tag = f"xyd-image-test-web:{run_id}"
    docker("import", "-", tag, input=buffer.getvalue(), text=False, timeout=300)
    return tag


def build_platform_image(base: str, web: str, workdir: Path) -> None:
    previous = subprocess.run([*DOCKER, "image", "inspect", "-f", "{{.Id}}", IMAGE],
                              capture_output=True, text=True).stdout.strip()
    build_log = workdir / "build.log"
    with open(build_log, "w") as out:
        result = subprocess.run(
            [*DOCKER, "build", "--progress", "plain", "--network", "host", "-f", "deploy/Dockerfile",
             "--build-arg", f"BASE_IMAGE={base}", "--build-arg", f"WEB_DIST_IMAGE={web}", "-t", IMAGE, "."],
            cwd=ROOT, env={**os.environ, "DOCKER_BUILDKIT": "1"}, stdout=out, stderr=subprocess.STDOUT,
            timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"docker build failed:\n{build_log.read_text(errors='replace')[-6000:]}")
    current = docker("image", "inspect", "-f", "{{.Id}}", IMAGE).stdout.strip()
    if previous and previous != current:  # the last run's image, now untagged
        subprocess.run([*DOCKER, "rmi", previous], capture_output=True)


# ------------------------------------------------------------------ the platform in containers


def compose_value(value) -> str:
    """A Compose environment value with `${VAR:-default}` / `${VAR:?message}` as an operator with no
    such variable set would get it (the `?` ones are given by `overrides`)."""
    return re.sub(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}", lambda m: m[2] or "", str(value))


def container_environment(gateway_ip: str, redis_port: int, run_id: str) -> dict[str, str]:
    """Compose's environment for every platform container, with its dev override (console SMS, private
    webhooks), pointed at this run's Redis prefix, tuned for a 2-core machine."""
    env = {k: compose_value(v) for k, v in COMPOSE["x-app-environment"].items()}
    env.update({k: compose_value(v) for k, v in COMPOSE_DEV["x-dev-environment"].items()})
    env.update({
        "SMS_HTTP_URL": "http://sms.invalid",
        "REDIS_URL": f"redis://{gateway_ip}:{redis_port}/0",
        "REDIS_KEY_PREFIX": f"xyd-image-{run_id}:",
        "BOOTSTRAP_ADMIN_PHONE": ADMIN_PHONE,
        "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        # As the end-to-end tests have them: codes may be asked again soon, and rate limits do not
        # trip on a walk that logs many users in from one address.
        "SMS_RESEND_SECONDS": "2",
        "SMS_DAILY_LIMIT": "1000",
        "SMS_IP_HOURLY_LIMIT": "100000",
        # Every client of the walk signs in and polls the SMS inbox from one address; the gateway's rate
        # limits are checked by the end-to-end suite, not here (the same settings as tests-e2e/harness.py).
        **{f"RATE_LIMIT_{group}": "1000000/minute" for group in ("AUTH", "PUBLIC", "USER", "EXPORT")},
        "OUTBOX_POLL_SECONDS": "0.2",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
    })
    return {k: v for k, v in env.items() if v != ""}


def compose_secrets(service: str) -> list[str]:
    entries = COMPOSE["services"][service].get("secrets", [])
    return [e if isinstance(e, str) else e["source"] for e in entries]


def compose_command(service: str) -> list[str]:
    """A Compose service's command, with Compose's `$$` escapes undone."""
    return [part.replace("$$", "$") for part in COMPOSE["services"][service]["command"]]


@dataclass
class Walkable:
    """What tests-e2e/scenario.py needs of a platform: where its gateway is and its RabbitMQ vhost."""
    gateway: str
    vhost: str


class Containers:
    def __init__(self, run_id: str, network: str, env_file: Path, secrets_dir: Path):
        self.run_id, self.network, self.env_file, self.secrets_dir = run_id, network, env_file, secrets_dir
        self.names: list[str] = []

    def run(self, service: str, command: list[str], name: str, detach: bool = True,
            publish: str | None = None) -> subprocess.CompletedProcess:
        """One container of the image: Compose's environment and the secret files Compose mounts for
        `service`, reachable on the network by the service's name."""
        mounts = [arg for secret in compose_secrets(service)
                  for arg in ("-v", f"{self.secrets_dir / secret}:/run/secrets/{secret}:ro")]
        container = f"xyd-it-{self.run_id}-{name}"
        self.names.append(container)
        args = ["run", "--name", container, "--label", f"{LABEL}={self.run_id}", "--network", self.network,
                "--network-alias", service, "--env-file", str(self.env_file), *mounts,
                *(["-p", publish] if publish else []), *(["-d"] if detach else []), IMAGE, *command]
        return docker(*args, timeout=900)

    def running(self, name: str) -> bool:
        state = subprocess.run([*DOCKER, "inspect", "-f", "{{.State.Running}}", f"xyd-it-{self.run_id}-{name}"],
                               capture_output=True, text=True).stdout.strip()
        return state == "true"

    def logs(self, name: str, lines: int = 40) -> str:
        out = subprocess.run([*DOCKER, "logs", "--tail", str(lines), f"xyd-it-{self.run_id}-{name}"],
                             capture_output=True, text=True)
        return out.stdout + out.stderr

    def address(self, name: str) -> str:
        return docker("inspect", "-f", f"{{{{(index .NetworkSettings.Networks \"{self.network}\").IPAddress}}}}",
                      f"xyd-it-{self.run_id}-{name}").stdout.strip()

    def remove_all(self) -> None:
        ids = subprocess.run([*DOCKER, "ps", "-aq", "--filter", f"label={LABEL}={self.run_id}"],
                             capture_output=True, text=True).stdout.split()
        if ids:
            subprocess.run([*DOCKER, "rm", "-f", *ids], capture_output=True, timeout=120)


@contextlib.contextmanager
def bridge_network(run_id: str):
    name = f"xyd-it-{run_id}"
    docker("network", "create", "--driver", "bridge", "--label", f"{LABEL}={run_id}", name)
    try:
        gateway_ip = docker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Gateway}}", name).stdout.strip()
        yield name, gateway_ip
    finally:
        subprocess.run([*DOCKER, "network", "rm", name], capture_output=True, timeout=60)


def write_secrets(secrets_dir: Path, database_urls: dict[str, str], amqp: str) -> None:
    """The files Compose mounts under /run/secrets (deploy/make-secrets.sh's names), readable by the
    image's uid 10001."""
    from auth_service.signing import generate_key_file

    secrets_dir.mkdir(mode=0o711)
    generate_key_file(secrets_dir / "jwt_private_key")
    values = {"amqp_url": amqp, "sms_event_key": new_key(), "webhook_secret_key": new_key(),
              "service_token_secret": uuid.uuid4().hex,
              **{setting.removesuffix("_URL").lower() + "_url": url for setting, url in database_urls.items()}}
    for name, value in values.items():
        (secrets_dir / name).write_text(value + "\n")
    for path in secrets_dir.iterdir():
        path.chmod(0o444)


def order_service_replica(index: int) -> str:
    return f"order-service-{index}"


def start_platform(containers: Containers) -> str:
    """Every walk process in a container of its own, two order-service replicas; the gateway's
    published address."""
    for name, command in WALK_PROCESSES.items():
        replicas = ORDER_REPLICAS if name == "order-service" else 1
        for index in range(1, replicas + 1):
            container = order_service_replica(index) if replicas > 1 else name
            publish = "127.0.0.1::8080" if name == "gateway" else None
            containers.run(name, ["sh", "-c", command], container, publish=publish)
    port = docker("port", f"xyd-it-{containers.run_id}-gateway", "8080/tcp").stdout.split()[0]
    return "http://" + port


def wait_healthy(containers: Containers, gateway: str) -> None:
    expected = [n for n in WALK_PROCESSES if n != "order-service"] + [
        order_service_replica(i) for i in range(1, ORDER_REPLICAS + 1)]

    deadline, last = time.monotonic() + 240, None
    while time.monotonic() < deadline:
        dead = [n for n in expected if not containers.running(n)]
        if dead:
            raise RuntimeError("containers stopped at start: " + ", ".join(dead) + "\n" + "\n".join(
                f"--- {n}\n{containers.logs(n)}" for n in dead))
        with contextlib.suppress(requests.RequestException):
            last = requests.get(gateway + "/health", timeout=5)
            if last.status_code == 200:
                return
        time.sleep(1)
    raise RuntimeError(f"the gateway container did not report every service healthy in 240 s: "
                       f"{last.text if last is not None else 'no answer'}")


# ------------------------------------------------------------------ the walk


def order_body(product_id: int) -> dict:
    return {"product_id": product_id, "amount": 100, "term_months": 12, "purpose": "采购原材料",
            "credit_authorized": True}


def apply_when_known(enterprise, product_id: int) -> dict:
    """An application, retried while order-service has not yet heard (by events) of the product or the
    enterprise's verification."""
    created = {}

    def apply():
        resp = enterprise.post("/orders", json=order_body(product_id))
        assert resp.status_code in (201, 422, 503), resp.text
        created.update(resp.json())
        return resp.status_code == 201

    wait_until(apply, timeout=60, interval=0.5, message="order-service to accept the application")
    assert created["status"] == "submitted", created
    return created


def accept(bank, order: dict, events: EventSubscriber) -> None:
    resp = bank.post(f"/orders/{order['id']}/accept")
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "accepted", resp.text
    for event_type in ("order.submitted", "order.accepted"):
        events.wait_for(lambda e, t=event_type: e["event_type"] == t and e["data"]["order_id"] == order["id"],
                        timeout=60, message=f"{event_type} of order {order['id']} at the subscriber")


def walk(platform: Walkable, midway=None) -> None:
    """The main flow through the gateway; `midway` runs between an application and its acceptance,
    after which a second application is made and accepted too."""
    admin = admin_with_xuchang(platform)
    events = EventSubscriber(platform, "order.#")
    try:
        bank = institution_user(platform, admin, new_institution(admin, "许昌镜像银行"))
        product = published_product(bank)
        enterprise, _ = verified_enterprise(platform, admin)
        order = apply_when_known(enterprise, product["id"])
        if midway:
            midway()
            accept(bank, order, events)
            withdrawn = enterprise.post(f"/orders/{order['id']}/withdraw")
            assert withdrawn.status_code == 200, withdrawn.text
            order = apply_when_known(enterprise, product["id"])
        accept(bank, order, events)
        listed = bank.get("/orders", params={"status": "accepted"})
        assert listed.status_code == 200 and order["id"] in [o["id"] for o in listed.json()["items"]], listed.text
    finally:
        events.close()


def requests_answered(containers: Containers, name: str) -> float:
    """HTTP requests one order-service container has answered, from its own /metrics."""
    text = requests.get(f"http://{containers.address(name)}:8083/metrics", timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("xyd_http_requests_total{") and "/orders" in line)


# ------------------------------------------------------------------ main


def redis_cleanup(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)


def main() -> int:
    global DOCKER
    if os.geteuid() != 0:
        print("make image-test runs as root: it installs Debian packages, starts dockerd and debootstraps",
              file=sys.stderr)
        return 2
    # A stopped run (SIGTERM, e.g. from a CI timeout) unwinds like a failed one: containers, network,
    # databases, vhost and the engine it started are removed by the `finally`s below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    # Under the gateway's own upstream read timeout (15 s) plus its time: a slow answer shows as the
    # gateway's 504, not as this client giving up first.
    Api.timeout = 60
    run_id = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="xyd-image-test-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        with timed("Debian packages"):
            ensure_packages()
        DOCKER = [docker_cli()]
        with timed("Docker engine"):
            stack.enter_context(docker_engine(workdir))
        with timed("base image"):
            base = base_image(workdir)
        with timed("web console"):
            web = web_dist_image(run_id)
            stack.callback(lambda: subprocess.run([*DOCKER, "rmi", web], capture_output=True))
        with timed("image build"):
            build_platform_image(base, web, workdir)

        with timed("databases, vhost, network"):
            network, gateway_ip = stack.enter_context(bridge_network(run_id))
            pg = urlsplit(pg_admin_url())
            redis_url = urlsplit(os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
            proxies = {name: stack.enter_context(TcpProxy(host, port, listen_host=gateway_ip))
                       for name, host, port in (("postgres", pg.hostname, pg.port or 5432),
                                                ("rabbitmq", RABBITMQ_HOST, RABBITMQ_PORT),
                                                ("redis", redis_url.hostname, redis_url.port or 6379))}
            vhost = stack.enter_context(rabbitmq_vhost("xyd-image"))
            database_urls = {}
            for _, setting, _ in SERVICES.values():
                url = urlsplit(stack.enter_context(postgres_database("xyd_image")))
                # The same database, reached from the bridge through the forwarder.
                netloc = f"{url.username}@{gateway_ip}:{proxies['postgres'].port}" if url.username else \
                    f"{gateway_ip}:{proxies['postgres'].port}"
                database_urls[setting] = url._replace(netloc=netloc).geturl()
            stack.callback(redis_cleanup, f"xyd-image-{run_id}:")
            write_secrets(workdir / "secrets", database_urls, amqp_url(vhost, gateway_ip, proxies["rabbitmq"].port))
            env = container_environment(gateway_ip, proxies["redis"].port, run_id)
            env_file = workdir / "platform.env"
            env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
            containers = Containers(run_id, network, env_file, workdir / "secrets")
            # Registered after the network: containers go first, then the network they are on.
            stack.callback(containers.remove_all)

        with timed("migration container"):
            containers.run("migrate", compose_command("migrate"), "migrate", detach=False)

        with timed("platform containers start"):
            gateway = start_platform(containers)
            wait_healthy(containers, gateway)
        log(f"gateway published at {gateway}; {len(containers.names) - 1} platform containers")
        platform = Walkable(gateway=gateway, vhost=vhost)

        with timed("walk with two order-service replicas"):
            walk(platform)
        answered = {n: requests_answered(containers, n) for n in map(order_service_replica, range(1, 3))}
        log(f"order requests answered per replica so far: {answered}")
        # Stop the replica that has been answering, so the gateway's pooled connections to it break.
        victim = max(answered, key=answered.get)
        survivor = next(n for n in answered if n != victim)

        def stop_one_replica():
            log(f"stopping {victim} in the middle of the walk")
            docker("stop", "-t", "20", f"xyd-it-{run_id}-{victim}", timeout=120)
            assert not containers.running(victim)

        with timed("walk with one replica stopped midway"):
            before = requests_answered(containers, survivor)
            walk(platform, midway=stop_one_replica)
            after = requests_answered(containers, survivor)
        assert after > before, f"{survivor} answered nothing after {victim} stopped"
        log(f"{survivor} answered {after - before:.0f} order requests after {victim} stopped")
        for name in (n for n in WALK_PROCESSES if n != "order-service"):
            assert containers.running(name), f"{name} stopped during the walk:\n{containers.logs(name)}"

    TIMINGS["total"] = time.monotonic() - started
    log("passed; " + ", ".join(f"{phase} {seconds:.0f} s" for phase, seconds in TIMINGS.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
