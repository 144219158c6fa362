"""What flows where: topics, the streaming job's progress, subjects, the DLQ and table counts.

``collect(settings)`` gathers one ``FlowReport``; each section is collected on its own, so a
service that cannot be reached shows up as an ``error`` in its own row instead of a traceback.
``python -m ops.inspection [--json]`` (``make inspect [JSON=1]``) prints it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from clients.kafka import read_range, watermarks
from config import Settings, load_settings
from spark.metrics import MetricsLog

T = TypeVar("T")
CLIENT_TIMEOUT_S = 5.0
LATEST_DLQ_REASONS = 5


@dataclass(frozen=True)
class TopicRow:
    name: str
    partitions: int
    end_offsets: dict[int, int]
    messages: int


@dataclass(frozen=True)
class JobRow:
    checkpoint: str
    committed_offsets: dict[int, int]
    lag: int | None
    last_batch: dict[str, Any] | None


@dataclass(frozen=True)
class SubjectRow:
    subject: str
    compatibility: str | None
    versions: list[dict[str, int]]


@dataclass(frozen=True)
class DlqRow:
    topic: str
    messages: int
    latest_reasons: list[str]


@dataclass(frozen=True)
class TableRow:
    table: str
    rows: int


@dataclass
class Section:
    """One part of the report: its rows, or the reason it could not be collected."""

    rows: list[Any] = field(default_factory=list)
    error: str | None = None


@dataclass
class FlowReport:
    profile: str
    topics: Section
    job: Section
    subjects: Section
    dlq: Section
    tables: Section

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)


def _section(collect_rows: Callable[[], list[T]]) -> Section:
    try:
        return Section(rows=list(collect_rows()))
    except Exception as exc:  # each section reports its own failure, the others still print
        return Section(error=f"{type(exc).__name__}: {exc}")


def collect_topics(settings: Settings) -> list[TopicRow]:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient(settings.kafka.client_config())
    names = sorted(
        name
        for name in admin.list_topics(timeout=CLIENT_TIMEOUT_S).topics
        if not name.startswith("_") and not name.startswith("kafkasql")
    )
    rows = []
    for name in names:
        marks = watermarks(settings, name)
        rows.append(
            TopicRow(
                name=name,
                partitions=len(marks),
                end_offsets={p: high for p, (_, high) in marks.items()},
                messages=sum(high - low for low, high in marks.values()),
            )
        )
    return rows


def read_checkpoint_offsets(checkpoint: Path, topic: str) -> dict[int, int]:
    """Offsets of the newest batch in a Structured Streaming checkpoint, for ``topic``.

    Each ``offsets/<batch>`` file holds a version line, a metadata line, then one JSON line
    per source; for the Kafka source it maps topic -> partition -> next offset to read.
    """
    offsets_dir = checkpoint / "offsets"
    batches = sorted(int(p.name) for p in offsets_dir.iterdir() if p.name.isdigit())
    if not batches:
        return {}
    lines = (offsets_dir / str(batches[-1])).read_text(encoding="utf-8").splitlines()
    for line in lines[2:]:
        source = json.loads(line)
        if isinstance(source, dict) and topic in source:
            return {int(p): int(o) for p, o in source[topic].items()}
    return {}


def collect_job(settings: Settings) -> list[JobRow]:
    checkpoint = settings.spark.checkpoint_dir
    if not checkpoint.exists():
        raise FileNotFoundError(f"no checkpoint at {checkpoint}: the streaming job has not run")
    committed = read_checkpoint_offsets(checkpoint, settings.kafka.topic)
    lag: int | None = None
    try:
        ends = watermarks(settings, settings.kafka.topic)
        lag = sum(high - committed.get(p, low) for p, (low, high) in ends.items())
    except Exception:  # broker unreachable: progress is still worth showing
        lag = None
    batches = MetricsLog(settings.spark.metrics_file).batches()
    last_batch = batches[-1] if batches else None
    return [JobRow(str(checkpoint), committed, lag, last_batch)]


def collect_subjects(settings: Settings) -> list[SubjectRow]:
    from confluent_kafka.schema_registry import SchemaRegistryClient

    client = SchemaRegistryClient(settings.registry.client_config())
    rows = []
    for subject in sorted(client.get_subjects()):
        versions = []
        for version in client.get_versions(subject):
            registered = client.get_version(subject, version)
            versions.append(
                {
                    "version": int(registered.version or version),
                    "id": int(registered.schema_id or 0),
                }
            )
        try:
            compatibility = client.get_compatibility(subject)
        except Exception:
            compatibility = None
        rows.append(SubjectRow(subject, compatibility, versions))
    return rows


def collect_dlq(settings: Settings) -> list[DlqRow]:
    topic = settings.kafka.dlq_topic
    marks = watermarks(settings, topic)
    latest = read_range(
        settings,
        topic,
        {p: max(low, high - LATEST_DLQ_REASONS) for p, (low, high) in marks.items()},
        {p: high for p, (_, high) in marks.items()},
    )
    reasons = [
        m.headers.get("error", b"(no error header)").decode("utf-8", "replace") for m in latest
    ]
    return [
        DlqRow(
            topic, sum(high - low for low, high in marks.values()), reasons[-LATEST_DLQ_REASONS:]
        )
    ]


def generated_tables(settings: Settings) -> list[tuple[str, str]]:
    """(keyspace, table) of every contract that codegen mapped to Cassandra; the keyspace
    setting, when given, overrides the contracts' keyspace."""
    import generated.spark as generated_spark

    tables = []
    for module_info in pkgutil.iter_modules(generated_spark.__path__):
        module = importlib.import_module(f"generated.spark.{module_info.name}")
        if hasattr(module, "TABLE"):
            tables.append((settings.cassandra.keyspace or str(module.KEYSPACE), str(module.TABLE)))
    return sorted(tables)


def collect_tables(settings: Settings) -> list[TableRow]:
    from clients.cassandra import connect

    with connect(settings) as session:
        return [
            TableRow(
                f"{keyspace}.{table}",
                int(session.execute(f"SELECT COUNT(*) FROM {keyspace}.{table}").one()[0]),
            )
            for keyspace, table in generated_tables(settings)
        ]


def collect(settings: Settings) -> FlowReport:
    return FlowReport(
        profile=settings.profile,
        topics=_section(lambda: collect_topics(settings)),
        job=_section(lambda: collect_job(settings)),
        subjects=_section(lambda: collect_subjects(settings)),
        dlq=_section(lambda: collect_dlq(settings)),
        tables=_section(lambda: collect_tables(settings)),
    )


def render_text(report: FlowReport) -> str:
    lines = [f"userstream inspect (profile {report.profile})", ""]

    def block(title: str, section: Section, describe: Callable[[Any], str]) -> None:
        lines.append(title)
        if section.error is not None:
            lines.append(f"  unavailable: {section.error}")
        elif not section.rows:
            lines.append("  (none)")
        lines.extend(f"  {describe(row)}" for row in section.rows)
        lines.append("")

    block(
        "Topics",
        report.topics,
        lambda r: (
            f"{r.name:<32} partitions={r.partitions} messages={r.messages} end={r.end_offsets}"
        ),
    )
    block(
        "Streaming job",
        report.job,
        lambda r: (
            f"lag={r.lag} committed={r.committed_offsets} last batch={json.dumps(r.last_batch)}"
        ),
    )
    block(
        "Subjects",
        report.subjects,
        lambda r: (
            f"{r.subject:<32} compatibility={r.compatibility} versions="
            + ", ".join(f"v{v['version']}(id {v['id']})" for v in r.versions)
        ),
    )
    block(
        "Dead-letter queue",
        report.dlq,
        lambda r: f"{r.topic}: {r.messages} messages; latest reasons: {r.latest_reasons or '-'}",
    )
    block("Tables", report.tables, lambda r: f"{r.table:<32} rows={r.rows}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.inspection", description=__doc__)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    report = collect(load_settings())
    sys.stdout.write((report.to_json() if args.json else render_text(report)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
