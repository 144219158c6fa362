"""A DLQ entry's source record (``tests.fixtures.dlq``): by topic, partition and offset for the
job's entries, by source page and index for the producer's; two entries of one source show."""

from __future__ import annotations

import pytest

from clients.kafka import RangeMessage
from contract.dlq import DlqHeader, Stage
from tests.fixtures.dlq import duplicate_sources, source_position


def _job_entry(at: int, offset: int, partition: int = 0) -> RangeMessage:
    headers = {
        "own": b"kept",  # the original record's header, before the job's
        DlqHeader.STAGE: Stage.JOB.encode(),
        DlqHeader.SOURCE_TOPIC: b"users",
        DlqHeader.SOURCE_PARTITION: str(partition).encode(),
        DlqHeader.SOURCE_OFFSET: str(offset).encode(),
    }
    return RangeMessage(b"k", b"v", headers, 0, 0, at)


def _producer_entry(at: int, index: int) -> RangeMessage:
    headers: dict[str, bytes] = {
        DlqHeader.STAGE: Stage.PRODUCER.encode(),
        DlqHeader.SOURCE_URL: b"https://randomuser.me/api/1.4",
        DlqHeader.SOURCE_SEED: b"s",
        DlqHeader.SOURCE_PAGE: b"1",
        DlqHeader.SOURCE_INDEX: str(index).encode(),
    }
    return RangeMessage(None, b"{}", headers, 0, 1, at)


def test_each_stage_names_its_source_by_its_own_headers() -> None:
    assert source_position(_job_entry(0, 42, partition=2)) == ("job", "users", "2", "42")
    assert source_position(_producer_entry(0, 7)) == (
        "producer",
        "https://randomuser.me/api/1.4",
        "s",
        "1",
        "7",
    )


def test_an_entry_without_its_source_fails_naming_it() -> None:
    bare = RangeMessage(b"k", b"v", {DlqHeader.STAGE: b"job"}, 0, 3, 9)
    with pytest.raises(AssertionError, match="DLQ entry 3:9 has no source"):
        source_position(bare)


def test_a_record_dead_lettered_twice_is_named_with_both_entries() -> None:
    entries = [_job_entry(0, 5), _job_entry(1, 6), _job_entry(2, 5), _producer_entry(0, 5)]
    assert duplicate_sources(entries) == {("job", "users", "0", "5"): ["0:0", "0:2"]}
    assert duplicate_sources(entries[:2] + entries[3:]) == {}
