"""Spark data source options for Kafka and Cassandra, derived from the one settings object.

The returned dicts may hold secrets (SASL and Cassandra passwords): pass them to Spark, never log
them.
"""

from __future__ import annotations

from config.settings import CassandraSettings, KafkaSettings

_JAAS_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}


def kafka_options(kafka: KafkaSettings) -> dict[str, str]:
    """Options of Spark's Kafka source and sink (the Java client's names, prefixed ``kafka.``)."""
    options = {
        "kafka.bootstrap.servers": kafka.bootstrap_servers,
        "kafka.security.protocol": kafka.security_protocol,
    }
    if kafka.sasl_mechanism:
        options["kafka.sasl.mechanism"] = kafka.sasl_mechanism
    if kafka.sasl_username and kafka.sasl_password:
        mechanism = kafka.sasl_mechanism or "PLAIN"
        module = _JAAS_MODULES.get(mechanism)
        if module is None:
            raise ValueError(
                f"kafka.sasl_mechanism={mechanism!r}: username/password login supports "
                f"{sorted(_JAAS_MODULES)}"
            )
        password = kafka.sasl_password.get_secret_value().replace('"', '\\"')
        username = kafka.sasl_username.replace('"', '\\"')
        options["kafka.sasl.jaas.config"] = (
            f'{module} required username="{username}" password="{password}";'
        )
    return options


def kafka_source_timeouts(kafka: KafkaSettings) -> dict[str, str]:
    """Bounds on the Kafka source's broker calls, from ``kafka.request_timeout_s``."""
    millis = str(int(kafka.request_timeout_s * 1000))
    return {"kafka.request.timeout.ms": millis, "kafka.default.api.timeout.ms": millis}


def dlq_sink_options(kafka: KafkaSettings) -> dict[str, str]:
    """Options of the Kafka sink that writes the DLQ: a rejected record plus its headers may
    be larger than the main topic's limit, so requests may be as large as the DLQ topic allows."""
    return {**kafka_options(kafka), "kafka.max.request.size": str(kafka.dlq_max_message_bytes)}


def cassandra_options(cassandra: CassandraSettings) -> dict[str, str]:
    """Connection, timeout and write options of the Spark Cassandra Connector."""
    options = {
        "spark.cassandra.connection.host": ",".join(cassandra.contact_points),
        "spark.cassandra.connection.port": str(cassandra.port),
        "spark.cassandra.connection.localDC": cassandra.local_dc,
        "spark.cassandra.connection.timeoutMS": str(int(cassandra.connect_timeout_s * 1000)),
        "spark.cassandra.read.timeoutMS": str(int(cassandra.request_timeout_s * 1000)),
        "spark.cassandra.output.consistency.level": cassandra.write_consistency,
    }
    if cassandra.username and cassandra.password:
        options["spark.cassandra.auth.username"] = cassandra.username
        options["spark.cassandra.auth.password"] = cassandra.password.get_secret_value()
    return options
