"""Writer schemas by id for the job: fetched through the registry's schema cache, each with the
reason it cannot be decoded, if any.

A missing id (HTTP 404) or a non-Avro schema is a property of the message: it becomes a DLQ
reason. Any other registry failure (down, timing out, auth) is raised, which fails the
micro-batch; the supervised query then restarts from its checkpoint, so no message is lost or
wrongly rejected while the registry is unavailable. Unknown ids are not cached, so an id
registered later is found on the next batch; a flood of random ids is bounded by looking up at
most ``MAX_LOOKUPS_PER_BATCH`` new ids per batch (the others are unknown for that batch).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from clients.registry import Registry, RegistryError, SchemaCache
from config import Settings
from contract.dlq import Rejection, RejectRule

MAX_LOOKUPS_PER_BATCH = 64
RECENT_VERSIONS = MAX_LOOKUPS_PER_BATCH
"""Versions whose ids a starting job expects (one pass over a backlog of as many versions; 16
left a 50-version backlog's first batch to a second pass over two thirds of its rows)."""
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriterSchema:
    """A writer schema the job can decode with, or the reason it cannot."""

    schema_id: int
    avro_json: str | None
    problem: Rejection | None = None

    @property
    def record_name(self) -> str | None:
        """The full name of the record type it writes (None for no usable Avro record)."""
        if self.avro_json is None:
            return None
        try:
            document = json.loads(self.avro_json)
        except ValueError:
            return None
        if not isinstance(document, dict) or not isinstance(document.get("name"), str):
            return None
        name, namespace = document["name"], document.get("namespace")
        return name if "." in name or not namespace else f"{namespace}.{name}"

    def refused(self, rule: str, message: str) -> WriterSchema:
        """This writer, with a reason its records are refused."""
        return WriterSchema(self.schema_id, None, Rejection(rule, "", message))


class WriterSchemas:
    """Resolve Confluent schema ids to Avro writer schemas, a batch's worth at a time."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._cache = SchemaCache(registry)

    @classmethod
    def from_settings(cls, settings: Settings) -> WriterSchemas:
        """A resolver talking to the registry of ``settings``."""
        return cls(Registry(settings.registry))

    def resolve_batch(self, schema_ids: list[int]) -> list[WriterSchema]:
        """The writer schemas of a batch's ids; raises only on registry failures."""
        lookups = 0
        resolved = []
        for schema_id in schema_ids:
            if self._cache.known(schema_id) or lookups < MAX_LOOKUPS_PER_BATCH:
                lookups += not self._cache.known(schema_id)
                resolved.append(self.resolve(schema_id))
            else:
                why = (
                    f"unknown schema id {schema_id} (not looked up: more than "
                    f"{MAX_LOOKUPS_PER_BATCH} new ids in one batch)"
                )
                resolved.append(
                    WriterSchema(schema_id, None, _problem(RejectRule.UNKNOWN_SCHEMA, why))
                )
        return resolved

    def recent_ids(self, subject: str, count: int = RECENT_VERSIONS) -> list[int]:
        """The schema ids of the subject's newest ``count`` versions: the ids a starting job
        expects in its first batch. Empty when the subject has none or the registry does not
        answer (the first batch then lists its ids itself)."""
        try:
            versions = self._registry.versions(subject)[-count:]
            return sorted({self._registry.version(subject, v).schema_id for v in versions})
        except RegistryError as exc:
            log.warning("the first batch will list its writer ids itself: %s", exc)
            return []

    def resolve(self, schema_id: int) -> WriterSchema:
        """The writer schema of ``schema_id``; raises only on registry failures."""
        found = self._cache.get(schema_id)
        if found is None:
            return WriterSchema(
                schema_id,
                None,
                _problem(RejectRule.UNKNOWN_SCHEMA, f"unknown schema id {schema_id}"),
            )
        if found.schema_type != "AVRO":
            why = f"schema id {schema_id} is a {found.schema_type} schema, not Avro"
            return WriterSchema(schema_id, None, _problem(RejectRule.NOT_AVRO, why))
        return WriterSchema(schema_id, found.text)


def _problem(rule: RejectRule, message: str) -> Rejection:
    return Rejection(rule, "", message)
