"""`make demo` against a running platform: every kind of user it promises can log in and sees what the
demo set up (an enterprise with a credit record and a whitelist tag, orders in different states,
government users of 许昌市 and 魏都区)."""

import os
import re
import subprocess

import pytest
from api_client import Api
from harness import ADMIN_PASSWORD, ADMIN_PHONE, BIN, ROOT

DEMO_PASSWORD = "Xuchang2026demo"


@pytest.fixture(scope="module")
def demo_output(platform):
    env = {**platform.env, "BOOTSTRAP_ADMIN_PHONE": ADMIN_PHONE, "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "DEMO_PASSWORD": DEMO_PASSWORD}
    result = subprocess.run([str(BIN / "python"), "scripts/demo.py"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_demo_prints_every_login_in_one_table(demo_output):
    table = demo_output[demo_output.index("演示账号"):]
    for role, phone in (("平台管理员", ADMIN_PHONE), ("金融机构", "13937400001"), ("政府部门", "13937400201"),
                        ("政府部门", "13937400202"), ("企业", "13937400101")):
        assert any(role in line and phone in line for line in table.splitlines()), (role, phone, table)


def test_demo_enterprise_shows_its_credit_record_whitelisted_and_its_orders_in_several_states(platform,
                                                                                             demo_output):
    enterprise = Api(platform.gateway)
    user = enterprise.login("13937400101", DEMO_PASSWORD)["user"]
    assert user["verification_status"] == "verified"
    record = enterprise.get(f"/credit/enterprises/{user['enterprise_uscc']}")
    assert record.status_code == 200, record.text
    assert record.json()["whitelisted"] is True and record.json()["records"]
    statuses = {order["status"] for order in enterprise.get("/orders").json()["items"]}
    assert {"submitted", "accepted", "credit_granted", "disbursed", "terminated"} <= statuses


@pytest.mark.parametrize("phone", ["13937400201", "13937400202"])
def test_demo_government_users_log_in_and_see_the_orders_of_their_region(platform, demo_output, phone):
    government = Api(platform.gateway)
    user = government.login(phone, DEMO_PASSWORD)["user"]
    assert user["role"] == "government" and user["must_change_password"] is False
    orders = government.get("/orders", params={"q": "许昌恒美发制品"}).json()["items"]
    assert len(orders) >= 5


def test_demo_institution_administrator_sees_its_order(platform, demo_output):
    bank = Api(platform.gateway)
    bank.login("13937400001", DEMO_PASSWORD)
    assert bank.get("/orders").json()["total"] >= 1


def test_the_first_hour_guide_runs_as_written(platform, demo_output, tmp_path):
    """docs/first-hour.md's script, run by bash against the platform `make demo` filled: it logs in,
    browses, applies and has the bank accept."""
    guide = (ROOT / "docs" / "first-hour.md").read_text(encoding="utf-8")
    script = "\n".join(re.findall(r"```sh\n(.*?)```", guide, flags=re.S))
    assert "curl" in script
    env = {**os.environ, "API": platform.gateway + "/api/v1", "PASSWORD": DEMO_PASSWORD}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "order status: accepted", result.stdout
