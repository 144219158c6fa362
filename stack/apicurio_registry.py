"""Apicurio Registry with its Confluent-compatible API, storing its data in Kafka (kafkasql).

Plain: HTTP. Secured (``stack.secure``): HTTPS only (the HTTP port is not opened), HTTP basic
authentication against one embedded user (Quarkus' properties realm, which Apicurio 3.0.9 ships
and honours with ``quarkus.http.auth.basic``: no identity provider needed), and its own Kafka
connection over SASL_SSL. Those settings, which hold secrets, go to the owner-only
``config/application.properties`` that Quarkus reads from the working directory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from clients.registry import Registry, RegistryError
from config import Settings
from config.settings import updated
from stack import artifacts
from stack.owner_only import ensure_dir, write_file
from stack.secure import (
    CLIENT_USER,
    SCRAM_MECHANISM,
    SecureStack,
    client_settings,
    https_url,
    scram_jaas,
)
from stack.secure import load as load_secure
from stack.service import LOOPBACK, Service, java_opts, kafka_ports, registry_port

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
_REALM = "Quarkus"
"""The embedded realm's default name, part of each stored password digest."""


def password_digest(user: str, password: str) -> str:
    """What the embedded realm stores for ``digest-sha-512``: hex SHA-512 of user:realm:password."""
    return hashlib.sha512(f"{user}:{_REALM}:{password}".encode()).hexdigest()


def secured_properties(settings: Settings, secure: SecureStack) -> str:
    """Quarkus/Apicurio settings of the secured registry (``application.properties`` syntax)."""
    kafka_login = scram_jaas(CLIENT_USER, secure.passwords.kafka_client)
    digest = password_digest(CLIENT_USER, secure.passwords.registry_client.get_secret_value())
    lines = [
        f"quarkus.http.ssl-port={registry_port(settings)}",
        "quarkus.http.insecure-requests=disabled",
        f"quarkus.http.ssl.certificate.files={secure.server_cert}",
        f"quarkus.http.ssl.certificate.key-files={secure.server_key}",
        "quarkus.http.auth.basic=true",
        "quarkus.security.users.embedded.enabled=true",
        "quarkus.security.users.embedded.plain-text=false",
        "quarkus.security.users.embedded.algorithm=digest-sha-512",
        f"quarkus.security.users.embedded.users.{CLIENT_USER}={digest}",
        "apicurio.kafka.common.security.protocol=SASL_SSL",
        f"apicurio.kafka.common.sasl.mechanism={SCRAM_MECHANISM}",
        f"apicurio.kafka.common.sasl.jaas.config={kafka_login}",
        "apicurio.kafka.common.ssl.truststore.type=PEM",
        f"apicurio.kafka.common.ssl.truststore.location={secure.ca_file}",
    ]
    return "\n".join(lines) + "\n"


def _prepare(settings: Settings, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    properties = ensure_dir(home / "config") / "application.properties"
    if settings.stack.secure:
        write_file(properties, secured_properties(settings, load_secure(settings)))
    else:
        properties.unlink(missing_ok=True)


def _healthy(settings: Settings) -> bool:
    """``GET /subjects`` on the ccompat API answers (over HTTPS, logged in, when secured)."""
    client = client_settings(settings).registry
    quick = updated(client, timeout_s=3.0, max_retries=0)
    try:
        with Registry(quick) as registry:
            registry.subjects()
    except RegistryError:
        return False
    return True


def service(settings: Settings, java: Path) -> Service:
    """The schema registry service of this stack (needs Kafka up first)."""
    home = settings.stack.home / "registry"
    port = registry_port(settings)
    env = {
        **os.environ,
        **_APICURIO_ENV,
        "APICURIO_KAFKASQL_BOOTSTRAP_SERVERS": ",".join(
            f"{LOOPBACK}:{port}" for port in kafka_ports(settings)
        ),
    }
    if not settings.stack.secure:
        env["QUARKUS_HTTP_PORT"] = str(port)
    return Service(
        name="registry",
        home=home,
        ports=(port,),
        endpoint=https_url(settings.registry.url)
        if settings.stack.secure
        else settings.registry.url,
        command=(
            str(java),
            *java_opts(settings.stack.registry_heap, home),
            # C1 only: the registry's boot is JIT-bound on a small machine, its load is tiny
            "-XX:TieredStopAtLevel=1",
            "-jar",
            str(artifacts.registry_jar(settings)),
        ),
        healthy=lambda: _healthy(settings),
        prepare=lambda: _prepare(settings, home),
        env=env,
    )
