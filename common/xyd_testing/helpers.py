"""Helpers for the platform's tests: throw-away broker vhosts and databases, free ports, a TCP proxy
that can cut a connection, and polling with a deadline (tests never sleep a fixed time)."""

import contextlib
import io
import os
import random
import re
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg

RABBITMQ_HOST = os.environ.get("TEST_RABBITMQ_HOST", "127.0.0.1")
RABBITMQ_PORT = int(os.environ.get("TEST_RABBITMQ_PORT", "5672"))


def pg_admin_url() -> str:
    """The PostgreSQL server the tests create their databases on. Read at each call: the end-to-end
    suite may start a server of its own after this module is imported (tests-e2e/postgres_server.py)."""
    return os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def _ephemeral_low() -> int:
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _xdist_worker() -> tuple[int, int]:
    """(this pytest-xdist worker's index, the number of workers); (0, 1) outside xdist."""
    name, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if name.startswith("gw") and name[2:].isdigit() and count.isdigit() and int(count) > 0:
        return int(name[2:]) % int(count), int(count)
    return 0, 1


_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on, chosen below the kernel's ephemeral range: a port the kernel hands out
    (bind to 0) can be taken by any outgoing connection before the process it is meant for binds it
    (seen as a worker dying with "Address already in use" on its METRICS_PORT)."""
    high = _ephemeral_low() - 1
    low = min(20000, high - 1000)
    # pytest-xdist workers each run a platform of their own, all choosing ports at once: each chooses
    # from its own slice of the range, so two never pick the same port in the moment before it is bound.
    worker, workers = _xdist_worker()
    width = (high - low) // workers
    low, high = low + worker * width, low + (worker + 1) * width - 1
    for _ in range(200):
        port = random.randint(low, high)
        # A port handed out earlier may not be bound yet (its process still starting): never again.
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _handed_out.add(port)
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NotYet(Exception):  # noqa: N818 - reads as what it says at the raise: `raise NotYet("no SMS yet")`
    """Raised by a polled predicate for "not there yet, poll again" when a falsy return cannot say why."""


# What "not up yet / not there yet" looks like to a poll: a refused or timed-out connection, an item not
# yet in a list or a mapping, an explicit NotYet. Nothing else is retried: an AssertionError (a status
# guard inside the loop seeing a 500), a TypeError or a JSON error fails the wait at once.
RETRYABLE: tuple[type[BaseException], ...] = (NotYet, ConnectionError, TimeoutError, LookupError, StopIteration)


def _connection_errors() -> tuple[type[BaseException], ...]:
    try:
        import requests
    except ImportError:  # pragma: no cover - requests is a dependency of every package here
        return ()
    # Not requests.RequestException: its JSONDecodeError (an HTML 500 page) must fail at once.
    return requests.ConnectionError, requests.Timeout


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.05,
               message: str = "condition", retry_on: tuple[type[BaseException], ...] = RETRYABLE):
    """Poll `predicate` until it returns something truthy; return that, or fail after `timeout`.

    A falsy result polls again, and so does an exception of `retry_on` (by default RETRYABLE: a refused
    connection, a missing item, NotYet); any other exception fails at once, so a status guard
    (`assert resp.status_code in (201, 503)`) inside the predicate fails on a 500 instead of waiting it out.
    """
    retry_on = (*retry_on, *_connection_errors())
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except retry_on as exc:
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}"
                         + (f" (last error: {last_error!r})" if last_error else ""))


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def rabbitmq_vhost(prefix: str = "xyd-test") -> Iterator[str]:
    """A new RabbitMQ vhost that guest may use, deleted afterwards; yields its name."""
    vhost = unique_name(prefix)
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield vhost
    finally:
        _rabbitmqctl("delete_vhost", vhost)


def amqp_url(vhost: str, host: str = RABBITMQ_HOST, port: int = RABBITMQ_PORT) -> str:
    from urllib.parse import quote

    return f"amqp://guest:guest@{host}:{port}/{quote(vhost, safe='')}"


def connections(vhost: str) -> list[tuple[str, str | None]]:
    """(broker id, connection name) of every open connection to `vhost`, the id in the form
    `close_connection` takes (the JSON formatter prints another form). One rabbitmqctl call."""
    result = subprocess.run(["rabbitmqctl", "-q", "--no-table-headers", "list_connections", "pid", "vhost",
                             "client_properties"], check=True, capture_output=True, text=True, timeout=60)
    out = []
    for line in result.stdout.splitlines():
        pid, conn_vhost, properties = line.split("\t", 2)
        if conn_vhost == vhost:
            name = re.search(r'\{"connection_name","([^"]*)"\}', properties)
            out.append((pid, name.group(1) if name else None))
    return out


def connection_pids(vhost: str, connection_name: str | None = None) -> list[str]:
    """The broker's ids of the open connections to `vhost` named `connection_name` (any name: None)."""
    return [pid for pid, name in connections(vhost) if connection_name is None or name == connection_name]


def close_connections(vhost: str, connection_name: str | None = None) -> int:
    """Make the broker close those connections with CONNECTION_FORCED; how many it closed. Without a
    name every connection of the vhost closes at once, as in a broker restart."""
    pids = connection_pids(vhost, connection_name)
    if connection_name is None:
        subprocess.run(["rabbitmqctl", "-q", "close_all_connections", "--vhost", vhost, "closed by a test"],
                       check=True, capture_output=True, timeout=60)
        return len(pids)
    for pid in pids:
        subprocess.run(["rabbitmqctl", "-q", "close_connection", pid, "closed by a test"], check=True,
                       capture_output=True, timeout=60)
    return len(pids)


@contextlib.contextmanager
def postgres_database(prefix: str = "xyd_test") -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards; yields its postgresql:// URL."""
    name, admin_url = unique_name(prefix), pg_admin_url()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def migrated_postgres_app(create_app, config: dict, prefix: str = "xyd_test") -> Iterator:
    """A service app on a new PostgreSQL database brought up by its own migrations (`flask
    migrate-locked`), as in production; the database is dropped afterwards."""
    from xyd_common.config import sqlalchemy_url

    with postgres_database(prefix) as url:
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url)})
        result = app.test_cli_runner().invoke(args=["migrate-locked"])
        assert result.exit_code == 0, result.output
        try:
            yield app
        finally:
            with app.app_context():
                app.extensions["sqlalchemy"].engine.dispose()


class TcpProxy:
    """Forwards <listen_host>:<port> (127.0.0.1 unless told) to a target; `cut()` drops every connection
    and refuses new ones until `restore()` — a network outage in front of a shared server without
    stopping it. deploy/image_test.py listens on a Docker bridge's gateway address instead, so that
    containers reach servers that listen on the host's loopback only."""

    def __init__(self, target_host: str, target_port: int, listen_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self._open = threading.Event()
        self._open.set()
        self._stop = threading.Event()
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        # Bind port 0 and read the port back: no window for another process to take it.
        self._server = socket.create_server((listen_host, 0))
        self.port = self._server.getsockname()[1]
        self._server.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.cut()
        self._server.close()

    def cut(self) -> None:
        with self._lock:
            self._open.clear()
            conns, self._conns = list(self._conns), set()
        self._close(*conns)

    def restore(self) -> None:
        self._open.set()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except (TimeoutError, OSError):
                continue
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            for s in (client, upstream):
                # Without this, Nagle's algorithm holds back each small AMQP frame the proxy forwards
                # until the previous one is acknowledged: ~40 ms per round trip instead of ~0.1 ms.
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                # cut() may have run while we connected upstream: then this connection must not live on.
                if not self._open.is_set():
                    client.close()
                    upstream.close()
                    continue
                self._conns.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.difference_update((src, dst))
            self._close(src, dst)

    @staticmethod
    def _close(*socks: socket.socket) -> None:
        # shutdown() first: it sends the FIN and wakes the other pipe thread blocked in recv() on the
        # same socket. A bare close() does neither while that recv() is in progress, and the peer would
        # never learn the connection is gone.
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        for s in socks:
            with contextlib.suppress(OSError):
                s.close()


class WsgiServer:
    """A WSGI app on a real threaded HTTP server on 127.0.0.1, for a test: the app under test where
    only a real socket shows something, or a stand-in for another service (subclasses give `_app`).
    Port 0 (the default) binds a free port and reads it back: no window for another process to take it.

        with WsgiServer(app) as server:
            requests.get(server.url + "/health")
    """

    def __init__(self, app=None, port: int = 0):
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", port, app or self._app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def _app(self, environ, start_response):  # pragma: no cover - subclasses serve their own
        raise NotImplementedError

    def start(self):
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


class StubServer(WsgiServer):
    """A stand-in for another service: each path answers what the test puts in `routes` ({path:
    (status, json body)}), anything else 404; `requests` records (path, headers) of every call.

        with StubServer() as credit:
            credit.routes["/internal/credit/enterprises/X/registration"] = (200, {...})
    """

    def __init__(self):
        self.routes: dict[str, tuple[int, object]] = {}
        self.requests: list[tuple[str, dict]] = []
        super().__init__()

    def _app(self, environ, start_response):
        import json

        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        self.requests.append((request.path, dict(request.headers)))
        status, body = self.routes.get(request.path, (404, {"code": "not_found", "message": "资源不存在"}))
        return Response(json.dumps(body, ensure_ascii=False), status=status,
                        content_type="application/json")(environ, start_response)


class RecordingServer(WsgiServer):
    """An outside system's endpoint (a webhook receiver, an SMS gateway): records every request's headers
    and exact body, and answers the next status of `statuses` (the last one repeats) with `body`, after
    `delay` seconds (a slow receiver). `url` is the endpoint's full address (`path` on the server)."""

    def __init__(self, statuses=(200,), path: str = "/", body: str = "ok", content_type: str = "text/plain",
                 delay: float = 0):
        self.statuses = list(statuses)
        self.requests: list[tuple[dict, bytes]] = []
        self.delay, self._body, self._content_type = delay, body, content_type
        self._lock = threading.Lock()
        super().__init__()
        self.url += path

    def _app(self, environ, start_response):
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        with self._lock:
            self.requests.append((dict(request.headers), request.get_data()))
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        time.sleep(self.delay)
        return Response(self._body, status=status, content_type=self._content_type)(environ, start_response)

    def json_bodies(self) -> list:
        import json

        with self._lock:
            return [json.loads(body) if body else None for _, body in self.requests]


class FakeAuthService(StubServer):
    """A stub auth-service: it publishes the JWKS of a fresh Ed25519 key and signs tokens with it the
    way auth-service does, so `require_auth` and `require_service` check them exactly as in production.
    Other paths answer what a test puts in `routes`, as for any StubServer.

        with FakeAuthService() as auth:
            app = create_app({"AUTH_SERVICE_URL": auth.url, ...})
            headers = {"Authorization": f"Bearer {auth.token('admin')}"}
    """

    def __init__(self):
        import json
        import uuid

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from jwt.algorithms import OKPAlgorithm

        super().__init__()
        self._key = Ed25519PrivateKey.generate()
        self.kid = uuid.uuid4().hex
        jwk = json.loads(OKPAlgorithm.to_jwk(self._key.public_key()))
        self.routes["/.well-known/jwks.json"] = (200, {"keys": [{**jwk, "kid": self.kid, "alg": "EdDSA",
                                                                 "use": "sig"}]})

    def sign(self, claims: dict) -> str:
        """Any claims, signed with the published key (for tests of malformed tokens)."""
        import jwt

        return jwt.encode(claims, self._key, algorithm="EdDSA", headers={"kid": self.kid})

    def token(self, role: str, sub: str = "1", institution_id: int | None = None,
              enterprise_uscc: str | None = None, region_code: str | None = None, mcp: bool = False,
              ttl: int = 600, **claims) -> str:
        """An access token as auth-service issues it at login."""
        import uuid

        now = int(time.time())
        return self.sign({"iss": "xyd-auth", "aud": "xyd-platform", "typ": "access", "sub": sub,
                          "sid": uuid.uuid4().hex, "iat": now, "exp": now + ttl, "role": role,
                          "institution_id": institution_id, "enterprise_uscc": enterprise_uscc,
                          "region_code": region_code, "mcp": mcp, **claims})

    def service_token(self, service: str, ttl: int = 300) -> str:
        """A service token (`typ: service`) as auth-service issues it at POST /internal/service-tokens."""
        now = int(time.time())
        return self.sign({"iss": "xyd-auth", "aud": "xyd-platform", "typ": "service", "sub": f"service:{service}",
                          "iat": now, "exp": now + ttl})


def role_headers(auth: FakeAuthService) -> dict[str, dict]:
    """Authorization headers of one caller per role (and none), tokens signed by `auth`: what the
    generated bad-input check of `xyd_testing.service_checks` sends each request as."""

    def bearer(token: str) -> dict:
        return {"Authorization": f"Bearer {token}"}

    return {
        "anonymous": {},
        "admin": bearer(auth.token("admin", sub="1")),
        "institution": bearer(auth.token("institution", sub="21", institution_id=1)),
        "government": bearer(auth.token("government", sub="11", region_code="411000")),
        "enterprise": bearer(auth.token("enterprise", sub="31", enterprise_uscc="91350100M000100Y43",
                                        region_code="411002")),
    }


# The service that publishes each domain's events, for test events that do not say.
EVENT_SOURCES = {"region": "auth-service", "auth": "auth-service", "institution": "auth-service",
                 "product": "product-service", "order": "order-service", "need": "order-service",
                 "credit": "credit-service", "loan": "loan-service"}


def bearer(token: str) -> dict:
    """The Authorization header of a request with `token`."""
    return {"Authorization": f"Bearer {token}"}


def deliver_envelope(app, envelope: dict) -> str:
    """Hand one event to the app's consumer (its `consume` command's) as the broker would; returns
    how it was settled (ack, requeue, reject)."""
    import json

    from xyd_common.events.consumer import EventConsumer

    db, processed_model, handlers = app.extensions["xyd_event_consumer"]
    return EventConsumer(app, db, processed_model, handlers).handle(json.dumps(envelope, ensure_ascii=False).encode())


def deliver(app, event_type: str, data: dict, source: str | None = None, **envelope) -> str:
    """A new event of `event_type` (envelope fields may be overridden) handed to the app's consumer."""
    from xyd_common.events.envelope import new_envelope

    source = source or EVENT_SOURCES.get(event_type.split(".", 1)[0], "test")
    return deliver_envelope(app, {**new_envelope(event_type, data, source), **envelope})


# The first characters that make a spreadsheet program run a cell as a formula (OWASP), and text starting
# with each: what the export tests register as names and purposes.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def xlsx_formulas_and_links(data: bytes) -> list[str]:
    """Every formula (`<f>`) and hyperlink in an .xlsx file, read from its XML as Excel would: an export
    whose user text is written safely has none."""
    import zipfile

    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if not name.startswith("xl/worksheets/") or not name.endswith(".xml"):
                continue
            xml = archive.read(name).decode("utf-8")
            found += [f"{name}: {m}" for m in re.findall(r"<f[ >][^<]*</f>|<f/>|<hyperlink\b[^>]*>", xml)]
        found += [n for n in archive.namelist() if n.startswith("xl/worksheets/_rels/")]
    return found


def csv_rows(data: bytes) -> list[list[str]]:
    """A CSV export read back (the BOM dropped)."""
    import csv

    return list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"), newline="")))


def loan_data(order_id: int, enterprise_uscc: str, institution_id: int, status: str = "repaying",
              outstanding_principal=100, days_past_due: int = 0, **step) -> dict:
    """The data of a loan.* event as the contract ("Loans after disbursement") fixes it, plus the step's
    own amounts and dates (`step`); for the services that consume loan-service's events."""
    return {"loan_id": order_id + 1000, "order_id": order_id, "order_no": f"XC20261201{order_id:06d}",
            "enterprise_uscc": enterprise_uscc, "institution_id": institution_id, "region_code": "411002",
            "status": status, "outstanding_principal": outstanding_principal, "days_past_due": days_past_due,
            **step}
