"""What a contract declares about its stream, as the generated code states it at run time.

Codegen reads the declarations from each ``.avsc`` (``x-kafka``, ``x-source``, ``x-cassandra``;
``docs/contract.md``) and writes them into ``generated/`` as these values; the producer, the
job, the DAGs and the commands read them from there (``contract.catalog``), never from a
hand-written list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SubjectStrategy(StrEnum):
    """How the registry subject of a contract is named (Confluent's strategies)."""

    TOPIC = "TopicNameStrategy"
    """``<topic>-value``: one record type per topic (the default)."""
    RECORD = "RecordNameStrategy"
    """``<record full name>``: the record type's subject, whatever topic it is on."""
    TOPIC_RECORD = "TopicRecordNameStrategy"
    """``<topic>-<record full name>``: several record types on one topic, each its subject."""


def subject_name(strategy: SubjectStrategy, topic: str, record: str) -> str:
    """The value subject of ``record`` (a full name) on ``topic`` under ``strategy``."""
    if strategy is SubjectStrategy.RECORD:
        return record
    if strategy is SubjectStrategy.TOPIC_RECORD:
        return f"{topic}-{record}"
    return f"{topic}-value"


KEY_SEPARATOR = "|"
"""Between the values of a Kafka key made of several fields (``x-kafka.key``)."""


def kafka_key(values: Sequence[object]) -> bytes:
    """A record's Kafka key: its key fields' values as text, joined by ``KEY_SEPARATOR``."""
    return KEY_SEPARATOR.join(str(value) for value in values).encode()


def key_parts(key: str, fields: int) -> list[str]:
    """The values (as text) of a key made by ``kafka_key`` from ``fields`` fields."""
    return key.split(KEY_SEPARATOR, fields - 1)


def column_name(path: Sequence[str]) -> str:
    """The Cassandra column a (nested) field is flattened into: ``location.city`` ->
    ``location_city``."""
    return "_".join(path)


def value_column(path: Sequence[str]) -> str:
    """Spark SQL's reference to a field of the decoded record (the struct column ``value``)."""
    return "value." + ".".join(f"`{name}`" for name in path)


@dataclass(frozen=True)
class Stream:
    """Where a contract's records go in Kafka: its topic, its DLQ and its subject strategy.

    Topic names are as declared; a deployment may prefix them all (``kafka.topic_prefix``).
    """

    topic: str
    dlq_topic: str
    subject_strategy: SubjectStrategy = SubjectStrategy.TOPIC
    key: tuple[str, ...] = ()
    """The field paths whose values make a record's Kafka key (``kafka_key``): its first
    table's partition key unless ``x-kafka.key`` says otherwise; none: records without a key."""


@dataclass(frozen=True)
class Paging:
    """How a source splits a run's records into requests (query parameter names).

    ``size`` asks for a page's number of records; the page is chosen by ``page`` (a page number
    from ``first``) or by ``offset`` (a record offset from ``first``); ``seed`` keeps the pages
    of one run consistent where the source generates them. ``exact``: the source always gives
    as many records as asked, so a short page is a bad answer (retried); otherwise a short page
    is the end of the data.
    """

    size: str
    page: str | None = None
    offset: str | None = None
    seed: str | None = None
    first: int = 1
    max_size: int = 1000
    exact: bool = False


@dataclass(frozen=True)
class Source:
    """A JSON source of a contract's records, and how the producer reads it."""

    url: str | None
    """The default endpoint (a setting, a connection or ``SOURCE_URL`` may name another)."""
    records: tuple[str, ...] = ()
    """The path of the record array in a page; empty: the page is the array."""
    error: str | None = None
    """A member whose presence makes a page an error answer (retried), such as ``error``."""
    paging: Paging | None = None
    """None: one GET per run, ``COUNT`` capping the records taken."""
    params: tuple[tuple[str, str], ...] = ()
    """Query parameters every request carries."""
    schedule: str = "*/5 * * * *"
    """The cron schedule of the contract's DAG."""
    connection: str | None = None
    """The Airflow connection whose host is the endpoint, when defined."""
    batch_size: int = 1000
    """Records one DAG run takes, unless its params say otherwise."""


@dataclass(frozen=True)
class Produced:
    """The values the producer itself gives a record (``"x-source": {"producer": ...}``)."""

    ingested_at: datetime
    """When the run built the record (UTC)."""
    source_url: str
    """The source's URL, credentials redacted."""


@dataclass(frozen=True)
class SourcePath:
    """A path the contract reads in a source record, and whether its value is personal data."""

    path: tuple[str, ...]
    pii: bool = False


@dataclass(frozen=True)
class TableTarget:
    """One Cassandra table a contract is written to: its columns, each a Spark SQL expression
    over the decoded record ``value``, and its primary key."""

    keyspace: str
    name: str
    projection: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for column, _ in self.projection)


@dataclass(frozen=True)
class Declared:
    """Everything a contract declares besides its types, as codegen wrote it."""

    name: str
    """The contract's name: its file stem (``user_created``)."""
    record: str
    """The full name of its top-level record."""
    stream: Stream
    source: Source | None = None
    source_paths: tuple[SourcePath, ...] = field(default=())
    source_key: tuple[str, ...] = ()
    """Where the first key field is in a source record: the key of the record's DLQ entry."""
