"""The secured profile of the local stack (``stack.secure``): its certificates and passwords,
and the client settings that reach it.

At the first ``up`` of a secured stack home, ``provision`` generates, under ``<home>/secrets``
(0700, every file 0600, never in the repository):

- ``ca.pem``: the private CA every client trusts; ``truststore.p12``: the same, for the JVM;
- ``server.crt`` / ``server.key`` / ``server.pem`` (key and chain in one file): the certificate
  for ``localhost`` and ``127.0.0.1`` that Kafka, the registry and Cassandra present;
- ``passwords.json``: one random password per login;
- ``client.env``: every ``PIPELINE_*`` setting a client needs (endpoints, TLS, logins), read by
  any process started with ``PIPELINE_ENV_FILE=<home>/secrets/client.env``.

Logins: ``userstream`` on Kafka (SCRAM-SHA-512), the registry (HTTP basic) and Cassandra (a role
with every permission on keyspaces, no role management); ``broker`` is Kafka's own inter-broker
login; ``userstream_admin`` is Cassandra's superuser (the default ``cassandra`` role is dropped).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from config import Settings
from config.settings import updated
from stack import tls
from stack.errors import SecretsMissingError
from stack.owner_only import ensure_dir, write_file

CLIENT_USER = "userstream"
KAFKA_BROKER_USER = "broker"
CASSANDRA_ADMIN_USER = "userstream_admin"
SCRAM_MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class Passwords:
    """One random password per login of the secured stack."""

    kafka_client: SecretStr
    kafka_broker: SecretStr
    registry_client: SecretStr
    cassandra_client: SecretStr
    cassandra_admin: SecretStr
    truststore: SecretStr

    @classmethod
    def generate(cls) -> Passwords:
        """URL-safe random passwords: no quoting needed in JAAS, YAML, properties or dotenv."""
        return cls(**{f.name: SecretStr(secrets.token_urlsafe(24)) for f in fields(cls)})

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name).get_secret_value() for f in fields(self)})

    @classmethod
    def from_json(cls, text: str) -> Passwords:
        return cls(**{name: SecretStr(value) for name, value in json.loads(text).items()})


@dataclass(frozen=True)
class SecureStack:
    """Where a secured stack's TLS files are, and its passwords."""

    secrets_dir: Path
    passwords: Passwords

    @property
    def ca_file(self) -> Path:
        return self.secrets_dir / "ca.pem"

    @property
    def truststore(self) -> Path:
        return self.secrets_dir / "truststore.p12"

    @property
    def server_cert(self) -> Path:
        return self.secrets_dir / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.secrets_dir / "server.key"

    @property
    def server_pem(self) -> Path:
        """The server's private key followed by its certificate chain (Kafka, Cassandra)."""
        return self.secrets_dir / "server.pem"

    @property
    def client_env(self) -> Path:
        return self.secrets_dir / "client.env"


def scram_jaas(username: str, password: SecretStr) -> str:
    """A Kafka ``sasl.jaas.config`` logging in ``username`` with SCRAM (URL-safe passwords
    need no escaping)."""
    return (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{username}" password="{password.get_secret_value()}";'
    )


def secrets_dir(settings: Settings) -> Path:
    return settings.stack.home / "secrets"


def _passwords_file(settings: Settings) -> Path:
    return secrets_dir(settings) / "passwords.json"


def load(settings: Settings) -> SecureStack:
    """The secrets of the stack home of ``settings``; raises ``SecretsMissingError`` if none."""
    try:
        text = _passwords_file(settings).read_text()
    except FileNotFoundError as exc:
        raise SecretsMissingError(
            f"{secrets_dir(settings)} holds no secrets: start the secured stack first "
            "(make stack-up SECURE=1)"
        ) from exc
    return SecureStack(secrets_dir(settings), Passwords.from_json(text))


def provision(settings: Settings) -> SecureStack:
    """The stack's secrets, generated on first use; ``client.env`` is rewritten every time so
    it follows the configured ports."""
    ensure_dir(settings.stack.home)
    ensure_dir(secrets_dir(settings))
    if _passwords_file(settings).exists():
        stack = load(settings)
    else:
        stack = SecureStack(secrets_dir(settings), Passwords.generate())
        _write_tls(stack)
        write_file(_passwords_file(settings), stack.passwords.to_json())
    write_file(stack.client_env, client_env(settings, stack))
    return stack


def _write_tls(stack: SecureStack) -> None:
    material = tls.issue_server_tls()
    write_file(stack.ca_file, material.ca_cert)
    write_file(stack.server_cert, material.server_chain)
    write_file(stack.server_key, material.server_key)
    write_file(stack.server_pem, material.server_key + material.server_chain)
    password = stack.passwords.truststore.get_secret_value()
    write_file(stack.truststore, tls.java_truststore(material.ca_cert, password))


def https_url(url: str) -> str:
    """``url`` with the ``https`` scheme (the secured registry serves nothing else)."""
    return urlunsplit(urlsplit(url)._replace(scheme="https"))


def client_overrides(settings: Settings, stack: SecureStack) -> dict[str, dict[str, Any]]:
    """The settings a client of the secured stack needs, by group (typed values)."""
    passwords = stack.passwords
    home = settings.stack.home
    return {
        "kafka": {
            "bootstrap_servers": settings.kafka.bootstrap_servers,
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": SCRAM_MECHANISM,
            "sasl_username": CLIENT_USER,
            "sasl_password": passwords.kafka_client,
            "tls": {"ca_file": stack.ca_file},
        },
        "registry": {
            "url": https_url(settings.registry.url),
            "username": CLIENT_USER,
            "password": passwords.registry_client,
            "tls": {"ca_file": stack.ca_file},
        },
        "cassandra": {
            "contact_points": settings.cassandra.contact_points,
            "port": settings.cassandra.port,
            "username": CLIENT_USER,
            "password": passwords.cassandra_client,
            "tls": {
                "enabled": True,
                "ca_file": stack.ca_file,
                "truststore": stack.truststore,
                "truststore_password": passwords.truststore,
            },
        },
        "spark": {
            "checkpoint_dir": str(home / "checkpoints"),
            "metrics_file": home / "job" / settings.spark.metrics_file.name,
            "status_file": home / "job" / settings.spark.status_file.name,
        },
        "stack": {"home": home, "secure": True},
    }


def client_settings(settings: Settings) -> Settings:
    """``settings`` as a client of this stack: unchanged for a plain stack; with the secured
    stack's endpoints, TLS and logins (its secrets must exist) for a secured one."""
    if not settings.stack.secure:
        return settings
    return updated(settings, **client_overrides(settings, load(settings)))


def _env_pairs(updates: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, str]]:
    for name, value in updates.items():
        key = f"{prefix}{name.upper()}"
        if isinstance(value, Mapping):
            yield from _env_pairs(value, f"{key}__")
        elif isinstance(value, SecretStr):
            yield key, value.get_secret_value()
        elif isinstance(value, bool):
            yield key, str(value).lower()
        elif isinstance(value, list):
            yield key, json.dumps(value)
        else:
            yield key, str(value)


def client_env(settings: Settings, stack: SecureStack) -> str:
    """``client_overrides`` as a dotenv file of ``PIPELINE_*`` variables (values JSON-quoted)."""
    lines = [
        "# Generated by `python -m stack up` for the secured local stack; owner-only, holds",
        "# passwords. Processes read it when PIPELINE_ENV_FILE names it (make ... SECURE=1).",
    ]
    pairs = _env_pairs(client_overrides(settings, stack), "PIPELINE_")
    lines += [f"{key}={json.dumps(value)}" for key, value in pairs]
    return "\n".join(lines) + "\n"
