"""Kafka keys of several fields, and how the demo finds a record's row by its key."""

from __future__ import annotations

import types
import uuid
from dataclasses import replace

import pytest

from contract.catalog import Contract, contract
from contract.streams import KEY_SEPARATOR, column_name, kafka_key, key_parts, value_column
from stack.demo import DemoError, KeyLookup


def test_a_key_is_its_fields_values_as_text_in_order() -> None:
    assert kafka_key(["a1b2"]) == b"a1b2"
    assert kafka_key(["FR", "Paris", 75]) == f"FR{KEY_SEPARATOR}Paris{KEY_SEPARATOR}75".encode()


def test_key_parts_undo_kafka_key_even_when_the_last_value_holds_the_separator() -> None:
    values = ["FR", f"a{KEY_SEPARATOR}b"]
    assert key_parts(kafka_key(values).decode(), 2) == values
    assert key_parts("only", 1) == ["only"]


def test_nested_fields_are_flattened_columns_and_spark_references() -> None:
    assert column_name(["location", "city"]) == "location_city"
    assert value_column(["location", "city"]) == "value.`location`.`city`"


def test_the_demo_finds_users_by_their_uuid_key_in_the_first_table() -> None:
    users = contract("user_created")
    lookup = KeyLookup.of(users)
    assert (lookup.table.name, lookup.columns) == ("created_users", ("id",))
    key = str(uuid.uuid4())
    assert lookup.values([key]) == [(uuid.UUID(key),)]


def test_a_key_leading_no_table_stops_the_demo_naming_the_declaration() -> None:
    users = contract("user_created")
    module = types.ModuleType(users.module.__name__)
    module.__dict__.update(vars(users.module))
    keyed_by_username = replace(users.stream, key=("username",))
    module.__dict__["DECLARED"] = replace(users.declared, stream=keyed_by_username)
    odd = Contract(module)
    with pytest.raises(DemoError, match=r"user_created: .*\(username; x-kafka.key\)"):
        KeyLookup.of(odd)
