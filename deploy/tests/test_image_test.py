"""What `make image-test` (deploy/image_test.py) runs is what Compose would run: the checks here need no
Docker; the image test itself does (`sudo make image-test`, deploy/README.md section 7)."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def image_test():
    spec = importlib.util.spec_from_file_location("image_test", ROOT / "deploy" / "image_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    for path in (str(ROOT / "tests-e2e"), str(ROOT / "scripts")):
        while path in sys.path:
            sys.path.remove(path)


@pytest.mark.parametrize(("value", "expected"), [
    ("${WEB_CONCURRENCY:-2}", "2"),
    ("${TRUSTED_PROXIES:-10.0.0.0/8,172.16.0.0/12}", "10.0.0.0/8,172.16.0.0/12"),
    ("${SMS_HTTP_URL:?set SMS_HTTP_URL to the SMS gateway endpoint}", ""),
    ("${LOG_LEVEL:-}", ""),
    ("0.0.0.0", "0.0.0.0"),
    (9100, "9100"),
])
def test_compose_values_resolve_as_for_an_operator_who_set_nothing(image_test, value, expected):
    assert image_test.compose_value(value) == expected


def test_containers_get_composes_environment_pointed_at_the_run(image_test):
    env = image_test.container_environment("172.18.0.1", 40001, "abc")
    compose = image_test.COMPOSE["x-app-environment"]
    resolved = {k for k, v in compose.items() if image_test.compose_value(v)}
    assert resolved <= set(env), resolved - set(env)
    # The Procfile's ports and the service URLs stay Compose's, so the alias order-service:8083 is used.
    assert env["ORDER_SERVICE_URL"] == compose["ORDER_SERVICE_URL"] == "http://order-service:8083"
    assert env["REDIS_URL"] == "redis://172.18.0.1:40001/0" and env["REDIS_KEY_PREFIX"] == "xyd-image-abc:"
    assert env["SMS_PROVIDER"] == "console"  # the dev override: codes are read back through the gateway
    assert all(not k.removesuffix("_FILE").endswith(("KEY", "SECRET", "DATABASE_URL")) or k.endswith("_FILE")
               for k in env), "secrets reach the containers as files only"


def test_the_walk_runs_every_web_process_and_worker_with_its_procfile_command(image_test):
    procfile = image_test.read_procfile()
    web = {n for n, c in procfile.items() if "--bind" in c}
    workers = {n for n in procfile if n.endswith("-worker")}
    assert set(image_test.WALK_PROCESSES) == web | workers
    assert all(image_test.WALK_PROCESSES[n] == procfile[n] for n in image_test.WALK_PROCESSES)
    assert "order-service" in web and image_test.ORDER_REPLICAS == 2


def test_the_migration_container_runs_composes_migrate_command(image_test):
    command = image_test.compose_command("migrate")
    assert command[:2] == ["sh", "-c"]
    for package in ("auth_service", "product_service", "order_service", "credit_service", "notification_service"):
        assert f"flask --app {package} migrate-locked" in command[2]
    assert "jwt_private_key" in image_test.compose_secrets("migrate")
    assert "jwt_private_key" not in image_test.compose_secrets("order-service")


def test_makefile_has_the_image_test_target_outside_make_test():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nimage-test: install\n\t$(BIN)/python deploy/image_test.py\n" in makefile
    test_line = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert "image-test" not in test_line
