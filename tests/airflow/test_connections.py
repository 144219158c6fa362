"""Airflow connections map onto the pipeline settings; secrets stay secret."""

from __future__ import annotations

import json
from typing import Any

from config import Settings
from producer.airflow_connections import (
    KAFKA_CONN_ID,
    REGISTRY_CONN_ID,
    SOURCE_CONN_ID,
    ConnectionLike,
    with_connections,
)


def connection(conn_id: str, **fields: Any) -> ConnectionLike:
    from airflow.sdk import Connection

    extra = fields.pop("extra", None)
    conn: ConnectionLike = Connection(
        conn_id=conn_id, extra=json.dumps(extra) if extra else None, **fields
    )
    return conn


def test_missing_connections_keep_the_settings() -> None:
    settings = Settings()
    assert with_connections(settings, lambda _id: None) == settings


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
        SOURCE_CONN_ID: connection(SOURCE_CONN_ID, conn_type="http", host="https://randomuser.me"),
    }
    settings = with_connections(Settings(), conns.get)
    kafka = settings.kafka.client_config()
    assert kafka["bootstrap.servers"] == "b1:9093,b2:9093"
    assert kafka["security.protocol"] == "SASL_SSL"
    assert kafka["sasl.mechanism"] == "PLAIN"
    assert kafka["sasl.username"] == "producer"
    assert kafka["sasl.password"] == "kafka-secret"
    assert settings.registry.url == "https://registry.example:8443/apis/ccompat/v7"
    assert settings.registry.client_config()["basic.auth.user.info"] == "reg:reg-secret"
    assert settings.source.url == "https://randomuser.me"
    assert "secret" not in repr(settings) and "secret" not in str(settings)


def test_kafka_extra_bootstrap_servers_and_registry_url_extra_win() -> None:
    conns = {
        KAFKA_CONN_ID: connection(
            KAFKA_CONN_ID, conn_type="kafka", host="ignored", extra={"bootstrap.servers": "k:1"}
        ),
        REGISTRY_CONN_ID: connection(
            REGISTRY_CONN_ID, conn_type="http", host="ignored", extra={"url": "http://r:2/x"}
        ),
    }
    settings = with_connections(Settings(), conns.get)
    assert settings.kafka.bootstrap_servers == "k:1"
    assert settings.registry.url == "http://r:2/x"
