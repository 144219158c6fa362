"""Collect every generated file in memory, then write them or check the committed ones."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import fastavro

from codegen import render_python, render_spark
from codegen.avro_json import schema_json
from codegen.errors import SchemaError, SchemaWarning
from codegen.migrations import migrations
from codegen.parse import parse_folder
from codegen.render_cql import render_table
from codegen.table import table_for
from codegen.templates import PY_HEADER

_PACKAGE_INIT = PY_HEADER.replace("from {source} ", "") + '"""{doc}"""\n'
_INITS = {
    "__init__.py": "Code generated from the Avro contracts in schemas/.",
    "python/__init__.py": "Record classes of the contracts (frozen dataclasses).",
    "spark/__init__.py": "Spark StructTypes and column projections of the contracts.",
}
_MANAGED_SUFFIXES = (".py", ".cql")


@dataclass(slots=True)
class Output:
    """Every generated file (path relative to the output folder -> text) and the warnings."""

    files: dict[str, str] = field(default_factory=dict)
    warnings: list[SchemaWarning] = field(default_factory=list)


def render_all(schemas_dir: Path) -> Output:
    """Parse and validate every contract, and render every target; nothing is written."""
    schema_files = parse_folder(schemas_dir)
    modules = {f.source: f.stem for f in schema_files}
    out = Output({path: _PACKAGE_INIT.format(doc=doc) for path, doc in _INITS.items()})
    for file in schema_files:
        _check_avro(file.source, schema_json(file.record))
        table = table_for(file.record)
        out.files[f"python/{file.stem}.py"] = render_python.render_module(file, modules, table)
        out.files[f"spark/{file.stem}.py"] = render_spark.render_module(file, table)
        if table is not None:
            out.files[f"cql/{file.stem}.cql"], warnings = render_table(table)
            out.warnings.extend(warnings)
            out.files.update(migrations(schemas_dir, file, table))
    out.files = dict(sorted(out.files.items()))
    return out


def _check_avro(source: str, text: str) -> None:
    """Let fastavro judge the self-contained schema too, as the serializers will."""
    try:
        fastavro.parse_schema(json.loads(text))
    except Exception as e:  # fastavro raises several unrelated exception types
        raise SchemaError(source, "", f"invalid Avro schema: {e}") from e


def existing(out_dir: Path) -> set[str]:
    """The generated-looking files currently under ``out_dir`` (relative paths)."""
    return {
        p.relative_to(out_dir).as_posix()
        for p in out_dir.rglob("*")
        if p.is_file() and p.suffix in _MANAGED_SUFFIXES and "__pycache__" not in p.parts
    }


def problems(out_dir: Path, output: Output) -> list[str]:
    """Each file that is stale, missing or extra compared with a fresh render."""
    found = existing(out_dir)
    result = [f"extra: {out_dir / p}" for p in sorted(found - output.files.keys())]
    for path, text in output.files.items():
        target = out_dir / path
        if path not in found:
            result.append(f"missing: {target}")
        elif target.read_text(encoding="utf-8") != text:
            result.append(f"stale: {target}")
    return result


def write(out_dir: Path, output: Output) -> list[str]:
    """Write changed files and remove extra ones; return what changed (relative paths)."""
    changed = sorted(existing(out_dir) - output.files.keys()) if out_dir.exists() else []
    for path in changed:
        (out_dir / path).unlink()
    for path, text in output.files.items():
        target = out_dir / path
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        changed.append(path)
    return changed
