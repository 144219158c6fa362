"""Which record each row came from and which batch read it (``tests.fixtures.source_positions``):
the matching the exactly-once test relies on, each check shown to fail on what it must catch."""

from __future__ import annotations

from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as fn

from spark.cassandra_sink import write_time
from tests.fixtures.source_positions import (
    BatchSpan,
    SourceRecord,
    misattributed,
    miscounted,
    once_per_key,
    overlapping,
    spans,
    uncovered,
)


def _batch(batch_id: int, start: dict[str, int], end: dict[str, int]) -> dict[str, Any]:
    """A batch's figures as ``MetricsLog.batches`` gives them, rows read = offsets covered."""
    rows = sum(o - start.get(p, 0) for p, o in end.items())
    return {"batch_id": batch_id, "rows_read": rows, "start_offsets": start, "end_offsets": end}


def _record(key: str, partition: int, offset: int, timestamp_ms: int = 1_700_000_000_000) -> Any:
    return SourceRecord(key, partition, offset, timestamp_ms)


def test_a_span_covers_from_its_start_up_to_not_including_its_end() -> None:
    span = BatchSpan(3, 7, {0: 10, 1: 5}, {0: 12, 1: 10})
    assert [o for o in range(9, 14) if span.covers(0, o)] == [10, 11]
    assert span.covers(1, 9) and not span.covers(1, 10)
    assert not span.covers(2, 0), "a partition the batch did not read"
    assert span.size == 7


def test_a_first_batch_without_start_reads_from_the_beginning() -> None:
    (span,) = spans([_batch(0, {}, {"0": 3})])
    assert span.covers(0, 0) and span.size == 3


def test_batches_without_recorded_offsets_have_no_span() -> None:
    assert spans([{"batch_id": 0, "rows_read": 5}, {**_batch(1, {}, {}), "rows_read": 5}]) == []


def test_records_no_batch_read_are_named() -> None:
    recorded = spans([_batch(0, {}, {"0": 2}), _batch(2, {"0": 3}, {"0": 4})])
    records = [_record(str(o), 0, o) for o in range(5)]
    assert uncovered(recorded, records) == ["0:2", "0:4"]


def test_two_batches_reading_one_offset_overlap_but_a_replay_does_not() -> None:
    first, replay = _batch(1, {"0": 0}, {"0": 5}), _batch(1, {"0": 0}, {"0": 5})
    assert overlapping(spans([first, replay, _batch(2, {"0": 5}, {"0": 9})])) == []
    assert overlapping(spans([first, _batch(2, {"0": 4}, {"0": 9})])) == [
        "batches 1 and 2 on partition 0"
    ]


def test_rows_read_must_match_the_offsets_a_batch_covered() -> None:
    assert miscounted(spans([_batch(0, {}, {"0": 4, "1": 2})])) == []
    inflated = {**_batch(0, {}, {"0": 4}), "rows_read": 5}
    assert miscounted(spans([inflated])) == ["batch 0: read 5 rows over 4 offsets"]


def test_a_key_produced_twice_is_named_with_its_positions() -> None:
    assert set(once_per_key([_record("a", 0, 0), _record("b", 1, 0)])) == {"a", "b"}
    with pytest.raises(AssertionError, match="keys produced more than once: a at 0:0, 2:7"):
        once_per_key([_record("a", 0, 0), _record("b", 1, 0), _record("a", 2, 7)])


def test_a_row_must_carry_its_own_records_write_time() -> None:
    records = {"a": _record("a", 0, 1234, 1_000), "b": _record("b", 1, 5, 2_000)}
    assert misattributed({"a": 1_000_234, "b": 2_000_005}, records) == {}
    wrong = misattributed({"a": 1_000_235, "c": 1}, records)
    assert wrong == {
        "a": "written at 1000235 µs, its record at 0:1234 stamps 1000234 µs",
        "c": "written at 1 µs, but no record has this key",
    }


def test_the_python_write_time_is_the_jobs(spark: SparkSession) -> None:
    """``write_time_us``, one record's write time, is what the job's column expression gives."""
    cases = [_record("a", 0, 0, 1_700_000_000_123), _record("b", 2, 123_456_789, 1)]
    frame = spark.createDataFrame([(r.timestamp_ms, r.offset) for r in cases], ["ms", "offset"])
    stamps = frame.select(
        write_time(fn.timestamp_millis(fn.col("ms")), fn.col("offset")).alias("us")
    ).collect()
    assert [row["us"] for row in stamps] == [r.write_time_us() for r in cases]
