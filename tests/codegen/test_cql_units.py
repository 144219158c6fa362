"""Pure CQL rendering rules: the keyspace statement and names of user-defined types."""

from __future__ import annotations

import pytest

from codegen.errors import SchemaError
from codegen.migrations import step_migration
from codegen.model import Record
from codegen.parse import parse_document
from codegen.render_cql import keyspace_statement, render_tables, udt_name
from codegen.table import Table, tables_for


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


def _table(x_cassandra: dict[str, object]) -> Table:
    document = {
        "type": "record",
        "name": "T",
        "doc": "d",
        "x-cassandra": {"keyspace": "ks", "table": "t", "partition_key": ["id"], **x_cassandra},
        "fields": [
            {"name": "id", "doc": "d", "type": "int"},
            {"name": "v", "doc": "d", "type": "string"},
        ],
    }
    (table,) = tables_for(parse_document(document, "schemas/t.avsc"))
    return table


def test_a_default_ttl_reaches_the_ddl_and_a_changed_one_is_a_migration() -> None:
    kept = _table({"default_ttl": 86400})
    ddl, _ = render_tables((kept,))
    assert ddl.rstrip().endswith(")\nWITH default_time_to_live = 86400;")
    step = step_migration(_table({}), kept, 2)
    assert step is not None
    name, text = step
    assert name == "t/0002_set_ttl.cql"
    assert "ALTER TABLE t WITH default_time_to_live = 86400;" in text
    assert step_migration(kept, kept, 3) is None


@pytest.mark.parametrize("ttl", [0, -5, "1d", True, 630_720_001])
def test_a_bad_default_ttl_is_refused(ttl: object) -> None:
    with pytest.raises(SchemaError, match=r"x-cassandra\.default_ttl: must be a number of seconds"):
        _table({"default_ttl": ttl})
