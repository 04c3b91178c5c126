"""A service deployed after the data it copies exists (or restored from a backup without it): its new,
empty database is filled by `flask --app <service> sync-reference-data` from the running platform's
owners — regions, institutions, products, users and who owns which USCC — as their events would have."""

import subprocess
import sys
from pathlib import Path

import psycopg
from scenario import (
    admin_with_xuchang,
    institution_user,
    new_institution,
    published_product,
    verified_enterprise,
)

from xyd_common.reference import region_paths
from xyd_testing.helpers import postgres_database

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def flask(platform, package: str, setting: str, url: str, *args: str) -> str:
    env = {**platform.env, setting: url}
    result = subprocess.run([str(BIN / "flask"), "--app", package, *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def rows(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_a_late_consumer_is_filled_by_sync_reference_data(platform):
    admin = admin_with_xuchang(platform)
    institution = new_institution(admin, "许昌同步银行")
    product = published_product(institution_user(platform, admin, institution))
    enterprise, user = verified_enterprise(platform, admin, name="许昌同步制造有限公司")
    listed = admin.get("/regions").json()["items"]
    regions, paths = {r["code"] for r in listed}, region_paths(listed)

    # order-service, deployed now on an empty database
    with postgres_database("xyd_e2e_late_order") as url:
        flask(platform, "order_service", "ORDER_DATABASE_URL", url, "migrate-locked")
        output = flask(platform, "order_service", "ORDER_DATABASE_URL", url, "sync-reference-data")
        assert "institutions loaded" in output and "products loaded" in output and "users loaded" in output, output
        assert {r[0] for r in rows(url, "SELECT code FROM regions")} == regions
        assert dict(rows(url, "SELECT code, path FROM regions")) == paths
        assert rows(url, "SELECT name, status FROM institutions WHERE id = %s", institution["id"]) == [
            (institution["name"], "active")]
        assert rows(url, "SELECT name, status, institution_id, repayment_methods FROM products WHERE id = %s",
                    product["id"]) == [(product["name"], "active", institution["id"], product["repayment_methods"])]
        assert rows(url, "SELECT user_id, enterprise_name FROM enterprise_owners WHERE uscc = %s",
                    user["enterprise_uscc"]) == [(user["id"], "许昌同步制造有限公司")]
        # Again: nothing doubles, nothing newer is overwritten by an older answer.
        flask(platform, "order_service", "ORDER_DATABASE_URL", url, "sync-reference-data")
        assert rows(url, "SELECT count(*) FROM products WHERE id = %s", product["id"]) == [(1,)]

    # notification-service: users (with the verified owner) and regions
    with postgres_database("xyd_e2e_late_notification") as url:
        flask(platform, "notification_service", "NOTIFICATION_DATABASE_URL", url, "migrate-locked")
        flask(platform, "notification_service", "NOTIFICATION_DATABASE_URL", url, "sync-reference-data")
        assert {r[0] for r in rows(url, "SELECT code FROM regions")} == regions
        assert rows(url, "SELECT role, verified_uscc FROM users WHERE id = %s", user["id"]) == [
            ("enterprise", user["enterprise_uscc"])]
        assert rows(url, "SELECT count(*) FROM users WHERE institution_id = %s", institution["id"]) == [(1,)]

    # product-service and credit-service: the same command
    with postgres_database("xyd_e2e_late_product") as url:
        flask(platform, "product_service", "PRODUCT_DATABASE_URL", url, "migrate-locked")
        flask(platform, "product_service", "PRODUCT_DATABASE_URL", url, "sync-reference-data")
        assert rows(url, "SELECT name FROM institutions WHERE id = %s", institution["id"]) == [(institution["name"],)]
    with postgres_database("xyd_e2e_late_credit") as url:
        flask(platform, "credit_service", "CREDIT_DATABASE_URL", url, "migrate-locked")
        flask(platform, "credit_service", "CREDIT_DATABASE_URL", url, "sync-reference-data")
        assert {r[0] for r in rows(url, "SELECT code FROM regions")} == regions
