"""The test helpers other suites rely on to simulate outages must themselves be right."""

import socket
import socketserver
import threading
import time

import pytest

from xyd_testing.helpers import NotYet, TcpProxy, wait_until


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture(scope="module")
def echo_port():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def connect_through(proxy: TcpProxy) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    client.sendall(b"ping")
    assert client.recv(16) == b"ping"
    return client


def ended(client: socket.socket) -> bool:
    """True once the peer closed the connection (EOF or reset), False if it is still open."""
    client.settimeout(5)
    try:
        return client.recv(16) == b""
    except ConnectionError:
        return True
    except TimeoutError:
        return False


def test_cut_ends_every_connection_the_proxy_carries(echo_port):
    # The race this guards against lost about one connection in twenty: repeat enough to see it.
    for _ in range(60):
        with TcpProxy("127.0.0.1", echo_port) as proxy:
            clients = [connect_through(proxy) for _ in range(2)]
            proxy.cut()
            assert all(ended(c) for c in clients)
            for c in clients:
                c.close()


def test_cut_refuses_new_connections_until_restored(echo_port):
    with TcpProxy("127.0.0.1", echo_port) as proxy:
        proxy.cut()
        refused = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        assert ended(refused)
        refused.close()
        proxy.restore()
        client = wait_until(lambda: connect_through(proxy), message="a connection after restore()")
        client.close()


def test_wait_until_fails_at_once_on_a_status_guard_instead_of_waiting_out_a_500():
    answers = iter([500, 201])

    def attempt():
        status = next(answers)
        assert status in (201, 503), status
        return status == 201

    started = time.monotonic()
    with pytest.raises(AssertionError, match="500"):
        wait_until(attempt, timeout=5, interval=0.01)
    assert time.monotonic() - started < 1


def test_wait_until_polls_again_on_what_is_named_retryable():
    raised = iter([NotYet("no SMS yet"), ConnectionRefusedError(), KeyError("items"), ValueError("not yet")])

    def attempt():
        exc = next(raised, None)
        if exc is not None:
            raise exc
        return "there"

    # ValueError is named by this caller only.
    assert wait_until(attempt, timeout=5, interval=0.01, retry_on=(NotYet, ConnectionError, KeyError,
                                                                      ValueError)) == "there"
    raised = iter([ValueError("not named")])
    with pytest.raises(ValueError):
        wait_until(attempt, timeout=5, interval=0.01)


def test_wait_until_names_the_last_retried_error_when_it_times_out():
    def attempt():
        raise NotYet("the queue is empty")

    with pytest.raises(AssertionError, match="the queue is empty"):
        wait_until(attempt, timeout=0.2, interval=0.01, message="an event")
