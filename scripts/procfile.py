"""The root Procfile, read in one place: `make run`, the end-to-end tests and the compose-file test
all start (or check) exactly these processes."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {
    # package: (directory, database setting)
    "auth_service": ("auth-service", "AUTH_DATABASE_URL"),
    "product_service": ("product-service", "PRODUCT_DATABASE_URL"),
    "order_service": ("order-service", "ORDER_DATABASE_URL"),
    "credit_service": ("credit-service", "CREDIT_DATABASE_URL"),
    "notification_service": ("notification-service", "NOTIFICATION_DATABASE_URL"),
}


def read_procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    processes = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, command = line.partition(":")
        processes[name.strip()] = command.strip()
    return processes


def is_worker(name: str) -> bool:
    """Relays and consumers: the processes that talk to the broker, not HTTP."""
    return name.endswith("-relay") or name.endswith("-consumer")
