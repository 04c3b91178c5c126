"""Operator commands of credit-service."""

import json
from pathlib import Path

import click

from xyd_common.reference import register_sync_command

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"


def collect_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """(file, kind) to import, enterprises first: CSV files named after their kind, JSON batch files.
    A directory contributes the CSV and JSON files directly in it."""
    from .imports import KINDS, kind_of_file

    found = []
    for path in paths:
        candidates = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".json")) \
            if path.is_dir() else [path]
        for file in candidates:
            if file.suffix.lower() == ".json":
                found.append((file, "batch"))
                continue
            kind = kind_of_file(file.name)
            if kind is None:
                raise click.ClickException(f"{file}: cannot tell what it holds; name it after its kind "
                                           f"({', '.join(KINDS)}), e.g. enterprises.csv")
            found.append((file, kind))
    order = {kind: i for i, kind in enumerate(("batch", *KINDS))}
    return sorted(found, key=lambda item: order[item[1]])


def read_rows(file: Path, kind: str) -> tuple[dict[str, list], list[str]]:
    """{kind: [Row]} of one file, and the problems that kept (part of) it from being read."""
    from .imports import KINDS, CsvError, Row, csv_rows, decode

    raw = file.read_bytes()
    if kind == "batch":
        try:
            batch = json.loads(decode(raw))
        except (ValueError, CsvError) as exc:
            return {}, [f"not a JSON batch: {exc}"]
        if not isinstance(batch, dict) or set(batch) - set(KINDS):
            return {}, [f"a JSON batch is an object with the keys {', '.join(KINDS)}"]
        return {k: [Row(i, data) for i, data in enumerate(batch.get(k) or [])] for k in KINDS}, []
    try:
        return {kind: list(csv_rows(kind, decode(raw)))}, []
    except CsvError as exc:
        return {}, [str(exc)]


def import_files(paths: list[Path]) -> tuple[int, int]:
    """Import the files with a progress bar, committing as it goes; returns (rows imported, rows with
    errors), each error printed with its file and row."""
    from .imports import KINDS, Importer

    plan = []
    problems = 0
    for file, kind in collect_files(paths):
        rows, errors = read_rows(file, kind)
        for message in errors:
            click.echo(f"{file.name}: {message}", err=True)
            problems += 1
        if rows:
            plan.append((file, rows))
    total = sum(len(r) for _, rows in plan for r in rows.values())
    imported = 0
    # click draws the bar on a terminal only; in logs it is a single line.
    with click.progressbar(length=total, label="导入信用数据", show_pos=True) as bar:
        for file, rows in plan:
            importer = Importer(commit_every_chunk=True, progress=bar.update)
            for kind in KINDS:
                if kind in rows:
                    importer.add(kind, rows[kind])
            report = importer.finish()
            imported += sum(report.imported.values())
            for error in report.errors:
                where = f"line {error['line']}" if error.get("line") else f"{error['kind']}[{error['index']}]"
                click.echo(f"\n{file.name} {where}: {error['message']}", err=True)
                problems += 1
    return imported, problems


def register_cli(app):
    @app.cli.command("import-credit")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
    def import_credit(paths):
        """Import credit data from CSV files (enterprises.csv, records.csv, whitelist.csv,
        risk_flags.csv; see docs/credit-imports.md), JSON batch files, or directories of them.

        Valid rows are imported and committed as the import goes; bad rows are listed with their file
        and line, and make the command exit with status 1."""
        imported, problems = import_files(list(paths))
        click.echo(f"credit-service: {imported} rows imported, {problems} errors")
        if problems:
            raise SystemExit(1)

    @app.cli.command("load-sample-data")
    def load_sample_data():
        """Import the sample data set of 许昌 (credit-service/sample_data): enterprises, credit records,
        whitelist entries and risk flags. Safe to run again."""
        imported, problems = import_files([SAMPLE_DATA])
        click.echo(f"credit-service: sample data loaded ({imported} rows, {problems} errors)")
        if problems:
            raise SystemExit(1)

    from .reference import sync_reference_data

    register_sync_command(app, sync_reference_data)

    @app.cli.command("refresh-credit-states")
    @click.option("--once", is_flag=True, help="Refresh once and exit (for cron) instead of looping.")
    @click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="with --once: the China date to judge by (default today); to catch up a missed run")
    def refresh_credit_states(once, day):
        """Announce what changes with the date, every CREDIT_STATE_REFRESH_SECONDS: whitelist entries
        that start or expire (credit.whitelist_changed), records whose publication period ended or that
        were repaired, so that their flags stop counting (credit.risk_changed). Only changes are
        announced, so running it often costs little; it must run at least daily."""
        from xyd_common.processes import run_periodic

        from .monitoring import refresh_daily_states

        def refresh_daily_credit_states() -> None:
            changed = refresh_daily_states(day.date() if day else None)
            click.echo(f"credit-service: whitelist or risk state changed for {changed} enterprises")

        run_periodic(app, refresh_daily_credit_states, "CREDIT_STATE_REFRESH_SECONDS", once or day is not None)
