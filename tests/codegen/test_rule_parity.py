"""Each rule construct gives the same verdict in the producer (generated Python) and in the job
(Spark SQL), on the same values: a table of cases, each compiled by codegen and run through both.

Every case is one contract with one record rule; the generated Python module is imported and
asked for ``violation()``, and the generated Spark SQL is evaluated by a real Spark session on a
struct of the same values. Both must equal the expected verdict (broken or not).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as fn
from pyspark.sql.types import IntegerType, StructField, StructType

from codegen.rule_compile import NOW_COLUMN
from spark.classifier import rule_broken, rule_clock
from tests.fixtures import rule_cases

pytestmark = pytest.mark.spark

UTC = dt.UTC
PACKAGE = "rule_parity_cases"
NOW = dt.datetime.now(UTC).replace(microsecond=0)
UUID = "0f8fad5b-d9cb-469f-a165-70867728950e"

FIELDS: list[dict[str, Any]] = [
    {"name": "i", "type": "int"},
    {"name": "l", "type": "long"},
    {"name": "d", "type": "double"},
    {"name": "s", "type": "string"},
    {"name": "b", "type": "boolean"},
    {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "u", "type": {"type": "string", "logicalType": "uuid"}},
    {"name": "e", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
    {"name": "nd", "type": ["null", "double"], "default": None},
    {"name": "ns", "type": ["null", "string"], "default": None},
    {
        "name": "nts",
        "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}],
        "default": None,
    },
    {"name": "lst", "type": ["null", {"type": "array", "items": "string"}], "default": None},
    {
        "name": "dec",
        "type": ["null", {"type": "bytes", "logicalType": "decimal", "precision": 6, "scale": 2}],
        "default": None,
    },
    {
        "name": "inner",
        "type": [
            "null",
            {"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "int"}]},
        ],
        "default": None,
    },
    {"name": "dob", "type": {"type": "int", "logicalType": "date"}},
    {"name": "ndob", "type": ["null", {"type": "int", "logicalType": "date"}], "default": None},
    {
        "name": "items",
        "type": ["null", {"type": "array", "items": ["null", "string"]}],
        "default": None,
    },
    {"name": "nums", "type": {"type": "array", "items": "long"}},
    {"name": "fl", "type": {"type": "array", "items": "float"}},
    {"name": "m", "type": {"type": "map", "values": "int"}},
]
BASE: dict[str, Any] = {
    "i": 1,
    "l": 1,
    "d": 1.0,
    "s": "abc",
    "b": True,
    "ts": dt.datetime(2000, 1, 1, tzinfo=UTC),
    "u": UUID,
    "e": "RED",
    "nd": None,
    "ns": None,
    "nts": None,
    "lst": None,
    "dec": None,
    "inner": None,
    "dob": dt.date(2000, 2, 29),
    "ndob": None,
    "items": None,
    "nums": [],
    "fl": [],
    "m": {},
}


@dataclass(frozen=True)
class Case:
    expr: str
    values: dict[str, Any]
    broken: bool


CASES = [
    # comparison and arithmetic on ints
    Case("i > 3", {"i": 5}, False),
    Case("i > 3", {"i": 3}, True),
    Case("i + 2 == 7", {"i": 5}, False),
    Case("i * 2 < 5", {"i": 3}, True),
    Case("-i < 0", {"i": 2}, False),
    Case("i - 10 >= -9", {"i": 1}, False),
    Case("l > 3000000000", {"l": 4_000_000_000}, False),
    Case("i in [1, 2, 3]", {"i": 2}, False),
    Case("i in [1, 2, 3]", {"i": 4}, True),
    Case("i != 1", {"i": 1}, True),
    # doubles, NaN ordered as Spark orders it
    Case("d >= -90.0 && d <= 90.0", {"d": 90.0}, False),
    Case("d >= -90.0 && d <= 90.0", {"d": 123.4}, True),
    Case("d >= -90.0 && d <= 90.0", {"d": math.nan}, True),
    Case("d >= -90.0 && d <= 90.0", {"d": -math.inf}, True),
    Case("d > 0.0", {"d": math.nan}, False),
    Case("d < 0.0", {"d": math.nan}, True),
    Case("d == d", {"d": math.nan}, False),
    Case("d != 1", {"d": 1.0}, True),
    Case("d * 2.0 > i", {"d": 0.75, "i": 1}, False),
    # nulls: three-valued logic, a rule breaks only when false
    Case("nd > 1.0", {"nd": None}, False),
    Case("nd > 1.0", {"nd": 0.5}, True),
    Case("nd == null", {"nd": None}, False),
    Case("nd == null", {"nd": 1.0}, True),
    Case("nd != null", {"nd": None}, True),
    Case("!(nd > 1.0)", {"nd": None}, False),
    Case("nd > 1.0 || i > 0", {"nd": None, "i": 0}, False),
    Case("nd > 1.0 && i > 0", {"nd": None, "i": 0}, True),
    Case("nd > 1.0 || i > 0", {"nd": None, "i": 1}, False),
    Case("nd + 1.0 > 2.0", {"nd": None}, False),
    Case("ns == 'x'", {"ns": None}, True),
    Case("ns.startsWith('a')", {"ns": None}, False),
    Case("size(ns) > 0", {"ns": None}, False),
    Case("inner.x > 0", {"inner": None}, False),
    Case("inner.x > 0", {"inner": {"x": 0}}, True),
    Case("inner != null", {"inner": None}, True),
    # strings: code points, portable regular expressions
    Case("size(s) == 3", {"s": "héé"}, False),
    Case("s.size() == 3", {"s": "😀ab"}, False),
    Case("s.matches('^[a-z]+$')", {"s": "abc"}, False),
    Case("s.matches('^[a-z]+$')", {"s": "abc\n"}, True),
    Case("s.matches('^[a-z]+$')", {"s": "ABC"}, True),
    Case("s.matches('(?i)^[a-z]+$')", {"s": "ABC"}, False),
    Case("s.matches('^a.c$')", {"s": "a\rc"}, False),
    Case("s.matches('^a.c$')", {"s": "a\nc"}, True),
    Case("s.matches('\\\\d')", {"s": "٣"}, True),
    Case("s.matches('\\\\w+@\\\\w+')", {"s": "é@x"}, True),
    Case("s.matches('^[^@\\\\s]+@[^@\\\\s]+$')", {"s": "آرش@x"}, False),
    Case("s.startsWith('ab') && s.endsWith('bc') && s.contains('b')", {"s": "abc"}, False),
    Case("s.contains('z')", {"s": "abc"}, True),
    Case("s in ['a', 'abc']", {"s": "abc"}, False),
    Case("s < 'b'", {"s": "a"}, False),
    Case("s < 'b'", {"s": "é"}, True),
    Case("s == 'it\\'s'", {"s": "it's"}, False),
    Case("size(lst) == 2", {"lst": ["a", "b"]}, False),
    Case("size(lst) == 2", {"lst": None}, True),  # '==' is null-safe: null == 2 is false
    Case("lst == null || size(lst) == 2", {"lst": None}, False),
    # booleans, enums, uuids, decimals
    Case("b == true", {"b": False}, True),
    Case("!b", {"b": False}, False),
    Case("e == 'RED'", {"e": "GREEN"}, True),
    Case("e in ['RED', 'GREEN']", {"e": "GREEN"}, False),
    Case(f"u == '{UUID}'", {"u": UUID.upper()}, False),
    Case("dec > 1.5", {"dec": Decimal("2.25")}, False),
    Case("dec < 1", {"dec": Decimal("2.25")}, True),
    # time: now is the evaluating end's clock
    Case("ts <= now", {"ts": dt.datetime(2000, 1, 1, tzinfo=UTC)}, False),
    Case("ts <= now", {"ts": dt.datetime(2999, 1, 1, tzinfo=UTC)}, True),
    Case(
        "ts > timestamp('1999-12-31T23:59:59Z')", {"ts": dt.datetime(2000, 1, 1, tzinfo=UTC)}, False
    ),
    Case(
        "ts + duration('2h') < timestamp('2000-01-01T01:00:00Z')",
        {"ts": dt.datetime(2000, 1, 1, tzinfo=UTC)},
        True,
    ),
    Case("now - duration('1d') < now", {}, False),
    Case("nts == null || nts <= now", {"nts": None}, False),
    # conditionals: a null condition gives null (lets through), not the other branch
    Case("b ? i > 0 : i < 0", {"b": True, "i": 1}, False),
    Case("b ? i > 0 : i < 0", {"b": False, "i": 1}, True),
    Case("nd > 0.0 ? true : false", {"nd": None}, False),  # SQL's CASE WHEN would say false
    Case("nd > 0.0 ? true : false", {"nd": -0.5}, True),
    Case("ns.startsWith('a') ? ns.size() > 1 : true", {"ns": "a"}, True),
    Case("ns.startsWith('a') ? ns.size() > 1 : true", {"ns": "b"}, False),
    Case("(i > 0 ? d : i) > 0.5", {"i": 1, "d": 0.25}, True),  # int and double make a double
    Case("(i > 0 ? d : i) == -1.0", {"i": -1}, False),
    Case("(b ? ns : 'x') == 'x'", {"b": True, "ns": None}, True),
    Case("(b ? nd : null) == null", {"b": False}, False),
    Case("i > 0 ? i > 1 : i < -1 ? false : true", {"i": 0}, False),  # right-associative
    Case("i > 0 ? i > 1 : i < -1 ? false : true", {"i": -2}, True),
    Case("(ts > now ? ts : now) >= now", {}, False),
    Case("(b ? dob : date('2001-01-01')) < date('2000-06-01')", {"b": False}, True),
    # all() and exists(): three-valued as Spark's forall and exists; null for a null list
    Case("items.all(x, x.size() > 0)", {"items": None}, False),
    Case("items.all(x, x.size() > 0)", {"items": []}, False),
    Case("items.exists(x, x == 'a')", {"items": []}, True),
    Case("items.all(x, x.size() > 0)", {"items": ["a", None]}, False),  # no false, a null: null
    Case("items.all(x, x.size() > 0)", {"items": [None, ""]}, True),  # a false wins
    Case("items.exists(x, x.startsWith('a'))", {"items": ["b", None]}, False),
    Case("items.exists(x, x.startsWith('a'))", {"items": [None, "ab"]}, False),
    Case("items.exists(x, x.startsWith('a'))", {"items": ["b", "c"]}, True),
    Case("items.exists(x, x == null)", {"items": ["b", None]}, False),
    Case("items.all(x, x != null)", {"items": ["b", None]}, True),
    Case("nums.all(n, n > 0)", {"nums": [1, 2, 3]}, False),
    Case("nums.all(n, n > 0)", {"nums": [1, 0]}, True),
    Case("nums.exists(n, n > 2) && nums.all(n, n < 4)", {"nums": [1, 3]}, False),
    Case("nums.all(n, nums.exists(k, k == n * 2) || n > 2)", {"nums": [1, 2, 4]}, False),
    Case("nums.all(n, nums.exists(k, k == n * 2) || n > 2)", {"nums": [1, 3, 2]}, True),
    Case("s.size() > 0 && items.all(x, x.contains(s))", {"s": "a", "items": ["ab", "ca"]}, False),
    Case("fl.all(x, x != 0.1)", {"fl": [0.1]}, False),  # a float item is its float32 at both ends
    Case("fl.exists(x, x > 0.5)", {"fl": [math.nan]}, False),  # NaN is above every number
    Case("m.all(k, k.size() == 1)", {"m": {"a": 1, "bc": 2}}, True),  # a map's keys
    Case("m.exists(k, k == 'bc')", {"m": {"a": 1, "bc": 2}}, False),
    Case(r"items.all(x, x.matches('^\\p{L}+$'))", {"items": ["Ана", None]}, False),
    Case(r"items.all(x, x.matches('^\\p{L}+$'))", {"items": ["Ана", "A2"]}, True),
    # dates against the clock; ages, with 29 February counted by one formula at both ends
    Case("dob <= today", {"dob": dt.date(2000, 1, 1)}, False),
    Case("dob <= today", {"dob": dt.date(2999, 1, 1)}, True),
    Case("ndob == null || ndob < today", {"ndob": None}, False),
    Case("age(dob) >= 18", {"dob": dt.date(NOW.year - 19, 1, 1)}, False),
    Case("age(dob) >= 18", {"dob": dt.date(NOW.year - 16, 12, 31)}, True),
    Case("age(ndob) >= 18", {"ndob": None}, False),
    Case("age(dob, date('2023-02-28')) == 22", {"dob": dt.date(2000, 2, 29)}, False),
    Case("age(dob, date('2023-03-01')) == 23", {"dob": dt.date(2000, 2, 29)}, False),
    Case("age(dob, date('2024-02-28')) == 23", {"dob": dt.date(2000, 2, 29)}, False),
    Case("age(dob, date('2024-02-29')) == 24", {"dob": dt.date(2000, 2, 29)}, False),
    Case("age(dob, date('2018-06-15')) >= 18", {"dob": dt.date(2000, 6, 15)}, False),
    Case("age(dob, date('2018-06-14')) >= 18", {"dob": dt.date(2000, 6, 15)}, True),
    Case("age(dob, date('2001-01-01')) == -1", {"dob": dt.date(2001, 1, 2)}, False),
    Case(
        "age(dob, ts) == 0",  # an instant counts as its UTC date
        {"dob": dt.date(1999, 12, 31), "ts": dt.datetime(2000, 12, 30, 23, 59, 59, tzinfo=UTC)},
        False,
    ),
    Case(
        "age(ts, date('1970-12-31')) == 1",  # before 1970 too
        {"ts": dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)},
        False,
    ),
    # letters of any script: \p{...} rendered as the same code-point ranges at both ends
    Case(r"s.matches('^[\\p{L} \'\\-]+$')", {"s": "Zoë O'Brien-Łukasz"}, False),
    Case(r"s.matches('^[\\p{L} \'\\-]+$')", {"s": "Αλέξανδρος Пётр آرش 王小明"}, False),
    Case(r"s.matches('^[\\p{L} \'\\-]+$')", {"s": "Anna2"}, True),
    Case(r"s.matches('^\\p{L}+$')", {"s": "٣"}, True),  # a digit is not a letter
    Case(r"s.matches('^\\p{L}+$')", {"s": "नमस्ते"}, True),  # its vowel signs are marks
    Case(r"s.matches('^[\\p{L}\\p{M}]+$')", {"s": "नमस्ते"}, False),
    Case(r"s.matches('^\\p{L}+$')", {"s": "Jose\u0301"}, True),  # a combining accent
    Case(r"s.matches('^[\\p{L}\\p{M}]+$')", {"s": "Jose\u0301"}, False),
    Case(r"s.matches('^\\p{L}+$')", {"s": "\U00010400\U0001d400"}, False),  # beyond the BMP
    Case(r"s.matches('^\\p{L}+$')", {"s": "😀"}, True),
    Case(r"s.matches('^\\p{L}$')", {"s": "\u0870"}, False),  # Unicode 14, after Java 17's
    Case(r"s.matches('^\\p{Lu}\\p{Ll}+$')", {"s": "Émile"}, False),
    Case(r"s.matches('^\\p{Lu}\\p{Ll}+$')", {"s": "émile"}, True),
    Case(r"s.matches('(?i)^\\p{Lu}+$')", {"s": "abc"}, False),  # (?i) folds ASCII only
    Case(r"s.matches('(?i)^\\p{Lu}+$')", {"s": "é"}, True),
    Case(r"s.matches('\\P{L}')", {"s": "abc"}, True),
    Case(r"s.matches('^[^\\p{L}]+$')", {"s": "12 ²"}, False),
    Case(r"s.matches('^\\p{N}+$')", {"s": "٣²3"}, False),
]


def _schema(index: int, expr: str) -> dict[str, Any]:
    enum_and_inner = {"Color", "Inner"}
    fields = json.loads(json.dumps(FIELDS))
    for f in fields:  # named types get a per-case name: every case is its own contract
        for t in (f["type"], *(f["type"] if isinstance(f["type"], list) else [])):
            if isinstance(t, dict) and t.get("name") in enum_and_inner:
                t["name"] = f"{t['name']}{index}"
        f["doc"] = f"field {f['name']}"
    return {
        "type": "record",
        "name": f"Case{index}",
        "namespace": "io.userstream.rulecases",
        "doc": f"rule case {index}",
        "x-rules": [{"name": "case", "expr": expr, "message": f"case {index}"}],
        "fields": fields,
    }


@pytest.fixture(scope="module")
def case_modules(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[tuple[ModuleType, ModuleType]]]:
    """(Python module, Spark module) generated for each case."""
    root = tmp_path_factory.mktemp("rule-cases")
    with rule_cases.case_modules(
        root, PACKAGE, [_schema(i, case.expr) for i, case in enumerate(CASES)]
    ) as modules:
        yield modules


def _python_record(module: ModuleType, index: int, values: dict[str, Any]) -> Any:
    data = {**BASE, **values}
    avro = {**data, "u": uuid.UUID(data["u"]) if isinstance(data["u"], str) else data["u"]}
    record = getattr(module, f"Case{index}").from_avro(avro)
    return record


def _python_broken(module: ModuleType, index: int, values: dict[str, Any]) -> bool:
    violation = _python_record(module, index, values).violation(NOW)
    assert violation is None or violation.rule == "case", violation
    return violation is not None


def _spark_broken(spark: SparkSession, modules: list[tuple[ModuleType, ModuleType]]) -> list[bool]:
    """Every case's verdict from Spark, in one job."""
    schema = modules[0][1].SCHEMA
    rows, columns = [], []
    for index, case in enumerate(CASES):
        data = {**BASE, **case.values}
        rows.append((index, tuple(data[f.name] for f in schema.fields)))
        rules = [r for r in modules[index][1].RULES if r[0] == "case"]
        assert len(rules) == 1, modules[index][1].RULES
        broken = rule_broken(rules[0][3])
        columns.append(fn.when(fn.col("case") == index, broken))
    frame = spark.createDataFrame(
        rows, StructType([StructField("case", IntegerType()), StructField("value", schema)])
    )
    verdicts = (
        frame.withColumn(NOW_COLUMN, rule_clock())
        .select("case", fn.coalesce(*columns).alias("broken"))
        .collect()
    )
    return [bool(row["broken"]) for row in sorted(verdicts, key=lambda r: r["case"])]


def test_each_construct_gives_the_same_verdict_in_python_and_spark(
    spark: SparkSession, case_modules: list[tuple[ModuleType, ModuleType]]
) -> None:
    spark_verdicts = _spark_broken(spark, case_modules)
    mismatches = []
    for index, case in enumerate(CASES):
        python = _python_broken(case_modules[index][0], index, case.values)
        if (python, spark_verdicts[index]) != (case.broken, case.broken):
            mismatches.append(
                f"{case.expr!r} on {case.values}: python broken={python}, "
                f"spark broken={spark_verdicts[index]}, expected broken={case.broken}"
            )
    assert not mismatches, "\n".join(mismatches)
