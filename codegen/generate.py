"""Collect every generated file in memory, then write them or check the committed ones."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import fastavro

from codegen import render_python, render_spark
from codegen.avro_json import schema_json
from codegen.declarations import stream_of
from codegen.errors import SchemaError, SchemaWarning
from codegen.migrations import migrations
from codegen.model import SchemaFile
from codegen.parse import parse_folder
from codegen.render_cql import render_tables
from codegen.table import tables_for
from codegen.templates import PY_HEADER
from contract.streams import SubjectStrategy

TOPIC = SubjectStrategy.TOPIC

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
    check_streams(schema_files)
    modules = {f.source: f.stem for f in schema_files}
    out = Output({path: _PACKAGE_INIT.format(doc=doc) for path, doc in _INITS.items()})
    for file in schema_files:
        _check_avro(file.source, schema_json(file.record))
        tables = tables_for(file.record)
        out.files[f"python/{file.stem}.py"] = render_python.render_module(file, modules, tables)
        out.files[f"spark/{file.stem}.py"] = render_spark.render_module(file, tables)
        if tables:
            out.files[f"cql/{file.stem}.cql"], warnings = render_tables(tables)
            out.warnings.extend(warnings)
            out.files.update(migrations(schemas_dir, file))
    out.files = dict(sorted(out.files.items()))
    return out


def check_streams(files: list[SchemaFile]) -> None:
    """What holds across contracts: a table is written by one contract only; contracts sharing
    a topic share its DLQ (the job dead-letters a topic's records to one place) and have
    subjects of their own; no topic is another's DLQ."""
    tables: dict[tuple[str, str], str] = {}
    streams = {file.source: stream_of(file.record) for file in files}
    for file in files:
        for table in tables_for(file.record):
            key = (table.keyspace, table.name)
            if key in tables:
                raise SchemaError(
                    file.source,
                    f"{file.record.fullname}.x-cassandra",
                    f"table {table.keyspace}.{table.name} is also written by {tables[key]}",
                )
            tables[key] = file.source
    by_topic: dict[str, list[SchemaFile]] = {}
    for file in files:
        by_topic.setdefault(streams[file.source].topic, []).append(file)
    dlqs = {stream.dlq_topic for stream in streams.values()}
    for topic, sharing in by_topic.items():
        first = sharing[0]
        where = f"{first.record.fullname}.x-kafka"
        if topic in dlqs:
            raise SchemaError(first.source, where, f"topic {topic} is also a DLQ topic")
        if len(sharing) == 1:
            continue
        for other in sharing[1:]:
            stream, first_stream = streams[other.source], streams[first.source]
            if stream.dlq_topic != first_stream.dlq_topic:
                raise SchemaError(
                    other.source,
                    f"{other.record.fullname}.x-kafka.dlq_topic",
                    f"shares topic {topic} with {first.source}, whose DLQ is "
                    f"{first_stream.dlq_topic}: contracts on one topic share its DLQ",
                )
        topic_named = [f for f in sharing if streams[f.source].subject_strategy is TOPIC]
        if topic_named:
            raise SchemaError(
                topic_named[0].source,
                f"{topic_named[0].record.fullname}.x-kafka.subject_name_strategy",
                f"topic {topic} carries {len(sharing)} contracts; under TopicNameStrategy they "
                "would share one subject: use RecordNameStrategy or TopicRecordNameStrategy",
            )


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
