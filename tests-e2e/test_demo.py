"""`make demo` against a fresh platform first started with DEMO_DATA=true (a platform of this module's
own): every kind of user it promises can log in and sees what the demo set up (an enterprise with a
credit record and a whitelist tag, orders in different states, government users of 许昌市 and 魏都区),
and the government dashboard's statistics cover a year and every district of 许昌. The seed commands
refuse a database without the demo marker."""

import os
import re
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from api_client import Api
from harness import ADMIN_PASSWORD, ADMIN_PHONE, BIN, ROOT, running_platform

from xyd_testing.helpers import postgres_database

DEMO_PASSWORD = "Xuchang2026demo"
DISTRICTS = {"411002", "411003", "411024", "411025", "411081", "411082"}


@pytest.fixture(scope="module")
def platform():
    """A platform of its own, first started with DEMO_DATA=true (the suite's shared one is not a demo)."""
    with tempfile.TemporaryDirectory(prefix="xyd-e2e-demo-") as workdir:
        with running_platform(Path(workdir), settings={"DEMO_DATA": "true"}) as running:
            yield running


@pytest.fixture(scope="module")
def demo_output(platform):
    # A smaller year than `make demo`'s (240 enterprises, 40 orders a month): the same shape, quicker.
    env = {**platform.env, "BOOTSTRAP_ADMIN_PHONE": ADMIN_PHONE, "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "DEMO_PASSWORD": DEMO_PASSWORD, "DEMO_ENTERPRISES": "120", "DEMO_ORDERS_PER_MONTH": "20"}
    result = subprocess.run([str(BIN / "python"), "scripts/demo.py"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_government_dashboard_spans_a_year_and_every_district(platform, demo_output):
    """As the dashboard asks (DashboardView.vue): over time by month, and per district."""
    government = Api(platform.gateway)
    government.login("13937400201", DEMO_PASSWORD)
    today = date.today()
    window = {"from": (today - timedelta(days=400)).isoformat(), "to": today.isoformat()}
    months = government.get("/orders/stats", params={**window, "group_by": "month"})
    assert months.status_code == 200, months.text
    busy = [group["key"] for group in months.json()["groups"] if group["total"]]
    assert len(busy) >= 12, busy
    regions = government.get("/orders/stats", params={**window, "group_by": "region"}).json()
    assert DISTRICTS <= {group["key"] for group in regions["groups"] if group["total"]}, regions["groups"]
    by_status = months.json()["by_status"]
    assert by_status["disbursed"] > by_status["terminated"] > 0 and by_status["submitted"], by_status
    assert months.json()["overdue"] > 0
    # A second run adds nothing: the history is there once.
    again = subprocess.run([str(BIN / "flask"), "--app", "order_service", "seed-demo-history"], cwd=ROOT,
                           env=platform.env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "已存在" in again.stdout, again.stdout + again.stderr


def test_the_loans_of_the_year_have_a_shape(platform, demo_output):
    """贷款监测: loans disbursed over the year, most repaid as due, a few overdue and one or two non-performing."""
    government = Api(platform.gateway)
    government.login("13937400201", DEMO_PASSWORD)
    stats = government.get("/loans/stats", params={"group_by": "month"})
    assert stats.status_code == 200, stats.text
    figures = stats.json()
    assert figures["loans"] >= 20 and len([g for g in figures["groups"] if g["loans"]]) >= 10, figures
    assert 0 < figures["overdue_outstanding"] and 0 < figures["npl_outstanding"] < figures["outstanding"], figures
    funds = government.get("/funds").json()["items"]
    assert "许昌市普惠小微风险补偿资金池" in {fund["name"] for fund in funds}
    programs = government.get("/subsidy-programs").json()["items"]
    assert "许昌市小微企业首贷贴息" in {program["name"] for program in programs}
    titles = {policy["title"] for policy in Api(platform.gateway).get("/policies").json()["items"]}
    assert {"许昌市支持小微企业融资若干措施", "许昌市发制品产业链金融服务指引"} <= titles


def test_a_seed_command_refuses_a_database_without_the_demo_marker(platform):
    """A database first migrated without DEMO_DATA=true: seed-demo-history exits 3 and writes nothing."""
    with postgres_database("xyd_e2e_nodemo") as url:
        env = {**{k: v for k, v in platform.env.items() if k != "DEMO_DATA"}, "ORDER_DATABASE_URL": url}
        migrated = subprocess.run([str(BIN / "flask"), "--app", "order_service", "migrate-locked"], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        refused = subprocess.run([str(BIN / "flask"), "--app", "order_service", "seed-demo-history"], cwd=ROOT,
                                 env={**env, "DEMO_DATA": "true"}, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 3, refused.stdout + refused.stderr
        assert "DEMO_DATA=true" in refused.stderr and "refusing" in refused.stderr


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
