"""A write Cassandra refuses before any row is sent fails the batch, to be replayed, whichever
exception class PySpark raises it as (a missing keyspace comes as ``AnalysisException``, not as
the ``Py4JJavaError`` of a refused row)."""

from __future__ import annotations

import pytest
from pyspark.errors.exceptions.captured import CapturedException
from pyspark.sql import SparkSession

from config import Settings
from spark.cassandra_sink import SinkFailureError, write_failure
from spark.options import cassandra_options

pytestmark = pytest.mark.spark

MISSING = "no_such_keyspace_for_write_failures"


def test_a_write_to_a_keyspace_cassandra_does_not_have_fails_the_batch(
    spark: SparkSession, local_stack: Settings
) -> None:
    rows = spark.range(1).selectExpr("cast(id as string) as id")
    with pytest.raises(CapturedException) as raised:
        rows.write.format("org.apache.spark.sql.cassandra").options(
            **cassandra_options(local_stack.cassandra)
        ).options(keyspace=MISSING, table="created_users").mode("append").save()

    failure = write_failure(raised.value)

    assert isinstance(failure, SinkFailureError), failure
    assert MISSING in str(failure)
