"""A local Spark session reads Kafka with the ``kafka`` source and writes Cassandra."""

from __future__ import annotations

import uuid

from cassandra.cluster import Session
from pyspark.sql import SparkSession
from pyspark.sql.functions import col

from config import Settings
from tests.fixtures.kafka import produce


def test_spark_reads_kafka_and_writes_cassandra(
    local_stack: Settings,
    spark: SparkSession,
    unique_topic: str,
    unique_keyspace: str,
    cassandra_session: Session,
) -> None:
    expected = {str(uuid.uuid4()): f"user {i}" for i in range(20)}
    produce(local_stack, unique_topic, [(k.encode(), v.encode()) for k, v in expected.items()])

    cassandra_session.execute(
        f"CREATE TABLE {unique_keyspace}.names (id text PRIMARY KEY, name text, part int)"
    )
    frame = (
        spark.read.format("kafka")
        .option("kafka.bootstrap.servers", local_stack.kafka.bootstrap_servers)
        .option("subscribe", unique_topic)
        .option("startingOffsets", "earliest")
        .option("endingOffsets", "latest")
        .load()
        .select(
            col("key").cast("string").alias("id"),
            col("value").cast("string").alias("name"),
            col("partition").alias("part"),
        )
    )
    (
        frame.write.format("org.apache.spark.sql.cassandra")
        .options(keyspace=unique_keyspace, table="names")
        .mode("append")
        .save()
    )

    rows = cassandra_session.execute(f"SELECT id, name, part FROM {unique_keyspace}.names")
    stored = {row.id: (row.name, row.part) for row in rows}
    assert stored == {key: (name, 0) for key, name in expected.items()}
