"""Writes deploy/kubernetes/base/ from the root Procfile: one Deployment (or CronJob) per process, with
the Procfile's command, so the cluster runs exactly what `make run`, the tests and Compose run; a
service's worker is split into its loops (`procfile.one_process_per_loop`), each scaled on its own.

    .venv/bin/python deploy/kubernetes/generate.py      # after changing the Procfile or this file

deploy/tests/test_kubernetes.py fails while the committed files differ from what this writes.
Overlays (single-node, production) are written by hand; they only patch what differs.
"""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BASE = HERE / "base"
SINGLE_NODE = HERE / "overlays" / "single-node"
PRODUCTION = HERE / "overlays" / "production"
sys.path.insert(0, str(ROOT / "scripts"))
from procfile import SERVICES, one_process_per_loop, read_procfile  # noqa: E402

IMAGE = "xyd-platform"
PART_OF = {"app.kubernetes.io/part-of": "xyd"}
SECRET = "xyd-secrets"
# Processes that sign tokens see the signing key; nobody else does.
SIGNERS = {"auth-service", "auth-relay", "auth-retention", "migrate"}
DATABASE_SECRETS = {service.database_setting: service.database_setting.lower() for service in SERVICES.values()}
APP_SECRET_FILES = ["amqp_url", *DATABASE_SECRETS.values(), "sms_event_key", "webhook_secret_key",
                    "service_token_secret"]
SECRET_SETTINGS = {
    "AMQP_URL_FILE": "amqp_url", **{f"{setting}_FILE": file for setting, file in DATABASE_SECRETS.items()},
    "SMS_EVENT_KEY_FILE": "sms_event_key",
    "WEBHOOK_SECRET_KEY_FILE": "webhook_secret_key", "SERVICE_TOKEN_SECRET_FILE": "service_token_secret",
    "JWT_PRIVATE_KEY_FILE": "jwt_private_key",
}
WEB_PORTS = {"gateway": 8080, **{service.directory: service.port for service in SERVICES.values()}}
GATEWAY_METRICS_PORT = 9090
WORKER_METRICS_PORT = 9100
# Periodic jobs that are better scheduled than looping: the CronJob runs the Procfile command + --once.
SCHEDULES = {
    "order-overdue": "* * * * *",          # ORDER_OVERDUE_CHECK_SECONDS is 60
    "order-credit-sync": "* * * * *",      # CREDIT_RECONCILE_SECONDS is 60
    "auth-retention": "7 * * * *",         # hourly, at different minutes so they do not all start together
    "product-retention": "17 * * * *",
    "order-retention": "27 * * * *",
    "credit-retention": "37 * * * *",
    "notification-retention": "47 * * * *",
    "loan-retention": "57 * * * *",
    "loan-aging": "10 * * * *",            # LOAN_AGING_CHECK_SECONDS is 3600: hourly, so a day is caught up soon
    "order-needs-expiry": "*/5 * * * *",   # NEED_EXPIRY_CHECK_SECONDS is 300
    "product-policies": "*/5 * * * *",     # POLICY_PUBLISH_CHECK_SECONDS is 300
    "credit-daily-refresh": "5 16 * * *",  # 00:05 China time: whitelist entries and publication periods
}
# Measured on the platform under the end-to-end suite and `make bench`-style load (README "Kubernetes"):
# an idle gunicorn master ~24 MB and each worker ~40-50 MB, growing to ~90 MB under load; a relay or
# consumer ~45 MB. Limits leave room for a burst; requests are what the scheduler must reserve.
WEB_RESOURCES = {"requests": {"cpu": "100m", "memory": "192Mi"}, "limits": {"cpu": "1", "memory": "384Mi"}}
WORKER_RESOURCES = {"requests": {"cpu": "20m", "memory": "80Mi"}, "limits": {"cpu": "500m", "memory": "192Mi"}}
JOB_RESOURCES = {"requests": {"cpu": "50m", "memory": "96Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}


def labels(name: str, component: str) -> dict:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component, **PART_OF}


def secret_volume(name: str) -> dict:
    files = APP_SECRET_FILES + (["jwt_private_key"] if name in SIGNERS else [])
    # 0440 with fsGroup 10001: readable by the app's group only.
    return {"name": "secrets", "secret": {"secretName": SECRET, "defaultMode": 0o440,
                                          "items": [{"key": f, "path": f} for f in files]}}


def secret_env(name: str) -> list[dict]:
    return [{"name": setting, "value": f"/run/secrets/{file}"} for setting, file in SECRET_SETTINGS.items()
            if file != "jwt_private_key" or name in SIGNERS]


def container(name: str, command: str, kind: str) -> dict:
    env = secret_env(name)
    spec = {
        "name": name,
        "image": IMAGE,
        "command": ["sh", "-c", command],
        "envFrom": [{"configMapRef": {"name": "xyd-config"}}],
        "env": env,
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "secrets", "mountPath": "/run/secrets", "readOnly": True},
                         # gunicorn's worker heartbeats and the Prometheus multiprocess files.
                         {"name": "tmp", "mountPath": "/tmp"}],
    }
    if kind == "web":
        port = WEB_PORTS[name]
        spec["ports"] = [{"name": "http", "containerPort": port}]
        env.append({"name": "PROMETHEUS_MULTIPROC_DIR", "value": "/tmp/metrics"})
        if name == "gateway":
            spec["ports"].append({"name": "metrics", "containerPort": GATEWAY_METRICS_PORT})
            env.append({"name": "GATEWAY_METRICS_PORT", "value": str(GATEWAY_METRICS_PORT)})
            # The gateway's /health asks every service: as a probe, one service down would take the
            # whole entry out. Its own process is what the probes check: the port answers.
            probe = {"tcpSocket": {"port": "http"}}
            ready = dict(probe)
        else:
            probe = {"httpGet": {"path": "/health", "port": "http"}}
            ready = {"httpGet": {"path": "/ready", "port": "http"}}
        spec["readinessProbe"] = {**ready, "periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 3}
        spec["livenessProbe"] = {**probe, "initialDelaySeconds": 10, "periodSeconds": 10, "timeoutSeconds": 5,
                                 "failureThreshold": 3}
        spec["resources"] = WEB_RESOURCES
    elif kind == "worker":
        env.append({"name": "METRICS_PORT", "value": str(WORKER_METRICS_PORT)})
        spec["ports"] = [{"name": "metrics", "containerPort": WORKER_METRICS_PORT}]
        # /health on the metrics port fails once the process's loop stops going round.
        health = {"httpGet": {"path": "/health", "port": "metrics"}}
        spec["readinessProbe"] = {**health, "periodSeconds": 10, "timeoutSeconds": 3}
        spec["livenessProbe"] = {**health, "initialDelaySeconds": 10, "periodSeconds": 20, "timeoutSeconds": 5,
                                 "failureThreshold": 3}
        spec["resources"] = WORKER_RESOURCES
    else:
        spec["resources"] = JOB_RESOURCES
    return spec


def pod_spec(name: str, command: str, kind: str, restart: str | None = None) -> dict:
    spec = {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        # gunicorn's graceful_timeout is 10 s; relays and consumers finish their current step.
        "terminationGracePeriodSeconds": 30,
        "containers": [container(name, command, kind)],
        "volumes": [secret_volume(name), {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}],
    }
    if restart:
        spec["restartPolicy"] = restart
    return spec


def scrape_annotations(name: str, kind: str) -> dict:
    """Where Prometheus finds the pod's metrics (deploy/prometheus/prometheus-kubernetes.yml)."""
    if kind == "web":
        port = GATEWAY_METRICS_PORT if name == "gateway" else WEB_PORTS[name]
    else:
        port = WORKER_METRICS_PORT
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": "/metrics"}


def deployment(name: str, command: str, kind: str) -> dict:
    component = "web" if kind == "web" else "worker"
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels(name, component)},
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            # Never below the wanted number of ready pods during a rollout.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {"metadata": {"labels": labels(name, component),
                                      "annotations": scrape_annotations(name, kind)},
                         "spec": pod_spec(name, command, kind)},
        },
    }


def cronjob(name: str, command: str) -> dict:
    return {
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": name, "labels": labels(name, "cron")},
        "spec": {
            "schedule": SCHEDULES[name],
            # A run still going when the next is due: skip the next (every job may run twice anyway).
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": 300,
            "successfulJobsHistoryLimit": 1,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {"spec": {
                "backoffLimit": 2,
                "activeDeadlineSeconds": 1800,
                "ttlSecondsAfterFinished": 3600,
                "template": {"metadata": {"labels": labels(name, "cron")},
                             "spec": pod_spec(name, f"{command} --once", "job", restart="Never")},
            }},
        },
    }


def migrate_job() -> dict:
    steps = [f"flask --app {package} migrate-locked" for package in SERVICES]
    command = "set -e; " + "; ".join(steps) + "; flask --app auth_service bootstrap-admin"
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "migrate", "labels": labels("migrate", "migrate")},
        "spec": {
            "backoffLimit": 3,
            "ttlSecondsAfterFinished": 86400,
            "template": {"metadata": {"labels": labels("migrate", "migrate")},
                         "spec": pod_spec("migrate", command, "job", restart="Never")},
        },
    }


def service(name: str) -> dict:
    ports = [{"name": "http", "port": WEB_PORTS[name], "targetPort": "http"}]
    if name == "gateway":
        ports.append({"name": "metrics", "port": GATEWAY_METRICS_PORT, "targetPort": "metrics"})
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": labels(name, "web")},
            "spec": {"selector": {"app.kubernetes.io/name": name}, "ports": ports}}


def config_map() -> dict:
    data = {
        "BIND_HOST": "0.0.0.0",
        **{f"{n.upper().replace('-', '_')}_PORT": str(p) for n, p in WEB_PORTS.items()},
        **{f"{n.upper().replace('-', '_')}_URL": f"http://{n}:{p}" for n, p in WEB_PORTS.items() if n != "gateway"},
        "REDIS_URL": "redis://redis:6379/0",
        "SMS_PROVIDER": "http",
        "SMS_HTTP_URL": "https://sms.example.invalid/send",
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "false",
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "8",
        "LOG_LEVEL": "INFO",
        # The trust chain (xyd_common.trusted_proxies): the gateway believes one proxy in front of it,
        # the ingress controller, whose pods' addresses are not known in advance but which the
        # NetworkPolicy gateway-from-ingress makes the only peer of the gateway's port; ingress-nginx
        # (use-forwarded-headers false, its default) replaces X-Forwarded-For with the client it saw.
        # Services believe only the gateway's signed X-Forwarded-For and read no setting for it.
        "TRUSTED_PROXIES": "1",
        # The address the public reaches the platform at (the Ingress host): absolute links in pages.
        "PUBLIC_BASE_URL": "https://xyd.example.invalid",
    }
    # Labelled so that `kubectl apply -l 'app.kubernetes.io/component in (config,migrate)'` applies it with
    # the migration Job, before the rollout (README).
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "xyd-config", "labels": {**PART_OF, "app.kubernetes.io/component": "config"}},
            "data": data}


def ingress() -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "gateway", "labels": labels("gateway", "web"),
                     "annotations": {"nginx.ingress.kubernetes.io/proxy-body-size": "8m"}},
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["xyd.example.invalid"], "secretName": "xyd-tls"}],
            "rules": [{"host": "xyd.example.invalid", "http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "gateway", "port": {"name": "http"}}},
            }]}}],
        },
    }


def network_policies() -> list[dict]:
    """Deny by default; the ingress controller reaches the gateway only, the gateway the services, the
    services each other; Prometheus (namespace labelled xyd-monitoring) scrapes the metrics ports."""
    platform = {"matchLabels": PART_OF}
    monitoring = {"namespaceSelector": {"matchLabels": {"xyd.example/monitoring": "true"}}}
    dns = {"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
           "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    services = [p for p in WEB_PORTS if p != "gateway"]
    return [
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "default-deny", "labels": PART_OF},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "gateway-from-ingress", "labels": PART_OF},
         "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}},
                  "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                      "kubernetes.io/metadata.name": "ingress-nginx"}}}],
                      "ports": [{"port": WEB_PORTS["gateway"]}]}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "services-from-platform", "labels": PART_OF},
         "spec": {"podSelector": {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In",
                                                        "values": services}]},
                  "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"podSelector": platform}],
                               "ports": [{"port": WEB_PORTS[s]} for s in services]}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "metrics-from-monitoring", "labels": PART_OF},
         "spec": {"podSelector": platform, "policyTypes": ["Ingress"],
                  "ingress": [{"from": [monitoring],
                               "ports": [{"port": GATEWAY_METRICS_PORT}, {"port": WORKER_METRICS_PORT},
                                         *({"port": WEB_PORTS[s]} for s in services)]}]}},
        # Platform pods may reach each other, DNS, and the data services (in-cluster in single-node, or
        # the managed endpoints of production: the overlay narrows these to their addresses).
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "platform-egress", "labels": PART_OF},
         "spec": {"podSelector": platform, "policyTypes": ["Egress"],
                  "egress": [dns, {"to": [{"podSelector": platform}]},
                             {"ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 5672},
                                        {"protocol": "TCP", "port": 5671}, {"protocol": "TCP", "port": 6379}]},
                             # Webhooks and the SMS gateway are outside the cluster, over HTTPS.
                             {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [
                                 "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]}}],
                              "ports": [{"protocol": "TCP", "port": 443}]}]}},
    ]


def documents() -> dict[str, list[dict]]:
    web, workers, cron = [], [], []
    for name, command in one_process_per_loop(read_procfile()).items():
        if name in SCHEDULES:
            cron.append(cronjob(name, command))
        elif "--bind" in command:
            web += [deployment(name, command, "web"), service(name)]
        else:
            workers.append(deployment(name, command, "worker"))
    return {"config.yaml": [config_map()], "web.yaml": web, "workers.yaml": workers, "cronjobs.yaml": cron,
            "migrate-job.yaml": [migrate_job()], "ingress.yaml": [ingress()],
            "network-policies.yaml": network_policies()}


DATA_LABELS = {"app.kubernetes.io/part-of": "xyd-data"}


def data_service(name: str, image: str, port: int, container_extra: dict, volume_path: str,
                 storage: str, probe: dict, pod_extra: dict | None = None) -> list[dict]:
    """A one-replica StatefulSet and its Service, for the single-node overlay's in-cluster data."""
    selector = {"app.kubernetes.io/name": name}
    container_spec = {
        "name": name, "image": image, "ports": [{"name": "main", "containerPort": port}],
        "volumeMounts": [{"name": "data", "mountPath": volume_path}],
        "readinessProbe": {**probe, "periodSeconds": 10, "timeoutSeconds": 5},
        "livenessProbe": {**probe, "initialDelaySeconds": 30, "periodSeconds": 20, "timeoutSeconds": 10,
                          "failureThreshold": 6},
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        "securityContext": {"allowPrivilegeEscalation": False},
        **container_extra,
    }
    return [
        {"apiVersion": "apps/v1", "kind": "StatefulSet",
         "metadata": {"name": name, "labels": {**selector, **DATA_LABELS}},
         "spec": {"serviceName": name, "replicas": 1, "selector": {"matchLabels": selector},
                  "template": {"metadata": {"labels": {**selector, **DATA_LABELS}},
                               "spec": {"automountServiceAccountToken": False, "containers": [container_spec],
                                        **(pod_extra or {})}},
                  "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                      "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": storage}}}}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {**selector, **DATA_LABELS}},
         "spec": {"selector": selector, "ports": [{"name": "main", "port": port, "targetPort": "main"}]}},
    ]


def data_services() -> list[dict]:
    """PostgreSQL (the databases from deploy/postgres-init.sh), RabbitMQ and Redis for a small cluster;
    their passwords come from the same Secret as the platform's URLs."""
    secret_file = {"name": "secrets", "secret": {"secretName": SECRET, "items": [
        {"key": "postgres_password", "path": "postgres_password"},
        {"key": "rabbitmq_password", "path": "rabbitmq_password"}]}}
    mount = {"name": "secrets", "mountPath": "/run/secrets", "readOnly": True}
    init_script = (ROOT / "deploy" / "postgres-init.sh").read_text(encoding="utf-8")
    postgres = data_service(
        "postgres", "postgres:15", 5432,
        {"env": [{"name": "POSTGRES_USER", "value": "xyd"}, {"name": "POSTGRES_DB", "value": "postgres"},
                 {"name": "POSTGRES_PASSWORD_FILE", "value": "/run/secrets/postgres_password"},
                 {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}],
         "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}, mount,
                          {"name": "init", "mountPath": "/docker-entrypoint-initdb.d", "readOnly": True}]},
        "/var/lib/postgresql/data", "20Gi",
        {"exec": {"command": ["pg_isready", "-h", "127.0.0.1", "-U", "xyd", "-d", "postgres"]}},
        {"volumes": [secret_file, {"name": "init", "configMap": {"name": "postgres-init"}}]})
    rabbitmq = data_service(
        "rabbitmq", "rabbitmq:3.10-management-alpine", 5672,
        {"command": ["sh", "-c", 'RABBITMQ_DEFAULT_PASS="$(cat /run/secrets/rabbitmq_password)" '
                                 "exec docker-entrypoint.sh rabbitmq-server"],
         "env": [{"name": "RABBITMQ_DEFAULT_USER", "value": "xyd"}],
         "volumeMounts": [{"name": "data", "mountPath": "/var/lib/rabbitmq"}, mount]},
        "/var/lib/rabbitmq", "5Gi",
        {"exec": {"command": ["rabbitmq-diagnostics", "-q", "check_port_connectivity"]}},
        {"volumes": [secret_file], "hostname": "rabbitmq"})
    redis = data_service(
        "redis", "redis:7-alpine", 6379,
        # Append-only: revoked sessions must survive a restart (see docker-compose.yml).
        {"command": ["redis-server", "--appendonly", "yes"]},
        "/data", "1Gi", {"exec": {"command": ["redis-cli", "ping"]}})
    init = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "postgres-init", "labels": DATA_LABELS},
            "data": {"10-xyd-databases.sh": init_script}}
    # Only the platform's pods reach the data services.
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "data-from-platform", "labels": DATA_LABELS},
              "spec": {"podSelector": {"matchLabels": DATA_LABELS}, "policyTypes": ["Ingress"],
                       "ingress": [{"from": [{"podSelector": {"matchLabels": PART_OF}}],
                                    "ports": [{"port": 5432}, {"port": 5672}, {"port": 6379}]}]}}
    return [init, *postgres, *rabbitmq, *redis, policy]


def production_scaling() -> list[dict]:
    """A PodDisruptionBudget for every Deployment, a HorizontalPodAutoscaler for the gateway and the
    HTTP services."""
    docs = []
    for name, command in one_process_per_loop(read_procfile()).items():
        if name in SCHEDULES:
            continue
        selector = {"matchLabels": {"app.kubernetes.io/name": name}}
        docs.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                     "metadata": {"name": name, "labels": PART_OF},
                     "spec": {"minAvailable": 1, "selector": selector}})
        if "--bind" in command:
            docs.append({
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": name, "labels": PART_OF},
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                         "minReplicas": 2, "maxReplicas": 10 if name == "gateway" else 6,
                         "metrics": [{"type": "Resource", "resource": {
                             "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
                         # Scale down slowly: a burst of applications at 9:00 comes in waves.
                         "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}},
            })
    return docs


HEADER = "# Written by deploy/kubernetes/generate.py from the root Procfile; edit that, not this file.\n"


def render() -> dict[str, str]:
    files = {name: dump(docs) for name, docs in documents().items()}
    files["kustomization.yaml"] = HEADER + yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "labels": [{"pairs": PART_OF, "includeSelectors": False}],
        "resources": sorted(name for name in files),
        "images": [{"name": IMAGE, "newName": "registry.example.invalid/xyd-platform", "newTag": "latest"}],
    }, sort_keys=False)
    return files


def dump(docs: list[dict]) -> str:
    return HEADER + yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True, width=120)


def rendered_files() -> dict[Path, str]:
    """Every file this script owns, by path, with its content."""
    files = {BASE / name: text for name, text in render().items()}
    files[SINGLE_NODE / "data-services.yaml"] = dump(data_services())
    files[PRODUCTION / "scaling.yaml"] = dump(production_scaling())
    return files


def main() -> None:
    for stale in BASE.glob("*.yaml"):
        stale.unlink()
    for path, text in rendered_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(rendered_files())} files under {HERE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

