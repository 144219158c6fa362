"""Writer schemas by id from the Schema Registry, fetched once per id on the driver."""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from config import Settings

NOT_FOUND = 404


@dataclass(frozen=True)
class WriterSchema:
    """A writer schema the job can decode with, or the reason it cannot."""

    schema_id: int
    avro_json: str | None
    problem: str | None


class WriterSchemas:
    """Resolve Confluent schema ids to Avro writer schemas, caching the ones found.

    A missing id (HTTP 404) or a non-Avro schema is a property of the message: it becomes a
    DLQ reason. Any other registry failure (down, auth) is raised after the client's own
    retries, which fails the micro-batch; the query then restarts from its checkpoint, so no
    message is lost or wrongly rejected while the registry is unavailable. Unknown ids are not
    cached, so an id registered later is found on a later batch.
    """

    def __init__(self, client: SchemaRegistryClient) -> None:
        self._client = client
        self._found: dict[int, WriterSchema] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> WriterSchemas:
        """A resolver talking to the registry of ``settings``."""
        return cls(SchemaRegistryClient(settings.registry.client_config()))

    def known(self) -> list[WriterSchema]:
        """Every writer schema resolved so far (Avro or not), by id."""
        return [self._found[i] for i in sorted(self._found)]

    def resolve(self, schema_id: int) -> WriterSchema:
        """The writer schema of ``schema_id``; raises only on registry failures."""
        cached = self._found.get(schema_id)
        if cached is not None:
            return cached
        try:
            schema = self._client.get_schema(schema_id)
        except SchemaRegistryError as err:
            if err.http_status_code == NOT_FOUND:
                return WriterSchema(schema_id, None, f"unknown schema id {schema_id}")
            raise
        schema_type = schema.schema_type or "AVRO"
        if schema_type != "AVRO":
            resolved = WriterSchema(
                schema_id, None, f"schema id {schema_id} is a {schema_type} schema, not Avro"
            )
        else:
            resolved = WriterSchema(schema_id, schema.schema_str, None)
        self._found[schema_id] = resolved
        return resolved
