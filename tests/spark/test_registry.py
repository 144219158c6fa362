"""Writer schema resolution against the real registry: Avro, unknown id, non-Avro schema."""

from __future__ import annotations

import json

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from clients.registry import Registry
from config import Settings
from contract.catalog import contract
from contract.dlq import Rejection, RejectRule
from spark.writer_schemas import MAX_LOOKUPS_PER_BATCH, WriterSchemas
from tests.fixtures.spark import USER_CONTRACT

pytestmark = pytest.mark.stack


def test_an_avro_id_resolves_to_its_schema_and_stays_cached(
    registry_client: SchemaRegistryClient, unique_subject: str, settings: Settings
) -> None:
    reader = contract(USER_CONTRACT).schema
    schema_id = registry_client.register_schema(unique_subject, Schema(reader, "AVRO"))
    schemas = WriterSchemas(Registry(settings.registry))
    resolved = schemas.resolve(schema_id)
    assert resolved.problem is None
    assert resolved.avro_json is not None
    assert json.loads(resolved.avro_json)["name"] == json.loads(reader)["name"]
    assert schemas.resolve(schema_id) == resolved
    flood = list(range(1_900_000_000, 1_900_000_000 + MAX_LOOKUPS_PER_BATCH))
    *_, again = schemas.resolve_batch([*flood, schema_id])
    assert again == resolved, "a cached id needs no lookup, even past a batch's lookup budget"


def test_an_unknown_id_is_a_reject_reason_not_an_error(local_stack: Settings) -> None:
    resolved = WriterSchemas(Registry(local_stack.registry)).resolve(1_999_999_999)
    assert resolved.avro_json is None
    assert resolved.problem == Rejection(
        RejectRule.UNKNOWN_SCHEMA, "", "unknown schema id 1999999999"
    )


def test_a_non_avro_schema_is_a_reject_reason(
    registry_client: SchemaRegistryClient, unique_subject: str, settings: Settings
) -> None:
    json_schema = json.dumps({"type": "object", "properties": {"id": {"type": "string"}}})
    schema_id = registry_client.register_schema(unique_subject, Schema(json_schema, "JSON"))
    resolved = WriterSchemas(Registry(settings.registry)).resolve(schema_id)
    assert resolved.avro_json is None
    assert resolved.problem == Rejection(
        RejectRule.NOT_AVRO, "", f"schema id {schema_id} is a JSON schema, not Avro"
    )


def test_a_flood_of_new_ids_is_looked_up_a_bounded_number_of_times(local_stack: Settings) -> None:
    ids = list(range(1_900_000_000, 1_900_000_000 + MAX_LOOKUPS_PER_BATCH + 6))
    resolved = WriterSchemas(Registry(local_stack.registry)).resolve_batch(ids)
    problems = [w.problem.message if w.problem else "" for w in resolved]
    assert all(p.startswith("unknown schema id") for p in problems)
    assert {w.problem.rule for w in resolved if w.problem} == {RejectRule.UNKNOWN_SCHEMA}
    assert sum("not looked up" in p for p in problems) == 6
