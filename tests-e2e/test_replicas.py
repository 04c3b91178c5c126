"""Replicas of a service behind one address share the load the gateway sends them.

Three order-service processes listen on one port (gunicorn's SO_REUSEPORT: the kernel hands each new
connection to one of them, as kube-proxy does for a Kubernetes Service), behind a gateway of their own.
Requests are sent one after another, so without the gateway's bounded connection reuse
(GATEWAY_UPSTREAM_CONNECTION_REQUESTS, proxy.RotatingConnectionPool) a single keep-alive connection would carry them
all to one replica. Each replica counts its requests in a metrics directory of its own.

The kernel's choice per connection is a hash of its addresses, as good as a random draw: with C
connections a replica's share has a standard deviation of sqrt(2/9 / C). The gateway here closes a
connection after CARRIED requests (production's default, 50, would make only 24 draws of these requests,
a deviation of 0.1, and the test a coin toss): 600 draws, a deviation of 0.019, and the bounds below
are more than 4 of them away from a third."""

import requests
from procfile import read_procfile
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from xyd_testing.helpers import free_port, wait_until

REPLICAS = 3
REQUESTS = 1200
CARRIED = 2


def answered(directory) -> float:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    return sum(sample.value for family in registry.collect() for sample in family.samples
               if sample.name == "xyd_http_requests_total" and sample.labels.get("route") == "/api/v1/portal/figures")


def test_three_replicas_behind_one_address_each_serve_a_fair_share(platform):
    procfile = read_procfile()
    order_port, gateway_port = free_port(), free_port()
    directories = []
    for replica in range(REPLICAS):
        directory = platform.workdir / f"order-replica-metrics-{replica}"
        directories.append(directory)
        platform.start("order-replica", procfile["order-service"], replica, env={
            "ORDER_SERVICE_PORT": str(order_port), "PROMETHEUS_MULTIPROC_DIR": str(directory)})
    platform.start("gateway-replicas", procfile["gateway"], env={
        "GATEWAY_PORT": str(gateway_port), "GATEWAY_METRICS_PORT": str(free_port()),
        "GATEWAY_UPSTREAM_CONNECTION_REQUESTS": str(CARRIED),
        "ORDER_SERVICE_URL": f"http://127.0.0.1:{order_port}"})
    url = f"http://127.0.0.1:{gateway_port}/api/v1/portal/figures"
    try:
        wait_until(lambda: all("Listening at" in platform.log_tail(f"order-replica-{r}", 200)
                               for r in range(REPLICAS)), timeout=60, message="three order-service replicas")
        wait_until(lambda: requests.get(url, timeout=5).status_code == 200, timeout=60, message="the gateway")
        before = [answered(d) for d in directories]
        with requests.Session() as client:  # one client connection to the gateway, one request at a time
            for _ in range(REQUESTS):
                assert client.get(url, timeout=10).status_code == 200
        shares = [(answered(d) - b) / REQUESTS for d, b in zip(directories, before, strict=True)]
        assert abs(sum(shares) - 1) < 0.001, shares
        assert all(0.25 <= share <= 0.42 for share in shares), shares
    finally:
        for replica in range(REPLICAS):
            platform.retire(f"order-replica-{replica}")
        platform.retire("gateway-replicas-0")
