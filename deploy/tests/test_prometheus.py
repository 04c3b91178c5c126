"""deploy/prometheus: the alert rules, the dashboard and the scrape configurations agree with the series
the code exports and with the ports the Procfile, Compose and Kubernetes use. No Prometheus needed."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "deploy" / "kubernetes"))
import generate  # noqa: E402
from procfile import read_procfile  # noqa: E402

ALERTS = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text(encoding="utf-8"))
DASHBOARD = json.loads((PROMETHEUS / "grafana-dashboard.json").read_text(encoding="utf-8"))
COMPOSE_SCRAPE = yaml.safe_load((PROMETHEUS / "prometheus-compose.yml").read_text(encoding="utf-8"))
KUBERNETES_SCRAPE = yaml.safe_load((PROMETHEUS / "prometheus-kubernetes.yml").read_text(encoding="utf-8"))
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
PROCFILE = read_procfile()


def exported_series() -> set[str]:
    """Every series name the platform exports: the prometheus_client metrics (with the sample suffixes
    of their type) and the gauges computed at scrape time."""
    from prometheus_client.metrics import MetricWrapperBase

    from xyd_common import metrics

    names = set()
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(family.type, [""])
                names |= {family.name + suffix for suffix in suffixes}
    for source in ROOT.glob("*/*/**/*.py"):
        if ".venv" not in source.parts and "tests" not in source.parts:
            names |= set(re.findall(r'"(xyd_[a-z_]+)": \(', source.read_text(encoding="utf-8")))
    return names


SERIES = exported_series()


def referenced(expr: str) -> set[str]:
    return set(re.findall(r"\b(xyd_[a-z_]+)\b", expr))


def alert_rules() -> list[dict]:
    return [rule for group in ALERTS["groups"] for rule in group["rules"]]


def test_the_scrape_time_gauges_are_found():
    assert {"xyd_outbox_pending", "xyd_outbox_oldest_pending_age_seconds", "xyd_dead_letter_messages",
            "xyd_webhook_deliveries_pending", "xyd_http_requests_total"} <= SERIES


def test_every_alert_rule_is_complete_and_names_only_exported_series():
    rules = alert_rules()
    assert len({rule["alert"] for rule in rules}) == len(rules), "alert names must be unique"
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s")), rule["alert"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
        unknown = referenced(rule["expr"]) - SERIES
        assert not unknown, f"{rule['alert']} names series nobody exports: {unknown}"


def test_the_alerts_the_operators_asked_for_exist():
    exprs = {rule["alert"]: rule["expr"] for rule in alert_rules()}
    wanted = {
        "outbox backlog older than a minute": lambda e: "xyd_outbox_oldest_pending_age_seconds" in e and "60" in e,
        "any dead-lettered message": lambda e: "xyd_dead_letter_messages" in e and "> 0" in e,
        "webhook failures climbing": lambda e: "xyd_webhook_deliveries_total" in e,
        "5xx ratio": lambda e: 'status=~"5.."' in e,
        "p99 latency": lambda e: "histogram_quantile(0.99" in e,
        "a service down": lambda e: "up{" in e and "== 0" in e,
    }
    for what, matches in wanted.items():
        assert any(matches(expr) for expr in exprs.values()), f"no alert for {what}"


# The one skip the suites allow: a tool this machine may not have (no Prometheus here); the rules' shape
# is checked above either way.
@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Prometheus) is not installed on this machine")
def test_promtool_accepts_the_rules():
    result = subprocess.run(["promtool", "check", "rules", str(PROMETHEUS / "alerts.yml")], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_panels_query_exported_series():
    assert DASHBOARD["uid"] and DASHBOARD["title"]
    targets = [target for panel in DASHBOARD["panels"] for target in panel["targets"]]
    assert len(targets) >= 10
    for target in targets:
        assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]
        unknown = referenced(target["expr"]) - SERIES
        assert not unknown, f"dashboard queries series nobody exports: {unknown}"


def scrape_targets(job: str) -> dict[str, int]:
    (config,) = [c for c in COMPOSE_SCRAPE["scrape_configs"] if c["job_name"] == job]
    return {name: sd["port"] for sd in config["dns_sd_configs"] for name in sd["names"]}


def test_compose_scrape_config_covers_every_process_on_its_metrics_port():
    env = COMPOSE["x-app-environment"]
    assert scrape_targets("xyd-gateway") == {"gateway": int(env["GATEWAY_METRICS_PORT"])}
    assert int(env["GATEWAY_METRICS_PORT"]) != int(env["GATEWAY_PORT"])
    web = {name for name, command in PROCFILE.items() if "--bind" in command} - {"gateway"}
    services = scrape_targets("xyd-services")
    assert set(services) == web
    for name, port in services.items():
        assert str(port) in PROCFILE[name], f"{name} is scraped on {port}, not its own port"
    workers = scrape_targets("xyd-workers")
    assert set(workers) == set(PROCFILE) - web - {"gateway"}
    assert set(workers.values()) == {int(env["METRICS_PORT"])}


@pytest.mark.parametrize("process", sorted(name for name, command in PROCFILE.items() if "--bind" not in command))
def test_compose_worker_has_a_healthcheck_on_its_metrics_port(process):
    healthcheck = COMPOSE["services"][process].get("healthcheck")
    assert healthcheck, f"{process} has no healthcheck"
    probe = " ".join(healthcheck["test"])
    assert "METRICS_PORT" in probe and "/health" in probe


def test_kubernetes_pods_carry_the_annotations_the_scrape_config_reads():
    relabels = KUBERNETES_SCRAPE["scrape_configs"][0]["relabel_configs"]
    read = {label for rule in relabels for label in rule.get("source_labels", [])}
    for annotation in ("prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path"):
        meta = "__meta_kubernetes_pod_annotation_" + re.sub(r"[^a-z0-9]", "_", annotation)
        assert meta in read, annotation
    for name, command in PROCFILE.items():
        if name in generate.SCHEDULES:
            continue
        kind = "web" if "--bind" in command else "worker"
        annotations = generate.scrape_annotations(name, kind)
        assert annotations["prometheus.io/scrape"] == "true"
        if name == "gateway":
            assert annotations["prometheus.io/port"] == str(generate.GATEWAY_METRICS_PORT)
