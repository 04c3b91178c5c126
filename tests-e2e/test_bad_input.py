"""Generated bad input through the gateway, on PostgreSQL: every operation of every service's public
API document, every declared parameter and body field, with the five families that once answered 500
(integers beyond 64 bits, deep JSON, NUL, lone surrogates, forged cursors, extreme dates) plus long
strings, wrong types and empty bodies — sent anonymously and with an admin's and an institution's
token. Every answer is JSON with a `code` (4xx for the five families), never a 5xx, never HTML."""

import pytest
import requests
from harness import SERVICE_DIRECTORIES
from scenario import admin_with_xuchang, institution_user, new_institution

from xyd_testing.bad_input import bad_requests, check_answer

SERVICES = SERVICE_DIRECTORIES


@pytest.fixture(scope="module")
def callers(platform):
    admin = admin_with_xuchang(platform)
    bank = institution_user(platform, admin, new_institution(admin))
    return {"admin": admin.token, "institution": bank.token}


def documents(platform) -> dict[str, dict]:
    out = {}
    for service in SERVICES:
        resp = requests.get(f"{platform.gateway}/api/docs/specs/{service}.json", timeout=10)
        assert resp.status_code == 200, resp.text
        out[service] = resp.json()
    return out


def send(platform, case, token: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"} if case.body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(case.method.upper(), platform.gateway + case.path, params=list(case.query),
                            data=case.body, headers=headers, timeout=15)


@pytest.mark.parametrize("service", SERVICES)
def test_generated_bad_input_answers_4xx_json_through_the_gateway(platform, callers, service):
    cases = bad_requests(documents(platform)[service])
    assert cases, f"no operations in {service}'s document"
    failures = []
    for case in cases:
        for role, token in callers.items():
            resp = send(platform, case, token)
            problem = check_answer(case, resp.status_code, resp.headers.get("Content-Type", ""), resp.content)
            if problem:
                failures.append(f"{role}: {problem}")
    # Anonymously every operation once per family: secured ones stop at the token check.
    seen = set()
    for case in cases:
        if (case.method, case.path, case.family) in seen:
            continue
        seen.add((case.method, case.path, case.family))
        resp = send(platform, case, None)
        problem = check_answer(case, resp.status_code, resp.headers.get("Content-Type", ""), resp.content)
        if problem:
            failures.append(f"anonymous: {problem}")
    errors = [line for line in platform.log_tail(f"{service}-0", 2000).splitlines() if '"ERROR"' in line]
    assert not failures, (f"{len(failures)} of {len(cases) * 3} answers break the contract:\n"
                          + "\n".join(failures[:60]) + "\n--- the service's errors:\n" + "\n".join(errors[-5:]))
