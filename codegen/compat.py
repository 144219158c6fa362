"""Offline compatibility of a contract change, under Avro's rules and Cassandra's at once.

A change is checked as BACKWARD: the new schema (the reader) must read data written with the
old one (the writer), following the Avro specification's schema-resolution rules. On top of
that come the cross-target rules, which Avro alone does not know about because the contract is
also a Cassandra table (nested records flatten to columns joined with ``_``):

- ``cassandra:key-changed``: keyspace, table, partition key, clustering key or clustering order
  changed, or a key column's type or nullability changed. Cassandra cannot alter a primary key.
- ``cassandra:type-not-alterable``: a column keeps its name but changes its type (also the
  promotions Avro allows, such as int to long or string to bytes). Cassandra cannot alter a
  column's type. A record inside a collection (a frozen UDT column) is compared whole, so any
  change inside it counts as a type change.
- ``cassandra:column-repurposed``: a column name now comes from a different field path
  (``location.zip`` and a new top-level ``location_zip`` both flatten to ``location_zip``).
- ``cassandra:invalid-table``: the new schema has no valid table, e.g. two fields flatten to
  the same column (the codegen table rules, ``codegen.table``).
- ``cassandra:column-rename``: a field renamed through ``aliases``. Avro resolves it, but the
  column would be a new, empty one while the old column keeps the old data.
- ``cassandra:removed-without-default``: a removed field must have had a default, so consumers
  still on the old schema read new data; Avro's BACKWARD rule alone allows any removal.
  A removed field with a default passes with a ``cassandra:column-kept`` warning: its column
  stays in the table (never dropped), and holds null for new rows.
- ``cassandra:column-added`` (warning): an added column needs a migration
  (``ALTER TABLE ... ADD``), which ``python -m codegen`` writes.

Released versions of each contract live in ``schemas/history/<stem>/v<N>.avsc``;
``check_repo`` compares each contract in ``schemas/`` with its highest released version.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from codegen.errors import SchemaError
from codegen.migrations import history
from codegen.model import (
    Array,
    AvroType,
    Enum,
    Field,
    Fixed,
    Map,
    Primitive,
    Record,
    Union,
    short_name,
    unwrap_nullable,
)
from codegen.parse import parse_files
from codegen.rule_set import compile_rules
from codegen.table import Column, Table, flatten, tables_for
from contract.rules import RuleMode

# Writer type -> reader types it resolves to (Avro specification, "Schema Resolution").
PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}
HISTORY_DIR = "history"


def load_schema(path: Path) -> Record:
    """Parse one self-contained ``.avsc`` file with the codegen parser; errors name the file."""
    return parse_files([path], display_root=Path.cwd())[0].record


def describe(t: AvroType) -> str:
    """A readable type name; two columns with different descriptions have different CQL types.

    Null branches are left out: every Cassandra column is nullable, so making a field optional
    does not change its column (key columns are compared with nullability separately).
    """
    if isinstance(t, Primitive):
        return f"{t.type}({_logical(t.logical, t.precision, t.scale)})" if t.logical else t.type
    if isinstance(t, Fixed):
        logical = f"({_logical(t.logical, t.precision, t.scale)})" if t.logical else ""
        return f"fixed{t.size}{logical}"
    if isinstance(t, Enum):
        return f"enum {short_name(t.fullname)}"
    if isinstance(t, Array):
        return f"array<{describe(t.items)}>"
    if isinstance(t, Map):
        return f"map<{describe(t.values)}>"
    if isinstance(t, Union):
        branches = [describe(b) for b in t.non_null]
        return branches[0] if len(branches) == 1 else f"union<{', '.join(branches)}>"
    inner = ", ".join(f"{f.name}: {describe(f.type)}" for f in t.fields)
    return f"record {t.name}{{{inner}}}"


def _logical(logical: str, precision: int, scale: int) -> str:
    return f"decimal({precision},{scale})" if logical == "decimal" else logical


# ---------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One reason, naming the field (dotted path) and the rule."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '<record>'}: [{self.rule}] {self.message}"


@dataclass
class CompatReport:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------- Avro resolution (BACKWARD)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _resolve(writer: AvroType, reader: AvroType, path: str) -> list[Finding]:
    """Why ``reader`` cannot read data written with ``writer`` (empty when it can)."""
    if isinstance(reader, Union):
        writers = writer.branches if isinstance(writer, Union) else (writer,)
        return [
            Finding(
                path,
                "avro:union-branch-unmatched",
                f"old type {describe(w)} matches no branch of new type {describe(reader)}",
            )
            for w in writers
            if all(_resolve(w, r, path) for r in reader.branches)
        ]
    if isinstance(writer, Union):
        return [f for w in writer.branches for f in _resolve(w, reader, path)]
    if isinstance(writer, Record) and isinstance(reader, Record):
        return _resolve_record(writer, reader, path)
    if isinstance(writer, Enum) and isinstance(reader, Enum):
        return _resolve_enum(writer, reader, path)
    if isinstance(writer, Array) and isinstance(reader, Array):
        return _resolve(writer.items, reader.items, f"{path}[]")
    if isinstance(writer, Map) and isinstance(reader, Map):
        return _resolve(writer.values, reader.values, f"{path}{{}}")
    if _resolves_directly(writer, reader):
        return []
    return [
        Finding(
            path,
            "avro:type-mismatch",
            f"type changed from {describe(writer)} to {describe(reader)}, which Avro "
            "cannot resolve (promotions: int->long->float->double, string<->bytes)",
        )
    ]


def _resolves_directly(writer: AvroType, reader: AvroType) -> bool:
    """Primitives (with Avro's promotions) and fixed types, which have no inner structure."""
    if isinstance(writer, Primitive) and isinstance(reader, Primitive):
        return writer.type == reader.type or reader.type in PROMOTIONS.get(writer.type, ())
    if isinstance(writer, Fixed) and isinstance(reader, Fixed):
        same_name = short_name(writer.fullname) == short_name(reader.fullname)
        return same_name and writer.size == reader.size
    return False


def _names_match(writer: Record | Enum, reader: Record | Enum) -> bool:
    aliases = reader.aliases if isinstance(reader, Record) else ()  # enums keep no aliases
    names = {short_name(reader.fullname), *(short_name(a) for a in aliases)}
    return short_name(writer.fullname) in names


def _resolve_record(writer: Record, reader: Record, path: str) -> list[Finding]:
    if not _names_match(writer, reader):
        return [
            Finding(
                path,
                "avro:name-mismatch",
                f"record {short_name(writer.fullname)} became {short_name(reader.fullname)}; "
                "keep the name or list the old one in aliases",
            )
        ]
    findings: list[Finding] = []
    for new_field in reader.fields:
        old_field = _writer_field(writer, new_field)
        fpath = _join(path, new_field.name)
        if old_field is not None:
            findings += _resolve(old_field.type, new_field.type, fpath)
        elif not new_field.has_default:
            findings.append(
                Finding(
                    fpath,
                    "avro:field-added-without-default",
                    "added field has no default, so old records cannot be read; "
                    'make it optional (["null", ...] with "default": null) '
                    "or give it a default",
                )
            )
    return findings


def _writer_field(writer: Record, new_field: Field) -> Field | None:
    for name in (new_field.name, *new_field.aliases):
        for old_field in writer.fields:
            if old_field.name == name:
                return old_field
    return None


def _resolve_enum(writer: Enum, reader: Enum, path: str) -> list[Finding]:
    if not _names_match(writer, reader):
        return [
            Finding(
                path,
                "avro:name-mismatch",
                f"enum {short_name(writer.fullname)} became {short_name(reader.fullname)}",
            )
        ]
    missing = [s for s in writer.symbols if s not in reader.symbols]
    if missing and reader.default is None:
        return [
            Finding(
                path,
                "avro:enum-symbol-removed",
                f"symbols {', '.join(missing)} were removed and the enum has no default",
            )
        ]
    return []


def avro_backward_findings(old: Record, new: Record) -> list[Finding]:
    """Avro's BACKWARD verdict alone: why ``new`` cannot read data written with ``old``."""
    return _resolve(old, new, "")


# ---------------------------------------------------------------- Cassandra rules


def _columns(record: Record) -> dict[str, Column]:
    return {c.name: c for c in flatten(record)}


def _dotted(column: Column) -> str:
    return ".".join(column.path)


def _table_findings(
    old_tables: tuple[Table, ...],
    new_tables: tuple[Table, ...] | None,
    old_cols: dict[str, Column],
    new_cols: dict[str, Column],
) -> list[Finding]:
    """Each table's keys and TTL (tables matched by name), tables added and removed, and the
    type of every column that keys an old table (the only check left when the new tables are
    invalid: ``None``)."""
    if new_tables is None:
        return _key_column_findings(old_tables, old_cols, new_cols)
    findings = []
    old_spaces = {t.keyspace for t in old_tables}
    new_spaces = {t.keyspace for t in new_tables}
    if old_spaces and new_spaces and old_spaces != new_spaces:
        findings.append(
            Finding(
                "",
                "cassandra:key-changed",
                f"x-cassandra keyspace changed from {sorted(old_spaces)} to "
                f"{sorted(new_spaces)}: a contract's tables cannot move: create a new contract",
            )
        )
    after_by_name = {t.name: t for t in new_tables}
    for before in old_tables:
        after = after_by_name.get(before.name)
        if after is None:
            findings.append(
                Finding(
                    "",
                    "cassandra:table-removed",
                    f"table {before.name} is no longer written; its rows stay (never dropped)",
                )
            )
            continue
        if (before.partition_key, before.clustering) != (after.partition_key, after.clustering):
            findings.append(
                Finding(
                    "",
                    "cassandra:key-changed",
                    f"table {before.name}: primary key changed from {_key_text(before)} to "
                    f"{_key_text(after)}; Cassandra cannot change a table's primary key: "
                    "write a new table instead",
                )
            )
        if before.default_ttl != after.default_ttl:
            findings.append(
                Finding(
                    "",
                    "cassandra:ttl-changed",
                    f"table {before.name}: default TTL changes from {before.default_ttl!r} to "
                    f"{after.default_ttl!r} seconds: it applies to rows written from then on "
                    "(make codegen writes the ALTER TABLE)",
                )
            )
    known = {t.name for t in old_tables}
    findings += [
        Finding(
            "",
            "cassandra:table-added",
            f"new table {t.name}: `make migrate` (or the running job's live reader) creates it; "
            "it holds the records written from then on",
        )
        for t in new_tables
        if t.name not in known
    ]
    return findings + _key_column_findings(old_tables, old_cols, new_cols)


def _key_column_findings(
    old_tables: tuple[Table, ...], old_cols: dict[str, Column], new_cols: dict[str, Column]
) -> list[Finding]:
    """Every column that keys an old table: removed, or changed in type or nullability."""
    findings = []
    keys = dict.fromkeys(k for t in old_tables for k in t.primary_key)
    for key in keys:
        before_col, after_col = old_cols.get(key), new_cols.get(key)
        if before_col is None:
            continue
        if after_col is None:
            findings.append(
                Finding(
                    _dotted(before_col), "cassandra:key-changed", f"key column {key} was removed"
                )
            )
        elif (describe(before_col.type), before_col.nullable) != (
            describe(after_col.type),
            after_col.nullable,
        ):
            findings.append(
                Finding(
                    _dotted(after_col),
                    "cassandra:key-changed",
                    f"key column {key} changed from {_column_type(before_col)} to "
                    f"{_column_type(after_col)}; a primary key column cannot change",
                )
            )
    return findings


def _key_text(table: Table) -> str:
    clustering = ", ".join(f"{c} {order}" for c, order in table.clustering)
    return f"(({', '.join(table.partition_key)}){', ' + clustering if clustering else ''})"


def _column_type(column: Column) -> str:
    return f"{describe(column.type)}{' (nullable)' if column.nullable else ''}"


def _column_findings(
    old_cols: dict[str, Column], new_cols: dict[str, Column], keys: set[str]
) -> Iterator[Finding]:
    for name, after in new_cols.items():
        before = old_cols.get(name)
        if before is None:
            yield Finding(
                _dotted(after),
                "cassandra:column-added",
                f"new column {name} ({describe(after.type)}) needs a migration "
                "(ALTER TABLE ... ADD); `python -m codegen` writes it",
            )
        elif _dotted(before) != _dotted(after):
            yield Finding(
                _dotted(after),
                "cassandra:column-repurposed",
                f"column {name} held {_dotted(before)}, and would now hold {_dotted(after)}",
            )
        elif name not in keys and describe(before.type) != describe(after.type):
            yield Finding(
                _dotted(after),
                "cassandra:type-not-alterable",
                f"column {name} changes from {describe(before.type)} to "
                f"{describe(after.type)}; Cassandra cannot alter a column's type "
                "(even where Avro allows the promotion): add a new field instead",
            )


def _field_findings(old: Record, new: Record, path: str) -> Iterator[Finding]:
    """Removed and renamed fields, walking nested records present in both schemas."""
    new_by_name = {f.name: f for f in new.fields}
    for old_field in old.fields:
        fpath = _join(path, old_field.name)
        new_field = new_by_name.get(old_field.name)
        if new_field is None:
            renamed = [f.name for f in new.fields if old_field.name in f.aliases]
            if renamed:
                yield Finding(
                    fpath,
                    "cassandra:column-rename",
                    f"renamed to {renamed[0]} through aliases; its column would start "
                    "empty while the old column keeps the data: add a field instead",
                )
            elif not old_field.has_default:
                yield Finding(
                    fpath,
                    "cassandra:removed-without-default",
                    "removed field had no default, so consumers still on the old "
                    "schema cannot read new records; give it a default in a release "
                    "first, then remove it",
                )
            else:
                yield Finding(
                    fpath,
                    "cassandra:column-kept",
                    "removed field's column(s) stay in Cassandra (never dropped); "
                    "new rows hold null there",
                )
            continue
        before, _ = unwrap_nullable(old_field.type)
        after, _ = unwrap_nullable(new_field.type)
        if isinstance(before, Record) and isinstance(after, Record):
            yield from _field_findings(before, after, fpath)


_WARNINGS = frozenset(
    {
        "cassandra:column-kept",
        "cassandra:column-added",
        "cassandra:ttl-changed",
        "cassandra:table-added",
        "cassandra:table-removed",
        "rules:added",
        "rules:changed",
        "rules:enforced",
    }
)


def _rule_findings(old: Record, new: Record) -> list[Finding]:
    """Rule changes (warnings): a new or changed rule may refuse records already on the topic.

    A removed rule only lets more through, so it is not a finding. Whether a changed rule is
    stricter cannot be decided in general; every change is reported with its expressions.
    """

    def written(record: Record) -> dict[str, tuple[str, str, RuleMode]]:
        return {  # written rules do not depend on the table (only implied ones do)
            r.name: (r.field, r.python or r.spark or "", r.mode)
            for r in compile_rules(record, ()).rules
            if r.written
        }

    before, after = written(old), written(new)
    findings = []
    for name, (path, text, mode) in after.items():
        if mode == RuleMode.OFF:
            continue
        if name not in before and mode == RuleMode.DLQ:
            findings.append(
                Finding(
                    path,
                    "rules:added",
                    f"new rule {name}: records that break it (already on the topic, or from "
                    'producers on an older contract) go to the DLQ; release it as "mode": '
                    '"warn" first, to count what it would reject, then switch it to "dlq"',
                )
            )
        elif name in before and mode == RuleMode.DLQ and before[name][2] != RuleMode.DLQ:
            findings.append(
                Finding(
                    path,
                    "rules:enforced",
                    f"rule {name} now dead-letters the records that break it (it was "
                    f"{before[name][2]}): check its warn counts in `make inspect` first",
                )
            )
        elif name in before and before[name][1] != text and mode == RuleMode.DLQ:
            findings.append(
                Finding(
                    path,
                    "rules:changed",
                    f"rule {name} changed: if it is stricter, existing records that break it "
                    "go to the DLQ when replayed",
                )
            )
    return findings


def _invalid(new: Record, exc: SchemaError) -> Finding:
    where = exc.path.removeprefix(f"{new.fullname}.")
    return Finding(where, "cassandra:invalid-table", exc.message)


def _cassandra_findings(old: Record, new: Record) -> list[Finding]:
    """What the tables make of the change: keys, TTLs, tables, columns, removed fields."""
    try:
        new_cols = _columns(new)
    except SchemaError as exc:  # two fields flattening to one column name
        return [_invalid(new, exc)]
    findings = []
    new_tables: tuple[Table, ...] | None
    try:
        new_tables = tables_for(new)
    except SchemaError as exc:  # a nullable key, a key listed twice ...
        findings.append(_invalid(new, exc))
        new_tables = None
    old_cols, old_tables = _columns(old), tables_for(old)
    keys = {k for t in old_tables for k in t.primary_key}
    findings += _table_findings(old_tables, new_tables, old_cols, new_cols)
    findings += _column_findings(old_cols, new_cols, keys)
    findings += _field_findings(old, new, "")
    return findings


def check_pair(old: Record, new: Record) -> CompatReport:
    """Every reason ``new`` may not follow ``old`` (errors) and what it implies (warnings)."""
    findings = avro_backward_findings(old, new) + _rule_findings(old, new)
    if "x-cassandra" in old.props or "x-cassandra" in new.props:
        findings += _cassandra_findings(old, new)
    report = CompatReport()
    for finding in findings:
        (report.warnings if finding.rule in _WARNINGS else report.errors).append(finding)
    return report


# ---------------------------------------------------------------- repository check and CLI


def _print_report(label: str, report: CompatReport) -> None:
    for warning in report.warnings:
        print(f"{label}: warning: {warning}")
    for error in report.errors:
        print(f"{label}: error: {error}", file=sys.stderr)


def check_files(old_path: Path, new_path: Path) -> CompatReport:
    """``check_pair`` on two files."""
    return check_pair(load_schema(old_path), load_schema(new_path))


def check_repo(schemas_dir: Path) -> int:
    """Check each contract in ``schemas_dir`` against its last released version; 0 when all pass."""
    status = 0
    for contract in sorted(schemas_dir.glob("*.avsc")):
        try:
            released = history(schemas_dir, contract.stem)
            if not released:
                print(
                    f"{contract}: no released version under "
                    f"{schemas_dir / HISTORY_DIR / contract.stem}; nothing to compare"
                )
                continue
            latest = released[-1][1]
            report = check_files(latest, contract)
        except SchemaError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        label = f"{contract} (vs {latest.name})"
        _print_report(label, report)
        verdict = "may follow" if report.compatible else "may NOT follow"
        print(f"{label}: {verdict} the released version, {len(report.warnings)} warning(s)")
        if not report.compatible:
            status = 1
    return status


def main(argv: list[str]) -> int:
    """``python -m codegen compat OLD.avsc NEW.avsc``: 0 when NEW may follow OLD, else 1."""
    parser = argparse.ArgumentParser(
        prog="python -m codegen compat",
        description="Check that NEW may follow OLD under Avro BACKWARD and Cassandra rules.",
    )
    parser.add_argument("old", type=Path, help="the released schema (.avsc)")
    parser.add_argument("new", type=Path, help="the candidate schema (.avsc)")
    args = parser.parse_args(argv)
    try:
        report = check_files(args.old, args.new)
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_report(str(args.new), report)
    if report.compatible:
        print(f"{args.new}: may follow {args.old}")
        return 0
    print(
        f"{args.new}: {len(report.errors)} reason(s) it may not follow {args.old}", file=sys.stderr
    )
    return 1
