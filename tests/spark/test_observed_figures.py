"""A batch's figures come from an observation of its write; one that never arrives (its
listener failed) must not hang the batch (``spark.microbatch.figures_arrived``)."""

from __future__ import annotations

import pytest
from pyspark.sql import Observation, SparkSession
from pyspark.sql import functions as fn

from spark.microbatch import figures_arrived

pytestmark = [pytest.mark.spark]


def test_figures_that_never_come_are_given_up_and_those_that_came_are_read(
    spark: SparkSession,
) -> None:
    waiting = Observation("never-run")
    spark.range(5).observe(waiting, fn.count(fn.lit(1)).alias("n"))  # no action: nothing comes
    assert not figures_arrived(waiting, timeout_s=0.5)

    seen = Observation("run")
    spark.range(5).observe(seen, fn.count(fn.lit(1)).alias("n")).collect()
    assert figures_arrived(seen, timeout_s=30)
    assert seen.get == {"n": 5}
