"""The API documents as a client developer meets them at the gateway, and schemathesis over them.

- Every public document (per service and merged at `/api/openapi.json`) passes openapi-spec-validator.
- Each operation's `security` as the service declares it (from the decorator that checks the token)
  is what the gateway's route table does with tokens.
- schemathesis on every service's public document, through the gateway, as an institution and as an
  admin: zero server errors, zero answers that violate the documented schema or content type, zero
  undocumented status codes. Bounded here (`XYD_FUZZ_EXAMPLES` examples per operation, 4 by default);
  `make fuzz` runs it longer.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from harness import SERVICE_DIRECTORIES
from openapi_spec_validator import validate
from scenario import admin_with_xuchang, institution_user, new_institution, published_product

SERVICES = SERVICE_DIRECTORIES
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Not fuzzed: what would end the caller's own session or change its password mid-run (leaving the rest
# of the run to answer 401), and loan-service's business date, which only moves forward: a generated
# date far in the future would age every loan the later tests open. The authorization matrix, the
# account tests and test_loans.py try them instead.
NOT_FUZZED = r"^/api/v1/(auth/(logout|password)|admin/loans/business-date)$"


def public_document(platform, service: str) -> dict:
    resp = requests.get(f"{platform.gateway}/api/docs/specs/{service}.json", timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_every_document_at_the_gateway_passes_openapi_spec_validator(platform):
    for service in SERVICES:
        validate(public_document(platform, service))
    merged = requests.get(f"{platform.gateway}/api/openapi.json", timeout=10)
    assert merged.status_code == 200
    validate(merged.json())
    paths = set(merged.json()["paths"])
    for service in SERVICES:
        assert set(public_document(platform, service)["paths"]) <= paths


def test_services_declare_the_token_needs_the_gateway_enforces(platform):
    """The service's own `security` (from its token decorators) fits the gateway's marking (from its
    route table): a service needing a token behind a route the gateway calls public (or a public
    operation behind a secured route) would be a document that lies or a dead end."""
    bearer, optional = [{"bearerAuth": []}], [{}, {"bearerAuth": []}]
    # What the gateway may make of each: it verifies a token when one is sent on a public data route.
    fits = {"required": [bearer], "optional": [optional], "public": [[], optional]}
    for service in SERVICES:
        own = requests.get(f"{platform.service_url(service)}/openapi.json", timeout=10).json()
        public = public_document(platform, service)
        for path, item in public["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    declared = own["paths"][path][method]["security"]
                    kind = "required" if declared == bearer else "optional" if declared == optional else "public"
                    assert operation.get("security", public["security"]) in fits[kind], f"{method} {path}"


def test_an_id_beyond_64_bits_on_a_public_route_is_404_not_401(platform):
    resp = requests.get(f"{platform.gateway}/api/v1/products/99999999999999999999999", timeout=10)
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"


@pytest.fixture(scope="module")
def callers(platform):
    """An institution with a product (so some ids exist) and an admin; the institution runs first,
    because the admin's run may disable or reset the institution's user."""
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin, name="模糊测试银行"))
    published_product(bank)
    return {"institution": bank.token, "admin": admin.token}


@pytest.mark.parametrize("service", SERVICES)
def test_schemathesis_finds_no_server_error_schema_violation_or_undocumented_status(platform, callers,
                                                                                    service, tmp_path):
    examples = os.environ.get("XYD_FUZZ_EXAMPLES", "4")
    failures = []
    for role, token in callers.items():
        command = [SCHEMATHESIS, "run", f"{platform.gateway}/api/docs/specs/{service}.json",
                   "--url", platform.gateway, "--header", f"Authorization: Bearer {token}",
                   "--checks", CHECKS, "--max-examples", examples, "--workers", "1",
                   "--phases", "examples,coverage,fuzzing", "--no-shrink", "--seed", "727",
                   "--request-timeout", "20", "--exclude-path-regex", NOT_FUZZED,
                   "--suppress-health-check", "all", "--warnings", "off"]
        result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=1800,
                                env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""})
        if result.returncode != 0:
            failures.append(f"--- as {role} (exit {result.returncode}):\n"
                            f"{result.stdout[-12000:]}{result.stderr[-2000:]}")
    errors = [line for line in platform.log_tail(f"{service}-0", 3000).splitlines() if '"ERROR"' in line]
    assert not failures, "\n".join(failures) + "\n--- the service's errors:\n" + "\n".join(errors[-8:])
