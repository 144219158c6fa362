"""Airflow connections map onto the pipeline settings; secrets stay secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from contract.catalog import contract
from producer.airflow_connections import (
    KAFKA_CONN_ID,
    REGISTRY_CONN_ID,
    ConnectionLike,
    kafka_overrides,
    registry_overrides,
    with_connections,
)
from producer.run import source_url

USERS = contract("user_created")
QUAKES = contract("quake_reported")


def connection(conn_id: str, **fields: Any) -> ConnectionLike:
    from airflow.sdk import Connection

    extra = fields.pop("extra", None)
    conn: ConnectionLike = Connection(
        conn_id=conn_id, extra=json.dumps(extra) if extra else None, **fields
    )
    return conn


def _source_connection(name: str) -> str:
    source = contract(name).source
    assert source is not None and source.connection is not None
    return source.connection


def test_each_contract_names_its_own_source_connection() -> None:
    assert _source_connection("user_created") == "randomuser_default"
    assert _source_connection("quake_reported") == "usgs_default"


@pytest.mark.parametrize("name", ["user_created", "quake_reported"])
def test_missing_connections_keep_the_settings(name: str) -> None:
    settings = Settings()
    assert with_connections(settings, lambda _id: None, contract(name)) == settings


def test_connections_override_broker_registry_and_source() -> None:
    conns = {
        KAFKA_CONN_ID: connection(
            KAFKA_CONN_ID,
            conn_type="kafka",
            host="b1:9093,b2:9093",
            login="producer",
            password="kafka-secret",
            extra={"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"},
        ),
        REGISTRY_CONN_ID: connection(
            REGISTRY_CONN_ID,
            conn_type="https",
            host="registry.example",
            port=8443,
            schema="apis/ccompat/v7",
            login="reg",
            password="reg-secret",
        ),
        "randomuser_default": connection(
            "randomuser_default", conn_type="http", host="https://randomuser.me"
        ),
    }
    settings = with_connections(Settings(), conns.get, USERS)
    kafka = settings.kafka.client_config()
    assert kafka["bootstrap.servers"] == "b1:9093,b2:9093"
    assert kafka["security.protocol"] == "SASL_SSL"
    assert kafka["sasl.mechanism"] == "PLAIN"
    assert kafka["sasl.username"] == "producer"
    assert kafka["sasl.password"] == "kafka-secret"
    assert settings.registry.url == "https://registry.example:8443/apis/ccompat/v7"
    assert settings.registry.username == "reg"
    assert settings.registry.password is not None
    assert settings.registry.password.get_secret_value() == "reg-secret"
    assert settings.source.urls == {"user_created": "https://randomuser.me"}
    assert source_url(settings, USERS) == "https://randomuser.me"
    assert "secret" not in repr(settings) and "secret" not in str(settings)


def test_a_source_connection_serves_its_own_contract_only() -> None:
    """The quake DAG reads ``usgs_default``; the user contract's connection is not its."""
    conns = {
        "randomuser_default": connection("randomuser_default", conn_type="http", host="u.example"),
        "usgs_default": connection(
            "usgs_default", conn_type="https", host="q.example", port=8443, schema="fdsnws/q"
        ),
    }
    users = with_connections(Settings(), conns.get, USERS)
    quakes = with_connections(Settings(), conns.get, QUAKES)
    assert users.source.urls == {"user_created": "http://u.example"}
    assert quakes.source.urls == {"quake_reported": "https://q.example:8443/fdsnws/q"}
    assert source_url(quakes, QUAKES) == "https://q.example:8443/fdsnws/q"
    assert QUAKES.source is not None
    assert source_url(users, QUAKES) == QUAKES.source.url  # its declared URL, untouched
    assert source_url(quakes, QUAKES, "http://given") == "http://given"
    only_users = with_connections(
        Settings(), {"randomuser_default": conns["randomuser_default"]}.get, QUAKES
    )
    assert only_users.source.urls == {}


def test_tls_extras_and_a_lower_case_protocol_are_read() -> None:
    conns = {
        KAFKA_CONN_ID: connection(
            KAFKA_CONN_ID,
            conn_type="kafka",
            host="b1",
            port=9093,
            extra={
                "security.protocol": "sasl_ssl",
                "ssl.ca.location": "/etc/ca.pem",
                "ssl.endpoint.identification.algorithm": "none",
            },
        ),
        REGISTRY_CONN_ID: connection(
            REGISTRY_CONN_ID,
            conn_type="https",
            host="r.example",
            extra={"ssl.ca.location": "/etc/registry-ca.pem"},
        ),
    }
    kafka = kafka_overrides(conns[KAFKA_CONN_ID])
    assert kafka["tls"] == {"ca_file": Path("/etc/ca.pem"), "check_hostname": False}
    assert registry_overrides(conns[REGISTRY_CONN_ID])["tls"] == {
        "ca_file": Path("/etc/registry-ca.pem")
    }
    settings = with_connections(Settings(), conns.get, USERS)
    assert settings.kafka.bootstrap_servers == "b1:9093"
    assert settings.kafka.security_protocol == "SASL_SSL" and settings.kafka.uses_tls
    assert settings.kafka.tls.ca_file == Path("/etc/ca.pem")
    assert settings.kafka.tls.check_hostname is False
    assert settings.kafka.client_config()["ssl.endpoint.identification.algorithm"] == "none"
    assert settings.registry.url == "https://r.example"
    assert settings.registry.tls.ca_file == Path("/etc/registry-ca.pem")


def test_kafka_extra_bootstrap_servers_and_registry_url_extra_win() -> None:
    conns = {
        KAFKA_CONN_ID: connection(
            KAFKA_CONN_ID, conn_type="kafka", host="ignored", extra={"bootstrap.servers": "k:1"}
        ),
        REGISTRY_CONN_ID: connection(
            REGISTRY_CONN_ID, conn_type="http", host="ignored", extra={"url": "http://r:2/x"}
        ),
    }
    settings = with_connections(Settings(), conns.get, QUAKES)
    assert settings.kafka.bootstrap_servers == "k:1"
    assert settings.registry.url == "http://r:2/x"
