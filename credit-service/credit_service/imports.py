"""Importing credit data (`POST /credit/imports`, `flask import-credit`, `flask load-sample-data`).

Four kinds of rows, each upserted by the contract's key:

    enterprises  uscc
    records      (uscc, category, title, decided_on)
    whitelist    (uscc, batch)
    risk_flags   (uscc, indicator, source)

Every row is checked on its own: a bad row is reported as `{kind, index, message}` (index counted from
0 within its kind) and the good rows are imported all the same. Enterprises are imported first, so the
other kinds may refer to an enterprise of the same batch. A row equal to what is stored changes nothing;
only enterprises whose flags or whitelist entries really changed are re-assessed, so importing the same
batch twice records no event the second time.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import marshmallow as ma
from sqlalchemy import select, text, tuple_

from xyd_common.events.outbox import utcnow

from .disclosure import default_publish_until
from .models import CreditRecord, Enterprise, RiskFlag, WhitelistEntry, db
from .monitoring import china_today, refresh_enterprise
from .reference import is_within
from .risk import NONE
from .schemas import EnterpriseRow, RecordRow, RiskFlagRow, WhitelistRow

KINDS = ("enterprises", "records", "whitelist", "risk_flags")
KIND_LABELS = {"enterprises": "企业", "records": "信用记录", "whitelist": "白名单", "risk_flags": "风险标记"}
ROW_SCHEMAS = {"enterprises": EnterpriseRow(), "records": RecordRow(), "whitelist": WhitelistRow(),
               "risk_flags": RiskFlagRow()}

# The columns of each kind: (field, Chinese header). A CSV header may use either name.
COLUMNS = {
    "enterprises": (("uscc", "统一社会信用代码"), ("name", "企业名称"), ("legal_representative", "法定代表人"),
                    ("registered_capital", "注册资本（万元）"), ("established_on", "成立日期"),
                    ("status", "登记状态"), ("industry", "行业"), ("region_code", "行政区代码"),
                    ("tax_credit_rating", "纳税信用等级")),
    "records": (("uscc", "统一社会信用代码"), ("category", "类别"), ("title", "标题"), ("authority", "决定机关"),
                ("decided_on", "决定日期"), ("content", "内容"), ("publish_until", "公示截止日期"),
                ("repaired_on", "信用修复日期")),
    "whitelist": (("uscc", "统一社会信用代码"), ("batch", "批次"), ("region_code", "行政区代码"),
                  ("listed_on", "列入日期"), ("valid_until", "有效期至")),
    "risk_flags": (("uscc", "统一社会信用代码"), ("indicator", "风险指标"), ("level", "风险等级"),
                   ("source", "来源"), ("detected_on", "发现日期"), ("active", "是否有效")),
}
FIELD_LABELS = {name: label for columns in COLUMNS.values() for name, label in columns}
CHUNK = 500  # rows per round trip (and per commit, for the command line)
# Imports of one database run one at a time: two imports of the same enterprise would otherwise race
# on its unique keys and on the state they announce. Imports are rare; waiting is fine.
IMPORT_LOCK = 727184


@dataclass
class Row:
    index: int              # within its kind, from 0
    data: object            # as given: a JSON object, or a CSV row as a dict
    line: int | None = None  # CSV only: the file's line (the header is line 1)
    problem: str | None = None  # found while reading the file, before the row's fields are checked


@dataclass
class ImportReport:
    imported: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    changed: dict = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    errors: list = field(default_factory=list)

    def error(self, kind: str, index: int | None, message: str, line: int | None = None,
              errors: dict | None = None) -> None:
        item = {"kind": kind, "index": index, "message": message}
        if line is not None:
            item["line"] = line
        if errors:
            item["errors"] = errors
        self.errors.append(item)

    def as_dict(self) -> dict:
        return {"imported": self.imported, "changed": self.changed, "errors": self.errors}


def describe(messages: dict) -> tuple[str, dict]:
    """marshmallow's errors of one row as one Chinese sentence, and flat {field: [messages]}."""
    flat = {}
    for key, value in messages.items():
        if isinstance(value, dict):  # a list field's errors come per item
            value = [m for inner in value.values() for m in (inner if isinstance(inner, list) else [inner])]
        flat[key] = [str(m) for m in (value if isinstance(value, list) else [value])]
    parts = []
    for key, texts in flat.items():
        label = FIELD_LABELS.get(key, key) if key != "_schema" else "该行"
        parts.append(f"{label}（{key}）：{'；'.join(texts)}" if key in FIELD_LABELS else f"{label}：{'；'.join(texts)}")
    return "；".join(parts), flat


class Importer:
    """One import into the current session. `add(kind, rows)` for each kind (enterprises first), then
    `finish()`. With `commit_every_chunk`, each chunk is committed with its events (the command line,
    so a long import shows progress and keeps what it did); otherwise the caller's single commit
    covers everything."""

    def __init__(self, today: date | None = None, commit_every_chunk: bool = False,
                 progress: Callable[[int], None] | None = None, scope: str | None = None):
        self.today = today or china_today()
        # A government user imports for its own region and below only.
        self.scope = scope
        self._in_scope: dict[str | None, bool] = {}
        self.report = ImportReport()
        self.commit_every_chunk = commit_every_chunk
        self.progress = progress or (lambda n: None)
        self._touched: set[str] = set()
        self._locked = False

    # --- driving ---------------------------------------------------------------------------------

    def add(self, kind: str, rows: Iterable[Row]) -> None:
        chunk: list[Row] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK:
                self._chunk(kind, chunk)
                chunk = []
        if chunk:
            self._chunk(kind, chunk)

    def add_batch(self, batch: dict) -> None:
        """A JSON batch `{enterprises: [...], records: [...], whitelist: [...], risk_flags: [...]}`."""
        for kind in KINDS:
            self.add(kind, (Row(i, data) for i, data in enumerate(batch.get(kind) or [])))

    def finish(self) -> ImportReport:
        self._settle()
        if self.commit_every_chunk:
            db.session.commit()
        return self.report

    def _chunk(self, kind: str, rows: list[Row]) -> None:
        self._lock()
        valid = []
        for row in rows:
            if row.problem or not isinstance(row.data, dict):
                self.report.error(kind, row.index, row.problem or "该行应为 JSON 对象", row.line)
                continue
            try:
                valid.append((row, ROW_SCHEMAS[kind].load(row.data)))
            except ma.ValidationError as exc:
                message, flat = describe(exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages})
                self.report.error(kind, row.index, message, row.line, flat)
        if valid:
            getattr(self, f"_upsert_{kind}")(valid)
        if self.commit_every_chunk:
            self._settle()
            db.session.commit()
            self._locked = False
        self.progress(len(rows))

    def _lock(self) -> None:
        if not self._locked and db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
        self._locked = True

    def _settle(self) -> None:
        """Re-assess the enterprises whose flags or whitelist entries changed; record their events."""
        if not self._touched:
            return
        db.session.flush()
        enterprises = db.session.scalars(select(Enterprise).where(Enterprise.uscc.in_(self._touched))).all()
        for enterprise in enterprises:
            db.session.expire(enterprise, ["risk_flags", "whitelist_entries", "records"])
            refresh_enterprise(enterprise, self.today)
        self._touched.clear()

    # --- upserts ---------------------------------------------------------------------------------

    def _enterprises(self, usccs: Iterable[str]) -> dict[str, Enterprise]:
        wanted = set(usccs)
        return {e.uscc: e for e in db.session.scalars(select(Enterprise).where(Enterprise.uscc.in_(wanted)))}

    def _count(self, kind: str, changed: bool) -> None:
        self.report.imported[kind] += 1
        self.report.changed[kind] += changed

    def _allowed(self, region_code: str | None) -> bool:
        if self.scope is None:
            return True
        if region_code not in self._in_scope:
            self._in_scope[region_code] = is_within(region_code, self.scope)
        return self._in_scope[region_code]

    def _out_of_scope(self, kind: str, row: Row, field: str = "uscc") -> None:
        message = "该企业不在本辖区" if field == "uscc" else "须为本辖区或其下级行政区"
        self.report.error(kind, row.index, f"{FIELD_LABELS[field]}（{field}）：{message}", row.line,
                          {field: [message]})

    def _missing_enterprise(self, kind: str, row: Row) -> None:
        self.report.error(kind, row.index, "统一社会信用代码（uscc）：平台上没有该企业，请先导入其企业信息", row.line,
                          {"uscc": ["平台上没有该企业，请先导入其企业信息"]})

    def _upsert_enterprises(self, valid: list[tuple[Row, dict]]) -> None:
        known = self._enterprises(values["uscc"] for _, values in valid)
        for row, values in valid:
            enterprise = known.get(values["uscc"])
            if enterprise is not None and not self._allowed(enterprise.region_code):
                self._out_of_scope("enterprises", row)
                continue
            region_code = values.get("region_code", enterprise.region_code if enterprise else None)
            if not self._allowed(region_code):
                self._out_of_scope("enterprises", row, "region_code")
                continue
            if enterprise is None:
                enterprise = known[values["uscc"]] = Enterprise(uscc=values["uscc"], risk_level=NONE, risk_tags=[],
                                                                whitelisted=False)
                db.session.add(enterprise)
                apply(enterprise, values, exclude=("uscc",))
                self._count("enterprises", True)
            else:
                self._count("enterprises", apply(enterprise, values, exclude=("uscc",)))

    def _children(self, model, valid, key: Callable) -> tuple[dict[str, Enterprise], dict]:
        known = self._enterprises(values["uscc"] for _, values in valid)
        keys = [key(values) for _, values in valid]
        columns = key(model)
        existing = {key(item): item for item in db.session.scalars(
            select(model).where(tuple_(*columns).in_(keys)))} if keys else {}
        return known, existing

    def _upsert_child(self, kind: str, model, valid, key: Callable, defaults: Callable | None = None,
                      touches: bool = False) -> None:
        known, existing = self._children(model, valid, key)
        for row, values in valid:
            enterprise = known.get(values["uscc"])
            if enterprise is None:
                self._missing_enterprise(kind, row)
                continue
            if not self._allowed(enterprise.region_code):
                self._out_of_scope(kind, row)
                continue
            if defaults:
                values = defaults(enterprise, values)
            if "region_code" in values and not self._allowed(values["region_code"]):
                self._out_of_scope(kind, row, "region_code")
                continue
            item = existing.get(key(values))
            if item is None:
                item = existing[key(values)] = model(**values)
                db.session.add(item)
                changed = True
            else:
                changed = apply(item, values, exclude=("uscc",))
            self._count(kind, changed)
            if changed and touches:
                self._touched.add(enterprise.uscc)

    def _upsert_records(self, valid) -> None:
        def default_publication(_enterprise, values):
            # A row that does not say how long it is published gets its category's period.
            if values.get("publish_until") is None:
                values = {**values, "publish_until": default_publish_until(values["category"], values["decided_on"])}
            return values

        # Records touch the enterprise: a hidden one can stop its category's flags counting.
        self._upsert_child("records", CreditRecord, valid,
                           lambda v: _key(v, "uscc", "category", "title", "decided_on"),
                           defaults=default_publication, touches=True)

    def _upsert_whitelist(self, valid) -> None:
        def region_of_enterprise(enterprise, values):
            # An entry without a region is listed where the enterprise is registered.
            if not values.get("region_code"):
                values = {**values, "region_code": enterprise.region_code}
            return values

        self._upsert_child("whitelist", WhitelistEntry, valid, lambda v: _key(v, "uscc", "batch"),
                           defaults=region_of_enterprise, touches=True)

    def _upsert_risk_flags(self, valid) -> None:
        self._upsert_child("risk_flags", RiskFlag, valid, lambda v: _key(v, "uscc", "indicator", "source"),
                           touches=True)


def _key(values, *names) -> tuple:
    """The upsert key of a row (a dict), of a stored item, or, given the model class, its columns."""
    if isinstance(values, dict):
        return tuple(values[n] for n in names)
    return tuple(getattr(values, n) for n in names)


def apply(item, values: dict, exclude=()) -> bool:
    """Set the given fields that differ; True when anything changed (then `updated_at` moves too).
    Fields absent from the row are left as they are; an empty value clears."""
    changed = False
    for name, value in values.items():
        if name in exclude:
            continue
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed = True
    if changed or item.updated_at is None:
        item.updated_at = utcnow()
    return changed


def import_batch(batch: dict, scope: str | None = None) -> dict:
    """`POST /credit/imports` with a JSON batch: one transaction, committed at the end."""
    importer = Importer(scope=scope)
    importer.add_batch(batch)
    report = importer.finish()
    db.session.commit()
    return report.as_dict()


# --- CSV -----------------------------------------------------------------------------------------------

DATE_LIKE = re.compile(r"^(\d{4})[/.年](\d{1,2})[/.月](\d{1,2})日?$")
TRUE_WORDS = {"true", "1", "yes", "y", "是", "有效"}
FALSE_WORDS = {"false", "0", "no", "n", "否", "无效"}
HEADER_NAMES = {kind: {**{n: n for n, _ in cols}, **{label: n for n, label in cols}}
                for kind, cols in COLUMNS.items()}


class CsvError(ValueError):
    """A file that cannot be read as CSV of its kind at all (encoding, header)."""


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM); Excel's Chinese default GB18030 (GBK) as a fallback."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise CsvError("文件编码无法识别，请保存为 UTF-8 编码的 CSV") from exc


def _cell(name: str, value: str | None):
    """A CSV cell as the row schema expects it: blank is null, dates like 2026/3/5 are ISO, yes/no
    words are booleans."""
    value = (value or "").strip()
    if value == "":
        return None
    if name in ("established_on", "decided_on", "listed_on", "valid_until", "detected_on"):
        match = DATE_LIKE.match(value)
        if match:
            return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}"
    if name == "active":
        if value.lower() in TRUE_WORDS:
            return True
        if value.lower() in FALSE_WORDS:
            return False
    return value


def csv_rows(kind: str, content: str) -> Iterator[Row]:
    """The rows of a CSV file of `kind`, as dicts of field names. Raises CsvError for a bad header."""
    reader = csv.reader(io.StringIO(content, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise CsvError("文件为空或缺少表头")
    names = HEADER_NAMES[kind]
    fields = []
    unknown = []
    for title in header:
        title = title.strip()
        if title in names:
            fields.append(names[title])
        elif title:
            unknown.append(title)
        else:
            fields.append(None)  # an unnamed trailing column (a stray comma): ignored
    if unknown:
        raise CsvError(f"无法识别的列：{'、'.join(unknown)}（可用的列见导入说明）")
    if len(set(f for f in fields if f)) != len([f for f in fields if f]):
        raise CsvError("表头中有重复的列")
    index = 0
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue  # blank lines (Excel leaves some at the end)
        data = {}
        for name, value in zip(fields, cells, strict=False):
            if name:
                data[name] = _cell(name, value)
        problem = None
        if len(cells) > len(fields) and any(c.strip() for c in cells[len(fields):]):
            problem = "该行的列数多于表头（内容中含英文逗号时，须用英文双引号把整格括起来）"
        yield Row(index, data, reader.line_num, problem)
        index += 1


def kind_of_file(name: str) -> str | None:
    """The kind a file holds, from its name: `enterprises.csv`, `risk_flags-2026.csv`, …"""
    stem = Path(name).stem.lower()
    for kind in sorted(KINDS, key=len, reverse=True):
        if stem == kind or stem.startswith((f"{kind}-", f"{kind}_", f"{kind}.")):
            return kind
    return None


def add_csv(importer: Importer, kind: str, raw: bytes) -> None:
    """Add one CSV file's rows; a file that cannot be read is one error of its kind."""
    try:
        rows = list(csv_rows(kind, decode(raw)))
    except CsvError as exc:
        importer.report.error(kind, None, str(exc))
        return
    except csv.Error as exc:
        importer.report.error(kind, None, f"CSV 格式错误：{exc}")
        return
    importer.add(kind, rows)


def import_csv_files(files: dict[str, bytes], scope: str | None = None) -> dict:
    """`POST /credit/imports` with CSV files, one per kind ({kind: bytes}): one transaction."""
    importer = Importer(scope=scope)
    for kind in KINDS:
        if kind in files:
            add_csv(importer, kind, files[kind])
    report = importer.finish()
    db.session.commit()
    return report.as_dict()
