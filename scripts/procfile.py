"""The root Procfile, read in one place: `make run`, the end-to-end tests and the compose-file test
all start (or check) exactly these processes."""

import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent


class Service(NamedTuple):
    directory: str
    database_setting: str
    port: int

    @property
    def short_name(self) -> str:
        """"order" for order-service: the prefix of its processes, its database (xyd_order), its backups."""
        return self.directory.removesuffix("-service")

    @property
    def port_setting(self) -> str:
        return self.directory.upper().replace("-", "_") + "_PORT"


# The one list of the platform's services: the Makefile, the image, the Kubernetes generator, the database
# init and backup scripts, the API document, `make run` and the end-to-end harness all read it, so adding
# a service is a line here (and its processes in the Procfile).
SERVICES = {
    # package: (directory, database setting, port)
    "auth_service": Service("auth-service", "AUTH_DATABASE_URL", 8081),
    "product_service": Service("product-service", "PRODUCT_DATABASE_URL", 8082),
    "order_service": Service("order-service", "ORDER_DATABASE_URL", 8083),
    "credit_service": Service("credit-service", "CREDIT_DATABASE_URL", 8084),
    "notification_service": Service("notification-service", "NOTIFICATION_DATABASE_URL", 8085),
    "loan_service": Service("loan-service", "LOAN_DATABASE_URL", 8086),
}
# Every Python package of the repository (pip-installed editable by `make install` and the image).
PACKAGES = ["common", *(service.directory for service in SERVICES.values()), "gateway"]


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
    """A service's worker: the process running its relay, consumer and periodic jobs (`flask work`)."""
    return name.endswith("-worker")


# The looping commands a worker runs (`flask --app order_service work relay consume …`), each named as
# the process Kubernetes runs it as alone ("order-relay", "order-consumer", …).
LOOP_NAMES = {
    "relay": "relay", "consume": "consumer", "purge-expired": "retention",
    "publish-due-policies": "policies", "mark-overdue": "overdue", "reconcile-credit": "credit-sync",
    "expire-needs": "needs-expiry", "refresh-credit-states": "daily-refresh",
    "deliver-webhooks": "webhooks", "age-loans": "aging",
}


def one_process_per_loop(processes: dict[str, str]) -> dict[str, str]:
    """The Procfile with each worker split into its loops, in place ("order-relay": "exec flask --app
    order_service relay", …): what Kubernetes runs, each Deployment or CronJob scaled on its own. On one
    host a worker runs them together; in a cluster each is its own pod."""
    split = {}
    for name, command in processes.items():
        program, found, loops = command.partition(" work ")
        if not (is_worker(name) and found):
            split[name] = command
            continue
        for loop in loops.split():
            split[f"{name.removesuffix('-worker')}-{LOOP_NAMES[loop]}"] = f"{program} {loop}"
    return split


# What shell scripts and the Makefile read: `python3 scripts/procfile.py directories` and so on, one word
# per service on one line (plain python3 is enough: nothing here needs the virtual environment).
LISTS = {
    "directories": lambda: [service.directory for service in SERVICES.values()],
    "short-names": lambda: [service.short_name for service in SERVICES.values()],
    "packages": lambda: PACKAGES,
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in LISTS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(LISTS)}")
    print(" ".join(LISTS[sys.argv[1]]()))
