"""Personal-data tags of an Avro schema, and masking a decoded record by them."""

from __future__ import annotations

import json
from typing import Any

from contract.pii import MASK, mask, pii_paths
from generated.python.user_created import AVRO_SCHEMA
from tests.fixtures.pii import tagged

ADDRESS = {
    "type": "record",
    "name": "Address",
    "fields": [
        {"name": "street", "type": "string", "x-pii": True},
        {"name": "city", "type": "string"},
    ],
}
PERSON: dict[str, Any] = {
    "type": "record",
    "name": "Person",
    "namespace": "io.example",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "email", "type": "string", "x-pii": True},
        {"name": "nickname", "type": ["null", "string"], "default": None, "x-pii": True},
        {"name": "home", "type": ADDRESS},
        {"name": "work", "type": ["null", "Address"], "default": None},
        {"name": "birth", "type": {"type": "int", "logicalType": "date"}, "x-pii": True},
        {"name": "secret_id", "type": "string", "x-pii": "yes"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
    ],
}


def test_tagged_fields_are_found_through_nested_records_unions_and_named_references() -> None:
    assert pii_paths(PERSON) == {
        "email",
        "nickname",
        "home.street",
        "work.street",  # ["null", "Address"]: a reference to the record defined under "home"
        "birth",
    }


def test_only_the_boolean_true_tags_a_field() -> None:
    assert "secret_id" not in pii_paths(PERSON)


def test_a_nullable_inline_record_is_entered() -> None:
    schema = {
        "type": "record",
        "name": "R",
        "fields": [{"name": "contact", "type": ["null", {**ADDRESS, "name": "Contact"}]}],
    }
    assert pii_paths(schema) == {"contact.street"}


def test_a_recursive_schema_terminates() -> None:
    node = {
        "type": "record",
        "name": "Node",
        "fields": [
            {"name": "label", "type": "string", "x-pii": True},
            {"name": "next", "type": ["null", "Node"], "default": None},
        ],
    }
    assert pii_paths(node) == {"label"}


def test_tags_on_the_user_contract_are_found_at_their_paths() -> None:
    paths = {"email", "name.first", "location.street", "national_id.value"}
    already = pii_paths(json.loads(AVRO_SCHEMA))  # whatever the contract itself tags
    assert pii_paths(tagged(AVRO_SCHEMA, *paths)) == already | paths


def test_mask_replaces_tagged_non_null_values_and_keeps_everything_else() -> None:
    record = {
        "id": "u1",
        "email": "ann@example.com",
        "nickname": None,
        "home": {"street": "1 Main St", "city": "Oslo"},
        "work": None,
        "birth": 0,
        "secret_id": "s",
        "tags": ["a"],
    }
    masked = mask(record, pii_paths(PERSON))
    assert masked == {
        "id": "u1",
        "email": MASK,
        "nickname": None,
        "home": {"street": MASK, "city": "Oslo"},
        "work": None,
        "birth": MASK,
        "secret_id": "s",
        "tags": ["a"],
    }
    assert record["home"] == {"street": "1 Main St", "city": "Oslo"}, "the input is not changed"


def test_a_tagged_record_field_is_masked_whole() -> None:
    assert mask({"home": {"street": "x", "city": "y"}}, frozenset({"home"})) == {"home": MASK}
