"""The restore drill of deploy/backup.md, on a throw-away PostgreSQL database: back up, drop the database,
restore, and the service serves the same data again."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from xyd_common.config import sqlalchemy_url
from xyd_common.sealed import new_key
from xyd_testing.helpers import pg_admin_url, postgres_database

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup"
sys.path.insert(0, str(ROOT / "scripts"))
from procfile import SERVICES  # noqa: E402


def auth_app(url: str, tmp_path: Path):
    from auth_service import create_app
    from auth_service.signing import generate_key_file

    key_file = tmp_path / "jwt.pem"
    if not key_file.exists():
        generate_key_file(key_file)
    return create_app({
        "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(url), "JWT_PRIVATE_KEY_FILE": str(key_file),
        "SMS_EVENT_KEY": new_key(), "SERVICE_TOKEN_SECRET": "backup-drill",
        "REDIS_KEY_PREFIX": f"test-backup-{uuid.uuid4().hex[:8]}:",
    })


def served(app) -> tuple[list, int]:
    """What the service answers and holds: the public region list and its number of users."""
    from auth_service.models import User, db

    answer = app.test_client().get("/api/v1/regions")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    with app.app_context():
        users = db.session.query(User).count()
        db.engine.dispose()
    return answer.json["items"], users


def run(script: str, directory: Path, env: dict) -> str:
    result = subprocess.run(["sh", str(BACKUP / script), str(directory)], capture_output=True, text=True,
                            timeout=300, env={**os.environ, **env})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def recreate(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(pg_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@pytest.mark.timeout(300)
def test_restore_drill_brings_back_the_same_data_after_the_database_is_lost(tmp_path):
    from auth_service.models import Region, db
    from auth_service.services import bootstrap_admin

    with postgres_database("xyd_backup_drill") as url:
        app = auth_app(url, tmp_path)
        assert app.test_cli_runner().invoke(args=["migrate-locked"]).exit_code == 0
        with app.app_context():
            bootstrap_admin("13800000000", "Drill2026pass")
            db.session.add_all([Region(code="411000", name="许昌市"),
                                Region(code="411002", name="魏都区", parent_code="411000")])
            db.session.commit()
        before = served(app)
        assert len(before[0]) == 2 and before[1] == 1

        # The URL from a secret file, as deploy/make-secrets.sh writes it.
        (tmp_path / "auth_database_url").write_text(url)
        backups = tmp_path / "backup"
        out = run("backup.sh", backups, {"AUTH_DATABASE_URL_FILE": str(tmp_path / "auth_database_url")})
        assert "backed up 1 database(s)" in out
        assert (backups / "xyd_auth.dump").stat().st_size > 0

        recreate(url)  # the disaster: the database is gone, an empty one is made in its place
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT to_regclass('regions')").fetchone()[0] is None

        out = run("restore.sh", backups, {"AUTH_DATABASE_URL": url})
        assert "restored 1 database(s)" in out
        restored = auth_app(url, tmp_path)
        assert served(restored) == before
        # The schema is the migrated one: a later `migrate-locked` finds nothing to do.
        assert restored.test_cli_runner().invoke(args=["migrate-locked"]).exit_code == 0
        with restored.app_context():
            restored.extensions["sqlalchemy"].engine.dispose()


def test_the_scripts_cover_every_service_database():
    # settings.sh reads the one list of services; sourced from elsewhere, $0's directory still leads to it.
    expected = " ".join(service.short_name for service in SERVICES.values())
    listed = subprocess.run(["sh", "-c", f'. "{BACKUP}/settings.sh"; echo "$SERVICES"', str(BACKUP / "backup.sh")],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert listed == expected
    for script in ("backup.sh", "restore.sh"):
        assert "for service in $SERVICES; do" in (BACKUP / script).read_text(), script
