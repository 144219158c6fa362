"""The Schema Registry, behind one abstraction: every caller gets its client from here.

``Registry`` speaks the Confluent Schema Registry REST API (Apicurio's Confluent-compatible
layer, ``/apis/ccompat/v7``, locally) with ``requests``, configured once from
``RegistrySettings``: timeout, retries with backoff on connection errors and 5xx answers,
basic auth, TLS. Each failure is raised as a ``RegistryError`` naming the registry, the call
and the cause; "no such subject, version or schema" answers are None, not errors.
``SchemaCache`` keeps the schemas of global ids (immutable, so cached for good, bounded).
Subject names come from ``contract.streams.subject_name`` (the subject strategies).

A version may carry a Confluent data contract (``ruleSet``, ``metadata``). Apicurio accepts and
drops both, so on Apicurio ``publish_rule_set`` keeps them as an artifact of its own REST API
instead (``docs/contract-rules.md``, "Rules Confluent tools can read").
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from config.settings import RegistrySettings

NOT_FOUND = 404
CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
JSON_TYPE = "application/json"
AVRO = "AVRO"
MAX_CACHED = 1024
RULES_GROUP = "confluent-rulesets"
"""The Apicurio artifact group holding the data contracts Apicurio's Confluent API drops: one
JSON artifact per subject, named as the subject, one version per schema version. The
Confluent API shows no group but its own, so these never appear as subjects."""
_CCOMPAT = re.compile(r"^(?P<root>.+)/apis/ccompat/v\d+$")


class RegistryError(RuntimeError):
    """A registry call failed; the message names the registry URL, the call and the cause."""


class RegistryUnavailableError(RegistryError):
    """The registry did not answer (refused, timed out, TLS failure): retry later."""


@dataclass(frozen=True)
class RegisteredVersion:
    """One version of a subject: its number, global schema id and schema text, and the data
    contract the registry keeps with it (None when it keeps none)."""

    subject: str
    version: int
    schema_id: int
    schema: str
    rule_set: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class PublishedRuleSet:
    """Where ``publish_rule_set`` put a version's data contract: the artifact version's number
    and the URL of its content."""

    version: int
    url: str


@dataclass(frozen=True)
class RegisteredSchema:
    """A schema by global id: its type (``AVRO``, ``JSON``, ``PROTOBUF``) and text."""

    schema_type: str
    text: str


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


class _NotFoundError(Exception):
    """Internal: the registry answered 404."""


def _tls(settings: RegistrySettings) -> dict[str, Any]:
    """``verify`` and ``cert`` for the calls to an ``https://`` registry.

    They are passed per call: a session-level ``verify`` loses to ``REQUESTS_CA_BUNDLE``.
    ``requests`` cannot open an encrypted key, so such a key fails here with a clear message.
    """
    tls = settings.tls
    if not settings.uses_tls:
        return {}
    options: dict[str, Any] = {"verify": str(tls.ca_file) if tls.ca_file else True}
    if tls.cert_file and tls.key_password:
        raise RegistryError(
            "registry.tls.key_password: the registry client (requests) cannot read an "
            "encrypted client key; give it an unencrypted key file (owner-only)"
        )
    if tls.cert_file:
        options["cert"] = (
            (str(tls.cert_file), str(tls.key_file)) if tls.key_file else str(tls.cert_file)
        )
    return options


def apicurio_api(url: str) -> str | None:
    """Apicurio's own REST API (v3) beside the Confluent-compatible one at ``url``, or None when
    ``url`` is not an Apicurio ``/apis/ccompat/v<n>`` path (a Confluent registry)."""
    found = _CCOMPAT.match(url.rstrip("/"))
    return f"{found['root']}/apis/registry/v3" if found else None


class Registry:
    """One registry, configured once from ``RegistrySettings``; close it when done."""

    def __init__(self, settings: RegistrySettings) -> None:
        self.url = settings.url.rstrip("/")
        self._settings = settings
        self._tls = _tls(settings)
        self._http = requests.Session()
        self._http.headers["Accept"] = CONTENT_TYPE
        if settings.username and settings.password:
            self._http.auth = (settings.username, settings.password.get_secret_value())
        retry = Retry(
            total=settings.max_retries,
            backoff_factor=0.5,
            backoff_max=2.0,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=None,  # every call is idempotent, registering included
            raise_on_status=False,
        )
        self._apicurio = apicurio_api(self.url)
        for base in (self.url, self._apicurio):
            if base is not None:
                self._http.mount(base, HTTPAdapter(max_retries=retry))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _request(
        self,
        what: str,
        method: str,
        path: str,
        *,
        base: str | None = None,
        media_type: str = CONTENT_TYPE,
        **kwargs: Any,
    ) -> Any:
        """The decoded JSON answer of ``base`` (the Confluent API unless given) at ``path``;
        ``_NotFoundError`` on 404, ``RegistryError`` otherwise."""
        kwargs["headers"] = {"Accept": media_type}
        if "json" in kwargs:
            kwargs["headers"]["Content-Type"] = media_type
        try:
            response = self._http.request(
                method,
                f"{base or self.url}/{path}",
                timeout=self._settings.timeout_s,
                **self._tls,
                **kwargs,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RegistryUnavailableError(f"schema registry {self.url}: {what}: {exc}") from exc
        except requests.RequestException as exc:
            raise RegistryError(f"schema registry {self.url}: {what}: {exc}") from exc
        if response.status_code == NOT_FOUND:
            raise _NotFoundError
        if response.status_code >= 400:
            detail = response.text[:300].strip()
            cls = RegistryUnavailableError if response.status_code >= 500 else RegistryError
            raise cls(f"schema registry {self.url}: {what}: HTTP {response.status_code}: {detail}")
        try:
            return response.json() if response.content else None
        except ValueError as exc:
            raise RegistryError(f"schema registry {self.url}: {what}: not JSON: {exc}") from exc

    def _or_none(self, what: str, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self._request(what, method, path, **kwargs)
        except _NotFoundError:
            return None

    def _found(self, what: str, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self._request(what, method, path, **kwargs)
        except _NotFoundError:
            raise RegistryError(f"schema registry {self.url}: {what}: not found") from None

    def _registered(
        self, subject: str, answer: Any, schema: str | None = None
    ) -> RegisteredVersion:
        try:
            return RegisteredVersion(
                subject,
                int(answer["version"]),
                int(answer["id"]),
                schema or answer["schema"],
                answer.get("ruleSet") or None,
                answer.get("metadata") or None,
            )
        except (KeyError, TypeError, ValueError):
            raise RegistryError(
                f"schema registry {self.url}: {subject}: answer lacks the version, id or schema"
            ) from None

    def subjects(self, prefix: str = "") -> list[str]:
        """The registry's subjects (those starting with ``prefix``), sorted."""
        found = self._found("listing subjects", "GET", "subjects") or []
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
        found = self._or_none(f"versions of {subject}", "GET", f"subjects/{_q(subject)}/versions")
        return sorted(int(v) for v in found or [])

    def version(self, subject: str, version: int) -> RegisteredVersion:
        path = f"subjects/{_q(subject)}/versions/{version}"
        return self._registered(
            subject, self._found(f"version {version} of {subject}", "GET", path)
        )

    def latest(self, subject: str) -> RegisteredVersion | None:
        """The subject's newest version, or None when the subject does not exist."""
        path = f"subjects/{_q(subject)}/versions/latest"
        found = self._or_none(f"latest version of {subject}", "GET", path)
        return None if found is None else self._registered(subject, found)

    def schema_by_id(self, schema_id: int) -> RegisteredSchema | None:
        """The type and text of a global schema id, or None when unknown."""
        found = self._or_none(f"schema id {schema_id}", "GET", f"schemas/ids/{schema_id}")
        if found is None:
            return None
        return RegisteredSchema(str(found.get("schemaType") or AVRO), str(found.get("schema", "")))

    def versions_of_id(self, schema_id: int) -> list[tuple[str, int]]:
        """``(subject, version)`` pairs registered with a global schema id (empty: unknown)."""
        path = f"schemas/ids/{schema_id}/versions"
        found = self._or_none(f"versions of schema id {schema_id}", "GET", path) or []
        return sorted((str(v["subject"]), int(v["version"])) for v in found if "subject" in v)

    def lookup(self, subject: str, schema: str) -> RegisteredVersion | None:
        """The version of ``subject`` holding exactly this schema, if any."""
        found = self._or_none(
            f"looking up the schema in {subject}",
            "POST",
            f"subjects/{_q(subject)}",
            json={"schema": schema, "schemaType": AVRO},
        )
        return None if found is None else self._registered(subject, found, schema)

    def register(
        self,
        subject: str,
        schema: str,
        *,
        rule_set: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> RegisteredVersion:
        """Register ``schema`` (with a Confluent data contract, when given) under ``subject``.

        A rule set or metadata is sent as given, empty ones too: Confluent's registry carries
        the previous version's over to a version registered without them."""
        body: dict[str, Any] = {"schema": schema, "schemaType": AVRO}
        if rule_set is not None:
            body["ruleSet"] = rule_set
        if metadata is not None:
            body["metadata"] = metadata
        self._found(
            f"registering in {subject}", "POST", f"subjects/{_q(subject)}/versions", json=body
        )
        registered = self.lookup(subject, schema)
        if registered is None:
            raise RegistryError(
                f"schema registry {self.url}: {subject}: registered schema "
                "is not found by lookup right after registration"
            )
        return registered

    def publish_rule_set(
        self,
        registered: RegisteredVersion,
        rule_set: Mapping[str, Any],
        metadata: Mapping[str, Any],
    ) -> PublishedRuleSet | None:
        """Keep a version's data contract where Apicurio keeps it: a JSON artifact in
        ``RULES_GROUP`` named as the subject, whose content is the version as a Confluent
        registry answers it, without the schema (``subject``, ``version``, ``id``, ``ruleSet``,
        ``metadata``). Publishing the same one again finds it. None on a registry other than
        Apicurio 3, which has no such place."""
        if self._apicurio is None:
            return None
        document = {
            "subject": registered.subject,
            "version": registered.version,
            "id": registered.schema_id,
            "ruleSet": rule_set,
            "metadata": metadata,
        }
        content = json.dumps(document, sort_keys=True, separators=(",", ":"))
        labels = {"schema.version": str(registered.version), "schema.id": str(registered.schema_id)}
        body = {
            "artifactId": registered.subject,
            "artifactType": "JSON",
            "firstVersion": {
                "content": {"content": content, "contentType": JSON_TYPE},
                "labels": labels,
            },
        }
        answer = self._or_none(
            f"publishing the rule set of {registered.subject}",
            "POST",
            f"groups/{RULES_GROUP}/artifacts",
            base=self._apicurio,
            media_type=JSON_TYPE,
            params={"ifExists": "FIND_OR_CREATE_VERSION"},
            json=body,
        )
        if answer is None:
            return None
        version = int(answer["version"]["version"])
        path = f"{_rules_artifact(registered.subject)}/versions/{version}/content"
        return PublishedRuleSet(version, f"{self._apicurio}/{path}")

    def published_rule_set(self, subject: str) -> dict[str, Any] | None:
        """The newest data contract ``publish_rule_set`` kept for ``subject``, or None."""
        if self._apicurio is None:
            return None
        found = self._or_none(
            f"published rule set of {subject}",
            "GET",
            f"{_rules_artifact(subject)}/versions/branch=latest/content",
            base=self._apicurio,
            media_type=JSON_TYPE,
        )
        return dict(found) if found is not None else None

    def delete_subject(self, subject: str) -> None:
        """Delete a subject for good (soft, then hard delete), and on Apicurio the rule sets
        published for it; absent subjects are fine."""
        for permanent in ("false", "true"):
            self._or_none(
                f"deleting {subject}",
                "DELETE",
                f"subjects/{_q(subject)}",
                params={"permanent": permanent},
            )
        if self._apicurio is not None:
            self._or_none(
                f"deleting the rule sets of {subject}",
                "DELETE",
                _rules_artifact(subject),
                base=self._apicurio,
                media_type=JSON_TYPE,
            )

    def compatibility_level(self, subject: str) -> str | None:
        """The level set on the subject itself, or None when it follows the global level."""
        found = self._or_none(f"compatibility level of {subject}", "GET", f"config/{_q(subject)}")
        level = (found or {}).get("compatibilityLevel") or (found or {}).get("compatibility")
        return str(level) if level else None

    def set_compatibility_level(self, subject: str, level: str) -> None:
        self._found(
            f"setting compatibility {level} on {subject}",
            "PUT",
            f"config/{_q(subject)}",
            json={"compatibility": level},
        )

    def check_compatibility(self, subject: str, schema: str) -> CompatibilityVerdict:
        """The registry's verdict on ``schema`` against the subject's latest version, and why."""
        body = self._found(
            f"compatibility check of {subject}",
            "POST",
            f"compatibility/subjects/{_q(subject)}/versions/latest",
            params={"verbose": "true"},
            json={"schema": schema, "schemaType": AVRO},
        )
        messages = body.get("messages") or []
        return CompatibilityVerdict(bool(body["is_compatible"]), tuple(str(m) for m in messages))


class SchemaCache:
    """Schemas by global id, each fetched once (ids never change meaning), at most
    ``MAX_CACHED`` kept (least recently used dropped); unknown ids are not cached, so an id
    registered later is found. Safe to share between threads."""

    def __init__(self, registry: Registry, max_entries: int = MAX_CACHED) -> None:
        self._registry = registry
        self._max = max_entries
        self._found: OrderedDict[int, RegisteredSchema] = OrderedDict()
        self._lock = threading.Lock()

    def known(self, schema_id: int) -> bool:
        """Whether ``schema_id`` is cached (looking it up costs no registry call)."""
        with self._lock:
            return schema_id in self._found

    def get(self, schema_id: int) -> RegisteredSchema | None:
        """The schema of ``schema_id``, or None when the registry does not know it."""
        with self._lock:
            cached = self._found.get(schema_id)
            if cached is not None:
                self._found.move_to_end(schema_id)
                return cached
        found = self._registry.schema_by_id(schema_id)
        if found is not None:
            with self._lock:
                self._found[schema_id] = found
                while len(self._found) > self._max:
                    self._found.popitem(last=False)
        return found


def _q(subject: str) -> str:
    """A subject as one URL path segment."""
    return quote(subject, safe="")


def _rules_artifact(subject: str) -> str:
    """The path, in Apicurio's own API, of the artifact holding ``subject``'s data contracts."""
    return f"groups/{RULES_GROUP}/artifacts/{_q(subject)}"
