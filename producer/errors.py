"""Typed errors of the producer, each naming what failed and why, rooted in ``ProducerError``."""

from __future__ import annotations

from typing import Any


class ProducerError(Exception):
    """Every error the producer raises on purpose."""


class SourceError(ProducerError):
    """The source answered something that is not a page of records."""


class SourceUrlMissingError(ProducerError):
    """A contract without a source, or whose source names no URL and none was given."""

    def __init__(self, contract: str) -> None:
        self.contract = contract
        super().__init__(
            f"contract {contract} has no source URL: declare one in its x-source, or give "
            f"SOURCE_URL=... (or setting source.urls.{contract}, or its Airflow connection)"
        )


class SourcePayloadError(SourceError):
    """A response that cannot become records: error body, malformed or truncated JSON.

    Treated as transient by the client (the real API occasionally answers ``{"error": ...}``).
    """


class SourceRequestRejectedError(SourceError):
    """A non-retryable client error (4xx other than 429): retrying would not help."""


class SourceResponseTooLargeError(SourceError):
    """An answer over ``source.max_body_bytes`` (declared, or once decompressed): not retried."""


class SourceUnavailableError(SourceError):
    """The client gave up after its retries or its total wait budget; ``last_cause`` says why."""

    def __init__(self, url: str, attempts: int, last_cause: BaseException | str) -> None:
        self.url = url
        self.attempts = attempts
        self.last_cause = last_cause
        super().__init__(
            f"source {url} unavailable after {attempts} attempt(s); last error: {last_cause}"
        )


class SubjectNotRegisteredError(ProducerError):
    """The value subject is missing from the registry; producers never register schemas."""

    def __init__(self, subject: str, registry_url: str) -> None:
        self.subject = subject
        super().__init__(
            f"schema subject {subject!r} is not registered in {registry_url}; "
            "run `make register` first (producers never auto-register schemas)"
        )


class BatchIncompleteError(ProducerError):
    """A batch ended with records not delivered, or the source gave up midway; ``counts`` (a
    ``BatchCounts``) says where every fetched user went."""

    def __init__(self, message: str, counts: Any) -> None:
        super().__init__(message)
        self.counts = counts
