"""HTTP client of a contract's JSON source (``x-source``): ``requests`` with urllib3's
``Retry``, plus what they lack: a cap on the response body and a deadline per page.

- Transient HTTP answers (429, 5xx) and connection errors are retried by urllib3's ``Retry``
  (subclassed so the wait is exponential with full jitter, honours ``Retry-After``, and never
  outlasts the page's deadline). Error bodies (``{"error": ...}`` with status 200) and
  malformed or truncated JSON are retried by this module with the same policy.
- A client error (4xx other than 429) is not retried: ``SourceRequestRejectedError``.
- The body is streamed and counted after decompression: a body over ``max_body_bytes`` (a
  10 GB answer, a gzip bomb) fails at once with ``SourceResponseTooLargeError``; a slow drip
  cannot outlast the page's deadline (``max_total_wait_s``, retries and downloads included).
- Pages follow the source's declared paging (page size, page number or offset, seed); a
  source without paging is read with one GET, its records capped at the count asked for. A
  page yields records only from a well-formed answer with the record array at the declared
  path (of the requested size, where the source promises it: ``paging.exact``). A record
  that cannot be parsed on its own (nested too deep, a number of thousands of digits) becomes
  an ``UnparsedRecord`` for the DLQ, and the rest of the page still goes through.
- URLs in errors, logs and records are redacted (:func:`redact_url`): no credentials or keys.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from config.settings import SourceSettings
from contract.streams import Paging, Source
from producer.errors import (
    SourcePayloadError,
    SourceRequestRejectedError,
    SourceResponseTooLargeError,
    SourceUnavailableError,
)
from producer.json_scan import UnparsedRecord, parse_records

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CHUNK_BYTES = 64 * 1024
_SECRET_WORDS = ("key", "token", "secret", "password", "passwd", "signature", "sig", "auth")
_SECRET_PARAM = re.compile(rf"(?i)\b(\w*(?:{'|'.join(_SECRET_WORDS)})\w*)=([^&\s]+)")

SourceRecord = Any
"""One element of a page's record array: a dict when well formed, anything else otherwise."""


DEFAULTS = SourceSettings()
"""The ``source`` settings' defaults: a client made without settings is as patient as one made
from the shipped settings (each default is written once, in ``config.settings``)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How patiently one page is requested; ``max_total_wait_s`` bounds the whole page."""

    max_attempts: int = DEFAULTS.max_attempts
    backoff_initial_s: float = DEFAULTS.backoff_initial_s
    backoff_max_s: float = DEFAULTS.backoff_max_s
    max_total_wait_s: float = DEFAULTS.max_total_wait_s

    @classmethod
    def from_settings(cls, source: SourceSettings) -> RetryPolicy:
        return cls(
            max_attempts=source.max_attempts,
            backoff_initial_s=source.backoff_initial_s,
            backoff_max_s=source.backoff_max_s,
            max_total_wait_s=source.max_total_wait_s,
        )

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max, initial * 2**(attempt-1))]."""
        ceiling = min(self.backoff_max_s, self.backoff_initial_s * 2 ** (attempt - 1))
        return rng.uniform(0.0, ceiling)


@dataclass(frozen=True)
class Page:
    """One response's records and the request that produced them."""

    seed: str
    page: int
    records: list[SourceRecord]


class _BudgetSpentError(Exception):
    """Internal: waiting any longer would outlast the page's deadline."""


class _PageClock:
    """The deadline of one page, and the waits spent against it."""

    def __init__(self, policy: RetryPolicy, sleep: Callable[[float], None], rng: random.Random):
        self.policy = policy
        self.deadline = time.monotonic() + policy.max_total_wait_s
        self.requests_made = 0
        """Requests of the current ``_get`` that have been answered or have failed."""
        self._sleep = sleep
        self._rng = rng

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def wait(self, attempt: int, retry_after: float | None) -> None:
        """Sleep before attempt ``attempt + 1``; raise ``_BudgetSpentError`` when it cannot."""
        remaining = self.remaining()
        if retry_after is not None and retry_after > remaining:
            raise _BudgetSpentError(
                f"Retry-After {retry_after:.1f}s exceeds the remaining wait budget "
                f"{max(remaining, 0):.1f}s"
            )
        delay = max(self.policy.backoff(attempt, self._rng), retry_after or 0.0)
        if remaining <= 0:
            raise _BudgetSpentError(f"total wait budget {self.policy.max_total_wait_s}s spent")
        self._sleep(min(delay, remaining))


class _PageRetry(Retry):
    """urllib3's ``Retry`` with the page's clock: full-jitter backoff, bounded by the deadline."""

    clock: _PageClock | None = None

    def new(self, **kw: Any) -> _PageRetry:
        retry = super().new(**kw)
        retry.clock = self.clock
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        assert self.clock is not None
        self.clock.requests_made = len(self.history)
        retry_after = None
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        self.clock.wait(len(self.history), retry_after)


def redact_url(url: str) -> str:
    """``url`` without credentials: userinfo dropped, secret-looking query values masked."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = [
        (name, "***" if any(w in name.lower() for w in _SECRET_WORDS) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), ""))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def page_sizes(count: int, paging: Paging | None) -> list[int]:
    """Split ``count`` records into requests of at most ``paging.max_size`` (one request, of
    any size, for a source without paging)."""
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    if paging is None:
        return [count]
    full, rest = divmod(count, paging.max_size)
    return [paging.max_size] * full + ([rest] if rest else [])


class SourceClient:
    """Fetches pages of records from a contract's JSON source at ``url``.

    ``sleep`` and ``rng`` are injectable so retry timing can be unit-tested without waiting.
    """

    def __init__(
        self,
        url: str,
        source: Source,
        *,
        connect_timeout_s: float = DEFAULTS.connect_timeout_s,
        read_timeout_s: float = DEFAULTS.read_timeout_s,
        max_body_bytes: int = DEFAULTS.max_body_bytes,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.url = url
        self.source = source
        self.display_url = redact_url(self.url)
        self._endpoint = self.url.split("?", 1)[0]
        self._base_params = dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))
        self.retry = retry or RetryPolicy()
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self._max_body_bytes = max_body_bytes
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._http = requests.Session()
        self._http.headers["Accept"] = "application/json"

    @classmethod
    def from_settings(cls, settings: SourceSettings, url: str, source: Source) -> SourceClient:
        return cls(
            url,
            source,
            connect_timeout_s=settings.connect_timeout_s,
            read_timeout_s=settings.read_timeout_s,
            max_body_bytes=settings.max_body_bytes,
            retry=RetryPolicy.from_settings(settings),
        )

    def __enter__(self) -> SourceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def pages(self, count: int, seed: str, params: dict[str, str] | None = None) -> Iterator[Page]:
        """``count`` records as consecutive pages of the same seed (at most ``count``: a source
        without ``paging.exact`` may run out of records first)."""
        paging = self.source.paging
        for number, size in enumerate(page_sizes(count, paging)):
            page = self.fetch_page(size, seed=seed, number=number, params=params)
            yield page
            if paging is None or len(page.records) < size:
                return  # one GET, or the source has no more records

    def fetch_page(
        self, size: int, *, seed: str, number: int = 0, params: dict[str, str] | None = None
    ) -> Page:
        """The ``number``-th page (from 0) of ``size`` records, retried on transient failures
        within the policy's bounds."""
        paging = self.source.paging
        if paging is not None and not 1 <= size <= paging.max_size:
            raise ValueError(f"page size must be 1..{paging.max_size}, got {size}")
        query = {**self._base_params, **dict(self.source.params), **(params or {})}
        page_number = number + (paging.first if paging else 0)
        if paging is not None:
            query[paging.size] = str(size)
            if paging.page:
                query[paging.page] = str(page_number)
            if paging.offset:
                query[paging.offset] = str(paging.first + number * paging.max_size)
            if paging.seed:
                query[paging.seed] = seed
        clock = _PageClock(self.retry, self._sleep, self._rng)
        attempts, cause = 0, "no attempt made"
        while attempts < self.retry.max_attempts:
            try:
                retries, body = self._get(query, clock, self.retry.max_attempts - attempts - 1)
            except _TransientError as exc:
                attempts += exc.attempts
                cause = exc.cause
                if exc.out_of_time:
                    break
            else:
                attempts += retries + 1
                try:
                    records = self._records(body, size)
                    return Page(seed=seed, page=page_number, records=records)
                except SourcePayloadError as exc:
                    cause = str(exc)
            if attempts >= self.retry.max_attempts:
                break
            try:
                clock.wait(attempts, None)
            except _BudgetSpentError as exc:
                cause = f"{cause} ({exc})"
                break
        raise SourceUnavailableError(self.display_url, max(attempts, 1), cause)

    def _records(self, body: bytes, size: int) -> list[SourceRecord]:
        """A page's records, or ``SourcePayloadError`` saying why there are none."""
        records = parse_records(body, self.source.records, self.source.error)
        paging = self.source.paging
        if paging is not None and paging.exact and len(records) != size:
            raise SourcePayloadError(f"expected {size} records, got {len(records)}")
        if paging is not None and len(records) > size:
            raise SourcePayloadError(f"asked for {size} records, got {len(records)}")
        return records[:size]

    def _get(self, params: dict[str, str], clock: _PageClock, retries: int) -> tuple[int, bytes]:
        """One request with urllib3's retries: (retries used, body), or ``_TransientError``."""
        retry = _PageRetry(
            total=retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        retry.clock = clock
        clock.requests_made = 0
        adapter = HTTPAdapter(max_retries=retry)
        self._http.mount(self._endpoint, adapter)
        timeout = (self._connect_timeout_s, max(0.1, min(self._read_timeout_s, clock.remaining())))
        try:
            with self._http.get(
                self._endpoint, params=params, timeout=timeout, stream=True
            ) as response:
                used = len(response.raw.retries.history) if response.raw.retries else 0
                status = response.status_code
                if status in RETRY_STATUSES:
                    raise _TransientError(used + 1, f"HTTP {status}: {_preview(response)}")
                if status >= 400:
                    raise SourceRequestRejectedError(
                        f"HTTP {status} from {self.display_url}: {_preview(response)}"
                    )
                return used, self._body(response, clock)
        except _BudgetSpentError as exc:
            raise _TransientError(max(clock.requests_made, 1), str(exc), out_of_time=True) from exc
        except requests.RequestException as exc:
            cause = f"{type(exc).__name__}: {redact_error(exc)}"
            raise _TransientError(retries + 1, cause) from exc
        finally:
            adapter.close()

    def _body(self, response: requests.Response, clock: _PageClock) -> bytes:
        """The decoded body, streamed: fails past ``max_body_bytes`` or the page deadline."""
        declared = response.headers.get("Content-Length", "")
        limit = self._max_body_bytes
        if declared.isdigit() and int(declared) > limit:
            raise SourceResponseTooLargeError(
                f"{self.display_url}: the answer declares {int(declared):,} bytes, "
                f"over source.max_body_bytes {limit:,}"
            )
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(_CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise SourceResponseTooLargeError(
                        f"{self.display_url}: the answer is over source.max_body_bytes {limit:,} "
                        "once decompressed; refused"
                    )
                if clock.remaining() <= 0:
                    cause = f"the answer was still arriving after {self.retry.max_total_wait_s}s"
                    raise _TransientError(1, cause, out_of_time=True)
                chunks.append(chunk)
        except requests.RequestException as exc:
            cause = f"{type(exc).__name__} while reading: {redact_error(exc)}"
            raise _TransientError(1, cause) from exc
        return b"".join(chunks)


class _TransientError(Exception):
    """Internal: a retryable failure after ``attempts`` attempts; ``out_of_time`` when the
    page's deadline leaves no room for another."""

    def __init__(self, attempts: int, cause: str, *, out_of_time: bool = False) -> None:
        super().__init__(cause)
        self.attempts = attempts
        self.cause = cause
        self.out_of_time = out_of_time


def _preview(response: requests.Response) -> str:
    """The first 200 characters of an error answer (bounded read)."""
    raw = next(response.iter_content(200), b"")
    return raw[:200].decode("utf-8", "replace")


def redact_error(exc: Exception) -> str:
    """An exception's text with URLs and secret-looking query values redacted (urllib3's
    messages embed the URL, or its path and query)."""
    words = [redact_url(w) if "://" in w else w for w in str(exc).split()]
    return _SECRET_PARAM.sub(r"\1=***", " ".join(words))


__all__ = [
    "Page",
    "RetryPolicy",
    "SourceClient",
    "UnparsedRecord",
    "page_sizes",
    "parse_retry_after",
    "redact_url",
]
