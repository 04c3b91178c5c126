"""What order-service asks credit-service: the applicant's credit record for an order's details, and
enterprises' current risk and whitelist state (`risk_states`) for new orders and the reconciliation.

`GET {CREDIT_SERVICE_URL}/internal/credit/enterprises/{uscc}` with a service token (obtained from
auth-service with SERVICE_TOKEN_SECRET, see xyd_common.tokens.ServiceTokenClient). The viewer and the
order travel as query parameters (`order_id`, `viewer_id`, `viewer_role`, `viewer_institution_id`) so
that credit-service can log every read, as the contract asks. An order page must load whatever
credit-service does, so every failure (no secret configured, auth-service or credit-service down,
slow, answering an error) becomes `(None, reason)` within about CREDIT_SERVICE_TIMEOUT_SECONDS.

`GET {CREDIT_SERVICE_URL}/internal/credit/risk?uscc=A&uscc=B` (at most RISK_BATCH at once) answers
`[{uscc, level, tags, whitelisted, known}]`; any failure there is None within about
CREDIT_RISK_TIMEOUT_SECONDS.
"""

import logging
from urllib.parse import quote

import requests
from flask import current_app

from xyd_common.tokens import Identity, ServiceTokenClient

from .models import ANNOUNCED_RISK_LEVELS

log = logging.getLogger(__name__)

UNAVAILABLE = "信用服务暂不可用"
NO_RECORD = "未查到该企业的信用记录"
NOT_VERIFIED = "企业认证通过后可查看本企业信用记录"
RISK_BATCH = 200  # credit-service's limit per request


def token_client(app) -> ServiceTokenClient:
    client = app.extensions.get("order_service_token_client")
    if client is None:
        # The shorter of the two timeouts: an application's risk lookup may be the call that needs a
        # fresh token, and it must stay within its own limit.
        timeout = min(app.config["CREDIT_SERVICE_TIMEOUT_SECONDS"], app.config["CREDIT_RISK_TIMEOUT_SECONDS"])
        client = ServiceTokenClient(app.config["AUTH_SERVICE_URL"], app.config["SERVICE_NAME"],
                                    app.config["SERVICE_TOKEN_SECRET"], timeout=timeout)
        app.extensions["order_service_token_client"] = client
    return client


def credit_record(uscc: str, viewer: Identity, order_id: int) -> tuple[dict | None, str | None]:
    """(the record as credit-service shows it, None), or (None, why it could not be had)."""
    app = current_app
    if not app.config.get("SERVICE_TOKEN_SECRET"):
        log.warning("SERVICE_TOKEN_SECRET is not set; credit records cannot be fetched")
        return None, UNAVAILABLE
    url = f"{app.config['CREDIT_SERVICE_URL'].rstrip('/')}/internal/credit/enterprises/{quote(uscc, safe='')}"
    params = {"order_id": order_id, "viewer_id": viewer.user_id, "viewer_role": viewer.role,
              "viewer_institution_id": viewer.institution_id}
    try:
        headers = token_client(app).headers()
        response = requests.get(url, params={k: v for k, v in params.items() if v is not None}, headers=headers,
                                timeout=app.config["CREDIT_SERVICE_TIMEOUT_SECONDS"])
    except (requests.RequestException, KeyError, ValueError) as exc:
        log.warning("credit record of %s unavailable: %s", uscc, exc.__class__.__name__)
        return None, UNAVAILABLE
    if response.status_code == 200:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body, None
    elif response.status_code == 404 and _is_json(response):
        # credit-service knows nothing about this enterprise: there is no record to show.
        return None, NO_RECORD
    log.warning("credit record of %s: credit-service answered %s", uscc, response.status_code)
    return None, UNAVAILABLE


def risk_states(usccs: list[str]) -> dict[str, dict] | None:
    """{uscc: {level, tags, whitelisted}} as credit-service sees them now (an enterprise it has no data
    on: level "none", not whitelisted), or None when it could not be asked."""
    app = current_app
    if not usccs:
        return {}
    if len(usccs) > RISK_BATCH:
        raise ValueError(f"at most {RISK_BATCH} USCCs per request")
    if not app.config.get("SERVICE_TOKEN_SECRET"):
        log.warning("SERVICE_TOKEN_SECRET is not set; risk states cannot be fetched")
        return None
    url = f"{app.config['CREDIT_SERVICE_URL'].rstrip('/')}/internal/credit/risk"
    try:
        response = requests.get(url, params=[("uscc", u) for u in usccs], headers=token_client(app).headers(),
                                timeout=app.config["CREDIT_RISK_TIMEOUT_SECONDS"])
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, KeyError, ValueError) as exc:
        log.warning("risk states of %d enterprises unavailable: %s", len(usccs), exc.__class__.__name__)
        return None
    states = {}
    for item in body if isinstance(body, list) else []:
        if (isinstance(item, dict) and item.get("uscc") in usccs and item.get("level") in ANNOUNCED_RISK_LEVELS
                and isinstance(item.get("tags", []), list)):
            states[item["uscc"]] = {"level": item["level"], "tags": [str(t) for t in item.get("tags") or []],
                                    "whitelisted": bool(item.get("whitelisted"))}
    return states


def _is_json(response) -> bool:
    return response.headers.get("Content-Type", "").startswith("application/json")
