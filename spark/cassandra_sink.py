"""Writing a pass's good rows to its contract's tables, and what a refused write means.

Rows are upserted with a write time derived from their Kafka position (:func:`write_time`), so
a replay never overwrites a newer version of a row. A failure about Cassandra (a node down, a
timeout, a keyspace the connector cannot find) fails the batch, which is replayed from the
checkpoint, never dead-lettered (``SinkFailureError``). A refusal about the rows themselves is
isolated: the failed write is split in halves until the refused rows are alone, every other row
is written, and the refused ones are returned for the DLQ (``sink:rejected``). A row refused by
one table is dead-lettered once; the tables that took it keep it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

from py4j.protocol import Py4JJavaError
from pyspark.errors.exceptions.captured import AnalysisException, CapturedException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as fn

from contract.pii import MASK, pii_columns
from contract.streams import TableTarget
from spark.classifier import ERROR, reason
from spark.reader_contract import ReaderContract

log = logging.getLogger(__name__)

WRITETIME = "kafka_writetime"
"""The per-row write-time column handed to the connector (a bind marker: no leading underscore)."""
_MESSAGE_LIMIT = 1000
INFRASTRUCTURE_MARKERS = (
    "NoNodeAvailable",
    "AllNodesFailed",
    "Failed to open native connection",
    "Could not reach any contact point",
    "WriteTimeout",
    "ReadTimeout",
    "DriverTimeout",
    "Unavailable",
    "Overloaded",
    "BusyConnection",
    "ClosedConnection",
    "HeartbeatException",
    "ConnectionInit",
    "Connection refused",
    "Control channel not available",
    "unconfigured table",
    "does not exist",
    "Couldn't find",
    "AuthenticationException",
    "Unauthorized",
    "InterruptedException",
)
"""Marks of a write failure that is about Cassandra (or a query being stopped mid-write), not
the rows: these fail the batch, which is replayed."""
Position = tuple[int, int]
"""A row's Kafka (partition, offset)."""


class SinkFailureError(RuntimeError):
    """Cassandra refused the batch for a reason that is not about its rows; replayed."""


class RowsRefusedError(Exception):
    """Cassandra refused the write because of (some of) its rows."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CassandraTarget:
    """How to reach Cassandra, where a contract's tables live, and when a refusal is too wide."""

    options: dict[str, str]
    keyspace: Callable[[TableTarget], str]
    """The keyspace a table is written in (its own, or ``cassandra.keyspace``)."""
    probe: Callable[[], str | None] = lambda: None
    """Why Cassandra does not answer right now (None when it does): checked before refused rows
    are dead-lettered, so an outage the write's error did not reveal is never taken for bad
    rows."""
    reject_limit: int = 100
    """Rows Cassandra may refuse in one batch before the failure is treated as systemic."""


OFFSET_TIEBREAK = 1000
"""A row's write time carries its record's offset modulo this, in the microseconds of its
record's millisecond (:func:`write_time`)."""


def write_time(timestamp: Column, offset: Column) -> Column:
    """Microseconds for ``USING TIMESTAMP``: the record's Kafka timestamp (ms) times 1000, plus
    its offset modulo 1000, so a later record of a key wins, also against a replay or a
    re-drive (which keeps the original timestamp); ties within one millisecond go to the higher
    offset (modulo 1000). :func:`write_time_us` computes the same for one record."""
    return fn.unix_micros(timestamp) + fn.pmod(offset, fn.lit(OFFSET_TIEBREAK))


def write_time_us(timestamp_ms: int, offset: int) -> int:
    """:func:`write_time` of one record: which record a row's ``WRITETIME`` came from."""
    return timestamp_ms * 1000 + offset % OFFSET_TIEBREAK


def write_time_column() -> Column:
    return write_time(fn.col("_kafka_timestamp"), fn.col("_kafka_offset")).alias(WRITETIME)


def save(rows: DataFrame, table: TableTarget, target: CassandraTarget, stamp: Column) -> None:
    """Write ``rows`` to ``table``; a refusal about the rows raises ``RowsRefusedError``, others
    ``SinkFailureError`` (the batch fails and is replayed)."""
    try:
        rows.select(*table.columns, stamp).write.format("org.apache.spark.sql.cassandra").options(
            **target.options
        ).options(keyspace=target.keyspace(table), table=table.name, writetime=WRITETIME).mode(
            "append"
        ).save()
    except (Py4JJavaError, CapturedException) as exc:
        failure = write_failure(exc)
        if isinstance(failure, SinkFailureError):
            forget_cassandra_sessions(rows.sparkSession)
        raise failure from exc


def isolate(
    good: DataFrame,
    table: TableTarget,
    contract: ReaderContract,
    target: CassandraTarget,
    stamp: Column,
    message: str,
) -> dict[Position, str]:
    """Split the failed write of ``good`` to ``table`` until the refused rows are alone; write
    every other row. Returns the refused rows' positions and why, personal data masked."""
    positions = sorted(
        (int(r[0]), int(r[1])) for r in good.select("_kafka_partition", "_kafka_offset").collect()
    )
    refused: dict[Position, str] = {}
    _bisect(good, table, target, stamp, positions, message, refused)
    down = target.probe()
    if down is not None:
        forget_cassandra_sessions(good.sparkSession)
        raise SinkFailureError(f"Cassandra refused rows and does not answer: {down}")
    log.warning("Cassandra refused %d row(s) of table %s; dead-lettered", len(refused), table.name)
    return _masked(good, contract, {p: f"table {table.name}: {m}" for p, m in refused.items()})


def _bisect(
    good: DataFrame,
    table: TableTarget,
    target: CassandraTarget,
    stamp: Column,
    positions: list[Position],
    message: str,
    refused: dict[Position, str],
) -> None:
    """``positions`` (sorted) failed with ``message``: retry in halves."""
    if len(positions) == 1:
        refused[positions[0]] = message
        if len(refused) > target.reject_limit:
            raise SinkFailureError(
                f"Cassandra refused more than {target.reject_limit} rows of one batch; treated "
                f"as a systemic failure, not bad rows: {message}"
            )
        return
    half = len(positions) // 2
    for piece in (positions[:half], positions[half:]):
        try:
            save(good.where(at_positions(piece)), table, target, stamp)
        except RowsRefusedError as exc:
            _bisect(good, table, target, stamp, piece, exc.message, refused)


def _masked(
    good: DataFrame, contract: ReaderContract, refused: dict[Position, str]
) -> dict[Position, str]:
    """The refusals with every personal-data value of their row masked: the driver's message
    may quote a value, and it goes into the DLQ's headers and the logs."""
    columns = sorted(set(contract.columns) & pii_columns(json.loads(contract.reader_schema)))
    if not columns or not refused:
        return refused
    rows = good.where(at_positions(sorted(refused))).select(
        "_kafka_partition", "_kafka_offset", *columns
    )
    out = dict(refused)
    for row in rows.collect():
        at = (int(row[0]), int(row[1]))
        for value in row[2:]:
            if value is not None and str(value) and at in out:
                out[at] = out[at].replace(str(value), MASK)
    return out


def at_positions(positions: list[Position]) -> Column:
    """Rows at a contiguous run of sorted (partition, offset) positions."""
    ranges: dict[int, tuple[int, int]] = {}
    for partition, offset in positions:
        low, high = ranges.get(partition, (offset, offset))
        ranges[partition] = (min(low, offset), max(high, offset))
    return reduce(
        lambda a, b: a | b,
        (
            (fn.col("_kafka_partition") == p) & fn.col("_kafka_offset").between(low, high)
            for p, (low, high) in ranges.items()
        ),
    )


def refused_rows(good: DataFrame, refused: dict[Position, str], rule: str) -> DataFrame:
    """The rows at ``refused`` positions, each with its reason as the ``ERROR`` column."""
    why = fn.lit(None)
    for (partition, offset), message in refused.items():
        at = (fn.col("_kafka_partition") == partition) & (fn.col("_kafka_offset") == offset)
        why = fn.when(at, reason(rule, "", message)).otherwise(why)
    return good.withColumn(ERROR, why).where(fn.col(ERROR).isNotNull())


def forget_cassandra_sessions(spark: SparkSession) -> None:
    """Close the connector's cached sessions, so the next write opens a fresh one: after an
    outage a cached session can block forever refreshing its schema, and a session opened
    before a keyspace or column was created may not know it yet."""
    jvm = spark._jvm
    assert jvm is not None
    jvm.com.datastax.spark.connector.cql.CassandraConnector.evictCache()


def write_failure(exc: Py4JJavaError | CapturedException) -> Exception:
    """What a failed write means: ``SinkFailureError`` when it is about Cassandra or was refused
    before any row was sent (the batch fails and is replayed), else a refusal of (some of) the
    rows, to isolate.

    PySpark raises the JVM's analysis errors as its own classes (``AnalysisException`` for a
    keyspace or table the connector cannot find): they come from planning the write, never from
    a row, so they are never taken for refused rows.
    """
    message = _sink_message(exc)
    if isinstance(exc, AnalysisException) or is_infrastructure(message):
        return SinkFailureError(f"Cassandra write failed: {message}")
    return RowsRefusedError(message)


def _sink_message(exc: Py4JJavaError | CapturedException) -> str:
    """The Java exception chain of a failed write, as one bounded line."""
    if isinstance(exc, CapturedException):
        return " ".join(str(exc).split())[:_MESSAGE_LIMIT]
    text = " ".join(str(exc.java_exception).split())
    cause = exc.java_exception.getCause()
    while cause is not None:
        text += f" | {' '.join(str(cause).split())}"
        cause = cause.getCause()
    return text[:_MESSAGE_LIMIT]


def is_infrastructure(message: str) -> bool:
    """Whether a write failure is about Cassandra (down, slow, missing table), not the rows."""
    return any(marker in message for marker in INFRASTRUCTURE_MARKERS)
