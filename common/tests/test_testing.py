"""The test helpers other suites rely on to simulate outages must themselves be right."""

import socket
import socketserver
import threading

import pytest

from xyd_common.testing import TcpProxy, wait_until


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
