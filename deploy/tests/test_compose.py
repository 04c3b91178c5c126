"""The deployment files agree with the Procfile, the one list of services (scripts/procfile.py) and the
repository.

docker-compose.yml must run exactly the processes the root Procfile lists (the same commands `make run`
and the end-to-end tests start), the Dockerfile must ship every package, and the databases, migrations
and secrets must line up. None of this needs Docker, so these checks run anywhere:

    cd deploy && ../.venv/bin/pytest -q tests
"""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import procfile  # noqa: E402

INFRASTRUCTURE = {"postgres", "rabbitmq", "redis"}
ONE_SHOT = {"migrate"}
LONG_RUNNING_RESTART = {"always", "unless-stopped"}
PORT_VARIABLE = re.compile(r"\$\{(\w+_PORT)(?::-(\d+))?\}")
REQUIRED = r"\$\{{{name}:\?[^}}]+\}}"  # ${NAME:?message}: compose refuses to start while NAME is unset


def load_procfile() -> dict[str, str]:
    processes = {}
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        processes[name.strip()] = command.strip()
    return processes


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8").splitlines()
             if not line.lstrip().startswith("#")]
    text = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in text.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


PROCFILE = load_procfile()
WEB_PROCESSES = sorted(name for name, command in PROCFILE.items() if "--bind" in command)
PACKAGES = procfile.PACKAGES
SERVICE_PACKAGES = [service.directory for service in procfile.SERVICES.values()]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
SERVICES = COMPOSE["services"]
APP_SERVICES = sorted(set(SERVICES) - INFRASTRUCTURE)
DEV = yaml.safe_load((ROOT / "docker-compose.dev.yml").read_text(encoding="utf-8"))
INIT_SCRIPT = (ROOT / "deploy" / "postgres-init.sh").read_text(encoding="utf-8")
DOCKERFILE = dockerfile_instructions()


def container_line(service: str) -> str:
    """The shell line a compose service runs, with compose's `$$` escapes undone."""
    command = SERVICES[service]["command"]
    if isinstance(command, str):
        command = shlex.split(command)
    line = command[2] if command[:2] in (["sh", "-c"], ["/bin/sh", "-c"]) else shlex.join(command)
    return line.replace("$$", "$")


def program(line: str) -> list[str]:
    """What a command line runs: the words after `exec`, with the bind address reduced to a placeholder
    (the Procfile binds to ${BIND_HOST:-127.0.0.1}:${X_PORT:-N}; a container may spell that differently)."""
    line = line.strip().removeprefix("exec ").strip()
    line = re.sub(r"--bind[ =]\S+", "--bind HOST:PORT", line)
    return shlex.split(line)


def environment(service: str, compose: dict = COMPOSE) -> dict[str, str]:
    env = compose["services"][service].get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: None if value is None else str(value) for key, value in env.items()}


def waits_for(service: str) -> dict[str, str]:
    """Every service this one waits for at start, directly or through others, with the condition."""
    found: dict[str, str] = {}
    pending = [service]
    while pending:
        depends_on = SERVICES[pending.pop()].get("depends_on") or {}
        if isinstance(depends_on, list):
            depends_on = {name: {"condition": "service_started"} for name in depends_on}
        for name, spec in depends_on.items():
            if name not in found:
                found[name] = (spec or {}).get("condition", "service_started")
                pending.append(name)
    return found


def web_port_variable(process: str) -> tuple[str, str]:
    match = PORT_VARIABLE.search(PROCFILE[process])
    assert match, f"{process}: its Procfile line binds to no ${{..._PORT}} variable"
    return match[1], match[2]


def services_with_migrations() -> dict[str, str]:
    """{directory: importable package} for every repository directory with a migrations/ folder."""
    found = {}
    for migrations in sorted(ROOT.glob("*/migrations")):
        directory = migrations.parent
        packages = [p.name for p in directory.iterdir()
                    if (p / "__init__.py").is_file() and p.name not in {"tests", "migrations"}]
        assert len(packages) == 1, f"{directory.name}: expected one package beside migrations/, got {packages}"
        found[directory.name] = packages[0]
    return found


# ------------------------------------------------------------------ compose runs the Procfile


@pytest.mark.parametrize("process", sorted(PROCFILE))
def test_procfile_process_runs_the_same_program_in_its_compose_service(process):
    assert process in SERVICES, f"docker-compose.yml has no service for Procfile process {process!r}"
    assert program(container_line(process)) == program(PROCFILE[process])


@pytest.mark.parametrize("process", sorted(PROCFILE))
def test_container_execs_its_program_so_stop_signals_reach_it(process):
    assert container_line(process).lstrip().startswith("exec "), (
        f"{process}: without exec, sh stays PID 1 and the program never sees SIGTERM")


def test_every_compose_service_is_a_procfile_process_or_infrastructure():
    strays = set(SERVICES) - INFRASTRUCTURE - ONE_SHOT - set(PROCFILE)
    assert not strays, f"compose services that are not Procfile processes: {sorted(strays)}"
    assert INFRASTRUCTURE | ONE_SHOT <= set(SERVICES)


@pytest.mark.parametrize("process", WEB_PROCESSES)
def test_web_process_listens_on_all_interfaces_at_the_contract_port(process):
    variable, default_port = web_port_variable(process)
    env = environment(process)
    assert env.get("BIND_HOST") == "0.0.0.0", f"{process}: loopback is unreachable from other containers"
    assert env.get(variable) == default_port, f"{process}: {variable} must be the contract's port"


def test_web_processes_use_distinct_ports():
    ports = [environment(p)[web_port_variable(p)[0]] for p in WEB_PROCESSES]
    assert len(ports) == len(set(ports))


# ------------------------------------------------------------------ exposure, health, restarts


def test_only_the_gateway_publishes_a_host_port():
    publishing = sorted(name for name, spec in SERVICES.items() if spec.get("ports"))
    assert publishing == ["gateway"]
    assert not [name for name, spec in SERVICES.items() if spec.get("network_mode") == "host"]
    (mapping,) = SERVICES["gateway"]["ports"]
    assert str(mapping).endswith(":8080"), "the gateway listens on 8080 inside its container"


def test_no_service_sets_a_container_name_so_every_service_can_be_scaled():
    assert [name for name, spec in SERVICES.items() if "container_name" in spec] == []


@pytest.mark.parametrize("process", WEB_PROCESSES)
def test_web_process_has_a_healthcheck_probing_its_own_health_endpoint(process):
    healthcheck = SERVICES[process].get("healthcheck")
    assert healthcheck and not healthcheck.get("disable"), f"{process} has no healthcheck"
    probe = healthcheck["test"] if isinstance(healthcheck["test"], str) else " ".join(healthcheck["test"])
    variable, port = web_port_variable(process)
    assert "/health" in probe
    assert variable in probe or f":{port}/" in probe, f"{process}: the probe must target its own port"
    assert "curl" not in probe and "wget" not in probe, "python:3.11-slim has neither curl nor wget"


def test_every_service_waited_on_as_healthy_has_a_healthcheck():
    for name in SERVICES:
        for dependency, condition in waits_for(name).items():
            if condition == "service_healthy":
                assert SERVICES[dependency].get("healthcheck"), f"{name} waits for {dependency}'s health"


def test_every_long_running_service_restarts_unless_stopped():
    for name, spec in SERVICES.items():
        if name not in ONE_SHOT:
            assert spec.get("restart") in LONG_RUNNING_RESTART, f"{name} is not restarted when it dies"


def test_migrate_runs_once_and_is_not_restarted():
    assert SERVICES["migrate"].get("restart", "no") == "no"


# ------------------------------------------------------------------ start order


@pytest.mark.parametrize("process", sorted(PROCFILE))
def test_process_starts_after_healthy_infrastructure_and_finished_migrations(process):
    waits = waits_for(process)
    for dependency in sorted(INFRASTRUCTURE):
        assert waits.get(dependency) == "service_healthy", f"{process} must wait for healthy {dependency}"
    assert waits.get("migrate") == "service_completed_successfully", f"{process} may start on an old schema"


def test_gateway_opens_only_once_every_service_behind_it_is_healthy():
    waits = waits_for("gateway")
    for process in WEB_PROCESSES:
        if process != "gateway":
            assert waits.get(process) == "service_healthy", f"gateway does not wait for {process}"


def test_migrate_waits_for_healthy_infrastructure_and_not_for_itself():
    waits = waits_for("migrate")
    assert "migrate" not in waits
    assert all(waits.get(dependency) == "service_healthy" for dependency in INFRASTRUCTURE)


# ------------------------------------------------------------------ databases and migrations


def database_variable(service_package: str) -> str:
    return service_package.removesuffix("-service").upper().replace("-", "_") + "_DATABASE_URL"


def test_each_service_has_its_own_postgres_database_created_by_the_init_script(generated_secrets):
    names = {}
    for package in SERVICE_PACKAGES:
        variable = database_variable(package)
        url = secret_value(package, variable, generated_secrets)
        assert url.startswith("postgresql://") and "@postgres:5432/" in url, f"{variable} = {url}"
        names[package] = url.rsplit("/", 1)[1]
        assert re.search(rf"(?<![\w-]){re.escape(names[package])}(?![\w-])", INIT_SCRIPT), (
            f"deploy/postgres-init.sh does not create {names[package]}")
    assert len(set(names.values())) == len(names), f"services share a database: {names}"


def test_postgres_runs_the_init_script_on_first_start():
    mounts = [str(volume) for volume in SERVICES["postgres"].get("volumes", [])]
    assert any(m.startswith("./deploy/postgres-init.sh:/docker-entrypoint-initdb.d/") for m in mounts)


def test_every_app_container_sees_the_same_database_urls():
    # The migrate job upgrades every database; each service's processes (web, relay, consumer) read one.
    expected = {database_variable(p) + "_FILE": environment("migrate")[database_variable(p) + "_FILE"]
                for p in SERVICE_PACKAGES}
    for name in APP_SERVICES:
        env = environment(name)
        assert {v: env.get(v) for v in expected} == expected, name


def test_migrate_upgrades_every_service_that_has_migrations_then_bootstraps_the_admin():
    line = container_line("migrate")
    with_migrations = services_with_migrations()
    assert with_migrations, "the repository has no */migrations directory at all"
    positions = []
    for directory, package in with_migrations.items():
        step = f"flask --app {package} migrate-locked"
        assert step in line, f"migrate does not upgrade {directory}"
        positions.append(line.index(step))
    bootstrap = "flask --app auth_service bootstrap-admin"
    assert bootstrap in line and line.index(bootstrap) > max(positions), "the admin needs the auth schema first"
    # A failed upgrade must fail the job, or the services would start on an old schema.
    assert "set -e" in line or line.count("&&") >= len(with_migrations)


def test_migrate_upgrades_every_service_of_the_one_list():
    line = container_line("migrate")
    for package in SERVICE_PACKAGES:
        assert f"flask --app {package.replace('-', '_')} migrate-locked" in line, package


# ------------------------------------------------------------------ settings and secrets


def test_service_urls_name_the_compose_service_and_its_port():
    env = environment("gateway")
    for process in WEB_PROCESSES:
        if process == "gateway":
            continue
        variable = process.upper().replace("-", "_") + "_URL"
        _, port = web_port_variable(process)
        assert env.get(variable) == f"http://{process}:{port}", variable


def test_shared_services_are_reached_by_their_compose_names(generated_secrets):
    assert re.fullmatch(r"amqp://xyd:[0-9a-f]{48}@rabbitmq:5672/%2F",
                        secret_value("auth-service", "AMQP_URL", generated_secrets))
    assert environment("auth-service")["REDIS_URL"].startswith("redis://redis:6379/")


SECRET_SETTINGS = ["SMS_EVENT_KEY", "WEBHOOK_SECRET_KEY", "SERVICE_TOKEN_SECRET", "AMQP_URL",
                   *(database_variable(p) for p in SERVICE_PACKAGES)]


@pytest.fixture(scope="module")
def generated_secrets(tmp_path_factory) -> Path:
    """The secrets directory deploy/make-secrets.sh writes, as an operator would create it."""
    directory = tmp_path_factory.mktemp("secrets") / "xyd"
    subprocess.run(["sh", str(ROOT / "deploy" / "make-secrets.sh"), str(directory)], check=True,
                   capture_output=True)
    return directory


def mounted_secret(service: str, setting: str) -> str:
    """The Compose secret a container's `<setting>_FILE` points at, checked to be mounted there."""
    path = environment(service).get(f"{setting}_FILE") or ""
    assert path.startswith("/run/secrets/"), f"{service}: {setting}_FILE must name a mounted secret"
    name = path.removeprefix("/run/secrets/")
    mounted = [s if isinstance(s, str) else s["source"] for s in SERVICES[service].get("secrets", [])]
    assert name in mounted, f"{service} reads {setting} from {path} but does not mount secret {name}"
    return name


def secret_value(service: str, setting: str, secrets_dir: Path) -> str:
    """What the container reads for `setting` when the operator used deploy/make-secrets.sh."""
    name = mounted_secret(service, setting)
    source = COMPOSE["secrets"][name]["file"]
    assert source.endswith(f"/{name}") and re.match(REQUIRED.format(name="XYD_SECRETS_DIR"), source), source
    return (secrets_dir / name).read_text()


@pytest.mark.parametrize("variable", SECRET_SETTINGS)
def test_secret_setting_comes_from_a_mounted_secret_file_never_the_environment(variable):
    for name in APP_SERVICES:
        assert variable not in environment(name), f"{name}: {variable} is in the environment"
        mounted_secret(name, variable)


def test_no_password_or_key_sits_in_any_container_environment():
    for name in SERVICES:
        for key, value in environment(name).items():
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value or ""), f"{name}: {key} carries a password"
            # The admin's first password and the initial password are one-time values an operator may
            # pass at `up`; every standing secret comes from a file.
            one_time = {"BOOTSTRAP_ADMIN_PASSWORD", "INITIAL_PASSWORD"}
            if re.search(r"PASSWORD|SECRET|_KEY$", key) and not key.endswith("_FILE") and key not in one_time:
                assert value in (None, ""), f"{name}: {key} is set in the environment"
    assert environment("postgres")["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert "postgres_password" in SERVICES["postgres"]["secrets"]
    assert "rabbitmq_password" in SERVICES["rabbitmq"]["secrets"]
    assert "/run/secrets/rabbitmq_password" in " ".join(SERVICES["rabbitmq"]["entrypoint"])


def test_generated_secrets_are_usable_by_the_services(generated_secrets):
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    for name in ("sms_event_key", "webhook_secret_key"):
        Fernet((generated_secrets / name).read_bytes())
    load_pem_private_key((generated_secrets / "jwt_private_key").read_bytes(), password=None)
    assert len((generated_secrets / "service_token_secret").read_text()) >= 32
    for name in COMPOSE["secrets"]:
        assert (generated_secrets / name).is_file(), f"make-secrets.sh does not write {name}"


def test_sms_gateway_url_must_be_supplied_by_the_operator():
    for name in APP_SERVICES:
        assert re.fullmatch(REQUIRED.format(name="SMS_HTTP_URL"), environment(name).get("SMS_HTTP_URL") or "")


def test_production_sends_real_sms_and_blocks_private_webhooks():
    for name in APP_SERVICES:
        env = environment(name)
        assert env.get("SMS_PROVIDER") == "http", name
        assert env.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS") == "false", name
        assert "DEVELOPMENT_MODE" not in env, name  # console SMS is refused without it


def test_the_gateway_trusts_no_proxy_unless_the_operator_names_one():
    # One setting for the whole trust chain, the same in every container (only the gateway reads it).
    for name in APP_SERVICES:
        assert environment(name).get("TRUSTED_PROXIES") == "${TRUSTED_PROXIES:-}", name


def test_token_signers_mount_the_jwt_key_their_setting_points_at():
    secret_name = environment("auth-service")["JWT_PRIVATE_KEY_FILE"].removeprefix("/run/secrets/")
    assert re.match(REQUIRED.format(name="XYD_SECRETS_DIR"), COMPOSE["secrets"][secret_name]["file"])
    for name in ("auth-service", "auth-worker", "migrate"):
        mounted = [s if isinstance(s, str) else s["source"] for s in SERVICES[name].get("secrets", [])]
        assert secret_name in mounted, f"{name} cannot read JWT_PRIVATE_KEY_FILE"


def test_dev_override_switches_every_app_container_to_console_sms_and_private_webhooks():
    overridden = DEV["services"]
    assert set(overridden) == set(APP_SERVICES), "the override must cover every app container, nothing else"
    for name in overridden:
        env = environment(name, DEV)
        assert env.get("SMS_PROVIDER") == "console", name
        assert env.get("DEVELOPMENT_MODE") == "true", name
        assert env.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS") == "true", name


def test_infrastructure_images_are_the_supported_major_versions():
    assert re.fullmatch(r"postgres:15([.-].*)?", SERVICES["postgres"]["image"])
    assert re.fullmatch(r"rabbitmq:3\.10([.-].*)?", SERVICES["rabbitmq"]["image"])
    assert re.fullmatch(r"redis:7([.-].*)?", SERVICES["redis"]["image"])


def test_app_services_run_the_image_built_from_deploy_dockerfile():
    for name in APP_SERVICES:
        assert SERVICES[name]["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert SERVICES[name]["image"] == SERVICES["migrate"]["image"], name


# ------------------------------------------------------------------ the image


def copied_sources() -> set[str]:
    sources = set()
    for keyword, arguments in DOCKERFILE:
        if keyword == "COPY":
            words = [w for w in shlex.split(arguments) if not w.startswith("--")]
            sources |= {w.rstrip("/") for w in words[:-1]}
    return sources


def test_makefile_reads_the_one_list_of_services():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "SERVICES := $(shell $(PYTHON) scripts/procfile.py directories)" in text
    assert "PACKAGES := $(shell $(PYTHON) scripts/procfile.py packages)" in text
    listed = subprocess.run(["make", "-s", "-C", str(ROOT), "--eval=print-packages: ; @echo $(PACKAGES)",
                             "print-packages"], capture_output=True, text=True, check=True).stdout.split()
    assert listed == PACKAGES


def test_dockerfile_copies_every_package_of_the_one_list():
    # The packages stage picks the packages out of the build context by scripts/procfile.py; the image
    # takes their manifests first (the dependency layer) and then the packages themselves.
    run = " ".join(arguments for keyword, arguments in DOCKERFILE if keyword == "RUN" and "procfile.py" in arguments)
    assert "python scripts/procfile.py packages" in run
    from_packages = [a for k, a in DOCKERFILE if k == "COPY" and "--from=packages" in a]
    assert from_packages == ["--from=packages /manifests/ ./", "--from=packages /platform/ ./"]
    for package in PACKAGES:
        assert (ROOT / package / "pyproject.toml").is_file(), package


def test_dockerfile_installs_every_package_editable_so_migrations_resolve_beside_it():
    # auth_service.MIGRATIONS is <package dir>/../migrations: only an install that leaves the package in
    # its source directory (editable, from the copied tree) keeps that path valid.
    installs = " ".join(arguments for keyword, arguments in DOCKERFILE if keyword == "RUN" and "-e ./" in arguments)
    assert "-c constraints.txt" in installs
    assert 'for package in $(cat packages.txt); do echo "-e ./$package"; done' in installs


def test_dockerfile_ships_the_procfile_and_the_files_its_commands_read():
    configs = {m for line in PROCFILE.values() for m in re.findall(r"--config\s+(\S+)", line)}
    assert configs, "the Procfile names no gunicorn config"
    assert {"Procfile", "constraints.txt"} | configs <= copied_sources()


def test_image_is_python_3_11_slim_and_runs_as_a_non_root_user():
    # A Node stage builds the web console first; the image itself is the last stage. The base image and
    # the source of web/dist are build arguments (deploy/image_test.py builds offline); their defaults
    # are the official images, so a plain `docker build` is unchanged.
    defaults = dict(a.split("=", 1) for k, a in DOCKERFILE if k == "ARG" and "=" in a)
    stages = [re.sub(r"\$\{(\w+)\}", lambda m: defaults[m[1]], a) for k, a in DOCKERFILE if k == "FROM"]
    assert stages == ["node:22-bookworm-slim AS web-build", "web-build AS web", "python:3.11-slim AS packages",
                      "python:3.11-slim"]
    users = [a for k, a in DOCKERFILE if k == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}


def test_image_takes_only_the_built_web_console_from_the_node_stage():
    from_web = [a for k, a in DOCKERFILE if k == "COPY" and "--from=web" in a]
    assert from_web == ["--from=web /web/dist web/dist/"]


def test_image_bakes_in_no_secrets():
    secretive = re.compile(r"(KEY|SECRET|PASSWORD|TOKEN)\w*\s*=", re.IGNORECASE)
    for keyword, arguments in DOCKERFILE:
        if keyword in {"ENV", "ARG"}:
            assert not secretive.search(arguments), arguments
        if keyword in {"COPY", "ADD"}:
            assert not re.search(r"\.pem|\.env|secrets", arguments), arguments


def test_build_context_leaves_out_secrets_and_local_state_but_keeps_migrations():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    for required in (".env", "**/*.pem", ".venv/", ".git/", "var/", "**/var/"):
        assert required in patterns, f".dockerignore must exclude {required}"
    assert not [p for p in patterns if "migrations" in p]
