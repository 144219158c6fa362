"""Each row is decoded once, also where a batch's rows are selected by their reject reason;
and every batch runs the same generated code.

Spark pushes a filter below the projection that computes the column it tests, substituting the
column's expression: unguarded, selecting the rejects of a batch decoded every row once per
reference to the decoded value (211 ``from_avro`` calls per row for the user contract). The
plans below must hold one decoder per writer schema present, whatever the filter.

A value that changes per batch (the rules' ``now``) must stay out of the generated code: when it
was folded into the code, each batch compiled its code again (twice) and ran it before the JIT
had compiled it, about 0.3 s a batch.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as fn
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from contract import wire
from contract.catalog import contract
from spark.classifier import ERROR, Classifier, frame_columns
from spark.reader import StaticReader
from spark.reader_contract import ReaderContract
from spark.writer_schemas import WriterSchema
from tests.fixtures.spark import USER_CONTRACT
from tests.fixtures.users import build_user, make_users

pytestmark = pytest.mark.spark

SCHEMA_ID = 7
KAFKA_ROW = StructType(
    [
        StructField("key", BinaryType()),
        StructField("value", BinaryType()),
        StructField("topic", StringType()),
        StructField("partition", IntegerType()),
        StructField("offset", LongType()),
        StructField("timestamp", TimestampType()),
        StructField("timestampType", IntegerType()),
        StructField(
            "headers",
            ArrayType(
                StructType([StructField("key", StringType()), StructField("value", BinaryType())])
            ),
        ),
    ]
)


def _batch(spark: SparkSession) -> DataFrame:
    """Four framed users as the Kafka source delivers them; the last one breaks a rule."""
    now = datetime.now(UTC)
    records = [
        build_user(u, source="offline://decode-once", ingested_at=now)
        for u in make_users(4, "once")
    ]
    records[-1] = dataclasses.replace(records[-1], email="no-at-sign")
    header = wire.header(SCHEMA_ID)
    rows = [
        (r.id.bytes, header + r.avro_binary(), "t", 0, offset, now, 0, None)
        for offset, r in enumerate(records)
    ]
    return spark.createDataFrame(rows, KAFKA_ROW)


def _decoders(frame_: DataFrame) -> int:
    plan: str = frame_._jdf.queryExecution().executedPlan().toString()
    return plan.count("from_avro(")


def test_selecting_rejects_decodes_each_row_once(spark: SparkSession) -> None:
    reader = ReaderContract.generated(contract(USER_CONTRACT))
    writers = [WriterSchema(SCHEMA_ID, reader.reader_schema, None)]
    choice = StaticReader(reader).reader_for(writers)
    classified = Classifier.build(writers, choice).apply(_batch(spark).select(*frame_columns()))

    rejects = classified.where(fn.col(ERROR).isNotNull())
    good = classified.where(fn.col(ERROR).isNull())

    assert [r[ERROR]["rule"] for r in rejects.collect()] == ["email_format"]
    assert good.count() == 3
    assert _decoders(rejects) == 1, "a filter on the reject reason decodes the value again"
    assert _decoders(good) == 1


def _generated_code(frame_: DataFrame) -> str:
    stages = frame_._jdf.queryExecution().debug().codegenToSeq()
    return "".join(str(stages.apply(i)._2()) for i in range(stages.size()))


def test_batches_at_different_times_run_the_same_generated_code(spark: SparkSession) -> None:
    reader = ReaderContract.generated(contract(USER_CONTRACT))
    writers = [WriterSchema(SCHEMA_ID, reader.reader_schema, None)]
    classifier = Classifier.build(writers, StaticReader(reader).reader_for(writers))

    def written(batch: DataFrame) -> DataFrame:  # the job keeps its classifier across batches
        return classifier.apply(batch.select(*frame_columns())).where(fn.col(ERROR).isNull())

    first = _generated_code(written(_batch(spark)))
    time.sleep(0.01)  # the rules' clock moves on
    second = _generated_code(written(_batch(spark)))

    assert "processNext" in first
    assert first == second, "a per-batch value is written into the generated code"
