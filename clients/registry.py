"""The Schema Registry, behind one abstraction: every caller gets its client from here.

``schema_registry_client`` builds confluent-kafka's ``SchemaRegistryClient`` (what serializers
need) with the configured timeout, retries, credentials and TLS; ``Registry`` wraps it with the
operations the pipeline uses, each failure raised as a ``RegistryError`` naming the registry and
the subject. ``value_subject`` is the one place a subject name is made (TopicNameStrategy).
Locally the API is Apicurio's Confluent-compatible layer (``/apis/ccompat/v7``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx2
import requests
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from config.settings import RegistrySettings

NOT_FOUND = 404
_SUBJECT_NOT_FOUND = 40401
_SCHEMA_NOT_FOUND = 40403
T = TypeVar("T")


def value_subject(topic: str) -> str:
    """The subject of a topic's values under the TopicNameStrategy: ``<topic>-value``."""
    return f"{topic}-value"


def schema_registry_client(settings: RegistrySettings) -> SchemaRegistryClient:
    """confluent-kafka's client, configured once from the settings (timeouts, auth, TLS)."""
    return SchemaRegistryClient(settings.client_config())


class RegistryError(RuntimeError):
    """A registry call failed; the message names the registry URL, the call and the cause."""


class RegistryUnavailableError(RegistryError):
    """The registry did not answer (refused, timed out, TLS failure): retry later."""


@dataclass(frozen=True)
class RegisteredVersion:
    """One version of a subject: its number, global schema id and schema text."""

    subject: str
    version: int
    schema_id: int
    schema: str


@dataclass(frozen=True)
class SubjectListing:
    """A subject, the compatibility level set on it (None: the global level), and its
    versions as ``(version, schema id)`` pairs, oldest first."""

    subject: str
    level: str | None
    versions: list[tuple[int, int]]


@dataclass(frozen=True)
class CompatibilityVerdict:
    """The registry's answer to a compatibility check, with its reasons when it gives them."""

    compatible: bool
    messages: tuple[str, ...]


def is_not_found(exc: SchemaRegistryError) -> bool:
    """Whether the registry answered "no such subject, version or schema"."""
    return exc.http_status_code == NOT_FOUND or exc.error_code in (
        _SUBJECT_NOT_FOUND,
        _SCHEMA_NOT_FOUND,
    )


def _requests_tls(settings: RegistrySettings) -> dict[str, Any]:
    """``verify`` and ``cert`` for a ``requests`` call to an ``https://`` registry.

    They are passed per call: a session-level ``verify`` loses to ``REQUESTS_CA_BUNDLE``.
    ``requests`` cannot open an encrypted key, so such a key fails here with a clear message.
    """
    tls = settings.tls
    if not settings.uses_tls:
        return {}
    options: dict[str, Any] = {"verify": str(tls.ca_file) if tls.ca_file else True}
    if tls.cert_file and tls.key_password:
        raise RegistryError(
            "registry.tls.key_password: the registry's compatibility check (requests) cannot "
            "read an encrypted client key; give it an unencrypted key file (owner-only)"
        )
    if tls.cert_file:
        options["cert"] = (
            (str(tls.cert_file), str(tls.key_file)) if tls.key_file else str(tls.cert_file)
        )
    return options


class Registry:
    """One registry, configured once from ``RegistrySettings``; close it when done."""

    def __init__(self, settings: RegistrySettings) -> None:
        self.url = settings.url
        self._settings = settings
        self._http = requests.Session()
        if settings.username and settings.password:
            self._http.auth = (settings.username, settings.password.get_secret_value())
        self._tls = _requests_tls(settings)
        self.client = schema_registry_client(settings)

    def close(self) -> None:
        self.client.close()
        self._http.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _fail(self, what: str, exc: Exception) -> RegistryError:
        if isinstance(exc, httpx2.TransportError | requests.ConnectionError | requests.Timeout):
            return RegistryUnavailableError(f"schema registry {self.url}: {what}: {exc}")
        return RegistryError(f"schema registry {self.url}: {what}: {exc}")

    def _call(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except (SchemaRegistryError, httpx2.HTTPError, OSError) as exc:
            raise self._fail(what, exc) from exc

    def _call_or_none(self, what: str, call: Callable[[], T]) -> T | None:
        """``_call``, with None for a "not found" answer (no such subject or version)."""
        try:
            return call()
        except SchemaRegistryError as exc:
            if is_not_found(exc):
                return None
            raise self._fail(what, exc) from exc
        except (httpx2.HTTPError, OSError) as exc:
            raise self._fail(what, exc) from exc

    def _registered(
        self, subject: str, version: int | None, schema_id: int | None, schema: str | None
    ) -> RegisteredVersion:
        if version is None or schema_id is None or schema is None:
            raise RegistryError(
                f"schema registry {self.url}: {subject}: answer lacks the version, id or schema"
            )
        return RegisteredVersion(subject, version, schema_id, schema)

    def subjects(self, prefix: str = "") -> list[str]:
        """The registry's subjects (those starting with ``prefix``), sorted."""
        found = self._call("listing subjects", self.client.get_subjects)
        return sorted(s for s in found if s.startswith(prefix))

    def list_subjects(self, prefix: str = "") -> list[SubjectListing]:
        """Every subject starting with ``prefix``, with its level and versions."""
        return [
            SubjectListing(
                subject,
                self.compatibility_level(subject),
                [(v, self.version(subject, v).schema_id) for v in self.versions(subject)],
            )
            for subject in self.subjects(prefix)
        ]

    def versions(self, subject: str) -> list[int]:
        """The subject's versions, oldest first; empty when the subject does not exist."""
        found = self._call_or_none(
            f"versions of {subject}", lambda: self.client.get_versions(subject)
        )
        return sorted(found or [])

    def version(self, subject: str, version: int) -> RegisteredVersion:
        found = self._call(
            f"version {version} of {subject}", lambda: self.client.get_version(subject, version)
        )
        return self._registered(subject, found.version, found.schema_id, found.schema.schema_str)

    def latest(self, subject: str) -> RegisteredVersion | None:
        """The subject's newest version, or None when the subject does not exist."""
        found = self._call_or_none(
            f"latest version of {subject}", lambda: self.client.get_latest_version(subject)
        )
        if found is None:
            return None
        return self._registered(subject, found.version, found.schema_id, found.schema.schema_str)

    def schema_by_id(self, schema_id: int) -> tuple[str, str] | None:
        """``(schema type, schema text)`` of a global schema id, or None when unknown."""
        found = self._call_or_none(
            f"schema id {schema_id}", lambda: self.client.get_schema(schema_id)
        )
        if found is None:
            return None
        return found.schema_type or "AVRO", found.schema_str or ""

    def versions_of_id(self, schema_id: int) -> list[tuple[str, int]]:
        """``(subject, version)`` pairs registered with a global schema id (empty: unknown)."""
        found = self._call_or_none(
            f"versions of schema id {schema_id}",
            lambda: self.client.get_schema_versions(schema_id),
        )
        return sorted((v.subject, int(v.version)) for v in found or [] if v.subject and v.version)

    def lookup(self, subject: str, schema: str) -> RegisteredVersion | None:
        """The version of ``subject`` holding exactly this schema, if any."""
        candidate = Schema(schema, "AVRO")
        found = self._call_or_none(
            f"looking up the schema in {subject}",
            lambda: self.client.lookup_schema(subject, candidate),
        )
        if found is None:
            return None
        return self._registered(subject, found.version, found.schema_id, schema)

    def register(self, subject: str, schema: str) -> RegisteredVersion:
        self._call(
            f"registering in {subject}",
            lambda: self.client.register_schema(subject, Schema(schema, "AVRO")),
        )
        registered = self.lookup(subject, schema)
        if registered is None:
            raise RegistryError(
                f"schema registry {self.url}: {subject}: registered schema "
                "is not found by lookup right after registration"
            )
        return registered

    def delete_subject(self, subject: str) -> None:
        """Delete a subject for good (soft, then hard delete); absent subjects are fine."""
        for permanent in (False, True):
            self._call_or_none(
                f"deleting {subject}",
                lambda permanent=permanent: self.client.delete_subject(  # type: ignore[misc]
                    subject, permanent=permanent
                ),
            )

    def compatibility_level(self, subject: str) -> str | None:
        """The level set on the subject itself, or None when it follows the global level."""
        return self._call_or_none(
            f"compatibility level of {subject}", lambda: self.client.get_compatibility(subject)
        )

    def set_compatibility_level(self, subject: str, level: str) -> None:
        self._call(
            f"setting compatibility {level} on {subject}",
            lambda: self.client.set_compatibility(subject, level),
        )

    def check_compatibility(self, subject: str, schema: str) -> CompatibilityVerdict:
        """The registry's verdict on ``schema`` against the subject's latest version, and why.

        A plain REST call: confluent-kafka's ``test_compatibility`` drops the reasons.
        """
        url = f"{self.url.rstrip('/')}/compatibility/subjects/{subject}/versions/latest"
        what = f"compatibility check of {subject}"
        try:
            response = self._http.post(
                url,
                params={"verbose": "true"},
                json={"schema": schema, "schemaType": "AVRO"},
                headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
                timeout=self._settings.timeout_s,
                **self._tls,
            )
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise self._fail(what, exc) from exc
        messages = body.get("messages") or []
        return CompatibilityVerdict(bool(body["is_compatible"]), tuple(str(m) for m in messages))
