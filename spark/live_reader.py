"""The live reader: new contract versions go live in the running job, without a restart.

Each batch, and at least every ``spark.reader_poll_interval_s``, the reader looks at the
subject's registered versions (one small registry call; at once when a batch holds a writer
schema id it has not seen). A version newer than the one it reads with is checked with the
cross-target compatibility check (``codegen.compat.check_pair``, the same one ``make register``
and ``--check-compat`` run). When the check accepts it:

1. its reader schema, projection and rules are derived with codegen's library
   (``ReaderContract.from_schema``, the code that writes ``generated/spark``);
2. the table gets what the step needs (new columns, a new TTL) through the recorded migration
   mechanism of ``make migrate`` (``clients.cassandra_schema``), under the name ``make codegen``
   gives the same step;
3. the reader switches before the batch is decoded, so no record of the new writer is read
   without its new fields.

A version the check refuses does not go live: the reader keeps its contract, and records
written with that version are dead-lettered as ``contract:refused-version`` with the reasons.
The reader's version, switches and refusals are recorded in the status file for ``make inspect``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from clients.cassandra_schema import ApplyReport, CqlText, Migration
from clients.registry import Registry
from codegen.compat import check_pair
from codegen.errors import SchemaError
from codegen.migrations import step_migration
from codegen.model import Record
from codegen.parse import parse_document
from codegen.table import table_for
from spark.contract import ReaderContract
from spark.reader import ReaderChoice
from spark.status import write_status
from spark.writer_schemas import WriterSchema

log = logging.getLogger(__name__)

Migrate = Callable[[list[Migration]], ApplyReport]
"""Applies migrations to the job's keyspace, in order (recording each), returns what it did."""


class LiveReader:
    """A ``ReaderSource`` that follows the registered versions of the topic's subject."""

    def __init__(
        self,
        registry: Registry,
        subject: str,
        initial: ReaderContract,
        migrate: Migrate,
        status_file: Path,
        poll_interval_s: float = 10.0,
    ) -> None:
        self._registry = registry
        self._subject = subject
        self._migrate = migrate
        self._status_file = status_file
        self._poll_interval_s = poll_interval_s
        self.contract = initial
        self._record = _parse(initial.reader_schema, initial.source)
        self._version_of_id: dict[int, int] = {}
        self.refused: dict[int, str] = {}
        """Refused version -> why."""
        self._polled_at = float("-inf")
        registered = registry.lookup(subject, initial.reader_schema)
        versions = registry.versions(subject)
        if registered is not None:
            self.version = registered.version
        else:  # not registered: only versions registered from now on are candidates
            self.version = versions[-1] if versions else 0
        self.contract = replace(initial, version=registered.version if registered else None)
        self._record_state(switched_at=None)

    def reader_for(self, writers: Sequence[WriterSchema]) -> ReaderChoice:
        """The contract for a batch holding ``writers``, after looking for new versions."""
        unseen = any(w.avro_json and w.schema_id not in self._version_of_id for w in writers)
        if unseen or time.monotonic() - self._polled_at >= self._poll_interval_s:
            self._refresh()
        refused = {
            w.schema_id: self._refusal(w.schema_id)
            for w in writers
            if self._version_of_id.get(w.schema_id) in self.refused
        }
        return ReaderChoice(self.contract, refused)

    def _refusal(self, schema_id: int) -> str:
        version = self._version_of_id[schema_id]
        return (
            f"writer schema id {schema_id} is version {version} of {self._subject}, which the "
            f"job refused to read with: {self.refused[version]}"
        )

    def _refresh(self) -> None:
        """Learn the subject's versions; consider each one newer than the reader's, in order,
        each against the last one accepted; migrate once for all, then switch."""
        self._polled_at = time.monotonic()
        known = set(self._version_of_id.values())
        accepted: tuple[ReaderContract, Record, int] | None = None
        record, steps = self._record, []
        for number in self._registry.versions(self._subject):
            if number in known:
                continue
            registered = self._registry.version(self._subject, number)
            self._version_of_id[registered.schema_id] = number
            if number <= self.version or number in self.refused:
                continue
            candidate = self._consider(record, number, registered.schema)
            if candidate is not None:
                contract, record, step = candidate
                accepted = (contract, record, number)
                steps.extend([step] if step is not None else [])
        write_status(
            self._status_file,
            writer_versions={str(i): v for i, v in sorted(self._version_of_id.items())},
        )
        if accepted is not None:
            if steps:
                applied = self._migrate(steps)
                log.info("table migrated: %s", applied.applied or "already applied")
            previous = self.version
            self.contract, self._record, self.version = accepted
            log.info(
                "reader switched from version %s to %s of %s", previous, self.version, self._subject
            )
            self._record_state(switched_at=_now())

    def _consider(
        self, current: Record, number: int, schema: str
    ) -> tuple[ReaderContract, Record, Migration | None] | None:
        """The contract, record and migration of an acceptable version; None when refused."""
        source = f"{self._subject} version {number}"
        try:
            record = _parse(schema, source)
            contract = ReaderContract.from_schema(schema, self.contract.source, number)
        except (SchemaError, ValueError) as exc:
            self._refuse(number, f"not a contract this job can write: {exc}")
            return None
        report = check_pair(current, record)
        if not report.compatible:
            self._refuse(number, "; ".join(str(finding) for finding in report.errors))
            return None
        old_table, new_table = table_for(current), table_for(record)
        assert old_table is not None and new_table is not None  # from_schema checked the table
        step = step_migration(old_table, new_table, number)
        migration = None if step is None else Migration(step[0], number, CqlText(source, step[1]))
        return contract, record, migration

    def _refuse(self, number: int, reason: str) -> None:
        self.refused[number] = reason
        log.error(
            "version %d of %s refused; the reader stays on version %d: %s",
            number,
            self._subject,
            self.version,
            reason,
        )
        self._record_state(switched_at=None)

    def _record_state(self, switched_at: str | None) -> None:
        fields: dict[str, object] = {
            "reader_version": self.version,
            "refused_versions": {str(v): why for v, why in sorted(self.refused.items())},
        }
        if switched_at is not None:
            fields["reader_switched_at"] = switched_at
        write_status(self._status_file, **fields)


def _parse(schema: str, source: str) -> Record:
    return parse_document(json.loads(schema), source)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
