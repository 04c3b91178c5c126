import pytest

from product_service import create_app
from product_service.models import Institution, Region, db

from .support import app_config, institution_data

REGIONS = {"items": [
    # Children before parents, as nothing promises an order.
    {"code": "411002", "name": "魏都区", "parent_code": "411000"},
    {"code": "411000", "name": "许昌市", "parent_code": "410000"},
    {"code": "410000", "name": "河南省", "parent_code": None},
]}


@pytest.fixture
def auth_routes(auth_service):
    saved = dict(auth_service.routes)
    yield auth_service.routes
    auth_service.routes.clear()
    auth_service.routes.update(saved)


def test_sync_loads_every_region_with_its_path_and_the_institutions(auth_service, auth_routes):
    auth_routes["/api/v1/regions"] = (200, REGIONS)
    auth_routes["/internal/service-tokens"] = (200, {"access_token": "service-token", "token_type": "Bearer",
                                                     "expires_in": 300})
    auth_routes["/internal/institutions"] = (200, {"items": [institution_data(3, "许昌农商银行"),
                                                             institution_data(4, "停用的银行", "disabled")]})
    app = create_app(app_config(auth_service, SERVICE_TOKEN_SECRET="shared-secret"))
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["sync-reference-data"])
    assert result.exit_code == 0, result.output
    assert "3 regions" in result.output and "2 institutions" in result.output
    with app.app_context():
        assert db.session.get(Region, "411002").path == ["410000", "411000", "411002"]
        assert db.session.get(Institution, 4).status == "disabled"
    assert any(path == "/internal/institutions" and headers.get("Authorization") == "Bearer service-token"
               for path, headers in auth_service.requests)
    # Running it again changes nothing.
    assert app.test_cli_runner().invoke(args=["sync-reference-data"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Region)) == 3


def test_sync_without_a_service_secret_loads_regions_and_says_institutions_come_by_events(app, auth_routes):
    auth_routes["/api/v1/regions"] = (200, REGIONS)
    result = app.test_cli_runner().invoke(args=["sync-reference-data"])
    assert result.exit_code == 0 and "institutions not loaded" in result.output


def test_sync_fails_clearly_when_auth_service_cannot_be_reached(auth_service):
    app = create_app(app_config(auth_service, AUTH_SERVICE_URL="http://127.0.0.1:9"))
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["sync-reference-data"])
    assert result.exit_code != 0 and "could not load reference data" in result.output


def test_the_internal_listing_gives_every_product_in_pages_as_events_carry_them(client, publish, auth_service,
                                                                                 monkeypatch):
    from product_service import services

    monkeypatch.setattr(services, "INTERNAL_PAGE", 2)
    ids = [publish(name=f"税易贷{i}")["id"] for i in range(3)]
    headers = {"Authorization": f"Bearer {auth_service.service_token('order-service')}"}
    first = client.get("/internal/products", headers=headers).json
    assert [p["id"] for p in first["items"]] == ids[:2] and first["next_cursor"]
    second = client.get(f"/internal/products?after={first['next_cursor']}", headers=headers).json
    assert [p["id"] for p in second["items"]] == ids[2:] and second["next_cursor"] is None
    assert second["items"][0]["name"] == "税易贷2" and second["items"][0]["status"] == "active"
    assert client.get("/internal/products").status_code == 401
