"""Reference data a service copies from auth-service when it is deployed after that data exists.

Services keep their own copies of regions (and institutions) from events; a late deployment loads
what was published before it from auth-service's public region list."""

import requests


def region_paths(regions: list[dict]) -> dict[str, list[str]]:
    """Each region's path from its root, from a flat list of `{code, parent_code}`."""
    parents = {r["code"]: r.get("parent_code") for r in regions}
    paths = {}
    for code in parents:
        path, seen, current = [], set(), code
        while current is not None and current not in seen:  # a cycle would be a data error; stop there
            seen.add(current)
            path.append(current)
            current = parents.get(current)
        paths[code] = list(reversed(path))
    return paths


def fetch_regions(auth_service_url: str, timeout: float = 10.0) -> list[dict]:
    """Every region from auth-service's `GET /api/v1/regions`, each with its `path` from the root
    (the same shape as a `region.created` event's data)."""
    response = requests.get(f"{auth_service_url.rstrip('/')}/api/v1/regions", timeout=timeout)
    response.raise_for_status()
    regions = response.json()["items"]
    paths = region_paths(regions)
    return [{**r, "path": paths[r["code"]]} for r in regions]


def upsert_region(session, model, code: str, name: str, parent_code: str | None, path: list | None):
    """Keep a service's copy of a region (a model with code, name, parent_code and a JSON `path`)
    with its path from the root (`[root, ..., code]`), as `region.created` announces it."""
    if not (isinstance(path, list) and path and path[-1] == code and all(isinstance(c, str) for c in path)):
        # An event without a usable path: build it from the parent we know, if we know it.
        parent = session.get(model, parent_code) if parent_code else None
        path = [*(parent.path if parent else ([parent_code] if parent_code else [])), code]
    region = session.get(model, code)
    if region is None:
        region = model(code=code)
        session.add(region)
    region.name, region.parent_code, region.path = name, parent_code, list(path)
    return region
