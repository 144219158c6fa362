"""The contract's rules and tags in Confluent's data-contract form (``codegen.confluent_rules``):
the CEL written from each rule's tree, the rules left out and why, the personal-data tags, and
the shipped contracts. Pure logic: no registry, no CEL executor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codegen.confluent_rules import (
    CATEGORY_REASON,
    DATES_REASON,
    NOW_REASON,
    NULL_REASON,
    NULLABLE_ITEM_REASON,
    UNANCHORED_REASON,
    ConfluentRules,
    confluent_rule_set,
)
from codegen.errors import SchemaError
from codegen.parse import parse_document
from codegen.rule_set import compile_rules
from codegen.table import tables_for
from config.settings import REPO_ROOT
from contract.pii import pii_paths

DLQ = "things.dlq"
SHIPPED = sorted((REPO_ROOT / "schemas").glob("*.avsc"))


def rule(name: str, expr: str, **extra: str) -> dict[str, str]:
    return {"name": name, "expr": expr, "message": f"{name} is broken", **extra}


def field(name: str, avro_type: Any, *rules: dict[str, str], **props: Any) -> dict[str, Any]:
    rules_prop = {"x-rules": list(rules)} if rules else {}
    return {"name": name, "doc": name, "type": avro_type, **rules_prop, **props}


def contract(
    *fields: dict[str, Any], record_rules: tuple[dict[str, str], ...] = ()
) -> ConfluentRules:
    document: dict[str, Any] = {
        "type": "record",
        "name": "Thing",
        "namespace": "io.test",
        "doc": "A thing.",
        "fields": list(fields),
    }
    if record_rules:
        document["x-rules"] = list(record_rules)
    return confluent_rule_set(parse_document(document, "thing.avsc"), DLQ)


def cel(avro_type: Any, expr: str) -> str:
    """The CEL of a field rule on a field ``x`` of ``avro_type``."""
    (written,) = contract(field("x", avro_type, rule("r", expr))).rule_set["domainRules"]
    return str(written["expr"])


def reason(avro_type: Any, expr: str) -> str:
    """Why a field rule on a field ``x`` of ``avro_type`` is left out."""
    found = contract(field("x", avro_type, rule("r", expr)))
    assert not found.rule_set["domainRules"], found.rule_set
    (left,) = found.left_out
    assert (left.rule, left.field) == ("r", "x")
    return left.reason


OPTIONAL_INT = ["null", "int"]
OPTIONAL_STRING = ["null", "string"]
TIMESTAMP = {"type": "long", "logicalType": "timestamp-millis"}


def test_a_field_rule_is_one_domain_rule_in_confluents_shape() -> None:
    found = contract(field("count", "int", rule("count_positive", "value >= 1")))
    assert found.rule_set == {
        "domainRules": [
            {
                "name": "count_positive",
                "kind": "CONDITION",
                "type": "CEL",
                "mode": "WRITEREAD",
                "expr": "message.count >= 1",
                "onFailure": "DLQ",
                "params": {"dlq.topic": DLQ},
                "doc": "count_positive is broken",
            }
        ]
    }
    assert found.left_out == ()
    assert found.metadata == {"tags": {}}


def test_a_record_rule_names_the_records_fields_under_message() -> None:
    found = contract(
        field("low", "int"),
        field("high", "int"),
        record_rules=(rule("ordered", "low <= high"),),
    )
    assert [r["expr"] for r in found.rule_set["domainRules"]] == ["message.low <= message.high"]


def test_nested_records_give_dotted_paths_for_field_and_record_rules() -> None:
    inner = {
        "type": "record",
        "name": "Range",
        "doc": "A range.",
        "x-rules": [rule("range_ordered", "low <= high")],
        "fields": [
            field("low", "double", rule("low_finite", "value > -1.0e9")),
            field("high", "double"),
        ],
    }
    outer = {"type": "record", "name": "Outer", "doc": "Outer.", "fields": [field("range", inner)]}
    found = contract(field("outer", outer))
    assert {r["name"]: r["expr"] for r in found.rule_set["domainRules"]} == {
        "low_finite": "message.outer.range.low > -1000000000.0",
        "range_ordered": "message.outer.range.low <= message.outer.range.high",
    }


def test_rules_come_in_the_order_both_ends_check_them() -> None:
    inner = {
        "type": "record",
        "name": "Inner",
        "doc": "Inner.",
        "x-rules": [rule("inner_record", "a >= 0")],
        "fields": [field("a", "int", rule("inner_field", "value < 10"))],
    }
    found = contract(
        field("first", "int", rule("first_field", "value > 0")),
        field("inner", inner, rule("on_inner", "value.a != 5")),
        record_rules=(rule("top_record", "first > inner.a"),),
    )
    assert found.rule_names == (
        "first_field",
        "inner_field",
        "inner_record",
        "on_inner",
        "top_record",
    )


def test_in_takes_its_list_of_literals() -> None:
    assert cel("string", "value in ['female', 'male']") == "message.x in ['female', 'male']"
    assert cel("int", "value in [0, 1]") == "message.x in [0, 1]"


def test_text_methods_and_size_map_to_cels_own() -> None:
    assert cel("string", "size(value) <= 16") == "size(message.x) <= 16"
    assert cel("string", "value.size() >= 1") == "size(message.x) >= 1"
    assert cel("string", "value.startsWith('https://') || value.endsWith('/')") == (
        "message.x.startsWith('https://') || message.x.endsWith('/')"
    )
    assert cel("string", "value.contains('@')") == "message.x.contains('@')"


def test_an_anchored_pattern_is_passed_as_written() -> None:
    assert cel("string", "value.matches('^[A-Z]{2}$')") == "message.x.matches('^[A-Z]{2}$')"
    assert cel("string", "value.matches('(?i)^(ab|cd)$')") == "message.x.matches('(?i)^(ab|cd)$')"
    assert cel("string", r"value.matches('^[^@\\s]+$')") == r"message.x.matches('^[^@\\s]+$')"


@pytest.mark.parametrize(
    "pattern",
    ["[A-Z]{2}", "^[A-Z]{2}", "[A-Z]{2}$", "^a|b$", r"^a\\$"],
    ids=["none", "start only", "end only", "top-level bar", "escaped dollar"],
)
def test_a_pattern_executors_read_differently_is_left_out(pattern: str) -> None:
    assert reason("string", f"value.matches('{pattern}')") == UNANCHORED_REASON


def test_a_unicode_category_is_left_out() -> None:
    assert reason("string", r"value.matches('^[\\p{L} ]+$')") == CATEGORY_REASON


def test_timestamps_and_durations_are_written_again_in_cels_forms() -> None:
    assert cel(TIMESTAMP, "value >= timestamp('2000-01-01T01:00:00+01:00')") == (
        "message.x >= timestamp('2000-01-01T00:00:00Z')"
    )
    assert cel(TIMESTAMP, "value + duration('1d') > timestamp('2000-01-01T00:00:00.25Z')") == (
        "message.x + duration('86400s') > timestamp('2000-01-01T00:00:00.250000Z')"
    )
    assert cel(TIMESTAMP, "value - duration('250ms') > timestamp('1999-12-31T23:00:00Z')") == (
        "message.x - duration('0.25s') > timestamp('1999-12-31T23:00:00Z')"
    )


def test_timestamp_fields_compare_with_each_other() -> None:
    found = contract(
        field("registered_at", TIMESTAMP),
        field("ingested_at", TIMESTAMP),
        record_rules=(rule("after", "ingested_at >= registered_at"),),
    )
    assert (
        found.rule_set["domainRules"][0]["expr"] == "message.ingested_at >= message.registered_at"
    )


def test_a_rule_with_now_is_left_out_and_says_why() -> None:
    found = contract(
        field("at", TIMESTAMP, rule("not_in_future", "value <= now + duration('5m')")),
        field("count", "int", rule("count_positive", "value >= 1")),
    )
    assert found.rule_names == ("count_positive",)
    (left,) = found.left_out
    assert (left.rule, left.field, left.reason) == ("not_in_future", "at", NOW_REASON)
    assert str(left).startswith("not_in_future (at): uses now")


@pytest.mark.parametrize(
    "expr", ["age(value) >= 18", "age(value, timestamp('2024-01-01T00:00:00Z')) >= 18"]
)
def test_ages_are_left_out(expr: str) -> None:
    assert reason(TIMESTAMP, expr) == DATES_REASON


def test_a_field_cel_sees_otherwise_is_left_out_naming_it() -> None:
    date = {"type": "int", "logicalType": "date"}
    assert reason(date, "value >= date('2000-01-01')").startswith("it reads x, an Avro date")
    decimal = {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}
    assert reason(decimal, "value > 0.0").startswith("it reads x, a decimal")


def test_an_optional_field_is_guarded_where_cel_would_fail_on_null() -> None:
    assert cel(OPTIONAL_INT, "value > 0") == "type(message.x) == null_type || message.x > 0"
    assert cel(OPTIONAL_INT, "!(value > 0)") == "type(message.x) == null_type || !(message.x > 0)"
    # equality too: cel-python, Confluent's Python executor, cannot compare a number with null
    assert cel(OPTIONAL_INT, "value == 3") == "type(message.x) == null_type || message.x == 3"


def test_a_rule_testing_null_itself_needs_no_guard_there() -> None:
    assert cel(OPTIONAL_INT, "value == null || value > 0") == (
        "type(message.x) == null_type || message.x > 0"
    )
    assert cel(OPTIONAL_STRING, "value != null && size(value) > 0") == (
        "type(message.x) != null_type && size(message.x) > 0"
    )
    assert cel(OPTIONAL_STRING, "value != null") == "type(message.x) != null_type"


def test_guards_follow_the_logic_only_where_a_null_reaches() -> None:
    found = contract(
        field("a", OPTIONAL_INT),
        field("b", "int"),
        record_rules=(rule("either", "b > 0 || a > 0"), rule("neither", "!(b > 0 || a > 0)")),
    )
    assert [r["expr"] for r in found.rule_set["domainRules"]] == [
        "message.b > 0 || type(message.a) == null_type || message.a > 0",
        "!(message.b > 0) && (type(message.a) == null_type || !(message.a > 0))",
    ]


def test_an_optional_record_guards_the_fields_read_through_it() -> None:
    inner = {"type": "record", "name": "Inner", "doc": "Inner.", "fields": [field("n", "int")]}
    found = contract(field("inner", ["null", inner]), record_rules=(rule("small", "inner.n < 10"),))
    assert found.rule_set["domainRules"][0]["expr"] == (
        "type(message.inner) == null_type || message.inner.n < 10"
    )


def test_null_anywhere_but_a_null_test_is_left_out() -> None:
    assert reason(OPTIONAL_INT, "(value > 0 ? null : true) == true") == NULL_REASON


def test_an_int_meeting_a_double_is_made_a_double() -> None:
    assert cel("double", "value >= 0") == "message.x >= 0.0"
    found = contract(
        field("count", "int"),
        field("ratio", "double"),
        record_rules=(rule("scaled", "count * 2 < ratio"), rule("mixed", "ratio > count")),
    )
    assert [r["expr"] for r in found.rule_set["domainRules"]] == [
        "double(message.count * 2) < message.ratio",
        "message.ratio > double(message.count)",
    ]


def test_precedence_is_kept_with_as_few_parentheses_as_cel_needs() -> None:
    assert cel("int", "(value + 1) * 2 > 3 && !(value < 0 || value > 9)") == (
        "(message.x + 1) * 2 > 3 && !(message.x < 0 || message.x > 9)"
    )
    assert cel("int", "value - (1 - 2) == -1") == "message.x - (1 - 2) == -1"
    assert cel("int", "value > 0 ? value < 100 : value == -1") == (
        "message.x > 0 ? message.x < 100 : message.x == -1"
    )


def test_text_literals_are_written_again_with_cels_escapes() -> None:
    assert cel("string", "value != 'it\\'s\\n'") == "message.x != 'it\\'s\\n'"


def test_a_field_name_cel_reserves_is_selected_by_index() -> None:
    found = contract(field("package", "int"), record_rules=(rule("r", "package > 0"),))
    assert found.rule_set["domainRules"][0]["expr"] == "message['package'] > 0"


def test_all_and_exists_range_over_items_with_a_name_cel_accepts() -> None:
    tags = {"type": "array", "items": "string"}
    assert cel(tags, "value.all(t, size(t) > 0)") == "message.x.all(t, size(t) > 0)"
    assert cel(tags, "value.exists(message, message == 'admin')") == (
        "message.x.exists(message_, message_ == 'admin')"
    )
    counts = {"type": "map", "values": "int"}
    assert cel(counts, "value.all(k, size(k) < 8)") == "message.x.all(k, size(k) < 8)"


def test_items_that_may_be_null_are_left_out() -> None:
    tags = {"type": "array", "items": ["null", "string"]}
    assert reason(tags, "value.all(t, t == null || size(t) > 0)") == NULLABLE_ITEM_REASON


def test_rule_modes_map_to_confluents_actions() -> None:
    found = contract(
        field("a", "int", rule("warned", "value > 0", mode="warn")),
        field("b", "int", rule("switched_off", "value > 0", mode="off")),
    )
    warned, switched_off = found.rule_set["domainRules"]
    assert warned["onFailure"] == "NONE" and "disabled" not in warned
    assert switched_off["disabled"] is True


def test_pii_fields_are_tagged_by_record_full_name_and_field() -> None:
    person = {
        "type": "record",
        "name": "Person",
        "doc": "A person.",
        "fields": [field("email", "string", **{"x-pii": True}), field("team", "string")],
    }
    found = contract(
        field("owner", person),
        field("members", {"type": "array", "items": "io.test.Person"}),
        field("token", "string", **{"x-pii": True}),
    )
    assert found.metadata == {
        "tags": {"io.test.Person.email": ["PII"], "io.test.Thing.token": ["PII"]}
    }
    assert found.tagged_fields == ("io.test.Person.email", "io.test.Thing.token")


def test_a_rule_that_does_not_parse_names_file_field_and_rule() -> None:
    with pytest.raises(SchemaError, match=r"thing\.avsc: io\.test\.Thing\.x: rule r: column"):
        contract(field("x", "int", rule("r", "value >")))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_written_rule_of_a_shipped_contract_is_sent_or_left_out_with_a_reason(
    path: Path,
) -> None:
    found = confluent_rule_set(path, DLQ)
    document = json.loads(path.read_text(encoding="utf-8"))
    top = parse_document(document, str(path))
    written = [r.name for r in compile_rules(top, tables_for(top)).rules if r.written]
    left_out = [left.rule for left in found.left_out]
    assert sorted([*found.rule_names, *left_out]) == sorted(written)
    assert list(found.rule_names) == [name for name in written if name not in left_out]
    assert all(left.reason == NOW_REASON for left in found.left_out), found.left_out
    assert len(found.tagged_fields) == len(pii_paths(document))
    assert {r["params"]["dlq.topic"] for r in found.rule_set["domainRules"]} <= {DLQ}
    assert found == confluent_rule_set(top, DLQ)


def test_the_shipped_user_contract_in_confluents_form() -> None:
    found = confluent_rule_set(REPO_ROOT / "schemas" / "user_created.avsc", DLQ)
    expressions = {r["name"]: r["expr"] for r in found.rule_set["domainRules"]}
    assert expressions["gender_known"] == "message.gender in ['female', 'male']"
    assert expressions["national_id_named"] == (
        "message.national_id.name != '' || type(message.national_id.value) == null_type"
    )
    assert expressions["ingested_after_registration"] == (
        "message.ingested_at >= message.registered.date"
    )
    assert expressions["nationality_code"] == "message.nat.matches('^[A-Z]{2}$')"
    assert [left.rule for left in found.left_out] == [
        "birth_not_in_future",
        "registration_not_in_future",
        "ingested_not_in_future",
    ]
    assert "io.userstream.users.Name.first" in found.metadata["tags"]


def test_the_shipped_quake_contract_guards_its_optional_magnitude() -> None:
    found = confluent_rule_set(REPO_ROOT / "schemas" / "quake_reported.avsc", DLQ)
    expressions = {r["name"]: r["expr"] for r in found.rule_set["domainRules"]}
    assert expressions["magnitude_plausible"] == (
        "type(message.magnitude) == null_type "
        "|| message.magnitude >= -2.0 && message.magnitude <= 10.0"
    )
    assert expressions["tsunami_flag"] == "message.tsunami in [0, 1]"
