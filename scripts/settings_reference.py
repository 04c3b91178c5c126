"""Every setting the platform's processes read from the environment, found in the code itself, for
docs/configuration.md and the test that keeps that document complete (tests-e2e/test_configuration_reference.py).

Found: calls of the settings helpers (`env_str`, `env_int`, `env_float`, `env_bool`, `env_secret` of
xyd_common.config) and of `os.environ` / `os.getenv` with a literal name; the settings tables that name
settings in data (the gateway's service URLs and rate limits, the services' databases); `${NAME:-default}`
in the Procfile. Tests, benchmarks and test helpers are left out: they are not processes of the platform.

    .venv/bin/python scripts/settings_reference.py   # print a table row for every setting the document lacks
"""

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from procfile import SERVICES  # noqa: E402

DOCUMENT = ROOT / "docs" / "configuration.md"

# Where code lives, and who reads what is found there ("shared library": whichever process uses it).
SOURCES = {
    "common/xyd_common": "shared library",
    **{f"{service.directory}/{package}": service.directory for package, service in SERVICES.items()},
    "gateway/xyd_gateway": "gateway",
    "deploy/gunicorn.conf.py": "gunicorn",
    "scripts/run.py": "make run",
    "scripts/demo.py": "make demo",
    "scripts/build_web.py": "make run",
}
HELPERS = {"env_str", "env_int", "env_float", "env_bool", "env_secret"}


@dataclass
class Setting:
    name: str
    readers: set[str] = field(default_factory=set)
    defaults: set = field(default_factory=set)
    secret: bool = False


def _python_files():
    for source, reader in SOURCES.items():
        path = ROOT / source
        for file in ([path] if path.is_file() else sorted(path.rglob("*.py"))):
            yield file, reader


def _name_and_default(node: ast.AST):
    """(name, default or None, helper) for a settings read in `node`, else None."""
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str) and re.fullmatch(r"[A-Z][A-Z0-9_]+", node.args[0].value):
        func = node.func
        called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        target = ast.unparse(func)
        if called in HELPERS or target in {"os.environ.get", "os.getenv"}:
            default = None
            if len(node.args) > 1:
                try:
                    default = ast.literal_eval(node.args[1])
                except ValueError:
                    default = None  # an expression (1024 * 1024, a constant): not checked
            return node.args[0].value, default, called
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" \
            and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value, None, "environ"
    return None


def settings_read() -> dict[str, Setting]:
    found: dict[str, Setting] = {}

    def add(name, reader, default=None, secret=False):
        setting = found.setdefault(name, Setting(name))
        setting.readers.add(reader)
        if default not in (None, ""):
            setting.defaults.add(default)
        setting.secret |= secret

    for file, reader in _python_files():
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            read = _name_and_default(node)
            if read:
                name, default, helper = read
                add(name, reader, default, helper == "env_secret")

    # Settings named in data rather than in a call.
    from xyd_gateway.config import SERVICE_URL_SETTINGS
    from xyd_gateway.ratelimit import LIMIT_SETTINGS

    for setting, default in SERVICE_URL_SETTINGS.values():
        add(setting, "gateway", default)
    for setting, default in LIMIT_SETTINGS.values():
        add(setting, "gateway", default)
    for directory, setting, _ in SERVICES.values():
        add(setting, directory, secret=True)  # xyd_common.config.database_url reads it with env_secret
    for name, default in re.findall(r"\$\{([A-Z_0-9]+):-([^}]*)\}", (ROOT / "Procfile").read_text(encoding="utf-8")):
        add(name, "Procfile", default)
    return found


def documented() -> dict[str, dict]:
    """Rows of docs/configuration.md's tables: name -> {default, readers, meaning}."""
    rows = {}
    for line in DOCUMENT.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]  # `\|` inside a cell
        if len(cells) == 4 and re.fullmatch(r"`[A-Z][A-Z0-9_]+`", cells[0]):
            rows[cells[0].strip("`")] = {"default": cells[1], "readers": cells[2], "meaning": cells[3]}
    return rows


def default_text(value) -> str:
    """How a default is written in the document."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def main() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    rows = documented() if DOCUMENT.exists() else {}
    for name, setting in sorted(settings_read().items()):
        if name not in rows:
            defaults = ", ".join(default_text(d) for d in sorted(setting.defaults, key=str)) or "unset"
            print(f"| `{name}` | {defaults} | {', '.join(sorted(setting.readers))} | |")


if __name__ == "__main__":
    main()
