"""The randomuser client against the offline source: retries, budgets and payload checks."""

from __future__ import annotations

import random
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from producer.client import (
    RandomUserClient,
    RetryPolicy,
    page_sizes,
    parse_retry_after,
    parse_users,
    redact_url,
    versioned_url,
)
from producer.errors import (
    SourcePayloadError,
    SourceRequestRejectedError,
    SourceResponseTooLargeError,
    SourceUnavailableError,
)
from producer.json_scan import OversizedNumber, UnparsedUser
from stack.offline_source import OfflineSource

FAST = RetryPolicy(max_attempts=4, backoff_initial_s=0.01, backoff_max_s=0.05)


def client(
    url: str, retry: RetryPolicy = FAST, sleeps: list[float] | None = None
) -> RandomUserClient:
    sleep = sleeps.append if sleeps is not None else (lambda _s: None)
    return RandomUserClient(url, retry=retry, sleep=sleep, rng=random.Random(7), read_timeout_s=2)


def test_page_sizes_split_at_the_api_limit() -> None:
    assert page_sizes(12001) == [5000, 5000, 2001]
    assert page_sizes(5000) == [5000]
    assert page_sizes(3) == [3]
    with pytest.raises(ValueError, match="count"):
        page_sizes(0)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://randomuser.me", "https://randomuser.me/api/1.4/"),
        ("https://randomuser.me/api/", "https://randomuser.me/api/1.4/"),
        ("https://randomuser.me/api/1.4/", "https://randomuser.me/api/1.4/"),
        ("http://h:1/?error_rate=1", "http://h:1/api/1.4/?error_rate=1"),
    ],
)
def test_versioned_url_pins_version(base: str, expected: str) -> None:
    assert versioned_url(base) == expected


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"error": "Uh oh"}', "error body"),
        (b'{"results": [{"gender": "fem', "malformed or truncated"),
        (b"[1, 2]", "JSON object"),
        (b'{"results": {}}', "results"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"results": [{}, {}]}', "expected 1 users, got 2"),
    ],
)
def test_payloads_that_are_not_users_never_become_records(body: bytes, reason: str) -> None:
    with pytest.raises(SourcePayloadError, match=reason):
        parse_users(body, expected=1)


def test_full_jitter_stays_within_the_exponential_ceiling() -> None:
    policy = RetryPolicy(backoff_initial_s=0.5, backoff_max_s=4.0)
    rng = random.Random(1)
    for attempt in range(1, 8):
        ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
        delays = [policy.backoff(attempt, rng) for _ in range(50)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jitter spreads over the whole range


def test_same_seed_and_page_give_the_same_users(offline_source: OfflineSource) -> None:
    with client(offline_source.url) as c:
        first = c.fetch_page(20, seed="s1", page=2)
        again = c.fetch_page(20, seed="s1", page=2)
        other = c.fetch_page(20, seed="s1", page=3)
    assert first.users == again.users
    assert {u["login"]["uuid"] for u in first.users}.isdisjoint(
        u["login"]["uuid"] for u in other.users
    )


@pytest.mark.parametrize(
    "faults",
    [
        "error_rate=0.5",
        "error_rate=0.5&error_status=500",
        "malformed_rate=0.5",
        "truncated_rate=0.5",
        "error_body_rate=0.5",
    ],
)
def test_transient_failures_are_retried(offline_source: OfflineSource, faults: str) -> None:
    sleeps: list[float] = []
    with client(f"{offline_source.url}?{faults}", sleeps=sleeps) as c:
        for _ in range(3):
            assert len(c.fetch_page(5, seed="t").users) == 5
    assert sleeps, "a faulted request must have been retried after a backoff"


def test_429_retry_after_is_honoured(offline_source: OfflineSource) -> None:
    sleeps: list[float] = []
    c = client(f"{offline_source.url}?rate_limit_rate=1&retry_after=3", sleeps=sleeps)
    with c, pytest.raises(SourceUnavailableError, match="HTTP 429"):
        c.fetch_page(5, seed="t")
    assert sleeps == [3.0] * (FAST.max_attempts - 1)


def test_retry_after_beyond_the_budget_gives_up_at_once(offline_source: OfflineSource) -> None:
    sleeps: list[float] = []
    patient = RetryPolicy(max_attempts=5, max_total_wait_s=10)
    c = client(f"{offline_source.url}?rate_limit_rate=1&retry_after=60", patient, sleeps)
    with c, pytest.raises(SourceUnavailableError, match="exceeds the remaining wait") as err:
        c.fetch_page(5, seed="t")
    assert sleeps == []
    assert err.value.attempts == 1


def test_source_down_for_good_reports_attempts_and_last_cause(
    offline_source: OfflineSource,
) -> None:
    sleeps: list[float] = []
    c = client(f"{offline_source.url}?error_rate=1", sleeps=sleeps)
    with c, pytest.raises(SourceUnavailableError) as err:
        c.fetch_page(5, seed="t")
    assert err.value.attempts == FAST.max_attempts
    assert "HTTP 503" in str(err.value.last_cause)
    assert len(sleeps) == FAST.max_attempts - 1
    assert sum(sleeps) <= FAST.max_total_wait_s


def test_client_errors_are_not_retried(offline_source: OfflineSource) -> None:
    sleeps: list[float] = []
    c = client(f"{offline_source.url}?error_rate=1&error_status=400", sleeps=sleeps)
    with c, pytest.raises(SourceRequestRejectedError, match="HTTP 400"):
        c.fetch_page(5, seed="t")
    assert sleeps == []


def test_read_timeout_is_transient(offline_source: OfflineSource) -> None:
    url = f"{offline_source.url}?delay=1"
    c = RandomUserClient(
        url, read_timeout_s=0.2, retry=RetryPolicy(max_attempts=2), sleep=lambda _s: None
    )
    with c, pytest.raises(SourceUnavailableError, match="ReadTimeout"):
        c.fetch_page(5, seed="t")


def test_connection_refused_is_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before use: nothing listens there
    with (
        client(f"http://127.0.0.1:{port}/") as c,
        pytest.raises(SourceUnavailableError, match="Connect"),
    ):
        c.fetch_page(5, seed="t")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://me:s3cret@api.example/api/1.4/", "https://api.example/api/1.4/"),
        ("https://h/api/1.4/?apikey=abc&nat=US", "https://h/api/1.4/?apikey=***&nat=US"),
        ("http://h:8/x?access_token=t&seed=1", "http://h:8/x?access_token=***&seed=1"),
    ],
)
def test_urls_are_shown_without_credentials(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_one_hostile_user_does_not_take_its_page_down() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    body = b'{"results": [{"a": 1}, {"n": ' + b"7" * 5000 + b'}, {"t": ' + deep + b"}, 42]}"
    users = parse_users(body, expected=4)
    assert users[0] == {"a": 1}
    assert users[1] == {"n": OversizedNumber(5000)}
    assert isinstance(users[2], UnparsedUser) and "nested deeper" in users[2].reason
    assert users[3] == 42


def test_a_declared_body_over_the_cap_is_refused_before_reading(
    offline_source: OfflineSource,
) -> None:
    c = RandomUserClient(offline_source.url, max_body_bytes=2048, retry=FAST)
    with c, pytest.raises(SourceResponseTooLargeError, match="declares"):
        c.fetch_page(50, seed="big")


@pytest.mark.parametrize(
    ("faults", "reason"),
    [("huge_body=10240", "over source.max_body_bytes"), ("gzip_bomb=200", "once decompressed")],
)
def test_endless_and_bomb_bodies_fail_fast(
    offline_source: OfflineSource, faults: str, reason: str
) -> None:
    """A 10 GiB chunked body and 200 MiB of gzip-compressed zeros, against a 4 MiB cap."""
    started = time.monotonic()
    c = RandomUserClient(f"{offline_source.url}?{faults}", max_body_bytes=4 << 20, retry=FAST)
    with c, pytest.raises(SourceResponseTooLargeError, match=reason):
        c.fetch_page(5, seed="bomb")
    assert time.monotonic() - started < 10


def test_a_slow_drip_cannot_outlast_the_page_deadline(offline_source: OfflineSource) -> None:
    patient = RetryPolicy(max_attempts=2, backoff_initial_s=0.01, max_total_wait_s=1.5)
    c = RandomUserClient(f"{offline_source.url}?drip=0.3", retry=patient, read_timeout_s=5)
    started = time.monotonic()
    with c, pytest.raises(SourceUnavailableError, match="still arriving"):
        c.fetch_page(20, seed="drip")
    assert time.monotonic() - started < 1.5 + 5 + 1  # the deadline, plus at most one read


def test_errors_never_show_credentials_of_the_source_url() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://user:pw@127.0.0.1:{port}/?apikey=topsecret"
    with RandomUserClient(url, retry=FAST) as c, pytest.raises(SourceUnavailableError) as err:
        c.fetch_page(5, seed="t")
    assert "topsecret" not in str(err.value) and "pw@" not in str(err.value)
    assert "apikey=***" in str(err.value)
