"""TLS settings reach every client: librdkafka, the registry clients, the Cassandra driver, Spark's
Kafka source and sink, the Spark Cassandra Connector, and the Airflow connections."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from clients.cassandra import ssl_context
from clients.registry import Registry, RegistryError
from config import (
    CassandraSettings,
    CassandraTlsSettings,
    KafkaSettings,
    RegistrySettings,
    Settings,
    TlsSettings,
)
from config.settings import updated
from contract.catalog import contract
from producer.airflow_connections import (
    KAFKA_CONN_ID,
    REGISTRY_CONN_ID,
    ConnectionLike,
    with_connections,
)
from spark.options import CASSANDRA_CIPHER_SUITES, cassandra_options, kafka_options
from stack import tls

CA = Path("/etc/userstream/ca.pem")
CERT = Path("/etc/userstream/client.pem")
KEY = Path("/etc/userstream/client.key")


def test_librdkafka_config_carries_tls_only_for_tls_protocols() -> None:
    tls_settings = TlsSettings(
        ca_file=CA, cert_file=CERT, key_file=KEY, key_password=SecretStr("k")
    )
    plain = KafkaSettings(security_protocol="SASL_PLAINTEXT", tls=tls_settings).client_config()
    assert not [key for key in plain if key.startswith("ssl.")]

    conf = KafkaSettings(security_protocol="SASL_SSL", tls=tls_settings).client_config()
    assert {k: v for k, v in conf.items() if k.startswith("ssl.")} == {
        "ssl.endpoint.identification.algorithm": "https",
        "ssl.ca.location": str(CA),
        "ssl.certificate.location": str(CERT),
        "ssl.key.location": str(KEY),
        "ssl.key.password": "k",
    }
    no_hostname = KafkaSettings(security_protocol="SSL", tls=TlsSettings(check_hostname=False))
    assert no_hostname.client_config()["ssl.endpoint.identification.algorithm"] == "none"


def test_registry_tls_applies_to_https_urls_only() -> None:
    """The registry client (requests) verifies with ``registry.tls`` for an ``https://`` URL
    only; that it does so against a real registry is ``test_secured_pipeline``'s (the secured
    registry refuses it without the stack's CA)."""
    tls_settings = TlsSettings(ca_file=CA, cert_file=CERT, key_file=KEY)
    assert not RegistrySettings(url="http://registry:8081", tls=tls_settings).uses_tls
    assert RegistrySettings(url="https://registry:8443", tls=tls_settings).uses_tls
    Registry(RegistrySettings(url="https://registry:8443", tls=tls_settings)).close()
    # a plain http registry ignores the TLS settings, even a key it could not read
    encrypted = TlsSettings(cert_file=CERT, key_file=KEY, key_password=SecretStr("k"))
    Registry(RegistrySettings(url="http://registry:8081", tls=encrypted)).close()


def test_registry_hostname_check_cannot_be_turned_off() -> None:
    with pytest.raises(ValidationError, match=r"registry\.tls\.check_hostname"):
        RegistrySettings(tls=TlsSettings(check_hostname=False))


def test_registry_rest_call_refuses_an_encrypted_client_key_it_cannot_read() -> None:
    settings = RegistrySettings(
        url="https://registry:8443",
        tls=TlsSettings(cert_file=CERT, key_file=KEY, key_password=SecretStr("k")),
    )
    with pytest.raises(RegistryError, match=r"registry\.tls\.key_password"):
        Registry(settings)


@pytest.fixture(scope="module")
def pem_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pem")
    material = tls.issue_server_tls()
    files = {
        "ca": material.ca_cert,
        "chain": material.server_chain,
        "key": material.server_key,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


def test_cassandra_driver_context_trusts_the_ca_checks_hostnames_and_presents_a_cert(
    pem_files: dict[str, Path],
) -> None:
    assert ssl_context(CassandraTlsSettings(ca_file=pem_files["ca"])) is None  # not enabled
    context = ssl_context(
        CassandraTlsSettings(
            enabled=True,
            ca_file=pem_files["ca"],
            cert_file=pem_files["chain"],
            key_file=pem_files["key"],
        )
    )
    assert context is not None
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert any("userstream local CA" in str(c["subject"]) for c in context.get_ca_certs())
    relaxed = ssl_context(CassandraTlsSettings(enabled=True, check_hostname=False))
    assert relaxed is not None and not relaxed.check_hostname


def test_spark_kafka_options_use_the_pem_files_of_the_java_client() -> None:
    kafka = KafkaSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="u",
        sasl_password=SecretStr("p"),
        tls=TlsSettings(ca_file=CA, cert_file=CERT, key_password=SecretStr("k")),
    )
    options = kafka_options(kafka)
    assert {k: v for k, v in options.items() if k.startswith("kafka.ssl.")} == {
        "kafka.ssl.endpoint.identification.algorithm": "https",
        "kafka.ssl.truststore.type": "PEM",
        "kafka.ssl.truststore.location": str(CA),
        "kafka.ssl.keystore.type": "PEM",
        "kafka.ssl.keystore.location": str(CERT),
        "kafka.ssl.key.password": "k",
    }
    assert "ScramLoginModule" in options["kafka.sasl.jaas.config"]
    relaxed = updated(kafka, tls=TlsSettings(check_hostname=False))
    assert kafka_options(relaxed)["kafka.ssl.endpoint.identification.algorithm"] == ""
    assert not [k for k in kafka_options(KafkaSettings()) if k.startswith("kafka.ssl.")]


def test_spark_kafka_options_want_key_and_chain_in_one_file() -> None:
    kafka = KafkaSettings(security_protocol="SSL", tls=TlsSettings(cert_file=CERT, key_file=KEY))
    with pytest.raises(ValueError, match=r"kafka\.tls\.key_file"):
        kafka_options(kafka)


def test_spark_cassandra_options_use_java_stores_and_modern_suites() -> None:
    plain = cassandra_options(CassandraSettings())
    assert not [k for k in plain if ".ssl." in k]
    store = Path("/etc/userstream/truststore.p12")
    keys = Path("/etc/userstream/keystore.p12")
    cassandra = CassandraSettings(
        tls=CassandraTlsSettings(
            enabled=True,
            truststore=store,
            truststore_password=SecretStr("t"),
            keystore=keys,
            keystore_password=SecretStr("s"),
        )
    )
    prefix = "spark.cassandra.connection.ssl"
    assert {k: v for k, v in cassandra_options(cassandra).items() if k.startswith(prefix)} == {
        f"{prefix}.enabled": "true",
        f"{prefix}.enabledAlgorithms": ",".join(CASSANDRA_CIPHER_SUITES),
        f"{prefix}.trustStore.path": str(store),
        f"{prefix}.trustStore.password": "t",
        f"{prefix}.keyStore.path": str(keys),
        f"{prefix}.keyStore.password": "s",
        f"{prefix}.clientAuth.enabled": "true",
    }


@pytest.mark.parametrize(
    ("tls_settings", "named"),
    [
        (CassandraTlsSettings(enabled=True, ca_file=CA), r"cassandra\.tls\.truststore"),
        (CassandraTlsSettings(enabled=True, cert_file=CERT), r"cassandra\.tls\.keystore"),
    ],
)
def test_spark_cassandra_options_refuse_pem_only_settings(
    tls_settings: CassandraTlsSettings, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        cassandra_options(CassandraSettings(tls=tls_settings))


def _connection(conn_id: str, **fields: Any) -> ConnectionLike:
    from airflow.sdk import Connection

    extra = fields.pop("extra", None)
    conn: ConnectionLike = Connection(conn_id=conn_id, extra=json.dumps(extra), **fields)
    return conn


def test_airflow_connection_extras_give_the_tls_settings() -> None:
    base = updated(Settings(), kafka={"tls": {"ca_file": CA}})
    conns = {
        KAFKA_CONN_ID: _connection(
            KAFKA_CONN_ID,
            conn_type="kafka",
            extra={
                "bootstrap.servers": "b:9093",
                "security.protocol": "SSL",
                "ssl.certificate.location": str(CERT),
                "ssl.key.location": str(KEY),
                "ssl.key.password": "key-secret",
                "ssl.endpoint.identification.algorithm": "none",
            },
        ),
        REGISTRY_CONN_ID: _connection(
            REGISTRY_CONN_ID,
            conn_type="https",
            extra={"url": "https://registry:8443", "ssl.ca.location": "/etc/reg-ca.pem"},
        ),
    }
    settings = with_connections(base, conns.get, contract("user_created"))
    assert settings.kafka.tls.ca_file == CA  # kept from the settings: the extras leave it out
    assert (settings.kafka.tls.cert_file, settings.kafka.tls.key_file) == (CERT, KEY)
    assert settings.kafka.tls.key_password == SecretStr("key-secret")
    assert "key-secret" not in repr(settings)
    assert not settings.kafka.tls.check_hostname
    assert settings.registry.tls.ca_file == Path("/etc/reg-ca.pem")
    assert settings.registry.uses_tls
