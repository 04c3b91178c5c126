"""The gateway's pooled connections to a service carry a bounded number of requests
(GATEWAY_UPSTREAM_CONNECTION_REQUESTS), so that replicas behind one address share the load."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class KeepAlive(BaseHTTPRequestHandler):
    """Answers on a kept-alive connection and notes the client port each request came from."""

    protocol_version = "HTTP/1.1"
    ports: list[int] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.ports.append(self.client_address[1])
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


@pytest.fixture
def keep_alive_service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    server.daemon_threads = True
    KeepAlive.ports = []
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", KeepAlive.ports
    server.shutdown()


@pytest.mark.parametrize(("limit", "connections"), [(5, 4), (0, 1)])
def test_a_connection_is_replaced_after_carrying_its_requests(make_app, keep_alive_service, limit, connections):
    url, ports = keep_alive_service
    client = make_app(PRODUCT_SERVICE_URL=url, GATEWAY_UPSTREAM_CONNECTION_REQUESTS=limit).test_client()
    for _ in range(20):
        assert client.get("/api/v1/market/products").status_code == 200
    assert len(ports) == 20
    assert len(set(ports)) == connections
