"""HTTP client of the randomuser API (v1.4) and of the offline source, with bounded retries.

Transient failures (connection errors, timeouts, 429, 5xx, error bodies, malformed or truncated
JSON) are retried with exponential backoff and full jitter; ``Retry-After`` is honoured; the
whole page is bounded by ``max_total_wait_s``. A page never yields users unless the response is a
well-formed ``{"results": [...]}`` holding exactly the requested number of users.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from config.settings import SourceSettings
from producer.errors import SourcePayloadError, SourceRequestRejectedError, SourceUnavailableError

MAX_RESULTS_PER_REQUEST = 5000
API_VERSION_PATH = "/api/1.4/"

User = dict[str, Any]


@dataclass(frozen=True)
class RetryPolicy:
    """How patiently one page is requested."""

    max_attempts: int = 6
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    max_total_wait_s: float = 120.0

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
    """One response's users and the request that produced them."""

    seed: str
    page: int
    users: list[User]


class _TransientError(Exception):
    """Internal: a retryable failure, with the server's Retry-After when it sent one."""

    def __init__(self, cause: str, retry_after_s: float | None = None) -> None:
        super().__init__(cause)
        self.retry_after_s = retry_after_s


def versioned_url(base_url: str) -> str:
    """The endpoint pinned to v1.4: ``https://randomuser.me`` and ``.../api/1.4/`` both work."""
    base = base_url.split("?", 1)[0].rstrip("/")
    if base.endswith("/api/1.4"):
        return base_url
    if base.endswith("/api"):
        return base + "/1.4/"
    query = "?" + base_url.split("?", 1)[1] if "?" in base_url else ""
    return base + API_VERSION_PATH + query


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


def parse_users(body: bytes, expected: int) -> list[User]:
    """The users of a response body, or ``SourcePayloadError`` saying why there are none."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourcePayloadError(f"malformed or truncated JSON ({len(body)} bytes): {exc}") from exc
    if not isinstance(payload, dict):
        raise SourcePayloadError(f"expected a JSON object, got {type(payload).__name__}")
    if "error" in payload:
        raise SourcePayloadError(f"error body from source: {payload['error']!r}")
    results = payload.get("results")
    if not isinstance(results, list) or not all(isinstance(u, dict) for u in results):
        raise SourcePayloadError("response has no 'results' list of user objects")
    if len(results) != expected:
        raise SourcePayloadError(f"expected {expected} users, got {len(results)}")
    return results


def page_sizes(count: int) -> list[int]:
    """Split ``count`` users into requests of at most 5000 (the API's limit)."""
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    full, rest = divmod(count, MAX_RESULTS_PER_REQUEST)
    return [MAX_RESULTS_PER_REQUEST] * full + ([rest] if rest else [])


class RandomUserClient:
    """Fetches pages of users from a randomuser-compatible base URL.

    ``sleep`` and ``rng`` are injectable so retry timing can be unit-tested without waiting.
    """

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.url = versioned_url(base_url)
        # httpx replaces (not merges) a URL's query when given params: keep the base URL's own
        # query (e.g. an API key or the offline source's fault knobs) and merge it per request.
        self._endpoint = self.url.split("?", 1)[0]
        self._base_params = dict(httpx.URL(self.url).params)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        self._http = httpx.Client(timeout=timeout, headers={"Accept": "application/json"})

    @classmethod
    def from_settings(cls, source: SourceSettings, base_url: str | None = None) -> RandomUserClient:
        return cls(
            base_url or source.url,
            connect_timeout_s=source.connect_timeout_s,
            read_timeout_s=source.read_timeout_s,
            retry=RetryPolicy.from_settings(source),
        )

    def __enter__(self) -> RandomUserClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def pages(self, count: int, seed: str, nat: str | None = None) -> Iterator[Page]:
        """``count`` users as consecutive pages 1, 2, ... of the same seed."""
        for number, size in enumerate(page_sizes(count), start=1):
            yield self.fetch_page(size, seed=seed, page=number, nat=nat)

    def fetch_page(self, results: int, *, seed: str, page: int = 1, nat: str | None = None) -> Page:
        """One request's users, retried on transient failures within the policy's bounds."""
        if not 1 <= results <= MAX_RESULTS_PER_REQUEST:
            raise ValueError(f"results must be 1..{MAX_RESULTS_PER_REQUEST}, got {results}")
        params: dict[str, str | int] = {
            **self._base_params,
            "results": results,
            "seed": seed,
            "page": page,
        }
        if nat:
            params["nat"] = nat
        started = time.monotonic()
        last_cause: str = "no attempt made"
        for attempt in range(1, self.retry.max_attempts + 1):
            try:
                users = self._attempt(params, results)
                return Page(seed=seed, page=page, users=users)
            except _TransientError as exc:
                last_cause = str(exc)
                if attempt == self.retry.max_attempts:
                    break
                remaining = self.retry.max_total_wait_s - (time.monotonic() - started)
                delay = self.retry.backoff(attempt, self._rng)
                if exc.retry_after_s is not None:
                    if exc.retry_after_s > remaining:
                        last_cause += (
                            f" (Retry-After {exc.retry_after_s:.1f}s exceeds the remaining "
                            f"wait budget {max(remaining, 0):.1f}s)"
                        )
                        break
                    delay = max(delay, exc.retry_after_s)
                delay = min(delay, remaining)
                if delay <= 0 and remaining <= 0:
                    last_cause += f" (total wait budget {self.retry.max_total_wait_s}s spent)"
                    break
                self._sleep(delay)
        raise SourceUnavailableError(self.url, attempt, last_cause)

    def _attempt(self, params: dict[str, str | int], expected: int) -> list[User]:
        try:
            response = self._http.get(self._endpoint, params=params)
        except httpx.TransportError as exc:
            raise _TransientError(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise _TransientError(f"HTTP {status}: {response.text[:200]}", retry_after)
        if status >= 400:
            raise SourceRequestRejectedError(
                f"HTTP {status} from {self.url}: {response.text[:200]}"
            )
        try:
            return parse_users(response.content, expected)
        except SourcePayloadError as exc:
            raise _TransientError(str(exc)) from exc
