"""Every row of a pass: its Kafka metadata, its table columns, and its reject reason or none.

Everything per row is a Spark SQL expression (no Python UDF). A row is rejected, in this order,
for its framing, an unknown, non-Avro or refused writer schema, a body that does not decode
into the reader schema, then the contract's rules in their order. A reason is a struct
``(rule, field, message)``, as the producer's (``contract.dlq``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as fn
from pyspark.sql.avro.functions import from_avro

from codegen.rule_compile import NOW_COLUMN
from codegen.rule_set import TEXTS_OK_COLUMN
from contract.dlq import RejectRule
from spark import framing
from spark.reader import ReaderChoice
from spark.reader_contract import ReaderContract
from spark.writer_schemas import WriterSchema

ERROR = "_error"
WARNED = "_warned"
"""The names of the ``warn`` rules a row breaks (an array, empty for most rows)."""
SCHEMA_ID = "_schema_id"
UNLISTED = "_unlisted"
"""The internal reason of rows whose writer id a pass did not decode (another pass does)."""
FRAMING = "_framing_error"
_KAFKA_COLUMNS = ("key", "value", "topic", "partition", "offset", "timestamp", "headers")
META = tuple(f"_kafka_{name}" for name in _KAFKA_COLUMNS)
"""The Kafka source's columns, renamed so ``value`` can hold the decoded struct."""


def reason(rule: str, field: Column | str, message: Column | str) -> Column:
    """A reject reason: the struct ``(rule, field, message)``."""
    as_column = [fn.lit(v) if isinstance(v, str) else v for v in (rule, field, message)]
    return fn.struct(
        as_column[0].alias("rule"), as_column[1].alias("field"), as_column[2].alias("message")
    )


def frame_columns() -> tuple[Column, ...]:
    """The Kafka rows, renamed, with their framing reason (or null) and schema id."""
    problem = framing.framing_error(fn.col("value"))
    return (
        *(fn.col(c).alias(f"_kafka_{c}") for c in _KAFKA_COLUMNS),
        fn.when(problem.isNotNull(), reason(RejectRule.WIRE_FRAMING, "", problem)).alias(FRAMING),
        fn.when(problem.isNull(), framing.schema_id(fn.col("value"))).alias(SCHEMA_ID),
    )


def schema_ids(framed: DataFrame) -> list[int]:
    """The writer ids present in framed rows."""
    rows = framed.where(fn.col(SCHEMA_ID).isNotNull()).select(SCHEMA_ID).distinct().collect()
    return sorted(int(r[SCHEMA_ID]) for r in rows)


@dataclass(frozen=True)
class Classifier:
    """The columns that classify a pass's rows, for one set of writer schemas and one reader.

    Built once and kept while the batches hold the same writers: building them takes about
    2,500 calls from Python into the JVM, 0.4 s of every micro-batch when it was done per batch
    (``docs/performance.md``). Only the rules' clock is made per batch.
    """

    value: Column
    projected: tuple[Column, ...]
    projected_names: tuple[str, ...]
    texts_ok: Column
    error: Column
    warned: Column

    @classmethod
    def build(cls, writers: Sequence[WriterSchema], choice: ReaderChoice) -> Classifier:
        """The classifier of ``writers`` decoded into ``choice``'s reader."""
        contract = choice.contract
        listed = [w.schema_id for w in writers]
        error = fn.coalesce(
            fn.col(FRAMING),
            fn.when(~fn.col(SCHEMA_ID).isin(listed), reason(UNLISTED, "", "for another pass")),
            _writer_problems(writers, choice),
            _undecodable(contract),
            first_broken_rule(contract),
        )
        return cls(
            value=_decoded(writers, choice),
            projected=projected_columns(contract),
            projected_names=contract.columns,
            texts_ok=texts_ok(contract),
            error=kept_above_filters(error),
            warned=broken_warn_rules(contract),
        )

    def apply(self, framed: DataFrame) -> DataFrame:
        """``framed`` (rows of :func:`frame_columns`) classified."""
        decoded = framed.select(*META, SCHEMA_ID, FRAMING, self.value.alias("value"))
        checked = decoded.select(
            *META,
            SCHEMA_ID,
            FRAMING,
            "value",
            *self.projected,
            *rule_inputs(self.texts_ok),
        )
        return checked.select(
            *META,
            SCHEMA_ID,
            *self.projected_names,
            self.error.alias(ERROR),
            self.warned.alias(WARNED),
        )


def projected_columns(contract: ReaderContract) -> tuple[Column, ...]:
    """Every column of the contract's tables, each computed from the decoded ``value``."""
    return tuple(fn.expr(sql).alias(column) for column, sql in contract.projection)


def _decoded(writers: Sequence[WriterSchema], choice: ReaderChoice) -> Column:
    """The row's value in the reader schema: one ``from_avro`` per decodable writer, chosen by
    the row's writer id (one flat ``CASE``: one pass over the batch whatever the number of
    writers); null for the others."""
    reader = choice.contract.reader_schema
    body = framing.avro_body(fn.col("_kafka_value"))
    null_value = decode(fn.lit(None).cast("binary"), reader, reader)  # typed null
    decodable = {
        w.schema_id: w for w in writers if w.avro_json and w.schema_id not in choice.refused
    }
    if not decodable:
        return null_value
    branches = [
        (fn.col(SCHEMA_ID) == schema_id, decode(body, writer.avro_json or "", reader))
        for schema_id, writer in sorted(decodable.items())
    ]
    return reduce(
        lambda case, branch: case.when(*branch), branches[1:], fn.when(*branches[0])
    ).otherwise(null_value)


def decode(body: Column, writer: str, reader: str) -> Column:
    """Avro ``body`` written with the schema ``writer``, resolved into ``reader``: a struct, whose
    fields are all null when the body does not decode (PERMISSIVE).

    Dates and instants are read in the proleptic Gregorian calendar, as Avro defines them and
    every producer writes them: Spark's default rebase mode for Avro (``EXCEPTION``) made any
    date or instant before 1582-10-15 a malformed record, dead-lettered although the producer
    had passed it (found by ``tests/codegen/test_rule_wire_parity.py``)."""
    options = {"avroSchema": reader, "mode": "PERMISSIVE", "datetimeRebaseMode": "CORRECTED"}
    return from_avro(body, writer, options)


def _writer_problems(writers: Sequence[WriterSchema], choice: ReaderChoice) -> Column:
    """Rows whose writer schema cannot be decoded: unknown, non-Avro or foreign record type,
    or a version the live reader refused."""
    schema_id = fn.col(SCHEMA_ID)
    problem = fn.lit(None)
    for writer in writers:
        if writer.problem is not None:
            why = reason(writer.problem.rule, "", writer.problem.message)
        elif writer.schema_id in choice.refused:
            why = reason(RejectRule.REFUSED_VERSION, "", choice.refused[writer.schema_id])
        else:
            continue
        problem = fn.when(schema_id == writer.schema_id, why).otherwise(problem)
    return problem


def _undecodable(contract: ReaderContract) -> Column:
    undecodable = reduce(
        lambda a, b: a | b,
        (fn.col("value")[name].isNull() for name in contract.required_fields()),
    )
    message = fn.concat(
        fn.lit("does not decode with writer schema id "),
        fn.col(SCHEMA_ID).cast("string"),
        fn.lit(" into the reader schema"),
    )
    return fn.when(undecodable, reason(RejectRule.UNDECODABLE, "", message))


def kept_above_filters(column: Column) -> Column:
    """``column``, marked nondeterministic (by a test of the partition id that always holds).

    A filter on a deterministic column is pushed below the projection that computes it, with
    the column's expression substituted: a filter on the reject reason then carried one
    ``from_avro`` per reference to the decoded value, 211 decodes of every row for the user
    contract (``docs/performance.md``). Spark pushes no filter through a nondeterministic
    projection, so the value is decoded once.
    """
    return fn.when(fn.spark_partition_id() >= 0, column)


def rule_clock() -> Column:
    """What the contract's rules read as ``now``: this moment, as a column whose value stays
    out of Spark's generated code, so every micro-batch runs the same compiled (and
    JIT-compiled) code. A literal timestamp (``current_timestamp()`` included) is written into
    the code, so each batch compiled its code again, twice, and ran it cold (about 0.3 s a
    batch, ``docs/performance.md``); an array literal is passed to the code by reference, and
    the fence keeps the optimizer from folding the element out of it."""
    micros = time.time_ns() // 1000
    return fn.timestamp_micros(kept_above_filters(fn.array(fn.lit(micros)))[0])


def rule_inputs(texts: Column) -> list[Column]:
    """The columns the contract's rules read beside ``value``: ``texts`` (:func:`texts_ok`,
    built once by a job) and ``now``, this batch's."""
    return [texts, rule_clock().alias(NOW_COLUMN)]


def texts_ok(contract: ReaderContract) -> Column:
    """Whether all the row's texts are valid UTF-8, checked at once (a rule input)."""
    return fn.expr(contract.texts_ok or "true").alias(TEXTS_OK_COLUMN)


def rule_broken(sql: str) -> Column:
    """Whether a row breaks the rule whose Spark SQL is ``sql``: only false breaks it, null
    (unknown) lets the row through, like a SQL ``CHECK``."""
    return ~fn.coalesce(fn.expr(sql), fn.lit(True))


def broken_warn_rules(contract: ReaderContract) -> Column:
    """The names of the rules in ``warn`` mode the decoded row breaks, in order."""
    if not contract.warn_rules:
        return fn.array().cast("array<string>")
    names = [fn.when(rule_broken(sql), fn.lit(name)) for name, _, _, sql in contract.warn_rules]
    return fn.array_compact(fn.array(*names))


def first_broken_rule(contract: ReaderContract) -> Column:
    """The first rule the decoded row breaks (false, not null), in the contract's order."""
    if not contract.rules:
        return fn.lit(None)
    branches = [
        (rule_broken(sql), reason(name, field, message))
        for name, field, message, sql in contract.rules
    ]
    # one flat CASE: Spark splits its branches into methods small enough for the JIT (a nest
    # of 51 CASEs was one huge method, 25% slower)
    return reduce(lambda case, branch: case.when(*branch), branches[1:], fn.when(*branches[0]))
