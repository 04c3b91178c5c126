import pytest

from xyd_gateway.routes import TOKEN_IGNORED, TOKEN_OPTIONAL, TOKEN_REQUIRED, service_for, token_policy


@pytest.mark.parametrize(("path", "service"), [
    ("/api/v1/auth/login", "auth-service"),
    ("/api/v1/admin/institutions/3/users", "auth-service"),
    ("/api/v1/regions", "auth-service"),
    ("/api/v1/products", "product-service"),
    ("/api/v1/products/mine", "product-service"),
    ("/api/v1/market/products", "product-service"),
    ("/api/v1/orders", "order-service"),
    ("/api/v1/orders/12/accept", "order-service"),
    ("/api/v1/credit/enterprises/91350100M000100Y43", "credit-service"),
    ("/api/v1/admin/credit/authorization-texts", "credit-service"),
    ("/api/v1/admin/enterprise-verifications/3/approve", "auth-service"),
    ("/api/v1/notifications", "notification-service"),
    ("/api/v1/webhooks/5/deliveries", "notification-service"),
    ("/api/v1/dev/sms", "notification-service"),
    ("/api/v1/loans", "loan-service"),
    ("/api/v1/loans/7/repayments", "loan-service"),
    ("/api/v1/admin/loans/business-date", "loan-service"),
    ("/api/v1/funds/3/top-up", "loan-service"),
    ("/api/v1/instruments/figures/export", "loan-service"),
])
def test_each_public_path_goes_to_the_service_that_owns_it(path, service):
    assert service_for(path) == service


@pytest.mark.parametrize("path", [
    "/internal/users/1", "/api/v1/internal/users/1", "/api/v1/ordersx", "/api/v1/auth", "/api/v1/market",
    "/api/v1/products/../../internal/users/1", "/api/v1/orders/./1", "/api/v1/orders\\..\\x", "/health",
])
def test_paths_outside_the_route_table_go_nowhere(path):
    assert service_for(path) is None


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/regions"),
    ("HEAD", "/api/v1/regions/411000"),
    ("GET", "/api/v1/market/products"),
    ("GET", "/api/v1/products/42"),
    # Beyond 64 bits: still the public route (the service answers 404), not a 401 for want of a token.
    ("GET", "/api/v1/products/99999999999999999999999"),
    ("GET", "/api/v1/products/0f8fad5b-d9cb-469f-a165-70867728950e"),
    ("GET", "/api/v1/credit/authorization-text"),
])
def test_public_data_routes_take_a_token_but_need_none(method, path):
    assert token_policy(method, path) == TOKEN_OPTIONAL


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/auth/sms-codes"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/password/reset"),
    ("GET", "/api/v1/dev/sms"),
])
def test_sign_in_routes_ignore_tokens(method, path):
    assert token_policy(method, path) == TOKEN_IGNORED


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/products/mine"),
    ("PATCH", "/api/v1/products/42"),
    ("POST", "/api/v1/products/42/disable"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password"),
    ("GET", "/api/v1/auth/me"),
    ("POST", "/api/v1/admin/regions"),
    ("GET", "/api/v1/market/products/extra"),
    ("GET", "/api/v1/orders"),
    ("DELETE", "/api/v1/dev/sms"),
    ("POST", "/api/v1/admin/credit/authorization-texts"),
    ("GET", "/api/v1/credit/me"),
])
def test_everything_else_needs_a_token(method, path):
    assert token_policy(method, path) == TOKEN_REQUIRED
