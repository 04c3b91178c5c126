"""docs/configuration.md lists every setting the processes read, with the code's defaults; the README
points builders at it and at the platform's entry points."""

import re
import sys

from harness import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import settings_reference  # noqa: E402
from settings_reference import default_text, documented, settings_read  # noqa: E402

NAMED_READERS = {"gateway", "auth-service", "product-service", "order-service", "credit-service",
                 "notification-service", "gunicorn", "make run", "make demo", "Procfile"}


def test_every_setting_the_code_reads_is_documented():
    missing = sorted(set(settings_read()) - set(documented()))
    assert not missing, ("docs/configuration.md lacks settings the code reads (rows from "
                         f"scripts/settings_reference.py): {missing}")


def test_every_documented_setting_is_read_by_some_process():
    assert sorted(set(documented()) - set(settings_read())) == []


def test_documented_defaults_are_the_codes():
    rows = documented()
    wrong = {}
    for name, setting in settings_read().items():
        for default in setting.defaults:
            if default_text(default) not in rows[name]["default"]:
                wrong[name] = (default_text(default), rows[name]["default"])
    assert wrong == {}


def test_documented_readers_name_every_process_that_reads_the_setting():
    rows = documented()
    wrong = {name: sorted(setting.readers & NAMED_READERS)
             for name, setting in settings_read().items()
             if not all(reader in rows[name]["readers"] for reader in setting.readers & NAMED_READERS)}
    assert wrong == {}
    assert all(row["readers"] and row["meaning"] for row in rows.values())


def test_every_secret_setting_may_come_from_a_file_as_documented():
    text = settings_reference.DOCUMENT.read_text(encoding="utf-8")
    section = text[text.index("## Secrets from files"):text.index("## Infrastructure")]
    secrets = {name for name, setting in settings_read().items() if setting.secret}
    assert secrets and {name for name in secrets if f"`{name}`" not in section} == set()


def test_readme_links_the_reference_and_lists_the_entry_points():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/configuration.md)" in readme
    for entry in ("/health", "/ready", "/api/docs", "/api/openapi.json", "INITIAL_PASSWORD", "111111"):
        assert entry in readme, entry
    # Every relative link of the README leads to a file of the repository.
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", readme):
        assert (ROOT / target).exists(), target
