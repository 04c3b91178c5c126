"""The automatic pre-check of an enterprise verification request, shown to the reviewer.

A provider compares what the applicant states with a source it trusts. `ENTERPRISE_VERIFICATION_PROVIDER`
picks one; `manual` (the default) compares with the registration data credit-service holds and leaves
the decision to a person. An electronic business licence or a bank-transfer check would be another
provider with the same `precheck` method.
"""

import logging
import unicodedata
from dataclasses import dataclass

import requests
from flask import current_app

from xyd_common.config import SettingError

from . import signing

log = logging.getLogger(__name__)

MATCH, MISMATCH, UNKNOWN = "match", "mismatch", "unknown"


@dataclass(frozen=True)
class Registration:
    """An enterprise as the registration data (市场监管登记信息) credit-service imported has it."""

    uscc: str
    name: str
    legal_representative: str | None
    region_code: str | None
    industry: str | None = None


@dataclass(frozen=True)
class Claim:
    uscc: str
    enterprise_name: str
    legal_representative: str
    region_code: str | None


@dataclass(frozen=True)
class Precheck:
    result: str  # match | mismatch | unknown
    details: dict
    registration: Registration | None


class RegistrationUnavailable(Exception):
    """credit-service could not be asked; the pre-check is then `unknown`, the review goes on."""


def _normalized(text: str | None) -> str:
    # Full-width brackets and spaces are common in Chinese enterprise names: compare their NFKC form.
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


def same_text(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and _normalized(a) == _normalized(b)


def _field(claimed: str | None, registered: str | None) -> str:
    if not registered:
        return UNKNOWN
    return MATCH if same_text(claimed, registered) else MISMATCH


def fetch_registration(uscc: str) -> Registration | None:
    """credit-service's registration data for `uscc`, None when it holds none."""
    cfg = current_app.config
    token = signing.service_token(_signing_key(), cfg, "auth-service")
    url = f"{cfg['CREDIT_SERVICE_URL'].rstrip('/')}/internal/credit/enterprises/{uscc}/registration"
    try:
        resp = requests.get(url, headers={"Authorization": f"Bearer {token}"},
                            timeout=cfg["VERIFICATION_PRECHECK_TIMEOUT_SECONDS"])
    except requests.RequestException as exc:
        raise RegistrationUnavailable(str(exc)) from exc
    if resp.status_code == 404:
        return None
    if resp.status_code != 200:
        raise RegistrationUnavailable(f"credit-service answered {resp.status_code}")
    body = resp.json()
    return Registration(uscc=body["uscc"], name=body["name"], legal_representative=body.get("legal_representative"),
                        region_code=body.get("region_code"), industry=body.get("industry"))


def _signing_key():
    from .services import signing_key  # the process's loaded key; services imports this module

    return signing_key()


class ManualProvider:
    """Compares the claim with credit-service's registration data; a person decides."""

    name = "manual"

    def precheck(self, claim: Claim) -> Precheck:
        try:
            registration = fetch_registration(claim.uscc)
        except RegistrationUnavailable as exc:
            log.warning("verification pre-check: credit-service unavailable", extra={"error": str(exc)})
            return Precheck(UNKNOWN, {"source": "credit-service", "available": False, "known": None,
                                      "enterprise_name": UNKNOWN, "legal_representative": UNKNOWN,
                                      "region": UNKNOWN}, None)
        if registration is None:
            return Precheck(UNKNOWN, {"source": "credit-service", "available": True, "known": False,
                                      "enterprise_name": UNKNOWN, "legal_representative": UNKNOWN,
                                      "region": UNKNOWN}, None)
        details = {
            "source": "credit-service", "available": True, "known": True,
            "enterprise_name": _field(claim.enterprise_name, registration.name),
            "legal_representative": _field(claim.legal_representative, registration.legal_representative),
            "region": _field(claim.region_code, registration.region_code),
            "registered": {"name": registration.name, "legal_representative": registration.legal_representative,
                           "region_code": registration.region_code},
        }
        # The contract's `match`: the same enterprise name and legal representative. The region is shown
        # to the reviewer but decides nothing (approval takes the registered region anyway).
        key_fields = (details["enterprise_name"], details["legal_representative"])
        result = MATCH if all(f == MATCH for f in key_fields) else MISMATCH
        return Precheck(result, details, registration)


PROVIDERS = {ManualProvider.name: ManualProvider}


def provider():
    name = current_app.config["ENTERPRISE_VERIFICATION_PROVIDER"]
    if name not in PROVIDERS:
        raise SettingError(f"ENTERPRISE_VERIFICATION_PROVIDER must be one of {', '.join(PROVIDERS)}, got {name!r}")
    return PROVIDERS[name]()
