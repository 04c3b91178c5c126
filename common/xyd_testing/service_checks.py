"""What every service must do, as tests each service's suite runs against itself.

A service's `tests/test_app.py` does `from xyd_testing.service_checks import *` and its conftest
provides the fixtures `app`, `client`, `runner` (see `xyd_testing.pytest_plugin`) and `service_info`.
"""

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .bad_input import bad_requests, check_answer
from .helpers import free_port

__all__ = ["ServiceInfo", "test_health_answers_json", "test_ready_when_database_and_redis_answer",
           "test_not_ready_when_the_database_is_down", "test_openapi_document_is_served",
           "test_openapi_document_is_valid_and_documents_every_error_answer",
           "test_unknown_path_is_a_json_404", "test_event_commands_are_registered",
           "test_migrations_build_the_schema_the_models_declare",
           "test_generated_bad_input_answers_4xx_json_never_5xx_or_html"]


@dataclass(frozen=True)
class ServiceInfo:
    name: str                      # "product-service"
    package: str                   # "product_service"
    database_env: str              # "PRODUCT_DATABASE_URL"
    commands: tuple[str, ...] = ("relay",)
    extra_env: dict = field(default_factory=dict)


def test_health_answers_json(client, service_info):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "service": service_info.name}


def test_ready_when_database_and_redis_answer(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}


def test_not_ready_when_the_database_is_down(app, service_info):
    factory = sys.modules[service_info.package].create_app
    down = factory({**app.config, "TESTING": True,
                    "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x"})
    response = down.test_client().get("/ready")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable"


def test_openapi_document_is_served(client, service_info):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json["info"]["title"] == f"信易贷 {service_info.name}"


def test_openapi_document_is_valid_and_documents_every_error_answer(client):
    """The document passes openapi-spec-validator; every operation states its token needs and its
    error answers in the contract's shape, and no catch-all `default` answer hides a status."""
    from openapi_spec_validator import validate

    document = client.get("/openapi.json").json
    validate(document)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            where = f"{method.upper()} {path}"
            assert "security" in operation, where
            assert "default" not in operation["responses"], where
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema["allOf"][0] == {"$ref": "#/components/schemas/Error"}, where
            if operation["security"] and not path.startswith("/internal"):
                assert {"401", "403"} <= set(operation["responses"]), where


def test_unknown_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_event_commands_are_registered(runner, service_info):
    for command in service_info.commands:
        assert runner.invoke(args=[command, "--help"]).exit_code == 0, command


def test_migrations_build_the_schema_the_models_declare(tmp_path, service_info):
    """`flask db check` fails when a model changed without a migration."""
    flask = str(Path(sys.executable).with_name("flask"))
    env = {**os.environ, "XYD_VAR_DIR": str(tmp_path), service_info.database_env: "", **service_info.extra_env}
    for command in (["db", "upgrade"], ["db", "check"]):
        result = subprocess.run([flask, "--app", service_info.package, *command], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr


def test_generated_bad_input_answers_4xx_json_never_5xx_or_html(client, bad_input_headers):
    """Every public operation of the service's own document, every parameter and field, with the inputs
    of `xyd_testing.bad_input`, as each caller of `bad_input_headers` (anonymous, and the tokens the
    service's conftest provides)."""
    document = client.get("/openapi.json").json
    cases = bad_requests(document, skip=lambda method, path: path.startswith("/internal"))
    assert cases
    failures = []
    for case in cases:
        for name, headers in bad_input_headers.items():
            if case.body is not None:
                headers = {**headers, "Content-Type": "application/json"}
            resp = client.open(case.path, method=case.method.upper(), query_string=list(case.query),
                               data=case.body, headers=headers)
            problem = check_answer(case, resp.status_code, resp.content_type or "", resp.get_data())
            if problem:
                failures.append(f"{name}: {problem}")
    assert not failures, f"{len(failures)} answers break the contract:\n" + "\n".join(failures[:60])


# Keep pytest from collecting the dataclass.
ServiceInfo.__test__ = False
