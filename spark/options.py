"""Spark data source options for Kafka and Cassandra, derived from the one settings object.

The returned dicts may hold secrets (SASL, key and store passwords): pass them to Spark, never log
them. Spark's Kafka client and the Spark Cassandra Connector are Java: Kafka reads the same PEM
files as librdkafka (``ssl.*.type=PEM``); the connector reads a JKS or PKCS#12 store instead.
"""

from __future__ import annotations

from config.settings import CassandraSettings, KafkaSettings

_JAAS_MODULES = {
    "PLAIN": "org.apache.kafka.common.security.plain.PlainLoginModule",
    "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
    "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
}
CASSANDRA_CIPHER_SUITES = (
    "TLS_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
)
"""The connector's default suites are two TLS_RSA_*_CBC_SHA ones, which an ECDSA certificate or
a TLS 1.3-only node cannot use; these are the forward-secret AEAD suites of TLS 1.3 and 1.2."""


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
    if kafka.uses_tls:
        options.update(_kafka_tls_options(kafka))
    return options


def _kafka_tls_options(kafka: KafkaSettings) -> dict[str, str]:
    tls = kafka.tls
    options = {"kafka.ssl.endpoint.identification.algorithm": "https" if tls.check_hostname else ""}
    if tls.ca_file:
        options["kafka.ssl.truststore.type"] = "PEM"
        options["kafka.ssl.truststore.location"] = str(tls.ca_file)
    if tls.cert_file:
        if tls.key_file and tls.key_file != tls.cert_file:
            raise ValueError(
                "kafka.tls.key_file: Spark's Kafka client (Java) reads the client key and "
                "certificate chain from one PEM file; put both in kafka.tls.cert_file and "
                "leave kafka.tls.key_file unset"
            )
        options["kafka.ssl.keystore.type"] = "PEM"
        options["kafka.ssl.keystore.location"] = str(tls.cert_file)
        if tls.key_password:
            options["kafka.ssl.key.password"] = tls.key_password.get_secret_value()
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
        "spark.cassandra.output.concurrent.writes": str(cassandra.concurrent_writes),
    }
    if cassandra.username and cassandra.password:
        options["spark.cassandra.auth.username"] = cassandra.username
        options["spark.cassandra.auth.password"] = cassandra.password.get_secret_value()
    if cassandra.tls.enabled:
        options.update(_cassandra_tls_options(cassandra))
    return options


def _cassandra_tls_options(cassandra: CassandraSettings) -> dict[str, str]:
    """The connector's TLS options. It verifies the node's certificate chain against the
    truststore but never its hostname (3.5.1 turns the driver's hostname validation off)."""
    tls = cassandra.tls
    prefix = "spark.cassandra.connection.ssl"
    options = {
        f"{prefix}.enabled": "true",
        f"{prefix}.enabledAlgorithms": ",".join(CASSANDRA_CIPHER_SUITES),
    }
    if tls.ca_file and not tls.truststore:
        raise ValueError(
            "cassandra.tls.ca_file is set but cassandra.tls.truststore is not: the Spark "
            "Cassandra Connector reads trusted CAs from a JKS or PKCS#12 truststore, not PEM "
            "(make one with `keytool -importcert -file <ca.pem> -keystore truststore.p12`)"
        )
    if tls.cert_file and not tls.keystore:
        raise ValueError(
            "cassandra.tls.cert_file is set but cassandra.tls.keystore is not: the Spark "
            "Cassandra Connector reads its client certificate from a JKS or PKCS#12 keystore"
        )
    for kind, path, password in (
        ("trustStore", tls.truststore, tls.truststore_password),
        ("keyStore", tls.keystore, tls.keystore_password),
    ):
        if path:
            options[f"{prefix}.{kind}.path"] = str(path)
        if path and password:
            options[f"{prefix}.{kind}.password"] = password.get_secret_value()
    if tls.keystore:
        options[f"{prefix}.clientAuth.enabled"] = "true"
    return options
