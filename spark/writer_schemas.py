"""Writer schemas by id from the Schema Registry, fetched on the driver and cached (bounded).

A missing id (HTTP 404) or a non-Avro schema is a property of the message: it becomes a DLQ
reason. Any other registry failure (down, timing out, auth) is raised, which fails the
micro-batch; the supervised query then restarts from its checkpoint, so no message is lost or
wrongly rejected while the registry is unavailable. Unknown ids are not cached, so an id
registered later is found on the next batch; a flood of random ids is bounded by looking up at
most ``MAX_LOOKUPS_PER_BATCH`` new ids per batch (the others are unknown for that batch).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import TypeVar

from clients.registry import Registry, RegistryError
from config import Settings

MAX_CACHED = 1024
MAX_LOOKUPS_PER_BATCH = 64
RECENT_VERSIONS = MAX_LOOKUPS_PER_BATCH
"""Versions whose ids a starting job expects (one pass over a backlog of as many versions; 16
left a 50-version backlog's first batch to a second pass over two thirds of its rows)."""
log = logging.getLogger(__name__)
V = TypeVar("V")


@dataclass(frozen=True)
class WriterSchema:
    """A writer schema the job can decode with, or the reason it cannot."""

    schema_id: int
    avro_json: str | None
    problem: str | None


class WriterSchemas:
    """Resolve Confluent schema ids to Avro writer schemas (LRU cache of ``MAX_CACHED``)."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._found: OrderedDict[int, WriterSchema] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> WriterSchemas:
        """A resolver talking to the registry of ``settings``."""
        return cls(Registry(settings.registry))

    def resolve_batch(self, schema_ids: list[int]) -> list[WriterSchema]:
        """The writer schemas of a batch's ids; raises only on registry failures."""
        lookups = 0
        resolved = []
        for schema_id in schema_ids:
            if schema_id in self._found or lookups < MAX_LOOKUPS_PER_BATCH:
                lookups += schema_id not in self._found
                resolved.append(self.resolve(schema_id))
            else:
                reason = (
                    f"unknown schema id {schema_id} (not looked up: more than "
                    f"{MAX_LOOKUPS_PER_BATCH} new ids in one batch)"
                )
                resolved.append(WriterSchema(schema_id, None, reason))
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
        cached = self._found.get(schema_id)
        if cached is not None:
            self._found.move_to_end(schema_id)
            return cached
        found = self._registry.schema_by_id(schema_id)
        if found is None:
            return WriterSchema(schema_id, None, f"unknown schema id {schema_id}")
        schema_type, text = found
        if schema_type != "AVRO":
            resolved = WriterSchema(
                schema_id, None, f"schema id {schema_id} is a {schema_type} schema, not Avro"
            )
        else:
            resolved = WriterSchema(schema_id, text, None)
        self._remember(self._found, schema_id, resolved)
        return resolved

    @staticmethod
    def _remember(cache: OrderedDict[int, V], key: int, value: V) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > MAX_CACHED:
            cache.popitem(last=False)
