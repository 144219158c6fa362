"""The source client against the offline source: paging, retries, budgets and payload checks."""

from __future__ import annotations

import dataclasses
import random
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from contract.catalog import contract
from contract.source_values import OversizedNumber
from contract.streams import Paging, Source
from producer.client import (
    RetryPolicy,
    SourceClient,
    page_sizes,
    parse_retry_after,
    redact_url,
)
from producer.errors import (
    SourcePayloadError,
    SourceRequestRejectedError,
    SourceResponseTooLargeError,
    SourceUnavailableError,
)
from producer.json_scan import UnparsedRecord, parse_records
from stack import offline_quakes
from stack.offline_source import OfflineSource

FAST = RetryPolicy(max_attempts=4, backoff_initial_s=0.01, backoff_max_s=0.05)


def _source(name: str) -> Source:
    source = contract(name).source
    assert source is not None and source.url is not None
    return source


USERS = _source("user_created")
QUAKES = _source("quake_reported")


def client(
    url: str,
    retry: RetryPolicy = FAST,
    sleeps: list[float] | None = None,
    source: Source = USERS,
) -> SourceClient:
    sleep = sleeps.append if sleeps is not None else (lambda _s: None)
    return SourceClient(
        url, source, retry=retry, sleep=sleep, rng=random.Random(7), read_timeout_s=2
    )


def _paging(source: Source) -> Paging:
    assert source.paging is not None
    return source.paging


def test_page_sizes_split_at_the_declared_page_limit() -> None:
    users = _paging(USERS)
    assert users.max_size == 5000
    assert page_sizes(12001, users) == [5000, 5000, 2001]
    assert page_sizes(5000, users) == [5000]
    assert page_sizes(3, users) == [3]
    assert page_sizes(45000, _paging(QUAKES)) == [20000, 20000, 5000]
    assert page_sizes(12001, None) == [12001]  # a source without paging: one GET
    with pytest.raises(ValueError, match="count"):
        page_sizes(0, users)


def test_the_contract_pins_the_api_version_and_the_offline_source_serves_it(
    offline_source: OfflineSource,
) -> None:
    """The randomuser version is in the declared URL (``x-source.url``), not added by code."""
    assert USERS.url == "https://randomuser.me/api/1.4/"
    assert offline_source.url_for(USERS.url) == offline_source.url
    assert offline_source.url_for(QUAKES.url or "").endswith(offline_quakes.PATH)
    with pytest.raises(LookupError, match="serves no /elsewhere"):
        offline_source.url_for("https://example.org/elsewhere")


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"error": "Uh oh"}', "error answer from source"),
        (b'{"results": [{"gender": "fem', "malformed or truncated"),
        (b"[1, 2]", "the answer is not a JSON object"),
        (b'{"results": {}}', "has no results array"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_payloads_that_are_not_pages_never_become_records(body: bytes, reason: str) -> None:
    with pytest.raises(SourcePayloadError, match=reason):
        parse_records(body, USERS.records, USERS.error)


def test_records_at_a_nested_path_and_a_top_level_array() -> None:
    assert parse_records(b'{"data": {"items": [1, {"a": 2}]}}', ("data", "items"), None) == [
        1,
        {"a": 2},
    ]
    assert parse_records(b'[{"a": 1}]', (), None) == [{"a": 1}]
    with pytest.raises(SourcePayloadError, match="data is not a JSON object"):
        parse_records(b'{"data": [1]}', ("data", "items"), None)


@pytest.mark.parametrize(
    ("exact", "reason"),
    [(True, "expected 1 records, got 2"), (False, "asked for 1 records, got 2")],
)
def test_a_page_of_the_wrong_size_is_retried_then_refused(
    offline_source: OfflineSource, exact: bool, reason: str
) -> None:
    """The source answers 2 records (its ``results`` fixed in the URL) to a request for 1 (the
    page size sent under another name): never a page of records."""
    paging = dataclasses.replace(_paging(USERS), size="size", exact=exact)
    source = dataclasses.replace(USERS, paging=paging)
    c = client(f"{offline_source.url}?results=2", source=source)
    with c, pytest.raises(SourceUnavailableError, match=reason) as err:
        c.fetch_page(1, seed="t")
    assert err.value.attempts == FAST.max_attempts


def test_a_short_page_of_an_exact_source_is_a_bad_answer(offline_source: OfflineSource) -> None:
    paging = dataclasses.replace(_paging(USERS), size="size")
    c = client(offline_source.url, source=dataclasses.replace(USERS, paging=paging))
    with c, pytest.raises(SourceUnavailableError, match="expected 3 records, got 1"):
        c.fetch_page(3, seed="t")


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
        first = c.fetch_page(20, seed="s1", number=1)
        again = c.fetch_page(20, seed="s1", number=1)
        other = c.fetch_page(20, seed="s1", number=2)
    assert (first.page, other.page) == (2, 3)  # randomuser counts pages from 1
    assert first.records == again.records
    assert {u["login"]["uuid"] for u in first.records}.isdisjoint(
        u["login"]["uuid"] for u in other.records
    )


def test_pages_follow_the_declared_paging(offline_source: OfflineSource) -> None:
    with client(offline_source.url) as c:
        pages = list(c.pages(12, seed="s2"))
    assert [(p.page, len(p.records)) for p in pages] == [(1, 12)]
    small = dataclasses.replace(USERS, paging=dataclasses.replace(_paging(USERS), max_size=5))
    with client(offline_source.url, source=small) as c:
        pages = list(c.pages(12, seed="s2"))
        first = c.fetch_page(5, seed="s2")
    assert [(p.page, len(p.records)) for p in pages] == [(1, 5), (2, 5), (3, 2)]
    assert pages[0].records == first.records


def test_offset_paging_reads_on_until_a_short_page(offline_source: OfflineSource) -> None:
    """The quake source pages by record offset from 1; a page shorter than asked is the end of
    the catalogue (``paging.exact`` is false)."""
    paging = dataclasses.replace(_paging(QUAKES), max_size=10)
    source = dataclasses.replace(QUAKES, paging=paging)
    url = offline_source.url_for(QUAKES.url or "")
    with client(url, source=source) as c:
        pages = list(c.pages(35, seed="q"))
    assert [len(p.records) for p in pages] == [10, 10, 10, 5]
    ids = [q["id"] for p in pages for q in p.records]
    assert ids == [offline_quakes.make_quake(i)["id"] for i in range(1, 36)]
    with client(f"{url}?total=15", source=source) as c:
        pages = list(c.pages(35, seed="q"))
    assert [len(p.records) for p in pages] == [10, 5]


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
            assert len(c.fetch_page(5, seed="t").records) == 5
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
    c = SourceClient(
        url, USERS, read_timeout_s=0.2, retry=RetryPolicy(max_attempts=2), sleep=lambda _s: None
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
    users = parse_records(body, USERS.records, USERS.error)
    assert len(users) == 4
    assert users[0] == {"a": 1}
    assert users[1] == {"n": OversizedNumber(5000)}
    assert isinstance(users[2], UnparsedRecord) and "nested deeper" in users[2].reason
    assert users[3] == 42


def test_a_declared_body_over_the_cap_is_refused_before_reading(
    offline_source: OfflineSource,
) -> None:
    c = SourceClient(offline_source.url, USERS, max_body_bytes=2048, retry=FAST)
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
    c = SourceClient(f"{offline_source.url}?{faults}", USERS, max_body_bytes=4 << 20, retry=FAST)
    with c, pytest.raises(SourceResponseTooLargeError, match=reason):
        c.fetch_page(5, seed="bomb")
    assert time.monotonic() - started < 10


def test_a_slow_drip_cannot_outlast_the_page_deadline(offline_source: OfflineSource) -> None:
    patient = RetryPolicy(max_attempts=2, backoff_initial_s=0.01, max_total_wait_s=1.5)
    c = SourceClient(f"{offline_source.url}?drip=0.3", USERS, retry=patient, read_timeout_s=5)
    started = time.monotonic()
    with c, pytest.raises(SourceUnavailableError, match="still arriving"):
        c.fetch_page(20, seed="drip")
    assert time.monotonic() - started < 1.5 + 5 + 1  # the deadline, plus at most one read


def test_errors_never_show_credentials_of_the_source_url() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://user:pw@127.0.0.1:{port}/?apikey=topsecret"
    with SourceClient(url, USERS, retry=FAST) as c, pytest.raises(SourceUnavailableError) as err:
        c.fetch_page(5, seed="t")
    assert "topsecret" not in str(err.value) and "pw@" not in str(err.value)
    assert "apikey=***" in str(err.value)
