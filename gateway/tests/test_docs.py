from .support import unreachable_url


def test_docs_page_is_swagger_ui_without_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "SwaggerUIBundle" in page
    assert "/api/docs/specs/order-service.json" in page
    assert "//cdn" not in page and "unpkg" not in page


def test_docs_assets_are_served_by_the_gateway(client):
    response = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert response.status_code == 200
    assert b"SwaggerUIBundle" in response.data


def test_service_spec_is_served_without_internal_paths(client):
    response = client.get("/api/docs/specs/order-service.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert "/api/v1/orders" in spec["paths"]
    assert not any(path.startswith("/internal") for path in spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_operations_are_marked_public_optional_or_secured_as_the_route_table_says(client):
    spec = client.get("/api/docs/specs/order-service.json").get_json()
    assert spec["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/api/v1/orders"]["get"]
    assert spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []
    assert spec["paths"]["/api/v1/products/{product_id}"]["get"]["security"] == [{}, {"bearerAuth": []}]
    assert "security" not in spec["paths"]["/api/v1/products/{product_id}"]["patch"]


def test_unknown_service_spec_is_404(client):
    assert client.get("/api/docs/specs/nothing.json").status_code == 404


def test_spec_of_a_down_service_is_503_json(make_app):
    response = make_app(PRODUCT_SERVICE_URL=unreachable_url()).test_client().get(
        "/api/docs/specs/product-service.json")
    assert response.status_code == 503
    assert response.get_json()["code"] == "service_unavailable"
