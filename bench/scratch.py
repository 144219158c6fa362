"""The benchmarks' scratch deployments: topics, subjects and keyspaces of their own, removed after.

A scratch deployment is the bench's settings with a ``kafka.topic_prefix`` and a
``cassandra.keyspace`` of its own (validated copies, ``config.settings.updated``), the way a
user isolates an environment: the producer, the job and the commands find its topics, subjects
and tables from the settings alone. Its job files (checkpoints, batch figures, state) are in a
folder of its own. ``Scratch`` remembers every prefix, subject and keyspace it made and removes
them all (``remove_all``), also after a failed run.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import SparkSession

from clients.cassandra import connect
from clients.kafka import delete_topics, list_topics
from clients.registry import Registry
from config import Settings
from config.settings import updated
from contract.catalog import Contract
from ops.migrate import apply_generated
from ops.topics import ensure_contract_topics
from spark.cassandra_sink import forget_cassandra_sessions

NAME_PREFIX = "bench_"
"""Every scratch name starts so (topic prefixes, subjects under them, keyspaces)."""


@dataclass(frozen=True)
class Deployment:
    """One scratch deployment: its settings and its name (its keyspace, its topics' prefix)."""

    name: str
    settings: Settings

    @property
    def keyspace(self) -> str:
        return self.name

    def topic(self, contract: Contract) -> str:
        return contract.names(self.settings).topic

    def subject(self, contract: Contract) -> str:
        return contract.names(self.settings).subject

    def reading(self, backlog: Deployment) -> Deployment:
        """This deployment reading ``backlog``'s topics (and subjects, and DLQs) into its own
        keyspace, with its own job files: a fresh drain of a backlog produced once."""
        prefix = backlog.settings.kafka.topic_prefix
        return Deployment(self.name, updated(self.settings, kafka={"topic_prefix": prefix}))


class Scratch:
    """Makes scratch deployments on the stack of ``settings`` and removes them all at the end."""

    def __init__(
        self, settings: Settings, workdir: Path, spark: SparkSession | None = None
    ) -> None:
        self.settings = settings
        self.workdir = workdir
        self.spark = spark
        self.prefixes: list[str] = []
        self.subjects: list[str] = []
        self.keyspaces: list[str] = []

    def new(
        self,
        hint: str,
        contracts: Sequence[Contract] = (),
        *,
        register: bool = True,
        keyspace: bool = True,
    ) -> Deployment:
        """A fresh deployment: the topics of ``contracts`` (topic, DLQ and re-drive ledger, as
        ``make topics`` creates them), their schemas registered under their subjects unless
        ``register`` is false, and a keyspace with every generated table unless ``keyspace``
        is false."""
        name = f"{NAME_PREFIX}{hint}_{uuid.uuid4().hex[:8]}"
        folder = self.workdir / name
        settings = updated(
            self.settings,
            kafka={"topic_prefix": f"{name}."},
            cassandra={"keyspace": name},
            spark={
                "checkpoint_dir": str(folder / "checkpoints"),
                "metrics_file": folder / "batches.jsonl",
                "status_file": folder / "state.json",
            },
        )
        deployment = Deployment(name, settings)
        if contracts:
            self.prefixes.append(settings.kafka.topic_prefix)
            ensure_contract_topics(settings, [c.stream for c in contracts])
        if contracts and register:
            with Registry(settings.registry) as registry:
                for contract in contracts:
                    self.register(registry, deployment.subject(contract), contract.schema)
        if keyspace:
            self.keyspaces.append(name)
            with connect(settings) as session:
                apply_generated(session, name, settings.cassandra.replication)
            if self.spark is not None:  # the connector's sessions learn of the keyspace
                forget_cassandra_sessions(self.spark)
        return deployment

    def register(self, registry: Registry, subject: str, schema: str) -> int:
        """Register ``schema`` under ``subject`` (removed at the end); its schema id."""
        if subject not in self.subjects:
            self.subjects.append(subject)
        return registry.register(subject, schema).schema_id

    def release(self, keyspace: str) -> None:
        """Drop a measured run's keyspace once its rows are checked, so that every run finds
        the node holding the same data: none of an earlier run's memtables or SSTables."""
        with connect(self.settings) as session:
            session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")

    def remove_all(self) -> None:
        """Delete every topic under a prefix made here, every subject registered here or
        under such a prefix, and every keyspace made here."""
        prefixes = tuple(self.prefixes)
        if prefixes:
            delete_topics(
                self.settings, [t for t in list_topics(self.settings) if t.startswith(prefixes)]
            )
        with Registry(self.settings.registry) as registry:
            under = [s for s in registry.subjects() if prefixes and s.startswith(prefixes)]
            for subject in sorted({*self.subjects, *under}):
                registry.delete_subject(subject)
        if self.keyspaces:
            with connect(self.settings) as session:
                for keyspace in self.keyspaces:
                    session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
