"""`make run`: local settings and secrets, broker check, migrations, then every process in the
foreground (honcho) until Ctrl-C."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from procfile import ROOT, SERVICES

VAR = ROOT / "var"
BIN = Path(sys.executable).parent


def load_dev_secrets() -> dict[str, str]:
    """Secrets of a local run, generated once and kept under var/ (never committed)."""
    from cryptography.fernet import Fernet

    VAR.mkdir(exist_ok=True)
    key_file = VAR / "jwt-private.pem"
    if not key_file.exists():
        from auth_service.signing import generate_key_file

        generate_key_file(key_file)
    env_file = VAR / "dev-secrets.env"
    values = {}
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            name, _, value = line.partition("=")
            values[name] = value
    values.setdefault("SMS_EVENT_KEY", Fernet.generate_key().decode())
    values.setdefault("WEBHOOK_SECRET_KEY", Fernet.generate_key().decode())
    values.setdefault("SERVICE_TOKEN_SECRET", secrets.token_urlsafe(32))
    # A local platform admin password, kept here so that `make demo` can log in as the admin too.
    values.setdefault("BOOTSTRAP_ADMIN_PASSWORD", "Admin" + secrets.token_hex(4) + "9")
    env_file.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    env_file.chmod(0o600)
    return {"JWT_PRIVATE_KEY_FILE": str(key_file), **values}


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "localhost", parsed.port or default_port), 2):
            return True
    except OSError:
        return False


def main() -> int:
    env = dict(os.environ)
    env.setdefault("XYD_VAR_DIR", str(VAR))
    env.setdefault("SMS_PROVIDER", "console")
    # The one place (with docker-compose.dev.yml) that allows console SMS: notification-service refuses
    # it otherwise.
    env.setdefault("DEVELOPMENT_MODE", "true")
    env.setdefault("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
    # One developer, the web console, scripts and `make demo` all sign in from 127.0.0.1.
    env.setdefault("RATE_LIMIT_AUTH", "600/minute")
    # One gunicorn process per web service (8 threads each) is plenty for one machine's users and halves
    # the platform's memory (each process holds its own Flask and SQLAlchemy, ~70 MB); Compose and
    # Kubernetes keep 2 per replica.
    env.setdefault("WEB_CONCURRENCY", "1")
    for name, value in load_dev_secrets().items():
        env.setdefault(name, value)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"

    amqp = env.setdefault("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")
    if not reachable(amqp, 5672):
        print(f"\n无法连接 RabbitMQ（{urlparse(amqp).hostname}:{urlparse(amqp).port or 5672}）。"
              "The platform needs a RabbitMQ broker. Start one, e.g.\n"
              "  rabbitmq-server -detached            (installed locally), or\n"
              "  docker run -d -p 5672:5672 rabbitmq:3.10-alpine\n"
              "or point AMQP_URL at yours, then run `make run` again.\n", file=sys.stderr)
        return 1
    redis_url = env.setdefault("REDIS_URL", "redis://localhost:6379/0")
    if not reachable(redis_url, 6379):
        print("\n无法连接 Redis。Start one (redis-server --daemonize yes) or set REDIS_URL.\n",
              file=sys.stderr)
        return 1

    for package in SERVICES:
        subprocess.run([str(BIN / "flask"), "--app", package, "migrate-locked"], env=env, check=True,
                       cwd=ROOT)
    subprocess.run([str(BIN / "flask"), "--app", "auth_service", "bootstrap-admin"], env=env, check=True,
                   cwd=ROOT)

    if env["SMS_PROVIDER"] == "console":
        print("\n" + "!" * 72 + "\n!! DEVELOPMENT MODE, never for a real platform.\n"
              "!! SMS_PROVIDER=console: no SMS leaves this machine. Codes are shown\n"
              "!! in the log and at GET /api/v1/dev/sms?phone=<phone>, for anyone to read\n" + "!" * 72)
    print(f"\nPlatform admin: {env.get('BOOTSTRAP_ADMIN_PHONE', '13800000000')} / "
          f"{env['BOOTSTRAP_ADMIN_PASSWORD']}  (local run only; kept in var/dev-secrets.env)")
    port = env.get("GATEWAY_PORT", "8080")
    print(f"\n信易贷 platform: gateway at http://127.0.0.1:{port}  (API docs: /api/docs)\n", flush=True)
    honcho = shutil.which("honcho", path=env["PATH"]) or str(BIN / "honcho")
    os.execve(honcho, [honcho, "start", "-f", str(ROOT / "Procfile"), "-d", str(ROOT)], env)


if __name__ == "__main__":
    sys.exit(main())
