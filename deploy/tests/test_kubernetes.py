"""The Kubernetes manifests: both overlays render with `kubectl kustomize`, every object is valid for the
stated Kubernetes version, and the cluster runs exactly the Procfile's processes, safely.

Needs `kubectl` (1.32, with its built-in kustomize) on PATH and kubernetes-validate (installed by
`make install`); no cluster.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
sys.path.insert(0, str(KUBERNETES))
sys.path.insert(0, str(ROOT / "scripts"))
import generate  # noqa: E402
from procfile import SERVICES, one_process_per_loop, read_procfile  # noqa: E402

from xyd_common.trusted_proxies import client_address, parse_trusted_proxies  # noqa: E402

KUBERNETES_VERSION = "1.32.0"
OVERLAYS = ["single-node", "production"]
# What the cluster runs: the Procfile with each service's worker split into its loops.
PROCFILE = one_process_per_loop(read_procfile())
WEB = sorted(name for name, command in PROCFILE.items() if "--bind" in command)


def render(overlay: str) -> list[dict]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (1.32, with kustomize) must be on PATH to render the overlays"
    result = subprocess.run([kubectl, "kustomize", str(KUBERNETES / "overlays" / overlay)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


RENDERED = {overlay: render(overlay) for overlay in OVERLAYS}


def of_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def pod_spec(doc: dict) -> dict:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"]["template"]["spec"]


def workloads(docs: list[dict]) -> list[dict]:
    return [doc for doc in docs if doc["kind"] in {"Deployment", "StatefulSet", "CronJob", "Job"}]


def platform(doc: dict) -> bool:
    return doc["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "xyd"


def test_generated_files_match_the_procfile_and_the_generator():
    stale = [str(path.relative_to(ROOT)) for path, text in generate.rendered_files().items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    assert not stale, f"run `.venv/bin/python deploy/kubernetes/generate.py`; out of date: {stale}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid_for_the_stated_kubernetes_version(overlay):
    errors = []
    for doc in RENDERED[overlay]:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message} at {list(exc.path)}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_procfile_process_runs_once_with_the_procfiles_command(overlay):
    docs = RENDERED[overlay]
    runs: dict[str, list[str]] = {}
    for doc in docs:
        if doc["kind"] in {"Deployment", "CronJob"} and platform(doc):
            (container,) = pod_spec(doc)["containers"]
            assert container["command"][:2] == ["sh", "-c"], doc["metadata"]["name"]
            runs.setdefault(doc["metadata"]["name"], []).append((doc["kind"], container["command"][2]))
    assert sorted(runs) == sorted(PROCFILE)
    for name, command in PROCFILE.items():
        (kind, line), = runs[name]
        expected = f"{command} --once" if kind == "CronJob" else command
        assert line == expected, f"{name} ({kind}) runs {line!r}, the Procfile says {command!r}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_limits_and_every_long_running_one_has_probes(overlay):
    for doc in workloads(RENDERED[overlay]):
        for container in pod_spec(doc)["containers"]:
            where = f"{doc['kind']}/{doc['metadata']['name']}"
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), f"{where}: no requests"
            assert {"cpu", "memory"} <= set(resources.get("limits", {})), f"{where}: no limits"
            if doc["kind"] in {"Deployment", "StatefulSet"}:
                assert container.get("readinessProbe") and container.get("livenessProbe"), f"{where}: no probes"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_platform_pods_run_as_non_root_on_a_read_only_root_filesystem(overlay):
    for doc in workloads(RENDERED[overlay]):
        if not platform(doc):
            continue
        spec = pod_spec(doc)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] != 0
        assert spec["automountServiceAccountToken"] is False
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"]), "no writable /tmp"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_value_is_committed_and_secrets_arrive_as_files(overlay):
    docs = RENDERED[overlay]
    assert not of_kind(docs, "Secret"), "Secrets are created by the operator, never rendered from the repository"
    for path in KUBERNETES.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            assert not doc or doc.get("kind") != "Secret", path
    config = of_kind(docs, "ConfigMap")["xyd-config"]["data"]
    for key, value in config.items():
        assert not any(word in key for word in ("PASSWORD", "SECRET", "KEY")), key
        assert "@" not in value, f"{key} carries credentials"
    for doc in workloads(docs):
        if not platform(doc):
            continue
        (container,) = pod_spec(doc)["containers"]
        for variable in container.get("env", []):
            assert "valueFrom" in variable or not variable["name"].endswith(("PASSWORD", "SECRET", "_KEY")), (
                f"{doc['metadata']['name']}: {variable['name']} holds a secret in the environment")
        files = {v["name"]: v["value"] for v in container.get("env", []) if v["name"].endswith("_FILE")}
        assert files["AMQP_URL_FILE"] == "/run/secrets/amqp_url"
        signs = doc["metadata"]["name"] in generate.SIGNERS
        assert ("JWT_PRIVATE_KEY_FILE" in files) == signs, doc["metadata"]["name"]
        mounted = {item["path"] for item in next(v for v in pod_spec(doc)["volumes"] if v["name"] == "secrets")
                   ["secret"]["items"]}
        assert {value.removeprefix("/run/secrets/") for value in files.values()} <= mounted


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_http_processes_have_services_and_only_the_gateway_an_ingress(overlay):
    docs = RENDERED[overlay]
    services = of_kind(docs, "Service")
    for name in WEB:
        assert name in services, f"no Service for {name}"
    (ingress,) = of_kind(docs, "Ingress").values()
    backends = {path["backend"]["service"]["name"] for rule in ingress["spec"]["rules"]
                for path in rule["http"]["paths"]}
    assert backends == {"gateway"}
    # The gateway's metrics port is not what the Ingress serves.
    assert {path["backend"]["service"]["port"]["name"] for rule in ingress["spec"]["rules"]
            for path in rule["http"]["paths"]} == {"http"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_job_upgrades_every_service_then_bootstraps_the_admin(overlay):
    (job,) = of_kind(RENDERED[overlay], "Job").values()
    line = pod_spec(job)["containers"][0]["command"][2]
    assert line.startswith("set -e;")
    for package in SERVICES:
        assert f"flask --app {package} migrate-locked" in line
    assert line.rstrip().endswith("flask --app auth_service bootstrap-admin")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_admit_outside_traffic_to_the_gateway_only(overlay):
    policies = of_kind(RENDERED[overlay], "NetworkPolicy")
    assert policies["default-deny"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    from_outside = [p for p in policies.values() if any(
        "namespaceSelector" in peer and "ingress-nginx" in str(peer)
        for rule in p["spec"].get("ingress", []) for peer in rule.get("from", []))]
    assert [p["spec"]["podSelector"] for p in from_outside] == [
        {"matchLabels": {"app.kubernetes.io/name": "gateway"}}]


def test_production_runs_two_or_more_of_everything_spread_over_zones_with_budgets_and_autoscalers():
    docs = RENDERED["production"]
    deployments = of_kind(docs, "Deployment")
    budgets = {doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
               for doc in of_kind(docs, "PodDisruptionBudget").values()}
    scaled = {doc["spec"]["scaleTargetRef"]["name"]: doc for doc in of_kind(docs, "HorizontalPodAutoscaler").values()}
    assert deployments
    for name, doc in deployments.items():
        assert doc["spec"]["replicas"] >= 2, name
        assert name in budgets, f"{name} has no PodDisruptionBudget"
        keys = {c["topologyKey"] for c in pod_spec(doc).get("topologySpreadConstraints", [])}
        assert "topology.kubernetes.io/zone" in keys, f"{name} is not spread over zones"
    assert sorted(scaled) == WEB
    assert all(doc["spec"]["minReplicas"] >= 2 for doc in scaled.values())
    # The data services are external in production.
    assert not of_kind(docs, "StatefulSet")


def test_single_node_runs_the_data_services_and_only_platform_pods_reach_them():
    docs = RENDERED["single-node"]
    assert sorted(of_kind(docs, "StatefulSet")) == ["postgres", "rabbitmq", "redis"]
    policy = of_kind(docs, "NetworkPolicy")["data-from-platform"]["spec"]
    assert policy["ingress"][0]["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "xyd"}}}]
    init = of_kind(docs, "ConfigMap")["postgres-init"]["data"]["10-xyd-databases.sh"]
    assert init == (ROOT / "deploy" / "postgres-init.sh").read_text(encoding="utf-8")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_trusts_the_ingress_controller_alone_and_no_setting_goes_unread(overlay):
    docs = RENDERED[overlay]
    config = of_kind(docs, "ConfigMap")
    (settings,) = [c["data"] for name, c in config.items() if name.startswith("xyd-config")]
    # One proxy in front (the ingress controller, whatever its pods' addresses), as the gateway reads it.
    assert parse_trusted_proxies(settings["TRUSTED_PROXIES"]) == 1
    assert client_address("10.42.0.7", "6.6.6.6, 198.51.100.7", 1) == "198.51.100.7"
    assert "GATEWAY_PROXY_HOPS" not in settings
    # Real SMS: console SMS (codes readable by anyone) would be refused without development mode anyway.
    assert settings["SMS_PROVIDER"] == "http" and "DEVELOPMENT_MODE" not in settings
    # ... which holds only because nothing but the ingress controller reaches the gateway's port.
    policies = of_kind(docs, "NetworkPolicy")
    to_gateway = [p for p in policies.values()
                  if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == "gateway"]
    assert [[peer for rule in p["spec"]["ingress"] for peer in rule["from"]] for p in to_gateway] == [
        [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]]
    # Every platform pod takes its settings from that ConfigMap, so no process disagrees with another.
    for doc in workloads(docs):
        if platform(doc):
            (container,) = pod_spec(doc)["containers"]
            assert any(source.get("configMapRef", {}).get("name", "").startswith("xyd-config")
                       for source in container.get("envFrom", [])), doc["metadata"]["name"]
            assert "TRUSTED_PROXIES" not in {v["name"] for v in container.get("env", [])}
