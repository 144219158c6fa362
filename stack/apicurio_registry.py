"""Apicurio Registry with its Confluent-compatible API, storing its data in Kafka (kafkasql)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from config import Settings
from stack import artifacts
from stack.service import LOOPBACK, Service, java_opts, kafka_port, registry_port

# Quarkus maps APICURIO_X_Y to apicurio.x.y. kafkasql keeps schemas (and their ids) in a
# Kafka topic, so they survive restarts. Deletion is enabled so tests can clean up their
# subjects; canonical hashing lets a client look up a schema it formats differently.
_APICURIO_ENV = {
    "APICURIO_STORAGE_KIND": "kafkasql",
    "APICURIO_KAFKASQL_TOPIC": "kafkasql-journal",
    "APICURIO_CCOMPAT_USE_CANONICAL_HASH": "true",
    "APICURIO_REST_DELETION_ARTIFACT_ENABLED": "true",
    "APICURIO_REST_DELETION_ARTIFACT_VERSION_ENABLED": "true",
    "APICURIO_REST_DELETION_GROUP_ENABLED": "true",
    "QUARKUS_HTTP_HOST": LOOPBACK,
    "QUARKUS_MANAGEMENT_ENABLED": "false",
    "QUARKUS_LOG_CONSOLE_JSON": "false",
}


def _healthy(settings: Settings) -> bool:
    """``GET /subjects`` on the ccompat API answers 200."""
    try:
        response = httpx.get(f"{settings.registry.url}/subjects", timeout=3)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def service(settings: Settings, java: Path) -> Service:
    """The schema registry service of this stack (needs Kafka up first)."""
    home = settings.stack.home / "registry"
    port = registry_port(settings)
    env = {
        **os.environ,
        **_APICURIO_ENV,
        "APICURIO_KAFKASQL_BOOTSTRAP_SERVERS": f"{LOOPBACK}:{kafka_port(settings)}",
        "QUARKUS_HTTP_PORT": str(port),
    }
    return Service(
        name="registry",
        home=home,
        ports=(port,),
        endpoint=settings.registry.url,
        command=(
            str(java),
            *java_opts(settings.stack.registry_heap, home),
            # C1 only: the registry's boot is JIT-bound on a small machine, its load is tiny
            "-XX:TieredStopAtLevel=1",
            "-jar",
            str(artifacts.registry_jar(settings)),
        ),
        healthy=lambda: _healthy(settings),
        prepare=lambda: home.mkdir(parents=True, exist_ok=True),
        env=env,
    )
