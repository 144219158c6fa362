"""Pure logic of the job: source/sink options, the contract's decode-failure signal, metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastavro import parse_schema
from fastavro.schema import to_parsing_canonical_form
from pydantic import SecretStr

from config.settings import CassandraSettings, KafkaSettings
from spark.contract import ReaderContract
from spark.metrics import BatchMetrics, MetricsLog
from spark.microbatch import is_infrastructure
from spark.options import cassandra_options, kafka_options

V2_SCHEMA = Path(__file__).parent / "schemas" / "user_created_v2.avsc"


def _contract(fields: list[dict[str, object]]) -> ReaderContract:
    schema = {"type": "record", "name": "R", "fields": fields}
    return ReaderContract(json.dumps(schema), (("id", "value.id"),), "ks", "t", ("id",))


def test_required_fields_are_the_non_nullable_top_level_fields() -> None:
    contract = _contract(
        [
            {"name": "id", "type": "string"},
            {"name": "maybe", "type": ["null", "string"], "default": None},
            {"name": "nested", "type": {"type": "record", "name": "N", "fields": []}},
        ]
    )
    assert contract.required_fields() == ("id", "nested")


def test_required_fields_fall_back_to_all_fields_when_every_field_is_nullable() -> None:
    contract = _contract([{"name": "a", "type": ["null", "int"]}, {"name": "b", "type": "null"}])
    assert contract.required_fields() == ("a", "b")


def test_kafka_options_plaintext_has_no_credentials() -> None:
    options = kafka_options(KafkaSettings(bootstrap_servers="broker:29092"))
    assert options == {
        "kafka.bootstrap.servers": "broker:29092",
        "kafka.security.protocol": "PLAINTEXT",
    }


def test_kafka_options_sasl_builds_a_jaas_config_for_the_mechanism() -> None:
    kafka = KafkaSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="svc",
        sasl_password=SecretStr('pa"ss'),
    )
    jaas = kafka_options(kafka)["kafka.sasl.jaas.config"]
    assert jaas.startswith("org.apache.kafka.common.security.scram.ScramLoginModule required")
    assert 'username="svc"' in jaas
    assert 'password="pa\\"ss"' in jaas


def test_kafka_options_reject_an_unsupported_mechanism_naming_the_setting() -> None:
    kafka = KafkaSettings(sasl_mechanism="GSSAPI", sasl_username="u", sasl_password=SecretStr("p"))
    with pytest.raises(ValueError, match=re.escape("kafka.sasl_mechanism='GSSAPI'")):
        kafka_options(kafka)


def test_cassandra_options_carry_consistency_and_optional_auth() -> None:
    plain = cassandra_options(
        CassandraSettings(contact_points=["a", "b"], port=9142, write_consistency="ONE")
    )
    assert plain["spark.cassandra.connection.host"] == "a,b"
    assert plain["spark.cassandra.connection.port"] == "9142"
    assert plain["spark.cassandra.output.consistency.level"] == "ONE"
    assert "spark.cassandra.auth.username" not in plain
    with_auth = cassandra_options(CassandraSettings(username="u", password=SecretStr("secret")))
    assert with_auth["spark.cassandra.auth.password"] == "secret"


def test_metrics_log_appends_json_lines_and_returns_the_last(tmp_path: Path) -> None:
    log = MetricsLog(tmp_path / "m" / "batches.jsonl")
    assert log.last_batch() is None
    for batch_id in (0, 1):
        log.record(
            BatchMetrics(
                batch_id=batch_id,
                finished_at_ms=1,
                duration_ms=2,
                rows_read=3 + batch_id,
                rows_written=2,
                rows_rejected=1 + batch_id,
                rejected_by_rule={"wire:framing": 1 + batch_id},
            )
        )
    assert [b["batch_id"] for b in log.batches()] == [0, 1]
    last = log.last_batch()
    assert last is not None
    assert last["rows_read"] == 4
    assert last["rejected_by_rule"] == {"wire:framing": 2}


def test_metrics_log_skips_a_torn_last_line_but_names_a_corrupt_one(tmp_path: Path) -> None:
    path = tmp_path / "batches.jsonl"
    path.write_text('{"batch_id": 0}\n{"batch_id": 1, "rows', encoding="utf-8")
    assert MetricsLog(path).batches() == [{"batch_id": 0}]
    path.write_text('{"batch_id": 0}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"{path}:2: not a JSON batch record")):
        MetricsLog(path).batches()


def test_v2_schema_is_the_contract_plus_one_optional_field() -> None:
    """Guards the test-only v2 from going stale when the contract changes."""
    current = json.loads(ReaderContract.current().reader_schema)
    v2 = json.loads(V2_SCHEMA.read_text(encoding="utf-8"))
    *v1_fields, added = v2["fields"]
    assert _canonical({**v2, "fields": v1_fields}) == _canonical(current)
    assert added["type"] == ["null", "string"]
    assert added["default"] is None


def _canonical(schema: dict[str, object]) -> str:
    return str(to_parsing_canonical_form(parse_schema(schema)))


@pytest.mark.parametrize(
    ("message", "about_cassandra"),
    [
        # a query stopped mid-write: the batch is replayed, its rows are not dead-lettered
        ("java.lang.InterruptedException", True),
        ("com.datastax.oss.driver.api.core.AllNodesFailedException: All 1 node(s) tried", True),
        ("InvalidQueryException: Invalid UUID string: not-a-uuid", False),
    ],
)
def test_write_failures_about_the_sink_fail_the_batch_and_others_isolate_rows(
    message: str, about_cassandra: bool
) -> None:
    assert is_infrastructure(message) is about_cassandra
