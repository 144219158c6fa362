"""Pure logic of the job: source/sink options, the contract's decode-failure signal, metrics,
the state file and the restart policy."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fastavro import parse_schema
from fastavro.schema import to_parsing_canonical_form
from pydantic import SecretStr

from config.settings import CassandraSettings, KafkaSettings
from contract.catalog import all_contracts, contract
from contract.streams import TableTarget
from spark.cassandra_sink import is_infrastructure
from spark.metrics import BatchMetrics, MetricsLog
from spark.options import cassandra_options, kafka_options
from spark.reader_contract import ReaderContract
from spark.restarts import CONFIGURATION_ERROR, FIRST_DELAY_S, RestartPolicy
from spark.state import JobPhase, JobState, JobStateFile, ReaderState

V2_SCHEMA = Path(__file__).parent / "schemas" / "user_created_v2.avsc"
REPO_ROOT = Path(__file__).resolve().parents[2]


def _contract(fields: list[dict[str, object]]) -> ReaderContract:
    schema = {"type": "record", "name": "R", "fields": fields}
    table = TableTarget("ks", "t", (("id", "value.id"),), ("id",))
    return ReaderContract("r", "R", json.dumps(schema), (table,))


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
    for batch_id, topic in ((0, "users"), (1, "users"), (0, "quakes")):
        log.record(
            BatchMetrics(
                batch_id=batch_id,
                finished_at_ms=1,
                duration_ms=2,
                rows_read=3 + batch_id,
                rows_written=2,
                rows_rejected=1 + batch_id,
                topic=topic,
                rejected_by_rule={"wire:framing": 1 + batch_id},
                rows_by_table={f"{topic}_by_id": 2},
                reader_versions={topic: 2},
            )
        )
    assert [(b["topic"], b["batch_id"]) for b in log.batches()] == [
        ("users", 0),
        ("users", 1),
        ("quakes", 0),
    ]
    last = log.last_batch("users")
    assert last is not None
    assert last["rows_read"] == 4
    assert last["rejected_by_rule"] == {"wire:framing": 2}
    assert last["rows_by_table"] == {"users_by_id": 2}
    assert last["reader_versions"] == {"users": 2}
    latest = log.last_batch()
    assert latest is not None and latest["topic"] == "quakes"
    assert log.last_batch("elsewhere") is None


def test_metrics_log_skips_a_torn_last_line_but_names_a_corrupt_one(tmp_path: Path) -> None:
    path = tmp_path / "batches.jsonl"
    path.write_text('{"batch_id": 0}\n{"batch_id": 1, "rows', encoding="utf-8")
    assert MetricsLog(path).batches() == [{"batch_id": 0}]
    path.write_text('{"batch_id": 0}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"{path}:2: not a JSON batch record")):
        MetricsLog(path).batches()


def test_v2_schema_is_the_contract_plus_one_optional_field() -> None:
    """Guards the test-only v2 from going stale when the contract changes."""
    current = json.loads(ReaderContract.generated(contract("user_created")).reader_schema)
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


# -- the reader contract ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [c.name for c in all_contracts()])
def test_the_generated_reader_contract_equals_one_derived_from_its_schema(name: str) -> None:
    """What the live reader derives from a registered text is what ``make codegen`` wrote."""
    chosen = contract(name)
    generated = ReaderContract.generated(chosen)
    derived = ReaderContract.from_schema(chosen.schema, f"schemas/{name}.avsc", name, 3)
    assert derived == generated
    assert derived.texts_ok == generated.texts_ok
    assert (derived.version, generated.version) == (3, None)
    assert generated.record_name == chosen.record_name
    assert len(generated.tables) == 2


def test_the_projection_has_each_column_of_every_table_once() -> None:
    users = ReaderContract.generated(contract("user_created"))
    by_id, by_country = users.tables
    assert (by_id.name, by_country.name) == ("created_users", "users_by_country")
    assert by_country.primary_key == ("location_country", "registered_date", "id")
    assert set(by_country.columns) < set(by_id.columns)
    assert users.columns == by_id.columns  # the subset adds no column
    assert len(set(users.columns)) == len(users.columns)


# -- the state file --------------------------------------------------------------------------


def test_state_updates_merge_and_are_read_back(tmp_path: Path) -> None:
    state = JobStateFile(tmp_path / "job" / "state.json")
    assert state.read() == JobState()
    state.update(pid=10, ui_url="http://127.0.0.1:4040", queries={"users": "q1"})
    after = state.update(phase=JobPhase.RUNNING, pid=11)
    assert after == state.read()
    assert (after.pid, after.ui_url, after.phase) == (11, "http://127.0.0.1:4040", "running")
    assert after.queries == {"users": "q1"}


def test_a_state_change_to_an_unknown_field_raises_type_error(tmp_path: Path) -> None:
    state = JobStateFile(tmp_path / "state.json")
    state.update(pid=1)
    with pytest.raises(TypeError, match="JobState has no field"):
        state.update(pid=2, restarts=3)
    with pytest.raises(TypeError, match="ReaderState has no field"):
        state.update_reader("users-value", versoin=2)
    with pytest.raises(TypeError, match="not a counter"):
        state.count("ui_url")
    assert state.read() == JobState(pid=1), "a refused change changes nothing"


def test_reader_updates_merge_per_subject(tmp_path: Path) -> None:
    state = JobStateFile(tmp_path / "state.json")
    state.update_reader("users-value", version=2, writer_versions={"7": 1})
    state.update_reader("quakes-value", refused={"3": "key changed"})
    after = state.update_reader("users-value", switched_at="t1")
    assert after.readers == {
        "users-value": ReaderState(version=2, switched_at="t1", writer_versions={"7": 1}),
        "quakes-value": ReaderState(refused={"3": "key changed"}),
    }


def test_count_adds_one_and_merges_in_one_step(tmp_path: Path) -> None:
    state = JobStateFile(tmp_path / "state.json")
    state.count("query_restarts", last_failure="Kafka down")
    after = state.count("query_restarts", failure_streak=2)
    assert (after.query_restarts, after.failure_streak, after.last_failure) == (
        2,
        2,
        "Kafka down",
    )
    state.mark_progress("q1")
    marked = state.read()
    assert marked.progress_at.keys() == {"q1"}
    assert marked.last_progress_at == marked.progress_at["q1"]


_INCREMENTS = 50


def _count_many(path: str, field: str) -> None:
    """One writer: ``_INCREMENTS`` counts of ``field`` (in a thread or another process)."""
    state = JobStateFile(Path(path))
    for _ in range(_INCREMENTS):
        state.count(field)


def test_concurrent_threads_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    writers = [
        threading.Thread(target=_count_many, args=(str(path), field))
        for field in ("query_restarts", "query_restarts", "stalls", "process_restarts")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    state = JobStateFile(path).read()
    assert (state.query_restarts, state.stalls, state.process_restarts) == (100, 50, 50)


def test_concurrent_processes_lose_no_update(tmp_path: Path) -> None:
    """4 processes x 50 increments of one counter: 200, whatever the interleaving."""
    path = tmp_path / "state.json"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from spark.state import JobStateFile\n"
        "state = JobStateFile(Path(sys.argv[1]))\n"
        f"for _ in range({_INCREMENTS}):\n"
        "    state.count('process_restarts')\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=REPO_ROOT) for _ in range(4)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0] * 4
    assert JobStateFile(path).read().process_restarts == 4 * _INCREMENTS
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert leftovers == ["state.json", "state.json.lock"], "no temporary file is left"


# -- the restart policy ----------------------------------------------------------------------


class _Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_restart_delays_double_per_failure_up_to_the_cap() -> None:
    clock = _Clock()
    policy = RestartPolicy(max_delay_s=60.0, clock=clock)
    delays = []
    for _ in range(8):
        policy.started()
        clock.now += 1.0  # each run fails quickly
        delays.append(policy.failed())
    assert delays == [FIRST_DELAY_S * 2**k for k in range(5)] + [60.0, 60.0, 60.0]
    assert delays[:3] == [2.0, 4.0, 8.0]
    assert policy.streak == 8


def test_a_run_longer_than_the_cap_starts_a_new_streak() -> None:
    clock = _Clock()
    policy = RestartPolicy(max_delay_s=30.0, clock=clock)
    for _ in range(3):
        policy.started()
        clock.now += 5.0
        policy.failed()
    assert policy.streak == 3
    policy.started()
    clock.now += 31.0  # ran longer than the longest wait: healthy for a while
    assert policy.failed() == FIRST_DELAY_S
    assert policy.streak == 1
    policy.started()
    clock.now += 30.0  # exactly the cap is not longer than it: the streak goes on
    assert policy.failed() == 2 * FIRST_DELAY_S


def test_a_huge_streak_stays_at_the_cap() -> None:
    clock = _Clock()
    policy = RestartPolicy(max_delay_s=600.0, clock=clock, streak=10_000)
    policy.started()
    assert policy.failed() == 600.0
    assert CONFIGURATION_ERROR == 3
