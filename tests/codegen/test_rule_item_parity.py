"""``all()`` and ``exists()`` over items of named types (records, enums) and uuids give the same
verdict in the producer's Python and the job's Spark SQL.

The case table of ``test_rule_parity.py`` shares one set of fields between its contracts, where a
named type cannot sit inside a list; here each case is a contract of its own names, with lists
of enums, of uuids and of nullable records.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import IntegerType, StructField, StructType

from codegen.rule_compile import NOW_COLUMN
from spark.classifier import rule_broken, rule_clock
from tests.fixtures import rule_cases

pytestmark = pytest.mark.spark

PACKAGE = "rule_item_cases"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
NOON = dt.datetime(2000, 1, 1, 12, tzinfo=dt.UTC)
BASE: dict[str, Any] = {"suits": [], "ids": [], "cards": None}

#: (rule, values, broken)
CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("suits.exists(s, s == 'SPADES')", {"suits": ["HEARTS", "SPADES"]}, False),
    ("suits.all(s, s == 'SPADES')", {"suits": ["HEARTS", "SPADES"]}, True),
    (f"ids.exists(i, i == '{UUID}')", {"ids": [UUID.upper()]}, False),  # as lower-case text
    ("ids.all(i, i.startsWith('0f'))", {"ids": [UUID, str(uuid.UUID(int=1))]}, True),
    ("cards.all(c, c.rank > 1)", {"cards": None}, False),
    ("cards.all(c, c.rank > 1)", {"cards": [{"suit": "HEARTS", "rank": 2}, None]}, False),
    ("cards.all(c, c.rank > 1)", {"cards": [{"suit": "HEARTS", "rank": None}]}, False),
    ("cards.all(c, c.rank > 1)", {"cards": [{"suit": "HEARTS", "rank": 1}]}, True),
    ("cards.exists(c, c.suit == 'SPADES' && c.rank == 12)", {"cards": [{"suit": "SPADES"}]}, True),
    (
        "cards.exists(c, c.suit == 'SPADES' && c.rank == 12)",
        {"cards": [{"suit": "HEARTS"}, {"suit": "SPADES", "rank": 12}]},
        False,
    ),
    ("cards.exists(c, c != null && c.suit == 'SPADES')", {"cards": [None]}, True),
    (  # a *-millis instant is floored to the millisecond at both ends
        "cards.all(c, c.at < timestamp('2000-01-01T12:00:00.001Z'))",
        {"cards": [{"suit": "HEARTS", "at": NOON + dt.timedelta(microseconds=999)}]},
        False,
    ),
]


def _schema(index: int, expr: str) -> dict[str, Any]:
    suit = {"type": "enum", "name": f"Suit{index}", "symbols": ["HEARTS", "SPADES"]}
    card = {
        "type": "record",
        "name": f"Card{index}",
        "doc": "a card",
        "fields": [
            {"name": "suit", "doc": "its suit", "type": f"Suit{index}"},
            {"name": "rank", "doc": "its rank", "type": ["null", "int"], "default": None},
            {
                "name": "at",
                "doc": "when it was dealt",
                "type": {"type": "long", "logicalType": "timestamp-millis"},
            },
        ],
    }
    uuid_type = {"type": "string", "logicalType": "uuid"}
    return {
        "type": "record",
        "name": f"Hand{index}",
        "namespace": "io.userstream.itemcases",
        "doc": f"item case {index}",
        "x-rules": [{"name": "case", "expr": expr, "message": f"case {index}"}],
        "fields": [
            {"name": "suits", "doc": "suits", "type": {"type": "array", "items": suit}},
            {"name": "ids", "doc": "ids", "type": {"type": "array", "items": uuid_type}},
            {
                "name": "cards",
                "doc": "cards",
                "type": ["null", {"type": "array", "items": ["null", card]}],
                "default": None,
            },
        ],
    }


@pytest.fixture(scope="module")
def case_modules(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[tuple[ModuleType, ModuleType]]]:
    """(Python module, Spark module) generated for each case."""
    root = tmp_path_factory.mktemp("rule-item-cases")
    with rule_cases.case_modules(
        root, PACKAGE, [_schema(i, expr) for i, (expr, _, _) in enumerate(CASES)]
    ) as modules:
        yield modules


def _values(values: dict[str, Any]) -> dict[str, Any]:
    """The case's record as the job decodes it: every card complete."""
    data = {**BASE, **values}
    if data["cards"] is not None:
        data["cards"] = [c and {"rank": None, "at": NOON, **c} for c in data["cards"]]
    return data


def _python_broken(module: ModuleType, index: int, values: dict[str, Any]) -> bool:
    avro = {**values, "ids": [uuid.UUID(i) for i in values["ids"]]}
    violation = getattr(module, f"Hand{index}").from_avro(avro).violation(NOW)
    assert violation is None or violation.rule == "case", violation
    return violation is not None


def _spark_broken(
    spark: SparkSession, index: int, module: ModuleType, values: dict[str, Any]
) -> bool:
    (sql,) = [r[3] for r in module.RULES if r[0] == "case"]
    schema = StructType([StructField("case", IntegerType()), StructField("value", module.SCHEMA)])
    row = (index, tuple(values[f.name] for f in module.SCHEMA.fields))
    frame = spark.createDataFrame([row], schema).withColumn(NOW_COLUMN, rule_clock())
    return bool(frame.select(rule_broken(sql).alias("broken")).collect()[0]["broken"])


def test_items_of_named_types_give_the_same_verdict_in_python_and_spark(
    spark: SparkSession, case_modules: list[tuple[ModuleType, ModuleType]]
) -> None:
    mismatches = []
    for index, (expr, values, broken) in enumerate(CASES):
        data = _values(values)
        python = _python_broken(case_modules[index][0], index, data)
        job = _spark_broken(spark, index, case_modules[index][1], data)
        if (python, job) != (broken, broken):
            mismatches.append(
                f"{expr!r} on {values}: python broken={python}, spark broken={job}, "
                f"expected broken={broken}"
            )
    assert not mismatches, "\n".join(mismatches)
