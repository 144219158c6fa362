"""Settings overridden by Airflow connections, so no address or secret lives in a DAG file.

Connection ids: ``kafka_default`` (host ``broker1:9092,broker2:9092`` or extra
``bootstrap.servers``; login/password for SASL; extra ``security.protocol`` / ``sasl.mechanism``),
``schema_registry_default`` (extra ``url`` or host like ``http://registry`` + port + schema as
the path; login/password for basic auth), and each contract's source connection, the one its
``x-source.connection`` names (extra ``url``, or host + port + schema as the path). A missing
connection leaves the settings (``pipeline.toml`` and ``PIPELINE_*`` variables) as they are.
``docs/airflow-connections.md`` describes each one.

TLS on both Kafka and registry connections comes from extras with librdkafka's names:
``ssl.ca.location``, ``ssl.certificate.location``, ``ssl.key.location``, ``ssl.key.password``,
and on Kafka ``ssl.endpoint.identification.algorithm`` (``https``, or ``none`` to skip the
hostname check). Fields a connection leaves out keep their settings values.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr

from config.settings import Settings, updated
from contract.catalog import Contract

KAFKA_CONN_ID = "kafka_default"
REGISTRY_CONN_ID = "schema_registry_default"


class ConnectionLike(Protocol):
    """What is read from an Airflow ``Connection``."""

    conn_type: str | None
    host: str | None
    port: int | None
    schema: str | None
    login: str | None
    password: str | None

    @property
    def extra_dejson(self) -> dict[str, Any]: ...


Lookup = Callable[[str], ConnectionLike | None]


def _url(conn: ConnectionLike) -> str | None:
    if conn.extra_dejson.get("url"):
        return str(conn.extra_dejson["url"])
    if not conn.host:
        return None
    scheme = "https" if conn.conn_type == "https" else "http"
    base = conn.host if "://" in conn.host else f"{scheme}://{conn.host}"
    port = f":{conn.port}" if conn.port else ""
    path = f"/{conn.schema.strip('/')}" if conn.schema else ""
    return f"{base.rstrip('/')}{port}{path}"


_TLS_FILE_EXTRAS = {
    "ssl.ca.location": "ca_file",
    "ssl.certificate.location": "cert_file",
    "ssl.key.location": "key_file",
}


def tls_extras(extra: dict[str, Any]) -> dict[str, Any]:
    """TlsSettings fields given by a connection's extras: files and the key password."""
    update: dict[str, Any] = {
        field: Path(str(extra[name])) for name, field in _TLS_FILE_EXTRAS.items() if extra.get(name)
    }
    if extra.get("ssl.key.password"):
        update["key_password"] = SecretStr(str(extra["ssl.key.password"]))
    return update


def kafka_overrides(conn: ConnectionLike) -> dict[str, Any]:
    """KafkaSettings fields given by a Kafka connection; ``tls`` holds the TLS fields it sets
    (the others keep their settings values)."""
    extra = conn.extra_dejson
    overrides: dict[str, Any] = {}
    if extra.get("bootstrap.servers"):
        overrides["bootstrap_servers"] = str(extra["bootstrap.servers"])
    elif conn.host:
        overrides["bootstrap_servers"] = f"{conn.host}:{conn.port}" if conn.port else conn.host
    if extra.get("security.protocol"):
        overrides["security_protocol"] = str(extra["security.protocol"])
    if extra.get("sasl.mechanism"):
        overrides["sasl_mechanism"] = str(extra["sasl.mechanism"])
    if conn.login:
        overrides["sasl_username"] = conn.login
    if conn.password:
        overrides["sasl_password"] = SecretStr(conn.password)
    tls_update = tls_extras(extra)
    algorithm = extra.get("ssl.endpoint.identification.algorithm")
    if algorithm is not None:
        tls_update["check_hostname"] = str(algorithm).lower() not in ("", "none")
    overrides["tls"] = tls_update
    return overrides


def registry_overrides(conn: ConnectionLike) -> dict[str, Any]:
    """RegistrySettings fields given by a Schema Registry connection; ``tls`` holds the TLS
    fields it sets (the registry client always checks the hostname)."""
    tls_update = tls_extras(conn.extra_dejson)
    overrides: dict[str, Any] = {"tls": tls_update}
    url = _url(conn)
    if url:
        overrides["url"] = url
    if conn.login:
        overrides["username"] = conn.login
    if conn.password:
        overrides["password"] = SecretStr(conn.password)
    return overrides


def with_connections(settings: Settings, lookup: Lookup, contract: Contract) -> Settings:
    """``settings`` with the groups that have a connection replaced by its values (validated as
    if loaded: a protocol in lower case is read right, a misspelt value refused)."""
    updates: dict[str, Any] = {}
    if kafka := lookup(KAFKA_CONN_ID):
        updates["kafka"] = kafka_overrides(kafka)
    if registry := lookup(REGISTRY_CONN_ID):
        updates["registry"] = registry_overrides(registry)
    connection = contract.source.connection if contract.source else None
    if connection and (source := lookup(connection)) and (url := _url(source)):
        updates["source"] = {"urls": {**settings.source.urls, contract.name: url}}
    return updated(settings, **updates)
