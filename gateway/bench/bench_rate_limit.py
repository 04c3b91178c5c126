"""What the rate limits cost the gateway per request.

Builds the gateway twice in this process (limits on, limits off) in front of a stand-in service on a
free loopback port, with the local Redis (REDIS_URL), and sends the same public and token-carrying
requests through each in alternating rounds; the difference per request is what the limits cost
(one EVALSHA round trip to Redis). Also times the limit check alone. Prints figures, asserts nothing.

    .venv/bin/python gateway/bench/bench_rate_limit.py [--requests 400] [--rounds 15]
"""

import argparse
import logging
import statistics
import sys
import time
import uuid
from pathlib import Path

import redis
from flask import request

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support import SigningKey, Upstream, access_claims, bearer  # noqa: E402
from xyd_common.config import DEFAULT_REDIS_URL, env_str  # noqa: E402
from xyd_gateway import create_app  # noqa: E402
from xyd_gateway.config import SERVICE_URL_SETTINGS  # noqa: E402
from xyd_gateway.ratelimit import check_rate_limit  # noqa: E402
from xyd_gateway.routes import TOKEN_OPTIONAL  # noqa: E402

# Far above what the benchmark sends: every request is counted, none is refused.
HIGH = "100000000/minute"


def gateway(upstream_url: str, prefix: str, limits: str):
    return create_app({
        "REDIS_URL": env_str("REDIS_URL", DEFAULT_REDIS_URL), "REDIS_KEY_PREFIX": prefix,
        "GATEWAY_ACCESS_LOG": False, "WEB_DIST_DIR": "/nonexistent",
        **{setting: upstream_url for setting, _ in SERVICE_URL_SETTINGS.values()},
        **{f"RATE_LIMIT_{group}": limits for group in ("AUTH", "PUBLIC", "USER", "EXPORT")},
    })


def per_request_ms(client, path: str, headers: dict, n: int) -> tuple[float, float]:
    """Wall and CPU milliseconds per request. CPU time (this process: the gateway and the stand-in
    service, the same in both cases) tells the gateway's cost apart from waiting on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.status_code
    return (time.perf_counter() - wall) * 1000 / n, (time.process_time() - cpu) * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per round and case [400]")
    parser.add_argument("--rounds", type=int, default=15, help="alternating rounds [15]")
    args = parser.parse_args()

    key = SigningKey("bench")
    upstream = Upstream(key)
    prefix = f"xyd-bench-rl-{uuid.uuid4().hex[:8]}:"
    on = gateway(upstream.url, prefix, HIGH)
    off = gateway(upstream.url, prefix, "off")
    # The stand-in service's request lines would bury the figures.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    token = bearer(key.sign(access_claims(sub="42", exp=int(time.time()) + 3600)))
    cases = {"public GET /market/products": ("/api/v1/market/products", {}),
             "token GET /orders": ("/api/v1/orders", token)}
    try:
        for name, (path, headers) in cases.items():
            clients = {"on": on.test_client(), "off": off.test_client()}
            for client in clients.values():  # warm up: connections, JWKS, the cached token, the script
                per_request_ms(client, path, headers, 100)
            figures = {"on": [], "off": []}
            for _ in range(args.rounds):
                for state in ("off", "on"):
                    figures[state].append(per_request_ms(clients[state], path, headers, args.requests))
            for i, kind in enumerate(("wall", "CPU")):
                med_on = statistics.median(f[i] for f in figures["on"])
                med_off = statistics.median(f[i] for f in figures["off"])
                print(f"{name:<30} {kind:<4} limits off {med_off:.3f} ms/request, on {med_on:.3f} ms/request, "
                      f"cost {med_on - med_off:+.3f} ms (median of {args.rounds} rounds × {args.requests})")

        with on.test_request_context("/api/v1/market/products", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
            for _ in range(100):
                check_rate_limit(on, TOKEN_OPTIONAL, None, request)
            n = args.requests * 2
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(n):
                check_rate_limit(on, TOKEN_OPTIONAL, None, request)
            wall, cpu = (time.perf_counter() - wall) * 1000 / n, (time.process_time() - cpu) * 1000 / n
        print(f"{'the check alone':<30} {wall:.3f} ms wall, {cpu:.3f} ms CPU in the gateway per request")
    finally:
        upstream.stop()
        client = redis.Redis.from_url(env_str("REDIS_URL", DEFAULT_REDIS_URL))
        for stale in client.scan_iter(match=prefix + "*"):
            client.delete(stale)


if __name__ == "__main__":
    main()
