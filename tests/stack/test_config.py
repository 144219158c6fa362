"""Pure logic of the stack: settings copies, generated configuration, Maven output parsing,
jar selection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from config import Settings, load_settings
from config.settings import REPO_ROOT, KafkaSettings, updated
from spark.session import fetched_jars, pyspark_jar_names
from stack.artifacts import missing_artifacts, pom_property
from stack.cassandra_node import cassandra_yaml
from stack.kafka_broker import server_properties
from stack.service import kafka_port, registry_port
from tests.fixtures.private_stack import private_cluster_settings
from tests.fixtures.settings_env import settings_env


def test_ports_come_from_client_settings(settings: Settings) -> None:
    moved = updated(
        settings,
        kafka={"bootstrap_servers": "a:1234,b:99"},
        registry={"url": "http://h:7777/apis/x"},
    )
    assert (kafka_port(moved), registry_port(moved)) == (1234, 7777)


def test_an_updated_copy_is_validated_and_normalized(settings: Settings) -> None:
    tls = updated(settings, kafka={"security_protocol": "sasl_ssl"})
    assert tls.kafka.security_protocol == "SASL_SSL"
    assert tls.kafka.uses_tls
    assert tls.kafka.client_config()["security.protocol"] == "SASL_SSL"
    assert not settings.kafka.uses_tls, "the original is not changed"
    alone = updated(KafkaSettings(), security_protocol="ssl")
    assert (alone.security_protocol, alone.uses_tls) == ("SSL", True)
    with pytest.raises(ValidationError, match="security_protocol"):
        updated(settings, kafka={"security_protocol": "TLS"})
    with pytest.raises(ValidationError, match="partitions"):
        updated(settings, kafka={"partitions": 0})


def test_a_misspelt_setting_is_an_error(settings: Settings) -> None:
    with pytest.raises(ValueError, match="Settings has no setting 'kafak'"):
        updated(settings, kafak={"topic_prefix": "x."})
    with pytest.raises(ValueError, match="KafkaSettings has no setting 'topic_prefx'"):
        updated(settings, kafka={"topic_prefx": "x."})


def test_nested_groups_merge_and_keep_their_other_settings(
    settings: Settings, tmp_path: Path
) -> None:
    status = tmp_path / "job" / "state.json"
    changed = updated(
        settings,
        kafka={"topic_prefix": "t1.", "tls": {"check_hostname": False}},
        spark={"status_file": status},
        source={"urls": {"user_created": "http://127.0.0.1:1/api/1.4/"}},
    )
    assert changed.kafka.topic_prefix == "t1."
    assert changed.kafka.tls.check_hostname is False
    assert changed.kafka.tls.ca_file == settings.kafka.tls.ca_file
    assert changed.kafka.bootstrap_servers == settings.kafka.bootstrap_servers
    assert changed.spark.status_file == status
    assert changed.spark.metrics_file == settings.spark.metrics_file
    assert changed.source.urls == {"user_created": "http://127.0.0.1:1/api/1.4/"}
    assert changed.registry == settings.registry
    replaced = updated(changed, kafka=KafkaSettings(bootstrap_servers="b:1"))
    assert replaced.kafka == KafkaSettings(bootstrap_servers="b:1"), "a model replaces the group"
    with pytest.raises(ValidationError, match="frozen"):
        changed.kafka.topic_prefix = "t2."  # type: ignore[misc]


def test_kafka_is_one_kraft_node_on_loopback(settings: Settings, tmp_path: Path) -> None:
    props = dict(
        line.split("=", 1) for line in server_properties(settings, tmp_path).splitlines() if line
    )
    ctl = settings.stack.kafka_controller_port
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == f"1@127.0.0.1:{ctl}"
    assert props["listeners"] == (
        f"PLAINTEXT://127.0.0.1:{kafka_port(settings)},CONTROLLER://127.0.0.1:{ctl}"
    )
    assert props["log.dirs"] == str(tmp_path)
    assert props["offsets.topic.replication.factor"] == "1"


def test_cassandra_yaml_keeps_everything_under_home(settings: Settings, tmp_path: Path) -> None:
    config = json.loads(cassandra_yaml(settings, tmp_path))
    assert config["native_transport_port"] == settings.cassandra.port
    assert config["storage_port"] == settings.stack.cassandra_storage_port
    assert config["listen_address"] == config["rpc_address"] == "127.0.0.1"
    dirs = [*config["data_file_directories"], config["commitlog_directory"]]
    assert all(Path(d).is_relative_to(tmp_path) for d in dirs)


def test_missing_artifacts_parsed_from_maven_output() -> None:
    output = (
        "[ERROR] Failed to execute goal on project stack-kafka: Could not resolve dependencies"
        " for project userstream.stack:stack-kafka:pom:1: The following artifacts could not be"
        " resolved: org.apache.kafka:kafka_2.13:jar:0.0.404, org.x:y:jar:1.0: Could not find"
        " artifact org.apache.kafka:kafka_2.13:jar:0.0.404 in central"
    )
    assert missing_artifacts(output) == [
        "org.apache.kafka:kafka_2.13:jar:0.0.404",
        "org.x:y:jar:1.0",
    ]


def test_versions_are_pinned_in_the_pom() -> None:
    assert pom_property("kafka.version").startswith("4.")
    assert pom_property("cassandra.version").startswith("5.0.")


def test_spark_jars_add_connectors_but_nothing_pyspark_ships(settings: Settings) -> None:
    jars = fetched_jars(settings)
    names = [jar.name for jar in jars]
    for connector in ("spark-sql-kafka-0-10_2.12", "spark-avro_2.12", "spark-cassandra-connector"):
        assert any(name.startswith(connector) for name in names), connector
    shipped = pyspark_jar_names()
    assert "scala-library" in shipped
    assert not [name for name in names if name.rsplit("-", 1)[0] in shipped]


_PRINT_SETTINGS = "from config import load_settings; print(load_settings().model_dump_json())"


def test_a_child_given_settings_env_loads_exactly_those_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cluster fault tests start the job with :func:`settings_env`: a nested variable of
    this process, or a dict of ``pipeline.toml``, must not leak into what the child reads."""
    own = private_cluster_settings(load_settings(), tmp_path)
    monkeypatch.setenv("PIPELINE_KAFKA__TOPIC_PREFIX", f"{own.kafka.topic_prefix}leaked.")
    done = subprocess.run(
        [sys.executable, "-c", _PRINT_SETTINGS],
        cwd=REPO_ROOT,
        env=settings_env(own),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(own.model_dump_json())
