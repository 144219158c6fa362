"""The live reader: new versions of a contract go live in the running job, without a restart.

Each contract the job streams has one. It looks at its subject's registered versions every
``spark.reader_poll_interval_s`` (a background thread of the job, ``ReaderPoller``, so a
version registered while no record arrives goes live all the same), and at once when a batch
holds a writer schema id it has not seen. A version newer than the one it reads with is checked
with the cross-target compatibility check (``codegen.compat.check_pair``, the same one ``make
register`` and ``--check-compat`` run). When the check accepts it:

1. its reader schema, tables and rules are derived with codegen's library
   (``ReaderContract.from_schema``, the code that writes ``generated/spark``);
2. the tables get what the step needs (new columns, a new TTL, a new table) through the
   recorded migration mechanism of ``make migrate`` (``clients.cassandra_schema``), under the
   names ``make codegen`` gives the same steps;
3. the reader switches before the next batch is decoded, so no record of the new writer is read
   without its new fields.

A version the check refuses does not go live: the reader keeps its contract, and records
written with that version are dead-lettered as ``contract:refused-version`` with the reasons.
The reader's version, switches and refusals are recorded in the job's state for ``make
inspect``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from clients.cassandra_schema import ApplyReport, CqlText, Migration
from clients.registry import Registry
from codegen.compat import check_pair
from codegen.errors import SchemaError
from codegen.migrations import version_steps
from codegen.model import Record
from codegen.parse import parse_document
from codegen.render_cql import render_tables
from codegen.table import tables_for
from spark.reader import ReaderChoice
from spark.reader_contract import ReaderContract
from spark.state import JobStateFile, now
from spark.writer_schemas import WriterSchema

log = logging.getLogger(__name__)

Migrate = Callable[[list[CqlText], list[Migration]], ApplyReport]
"""Creates the given tables and applies the migrations in the contract's keyspace, in order
(recording each); returns what it did."""


class LiveReader:
    """A route of the job that follows the registered versions of one contract's subject."""

    def __init__(
        self,
        registry: Registry,
        subject: str,
        initial: ReaderContract,
        migrate: Migrate,
        state: JobStateFile,
        poll_interval_s: float,
    ) -> None:
        self._registry = registry
        self.subject = subject
        self._migrate = migrate
        self._state = state
        self._poll_interval_s = poll_interval_s
        self._lock = threading.Lock()
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
        with self._lock:
            unseen = any(w.avro_json and w.schema_id not in self._version_of_id for w in writers)
            if unseen or time.monotonic() - self._polled_at >= self._poll_interval_s:
                self._refresh()
            refused = {
                w.schema_id: self._refusal(w.schema_id)
                for w in writers
                if self._version_of_id.get(w.schema_id) in self.refused
            }
            return ReaderChoice(self.contract, refused)

    def poll(self) -> None:
        """Look for new versions now (the background poll between batches)."""
        with self._lock:
            self._refresh()

    def _refusal(self, schema_id: int) -> str:
        version = self._version_of_id[schema_id]
        return (
            f"writer schema id {schema_id} is version {version} of {self.subject}, which the "
            f"job refused to read with: {self.refused[version]}"
        )

    def _refresh(self) -> None:
        """Learn the subject's versions; consider each one newer than the reader's, in order,
        each against the last one accepted; migrate once for all, then switch."""
        self._polled_at = time.monotonic()
        known = set(self._version_of_id.values())
        accepted: tuple[ReaderContract, Record, int] | None = None
        record, new_tables, steps = self._record, [], []
        for number in self._registry.versions(self.subject):
            if number in known:
                continue
            registered = self._registry.version(self.subject, number)
            self._version_of_id[registered.schema_id] = number
            if number <= self.version or number in self.refused:
                continue
            candidate = self._consider(record, number, registered.schema)
            if candidate is not None:
                contract, next_record, tables, migrations = candidate
                accepted = (contract, next_record, number)
                record = next_record
                new_tables.extend(tables)
                steps.extend(migrations)
        self._state.update_reader(
            self.subject,
            writer_versions={str(i): v for i, v in sorted(self._version_of_id.items())},
        )
        if accepted is not None:
            if new_tables or steps:
                applied = self._migrate(new_tables, steps)
                log.info("tables migrated: %s", applied.applied or applied.files or "no change")
            previous = self.version
            self.contract, self._record, self.version = accepted
            log.info(
                "reader switched from version %s to %s of %s", previous, self.version, self.subject
            )
            self._record_state(switched_at=now())

    def _consider(
        self, current: Record, number: int, schema: str
    ) -> tuple[ReaderContract, Record, list[CqlText], list[Migration]] | None:
        """The contract, record, new tables and migrations of an acceptable version; None
        when it is refused."""
        source = f"{self.subject} version {number}"
        try:
            record = _parse(schema, source)
            contract = ReaderContract.from_schema(
                schema, self.contract.source, self.contract.name, number
            )
        except (SchemaError, ValueError) as exc:
            self._refuse(number, f"not a contract this job can write: {exc}")
            return None
        report = check_pair(current, record)
        if not report.compatible:
            self._refuse(number, "; ".join(str(finding) for finding in report.errors))
            return None
        old_tables, new_tables = tables_for(current), tables_for(record)
        known = {table.name for table in old_tables}
        added = tuple(table for table in new_tables if table.name not in known)
        created = [CqlText(source, render_tables(added)[0])] if added else []
        migrations = [
            Migration(name, number, CqlText(source, text))
            for name, text in version_steps(old_tables, new_tables, number)
        ]
        return contract, record, created, migrations

    def _refuse(self, number: int, reason: str) -> None:
        self.refused[number] = reason
        log.error(
            "version %d of %s refused; the reader stays on version %d: %s",
            number,
            self.subject,
            self.version,
            reason,
        )
        self._record_state(switched_at=None)

    def _record_state(self, switched_at: str | None) -> None:
        changes: dict[str, object] = {
            "version": self.version,
            "refused": {str(v): why for v, why in sorted(self.refused.items())},
        }
        if switched_at is not None:
            changes["switched_at"] = switched_at
        self._state.update_reader(self.subject, **changes)


class ReaderPoller:
    """A daemon thread that polls every live reader between batches, so a registered version
    goes live within ``interval_s`` even while no record of it arrives."""

    def __init__(self, interval_s: float) -> None:
        self._interval_s = interval_s
        self._readers: list[LiveReader] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-reader-poll", daemon=True)
        self._thread.start()

    def watch(self, reader: LiveReader) -> None:
        with self._lock:
            self._readers.append(reader)

    def forget(self, readers: Sequence[LiveReader]) -> None:
        with self._lock:
            self._readers = [r for r in self._readers if r not in readers]

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval_s):
            with self._lock:
                readers = list(self._readers)
            for reader in readers:
                try:
                    reader.poll()
                except Exception as exc:  # the next batch retries (and fails there if it must)
                    log.warning("polling %s for new versions failed: %s", reader.subject, exc)


def _parse(schema: str, source: str) -> Record:
    return parse_document(json.loads(schema), source)
