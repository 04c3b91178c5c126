import json

from xyd_gateway.docs import merge_documents

from .support import unreachable_url


def test_docs_page_is_swagger_ui_without_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "swagger-ui-bundle.js" in page and "/api/docs/init.js" in page
    assert "//cdn" not in page and "unpkg" not in page
    # No inline script: the page runs under the gateway's page policy (script-src 'self').
    assert "<script>" not in page and "script-src 'self'" in response.headers["Content-Security-Policy"]
    script = client.get("/api/docs/init.js")
    assert script.mimetype == "text/javascript" and "SwaggerUIBundle" in script.get_data(as_text=True)
    assert "/api/docs/specs/order-service.json" in script.get_data(as_text=True)


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


def test_merged_document_is_served_at_api_openapi_json(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["info"]["title"] == "信易贷平台 API"
    assert "/api/v1/orders" in document["paths"]
    assert not any(path.startswith("/internal") for path in document["paths"])
    assert document["paths"]["/api/v1/auth/login"]["post"]["security"] == []


def test_docs_page_offers_the_merged_document_first(client):
    script = client.get("/api/docs/init.js").get_data(as_text=True)
    assert script.index('"url": "/api/openapi.json"') < script.index("order-service.json")


def test_merging_keeps_apart_schemas_two_services_name_alike_but_shape_differently():
    def document(path, institution):
        return {"openapi": "3.0.3", "info": {"title": "x", "version": "v1"}, "tags": [{"name": path}],
                "paths": {path: {"get": {"responses": {"200": {"description": "ok", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Institution"}}}}}}}},
                "components": {"schemas": {"Institution": institution, "Error": {"type": "object"}}}}

    merged = merge_documents({
        "auth-service": document("/a", {"type": "object", "properties": {"id": {"type": "integer"}}}),
        "product-service": document("/p", {"type": "object", "properties": {"name": {"type": "string"}}}),
    })
    assert set(merged["components"]["schemas"]) == {"Institution", "ProductInstitution", "Error"}
    ref = merged["paths"]["/p"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/ProductInstitution"
    assert [tag["name"] for tag in merged["tags"]] == ["/a", "/p"]


def test_every_operation_documents_the_gateways_rate_limit_and_no_internal_schema(client):
    spec = client.get("/api/docs/specs/order-service.json").get_json()
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                answer = operation["responses"]["429"]
                assert "throttled" in answer["content"]["application/json"]["schema"]["allOf"][1][
                    "properties"]["code"]["enum"]
                assert "Retry-After" in answer["headers"]
    assert "InternalUser" not in spec["components"]["schemas"]
    assert "InternalUser" not in json.dumps(spec)
