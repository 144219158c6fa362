"""Writer schemas by id from the Schema Registry, fetched on the driver and cached (bounded).

A missing id (HTTP 404) or a non-Avro schema is a property of the message: it becomes a DLQ
reason. Any other registry failure (down, timing out, auth) is raised, which fails the
micro-batch; the supervised query then restarts from its checkpoint, so no message is lost or
wrongly rejected while the registry is unavailable. An unknown id is remembered only for
``UNKNOWN_TTL_S``, so an id registered later is found on a later batch, while a flood of random
ids costs one lookup per id and minute, not one per message.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TypeVar

from clients.registry import Registry
from config import Settings

MAX_CACHED = 1024
V = TypeVar("V")
UNKNOWN_TTL_S = 30.0


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
        self._unknown: OrderedDict[int, float] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> WriterSchemas:
        """A resolver talking to the registry of ``settings``."""
        return cls(Registry(settings.registry))

    def resolve(self, schema_id: int) -> WriterSchema:
        """The writer schema of ``schema_id``; raises only on registry failures."""
        cached = self._found.get(schema_id)
        if cached is not None:
            self._found.move_to_end(schema_id)
            return cached
        unknown = WriterSchema(schema_id, None, f"unknown schema id {schema_id}")
        seen_missing = self._unknown.get(schema_id)
        if seen_missing is not None and time.monotonic() - seen_missing < UNKNOWN_TTL_S:
            return unknown
        found = self._registry.schema_by_id(schema_id)
        if found is None:
            self._remember(self._unknown, schema_id, time.monotonic())
            return unknown
        self._unknown.pop(schema_id, None)
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
