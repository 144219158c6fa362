"""``python -m codegen check-rules SCHEMA.avsc SAMPLES.jsonl [--json]``: every rule's verdict at
both ends, on the bytes.

Each sample (``codegen.rule_samples``) becomes the contract's generated Python record, which the
producer checks and encodes, framed as the producer frames it; a local Spark then decodes those
bytes with the job's own ``from_avro`` path (``spark.classifier.decode``) and evaluates the
job's SQL of every rule. Both ends read the same ``now``. Every written rule is reported for
every sample, whatever its mode, with the producer's and the job's verdict.

Exit status: 0 when the ends agree on every verdict, 1 on any disagreement (each one named), 2
when the schema or a sample is refused: a rule that does not compile, a sample that does not
convert, or one that breaks a check of the types (``type:*``) the producer makes before
encoding, so it would never reach the job.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from codegen.errors import SchemaError
from codegen.model import Record, unwrap_nullable
from codegen.parse import parse_files
from codegen.render_python import render_module
from codegen.rule_samples import Sample, SampleError, read_samples, record_values
from codegen.rule_set import CompiledRule, compile_rules, spark_texts_check
from codegen.table import tables_for
from contract.rules import broken
from producer.avro import FramedAvroSerializer

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

AGREE, DISAGREE, REFUSED = 0, 1, 2
SCHEMA_ID = 1
"""The schema id the samples are framed with (the job's decode path reads it, no registry)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RefusedError(ValueError):
    """A schema or a sample that cannot be checked: the message names the file, field and rule."""


@dataclass(frozen=True)
class Verdict:
    """One written rule on one sample: whether each end finds it broken."""

    sample: int
    """The sample's 1-based line number."""
    rule: str
    field: str
    producer: bool
    job: bool

    @property
    def agrees(self) -> bool:
        return self.producer == self.job

    def as_json(self) -> dict[str, Any]:
        return {
            "sample": self.sample,
            "rule": self.rule,
            "producer": _word(self.producer),
            "job": _word(self.job),
        }


@dataclass(frozen=True)
class RuleContract:
    """A schema's record, its rules in checking order, and its generated Python module."""

    path: Path
    record: Record
    rules: tuple[CompiledRule, ...]
    module: ModuleType

    @property
    def schema(self) -> str:
        """The Avro schema the producer registers and the job decodes with."""
        return str(self.module.AVRO_SCHEMA)

    @property
    def written(self) -> tuple[CompiledRule, ...]:
        return tuple(r for r in self.rules if r.written)


def load_contract(path: Path) -> RuleContract:
    """Parse ``path``, compile its rules and generate its Python module, as ``make codegen``
    would; ``RefusedError`` names the file, field and rule at fault."""
    try:
        (file,) = parse_files([path], display_root=path.parent)
        tables = tables_for(file.record)
        rules = tuple(compile_rules(file.record, tables).rules)
        text = render_module(file, {file.source: file.stem}, tables)
    except SchemaError as exc:
        where = f"{exc.path}: " if exc.path else ""
        raise RefusedError(f"{path}: {where}{exc.message}") from None
    except (OSError, ValueError) as exc:
        raise RefusedError(f"{path}: {exc}") from None
    return RuleContract(path, file.record, rules, _import(text))


def _import(text: str) -> ModuleType:
    """The generated module ``text``, imported under a name of its own."""
    name = f"_rule_check_{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory() as folder:
        location = Path(folder) / f"{name}.py"
        location.write_text(text, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, location)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return module


def producer_side(
    contract: RuleContract, sample: Sample, now: datetime
) -> tuple[bytes, tuple[bool, ...]]:
    """The framed bytes the producer would send for ``sample``, and whether each written rule
    is broken; ``RefusedError`` for a sample the producer would not encode."""
    where = f"{contract.path.name} sample {sample.line}"
    try:
        values = record_values(contract.record, sample.data)
        record = getattr(contract.module, contract.record.name).from_avro(values)
    except SampleError as exc:
        raise RefusedError(f"{where}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise RefusedError(f"{where}: not a {contract.record.name}: {exc}") from None
    verdicts = tuple(
        check is not None and broken(record, now, check) for check in contract.module.CHECKS
    )
    for rule, is_broken in zip(contract.rules, verdicts, strict=True):
        if is_broken and not rule.written:
            raise RefusedError(
                f"{where}: field {rule.field} breaks {rule.name} ({rule.message}): the producer "
                "dead-letters it before encoding, so the job never sees it"
            )
    try:
        framed = FramedAvroSerializer(SCHEMA_ID)(record)
    except Exception as exc:  # the encoder raises several types
        raise RefusedError(f"{where}: the producer cannot encode it: {exc}") from None
    return framed, tuple(b for r, b in zip(contract.rules, verdicts, strict=True) if r.written)


def job_side(
    spark: SparkSession, contract: RuleContract, framed: Sequence[tuple[int, bytes]], now: datetime
) -> dict[int, tuple[bool, ...]]:
    """Whether each written rule is broken for each sample's bytes, decoded and checked as the
    job does; a sample the job cannot decode raises ``RefusedError``."""
    from pyspark.sql import functions as fn

    from codegen.rule_compile import NOW_COLUMN
    from codegen.rule_set import TEXTS_OK_COLUMN
    from spark import framing
    from spark.classifier import decode, rule_broken

    micros = (now - _EPOCH) // timedelta(microseconds=1)
    frame = spark.createDataFrame(list(framed), "sample INT, value BINARY")
    body = framing.avro_body(fn.col("value"))
    decoded = frame.select("sample", decode(body, contract.schema, contract.schema).alias("value"))
    inputs = decoded.select(
        "sample",
        "value",
        fn.expr(spark_texts_check(list(contract.rules)) or "true").alias(TEXTS_OK_COLUMN),
        fn.timestamp_micros(fn.lit(micros)).alias(NOW_COLUMN),
    )
    required = [f.name for f in contract.record.fields if not unwrap_nullable(f.type)[1]]
    lost = [fn.col("value")[name].isNull() for name in required] or [fn.col("value").isNull()]
    checked = inputs.select(
        "sample",
        reduce(lambda a, b: a | b, lost).alias("_undecoded"),
        *(rule_broken(r.spark or "true").alias(f"_r{i}") for i, r in enumerate(contract.written)),
    )
    verdicts = {}
    for row in checked.collect():
        if row["_undecoded"]:
            raise RefusedError(
                f"{contract.path.name} sample {row['sample']}: the job cannot decode the bytes "
                "the producer wrote for it"
            )
        verdicts[row["sample"]] = tuple(bool(row[f"_r{i}"]) for i in range(len(contract.written)))
    return verdicts


def check_rules(
    spark: SparkSession,
    contract: RuleContract,
    samples: Sequence[Sample],
    now: datetime | None = None,
) -> list[Verdict]:
    """Every written rule's verdict at both ends for every sample, in sample then rule order."""
    moment = now or datetime.now(UTC)
    producer = {s.line: producer_side(contract, s, moment) for s in samples}
    job = job_side(spark, contract, [(line, p[0]) for line, p in producer.items()], moment)
    return [
        Verdict(s.line, rule.name, rule.field, producer[s.line][1][i], job[s.line][i])
        for s in samples
        for i, rule in enumerate(contract.written)
    ]


def render(contract: RuleContract, verdicts: Sequence[Verdict], samples: int) -> str:
    """The verdicts as a table, disagreements marked, and a one-line summary."""
    lines = [f"{contract.path}: {len(contract.written)} written rule(s), {samples} sample(s)"]
    width = max((len(v.rule) for v in verdicts), default=4)
    lines.append(f"  {'line':>5}  {'rule':<{width}}  producer  job")
    for v in verdicts:
        mark = "" if v.agrees else "  <- the ends differ"
        producer, job = _word(v.producer), _word(v.job)
        lines.append(f"  {v.sample:>5}  {v.rule:<{width}}  {producer:<8}  {job:<6}{mark}".rstrip())
    differ = [v for v in verdicts if not v.agrees]
    if differ:
        named = "; ".join(
            f"sample {v.sample} rule {v.rule} ({v.field}): producer {_word(v.producer)}, "
            f"job {_word(v.job)}"
            for v in differ
        )
        lines.append(f"{len(differ)} of {len(verdicts)} verdicts differ: {named}")
    else:
        lines.append(f"the ends agree on all {len(verdicts)} verdicts")
    return "\n".join(lines)


def exit_status(verdicts: Sequence[Verdict]) -> int:
    """``AGREE`` when both ends agree on every verdict, ``DISAGREE`` otherwise."""
    return AGREE if all(v.agrees for v in verdicts) else DISAGREE


def _word(broken: bool) -> str:
    return "broken" if broken else "pass"


def local_spark() -> SparkSession:
    """A one-core local Spark with the job's connectors (``make setup`` fetched them)."""
    from config import load_settings
    from spark.session import build_session

    quiet = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
    session = build_session(load_settings(), master="local[1]", extra=quiet)
    session.sparkContext.setLogLevel("ERROR")
    return session


def main(argv: Sequence[str]) -> int:
    """Run the command; returns its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m codegen check-rules",
        description="Every rule's verdict at the producer and in the job, on the bytes.",
    )
    parser.add_argument("schema", type=Path, help="the contract, an .avsc file")
    parser.add_argument("samples", type=Path, help="one JSON record a line")
    parser.add_argument("--json", action="store_true", help="one JSON object per sample and rule")
    options = parser.parse_args(argv)
    try:
        contract = load_contract(options.schema)
        samples = read_samples(options.samples)
        now = datetime.now(UTC)
        for sample in samples:  # refuse a bad sample before starting Spark
            producer_side(contract, sample, now)
        started = time.monotonic()
        print("starting a local Spark to decode the samples as the job does ...", file=sys.stderr)
        verdicts = check_rules(local_spark(), contract, samples, now)
    except (RefusedError, SampleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return REFUSED
    if options.json:
        for verdict in verdicts:
            print(json.dumps(verdict.as_json()))
    else:
        print(render(contract, verdicts, len(samples)))
        print(f"(checked in {time.monotonic() - started:.1f} s)", file=sys.stderr)
    return exit_status(verdicts)
