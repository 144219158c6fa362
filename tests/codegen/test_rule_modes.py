"""A rule's mode (``dlq``, ``warn``, ``off``) as each end's generated code honours it: ``dlq``
rules decide ``violation()`` and the job's reject reason, ``warn`` rules are counted and pass,
``off`` rules are not checked. The job's counting is proven end to end in
``tests/contracts/test_new_contract.py``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codegen.check_rules import RefusedError, load_contract
from spark.reader_contract import ReaderContract

SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Order",
    "namespace": "io.example.modes",
    "doc": "an order",
    "x-cassandra": {"keyspace": "shop", "tables": [{"table": "orders", "partition_key": ["id"]}]},
    "fields": [
        {"name": "id", "type": "string", "doc": "id"},
        {
            "name": "total",
            "type": "double",
            "doc": "total",
            "x-rules": [
                {"name": "total_positive", "expr": "value > 0.0", "message": "m1"},
                {"name": "total_small", "expr": "value < 100.0", "message": "m2", "mode": "warn"},
                {"name": "total_round", "expr": "value == 10.0", "message": "m3", "mode": "off"},
            ],
        },
    ],
}


def _module(tmp_path: Path, schema: dict[str, Any]) -> Any:
    path = tmp_path / "order.avsc"
    path.write_text(json.dumps(schema))
    return load_contract(path).module


def test_the_producer_rejects_on_dlq_rules_and_counts_warn_rules(tmp_path: Path) -> None:
    module = _module(tmp_path, SCHEMA)
    big = module.Order(id="a", total=500.0)
    assert big.violation() is None  # breaks total_small (warn) and total_round (off) only
    assert [w.rule for w in big.warnings()] == ["total_small"]
    negative = module.Order(id="b", total=-1.0)
    assert negative.violation().rule == "total_positive"
    assert negative.warnings() == ()
    assert module.MODES == {"total_small": "warn", "total_round": "off"}
    assert [name for name, *_ in module.RULES][-3:] == [
        "total_positive",
        "total_small",
        "total_round",
    ]


def test_the_job_checks_dlq_rules_and_counts_warn_rules(tmp_path: Path) -> None:
    contract = ReaderContract.from_schema(json.dumps(SCHEMA), "order.avsc", "order")
    assert [r[0] for r in contract.rules if not r[0].startswith("type:")] == ["total_positive"]
    assert [r[0] for r in contract.warn_rules] == ["total_small"]


@pytest.mark.parametrize("mode", ["WARN", "drop", 1, ["warn"]])
def test_an_unknown_mode_is_a_codegen_error_naming_the_rule(tmp_path: Path, mode: Any) -> None:
    schema = json.loads(json.dumps(SCHEMA))
    schema["fields"][1]["x-rules"][1]["mode"] = mode
    with pytest.raises(RefusedError) as refused:
        _module(tmp_path, schema)
    assert "Order.total: rule total_small" in str(refused.value)
    assert "is not one of 'dlq', 'warn', 'off'" in str(refused.value)
