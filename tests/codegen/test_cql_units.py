"""Pure CQL rendering rules: the keyspace statement and names of user-defined types."""

from __future__ import annotations

import pytest

from codegen.errors import SchemaError
from codegen.model import Record
from codegen.render_cql import keyspace_statement, udt_name


def test_keyspace_statement_takes_replication_from_configuration() -> None:
    assert keyspace_statement(
        "spark_streams", {"class": "SimpleStrategy", "replication_factor": 1}
    ) == (
        "CREATE KEYSPACE IF NOT EXISTS spark_streams WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1};"
    )
    statement = keyspace_statement("ks", {"class": "NetworkTopologyStrategy", "dc'1": 3})
    assert statement.endswith("{'class': 'NetworkTopologyStrategy', 'dc''1': 3};")


def test_keyspace_statement_rejects_bad_names_and_settings() -> None:
    with pytest.raises(SchemaError, match="'select' is a reserved CQL word"):
        keyspace_statement("select", {"class": "SimpleStrategy", "replication_factor": 1})
    with pytest.raises(ValueError, match=r"cassandra\.replication needs a 'class'"):
        keyspace_statement("ks", {"replication_factor": 1})


def test_udt_names_are_snake_case_record_names() -> None:
    assert udt_name(Record("io.x.DateOfBirth", (), "schemas/x.avsc")) == "date_of_birth"
    assert udt_name(Record("Md5Sum", (), "schemas/x.avsc")) == "md5_sum"
