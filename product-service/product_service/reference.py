"""product-service's copies of auth-service's regions and institutions.

They arrive as events (region.created, institution.*; see handlers.py). A product-service deployed
after regions and institutions already exist loads them once with `flask sync-reference-data`.
"""

import logging
from datetime import datetime

import requests
from flask import current_app

from xyd_common.events.outbox import utcnow
from xyd_common.reference import fetch_regions
from xyd_common.reference import upsert_region as shared_upsert_region
from xyd_common.tokens import ServiceTokenClient

from .models import Institution, Region, db

log = logging.getLogger(__name__)


def upsert_region(code: str, name: str, parent_code: str | None, path: list[str] | None) -> Region:
    """Keep a region with its path from the root (`[root, ..., code]`)."""
    return shared_upsert_region(db.session, Region, code, name, parent_code, path)


def upsert_institution(data: dict, source_at: datetime) -> bool:
    """Keep an institution as auth-service described it at `source_at`; False when what we hold is
    newer (a redelivered or reordered event), which is then left alone."""
    institution = db.session.get(Institution, int(data["id"]))
    if institution is not None and institution.source_at > source_at:
        return False
    if institution is None:
        institution = Institution(id=int(data["id"]))
        db.session.add(institution)
    institution.name = data["name"]
    institution.type = data.get("type") or "other"
    institution.region_code = data.get("region_code")
    institution.status = data.get("status") or "active"
    institution.source_at = source_at
    return True


def sync_from_auth_service(timeout: float = 10.0) -> dict:
    """Load every region (public `GET /api/v1/regions`) and, when this service has
    SERVICE_TOKEN_SECRET, every institution (`GET /internal/institutions`) from auth-service, and
    commit. Returns counts; `institutions` is None when they could not be had."""
    config = current_app.config
    base = config["AUTH_SERVICE_URL"].rstrip("/")
    started = utcnow()  # events from before this moment are older than the snapshot

    regions = fetch_regions(base, timeout)
    for r in regions:
        upsert_region(r["code"], r["name"], r.get("parent_code"), r["path"])

    institutions = None
    if config.get("SERVICE_TOKEN_SECRET"):
        client = ServiceTokenClient(base, config["SERVICE_NAME"], config["SERVICE_TOKEN_SECRET"], timeout=timeout)
        response = requests.get(f"{base}/internal/institutions", headers=client.headers(), timeout=timeout)
        if response.status_code == 404:
            log.warning("auth-service has no GET /internal/institutions; institutions come by events only")
        else:
            response.raise_for_status()
            institutions = 0
            for item in response.json()["items"]:
                institutions += upsert_institution(item, started)
    db.session.commit()
    return {"regions": len(regions), "institutions": institutions}
