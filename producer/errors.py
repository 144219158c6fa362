"""Typed errors of the producer, each naming what failed and why."""

from __future__ import annotations


class SourceError(Exception):
    """The randomuser-compatible source answered something that is not a batch of users."""


class SourcePayloadError(SourceError):
    """A response that cannot become records: error body, malformed or truncated JSON.

    Treated as transient by the client (the real API occasionally answers ``{"error": ...}``).
    """


class SourceRequestRejectedError(SourceError):
    """A non-retryable client error (4xx other than 429): retrying would not help."""


class SourceUnavailableError(SourceError):
    """The client gave up after its retries or its total wait budget; ``last_cause`` says why."""

    def __init__(self, url: str, attempts: int, last_cause: BaseException | str) -> None:
        self.url = url
        self.attempts = attempts
        self.last_cause = last_cause
        super().__init__(
            f"randomuser source {url} unavailable after {attempts} attempt(s); "
            f"last error: {last_cause}"
        )


class RecordInvalidError(ValueError):
    """An API user that cannot become a ``UserCreated``; ``field`` is the dotted path in the API."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class SubjectNotRegisteredError(RuntimeError):
    """The value subject is missing from the registry; producers never register schemas."""

    def __init__(self, subject: str, registry_url: str) -> None:
        self.subject = subject
        super().__init__(
            f"schema subject {subject!r} is not registered in {registry_url}; "
            "run `make register` first (producers never auto-register schemas)"
        )


class BatchIncompleteError(RuntimeError):
    """A batch ended with users neither delivered nor in the DLQ, or the source gave up midway."""
