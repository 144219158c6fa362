"""The Schema Registry operations `ops` needs, over the Confluent REST API.

confluent-kafka's ``SchemaRegistryClient`` (whose transport is httpx2) does the calls it
supports; its ``test_compatibility`` drops the registry's reasons, so the verbose compatibility
check is one plain httpx call. Locally the API is Apicurio's ccompat layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import httpx
import httpx2
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from config.settings import RegistrySettings

_NOT_FOUND = 404
T = TypeVar("T")


class RegistryError(RuntimeError):
    """A registry call failed; the message names the registry URL and the subject."""


@dataclass(frozen=True)
class RegisteredVersion:
    subject: str
    version: int
    schema_id: int
    schema: str


@dataclass(frozen=True)
class CompatibilityVerdict:
    compatible: bool
    messages: tuple[str, ...]


class Registry:
    """One registry, configured once from ``RegistrySettings``; close it when done."""

    def __init__(self, settings: RegistrySettings) -> None:
        self.url = settings.url
        self._client = SchemaRegistryClient(settings.client_config())
        auth = None
        if settings.username and settings.password:
            auth = (settings.username, settings.password.get_secret_value())
        self._http = httpx.Client(base_url=settings.url.rstrip("/") + "/", auth=auth, timeout=15)

    def close(self) -> None:
        self._client.close()
        self._http.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _registered(
        self, subject: str, version: int | None, schema_id: int | None, schema: str | None
    ) -> RegisteredVersion:
        if version is None or schema_id is None or schema is None:
            raise RegistryError(
                f"schema registry {self.url}: {subject}: answer lacks the version, id or schema"
            )
        return RegisteredVersion(subject, version, schema_id, schema)

    def _call(self, what: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except (SchemaRegistryError, httpx2.HTTPError, OSError) as exc:
            raise RegistryError(f"schema registry {self.url}: {what}: {exc}") from exc

    def _call_or_none(self, what: str, call: Callable[[], T]) -> T | None:
        """``_call``, with None for an answer of 404 (no such subject or version)."""
        try:
            return call()
        except SchemaRegistryError as exc:
            if exc.http_status_code == _NOT_FOUND:
                return None
            raise RegistryError(f"schema registry {self.url}: {what}: {exc}") from exc
        except (httpx2.HTTPError, OSError) as exc:
            raise RegistryError(f"schema registry {self.url}: {what}: {exc}") from exc

    def subjects(self) -> list[str]:
        return sorted(self._call("listing subjects", self._client.get_subjects))

    def versions(self, subject: str) -> list[int]:
        """The subject's versions, oldest first; empty when the subject does not exist."""
        found = self._call_or_none(
            f"versions of {subject}", lambda: self._client.get_versions(subject)
        )
        return sorted(found or [])

    def version(self, subject: str, version: int | Literal["latest"]) -> RegisteredVersion:
        found = self._call(
            f"version {version} of {subject}", lambda: self._client.get_version(subject, version)
        )
        return self._registered(subject, found.version, found.schema_id, found.schema.schema_str)

    def lookup(self, subject: str, schema: str) -> RegisteredVersion | None:
        """The version of ``subject`` holding exactly this schema, if any."""
        candidate = Schema(schema, "AVRO")
        found = self._call_or_none(
            f"looking up the schema in {subject}",
            lambda: self._client.lookup_schema(subject, candidate),
        )
        if found is None:
            return None
        return self._registered(subject, found.version, found.schema_id, schema)

    def register(self, subject: str, schema: str) -> RegisteredVersion:
        self._call(
            f"registering in {subject}",
            lambda: self._client.register_schema(subject, Schema(schema, "AVRO")),
        )
        registered = self.lookup(subject, schema)
        if registered is None:
            raise RegistryError(
                f"schema registry {self.url}: {subject}: registered schema "
                "is not found by lookup right after registration"
            )
        return registered

    def compatibility_level(self, subject: str) -> str | None:
        """The level set on the subject itself, or None when it follows the global level."""
        return self._call_or_none(
            f"compatibility level of {subject}", lambda: self._client.get_compatibility(subject)
        )

    def set_compatibility_level(self, subject: str, level: str) -> None:
        self._call(
            f"setting compatibility {level} on {subject}",
            lambda: self._client.set_compatibility(subject, level),
        )

    def check_compatibility(self, subject: str, schema: str) -> CompatibilityVerdict:
        """The registry's verdict on ``schema`` against the subject's latest version, and why."""
        path = f"compatibility/subjects/{subject}/versions/latest"
        try:
            response = self._http.post(
                path,
                params={"verbose": "true"},
                json={"schema": schema, "schemaType": "AVRO"},
                headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
            )
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RegistryError(
                f"schema registry {self.url}: compatibility check of {subject}: {exc}"
            ) from exc
        messages = body.get("messages") or []
        return CompatibilityVerdict(bool(body["is_compatible"]), tuple(str(m) for m in messages))
