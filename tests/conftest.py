"""Root fixtures every test area shares: settings, the local stack, unique names, clients.

The stack is brought up once per session (or a running one is reused) and stopped at the
end only when this session started it. Each test gets its own topic, subject and keyspace,
so tests running side by side never see each other's data.
"""

from __future__ import annotations

import gc
import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cassandra.cluster import Session
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic
from confluent_kafka.schema_registry import SchemaRegistryClient
from pyspark.sql import SparkSession

import stack
from clients.cassandra import connect
from config import Settings, load_settings
from spark.session import loopback_environment, session_conf
from stack.leases import release_lease, take_lease

_ADMIN_TIMEOUT_S = 30.0


def unique_name(request: pytest.FixtureRequest, prefix: str) -> str:
    """``<prefix>_<test name>_<8 hex>``: unique, readable, valid as topic and keyspace name."""
    test = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")[:20]
    return f"{prefix}_{test}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The pipeline's settings (pipeline.toml plus PIPELINE_* environment overrides)."""
    return load_settings()


@pytest.fixture(scope="session")
def local_stack(settings: Settings) -> Iterator[Settings]:
    """The local stack, healthy. Stopped afterwards only if this session started it and
    no other live test session still holds a lease on it. With another profile (docker,
    cluster) the configured services are used as they are."""
    if settings.profile != "local":
        yield settings
        return
    result = stack.up(settings)
    take_lease(settings)
    yield settings
    # Kafka clients caught in reference cycles (a producer and its bound delivery callback)
    # are freed here, while the broker still answers, not at interpreter exit after it stopped.
    gc.collect()
    if release_lease(settings) and result.started:
        stack.down(settings, only=result.started)


@pytest.fixture(scope="session")
def kafka_admin(local_stack: Settings) -> AdminClient:
    """An AdminClient on the local broker."""
    return AdminClient(local_stack.kafka.client_config())


@pytest.fixture
def unique_topic(
    request: pytest.FixtureRequest, local_stack: Settings, kafka_admin: AdminClient
) -> Iterator[str]:
    """A fresh single-partition topic, deleted after the test."""
    name = unique_name(request, "t")
    futures = kafka_admin.create_topics(
        [NewTopic(name, num_partitions=1, replication_factor=1)],
        operation_timeout=_ADMIN_TIMEOUT_S,
    )
    futures[name].result(timeout=_ADMIN_TIMEOUT_S)
    yield name
    kafka_admin.delete_topics([name], operation_timeout=_ADMIN_TIMEOUT_S)[name].result(
        timeout=_ADMIN_TIMEOUT_S
    )


@pytest.fixture(scope="session")
def registry_client(local_stack: Settings) -> SchemaRegistryClient:
    """confluent-kafka's SchemaRegistryClient on the local registry."""
    return SchemaRegistryClient(local_stack.registry.client_config())


@pytest.fixture
def unique_subject(
    request: pytest.FixtureRequest, registry_client: SchemaRegistryClient
) -> Iterator[str]:
    """A fresh subject name (``<name>-value``); deleted (permanently) after the test."""
    name = f"{unique_name(request, 's')}-value"
    yield name
    if name in registry_client.get_subjects():
        registry_client.delete_subject(name)
        registry_client.delete_subject(name, permanent=True)


@pytest.fixture(scope="session")
def cassandra_session(local_stack: Settings) -> Iterator[Session]:
    """A cassandra-driver Session on the configured cluster (no keyspace selected)."""
    with connect(local_stack) as session:
        yield session


@pytest.fixture
def unique_keyspace(request: pytest.FixtureRequest, cassandra_session: Session) -> Iterator[str]:
    """A fresh keyspace (SimpleStrategy, replication factor 1), dropped after the test."""
    name = unique_name(request, "ks")
    cassandra_session.execute(
        f"CREATE KEYSPACE {name} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    yield name
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}")


def spark_conf(settings: Settings) -> dict[str, Any]:
    """The SparkSession settings the tests use: the job's own, smaller, without a UI."""
    return {
        **session_conf(settings),
        "spark.cassandra.connection.host": settings.cassandra.contact_points[0],
        "spark.cassandra.connection.port": str(settings.cassandra.port),
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        "spark.ui.enabled": "false",
        "spark.driver.memory": "1g",
    }


@pytest.fixture(scope="session")
def spark(local_stack: Settings) -> Iterator[SparkSession]:
    """A local SparkSession (``settings.spark.master``) with the Kafka, Avro and Cassandra
    connectors on its classpath; shared by the whole session."""
    os.environ.update(loopback_environment(local_stack.spark.master))
    builder = SparkSession.builder.appName("userstream-tests")
    for key, value in spark_conf(local_stack).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    yield session
    session.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the `make demo` test last: it takes the shared stack down and brings it back up,
    which the other tests' session-wide clients should not have to live through."""
    items.sort(key=lambda item: item.get_closest_marker("restarts_stack") is not None)
