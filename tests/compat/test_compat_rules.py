"""The offline check, rule by rule, on the schema pairs of ``tests/compat/schemas``.

Each variant there is ``base.avsc`` with one change; ``CASES`` says how Avro alone and the full
check judge it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from codegen.compat import (
    avro_backward_findings,
    check_files,
    check_repo,
    load_schema,
    main,
)
from codegen.errors import SchemaError

SCHEMAS = Path(__file__).parent / "schemas"
BASE = SCHEMAS / "base.avsc"


@dataclass(frozen=True)
class Case:
    """``variant`` follows ``base.avsc``: is it Avro-BACKWARD-compatible, and what fails it."""

    variant: str
    avro_compatible: bool
    rule: str | None  # the rule of the (first) error of the full check; None when it passes
    path: str  # the field the finding names

    @property
    def file(self) -> Path:
        return SCHEMAS / f"{self.variant}.avsc"


CASES = [
    # Cross-target rules: Avro alone accepts each of these, the full check refuses them.
    Case("int_to_long", True, "cassandra:type-not-alterable", "count"),
    Case("string_to_bytes", True, "cassandra:type-not-alterable", "name"),
    Case("key_logical_type", True, "cassandra:key-changed", "created"),
    Case("nullable_key", True, "cassandra:key-changed", "id"),
    Case("clustering_order", True, "cassandra:key-changed", ""),
    Case("partition_key", True, "cassandra:key-changed", ""),
    Case("removed_without_default", True, "cassandra:removed-without-default", "name"),
    Case("renamed_with_alias", True, "cassandra:column-rename", "name"),
    Case("column_repurposed", True, "cassandra:column-repurposed", "address_zip"),
    Case("column_collision", True, "cassandra:invalid-table", "address_city"),
    # Allowed by both, with warnings.
    Case("removed_with_default", True, None, "note"),
    Case("added_optional", True, None, "nickname"),
    Case("enum_symbol_added", True, None, ""),
    # Avro's own rules: refused by both.
    Case("added_required", False, "avro:field-added-without-default", "age"),
    Case("int_to_string", False, "avro:type-mismatch", "count"),
    Case("enum_symbol_removed", False, "avro:enum-symbol-removed", "tier"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.variant)
def test_each_rule_names_field_and_rule(case: Case) -> None:
    avro = avro_backward_findings(load_schema(BASE), load_schema(case.file))
    assert (not avro) is case.avro_compatible, [str(f) for f in avro]

    report = check_files(BASE, case.file)
    if case.rule is None:
        assert report.compatible, [str(e) for e in report.errors]
        return
    assert not report.compatible
    assert (case.path, case.rule) in {(e.path, e.rule) for e in report.errors}, [
        str(e) for e in report.errors
    ]


def test_cross_target_rules_decide_differently_from_avro() -> None:
    differing = [c.variant for c in CASES if c.avro_compatible and c.rule is not None]
    # every cross-target rule is covered by at least one pair Avro alone would accept
    rules = {c.rule for c in CASES if c.avro_compatible and c.rule is not None}
    assert {
        "cassandra:type-not-alterable",
        "cassandra:key-changed",
        "cassandra:removed-without-default",
        "cassandra:column-rename",
        "cassandra:column-repurposed",
        "cassandra:invalid-table",
    } <= rules
    assert len(differing) >= len(rules)


def test_removed_field_with_default_keeps_its_column_with_a_warning() -> None:
    report = check_files(BASE, SCHEMAS / "removed_with_default.avsc")
    assert [(w.path, w.rule) for w in report.warnings] == [("note", "cassandra:column-kept")]


def test_added_optional_field_yields_a_migration_warning() -> None:
    report = check_files(BASE, SCHEMAS / "added_optional.avsc")
    assert [(w.path, w.rule) for w in report.warnings] == [("nickname", "cassandra:column-added")]
    assert "ALTER TABLE" in report.warnings[0].message


def test_unchanged_schema_has_no_findings() -> None:
    report = check_files(BASE, BASE)
    assert report.errors == [] and report.warnings == []


def test_every_reason_is_reported_not_just_the_first(tmp_path: Path) -> None:
    schema = json.loads(BASE.read_text())
    fields = {f["name"]: f for f in schema["fields"]}
    fields["count"]["type"] = "long"  # cassandra only
    fields["name"]["type"] = "int"  # avro and cassandra
    schema["fields"].append({"name": "age", "type": "int"})  # avro
    new = tmp_path / "many.avsc"
    new.write_text(json.dumps(schema))
    rules = {(e.path, e.rule) for e in check_files(BASE, new).errors}
    assert {
        ("count", "cassandra:type-not-alterable"),
        ("name", "avro:type-mismatch"),
        ("age", "avro:field-added-without-default"),
    } <= rules


def test_cli_exit_codes_and_messages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(BASE), str(SCHEMAS / "added_optional.avsc")]) == 0
    out = capsys.readouterr().out
    assert "warning: nickname: [cassandra:column-added]" in out

    assert main([str(BASE), str(SCHEMAS / "int_to_long.avsc")]) == 1
    err = capsys.readouterr().err
    assert "count: [cassandra:type-not-alterable]" in err
    assert "1 reason(s)" in err


def test_cli_names_an_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.avsc"
    broken.write_text('{"type": "record", "name": "X", "fields": [\n  {"name": "a", }]}')
    assert main([str(BASE), str(broken)]) == 2
    assert f"{broken}: line 2 column 17: malformed JSON" in capsys.readouterr().err


def test_unknown_type_and_recursion_name_the_file_and_field(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.avsc"
    unknown.write_text(
        json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "Nope"}]})
    )
    with pytest.raises(SchemaError, match=rf"{unknown}: R.a: unknown type 'Nope'"):
        load_schema(unknown)
    recursive = tmp_path / "recursive.avsc"
    recursive.write_text(
        json.dumps(
            {
                "type": "record",
                "name": "Node",
                "fields": [{"name": "next", "type": ["null", "Node"], "default": None}],
            }
        )
    )
    with pytest.raises(SchemaError, match=rf"{recursive}: Node.next.*: recursive record"):
        load_schema(recursive)


def _repo_with_history(root: Path, released: Path, current: Path) -> Path:
    schemas = root / "schemas"
    (schemas / "history" / "account").mkdir(parents=True)
    shutil.copy(BASE, schemas / "history" / "account" / "v1.avsc")
    for number in range(2, 11):  # v10 sorts after v2 numerically, not lexically
        shutil.copy(released, schemas / "history" / "account" / f"v{number}.avsc")
    shutil.copy(current, schemas / "account.avsc")
    return schemas


def test_check_repo_compares_with_the_highest_released_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ok = _repo_with_history(
        tmp_path / "ok", SCHEMAS / "added_optional.avsc", SCHEMAS / "added_optional.avsc"
    )
    assert check_repo(ok) == 0
    assert "vs v10.avsc" not in capsys.readouterr().err

    bad = _repo_with_history(
        tmp_path / "bad", SCHEMAS / "added_optional.avsc", SCHEMAS / "int_to_long.avsc"
    )
    assert check_repo(bad) == 1
    err = capsys.readouterr().err
    assert "(vs v10.avsc)" in err and "count: [cassandra:type-not-alterable]" in err


def test_check_repo_reports_a_gap_in_the_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schemas = _repo_with_history(tmp_path, BASE, BASE)
    (schemas / "history" / "account" / "v5.avsc").unlink()
    assert check_repo(schemas) == 1
    assert "v1..vN without gaps; expected v5.avsc" in capsys.readouterr().err


def test_check_repo_without_history_passes_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(BASE, tmp_path / "account.avsc")
    assert check_repo(tmp_path) == 0
    assert "no released version" in capsys.readouterr().out


def test_the_repository_contracts_may_follow_their_released_versions() -> None:
    """``python -m codegen --check-compat`` on the real ``schemas/``: what CI runs.

    user_created v2 was released in the one-table form (``created_users``); the head lists
    that table, unchanged, and adds ``users_by_country``."""
    assert check_repo(Path(__file__).resolve().parents[2] / "schemas") == 0


def _base_table() -> dict[str, object]:
    """The one table of ``base.avsc``, without its keyspace."""
    spec = json.loads(BASE.read_text(encoding="utf-8"))["x-cassandra"]
    return {k: v for k, v in spec.items() if k != "keyspace"}


BY_TIER: dict[str, object] = {
    "table": "accounts_by_tier",
    "partition_key": ["tier"],
    "clustering_key": [{"column": "id"}],
    "columns": ["id", "tier", "name"],
}


def _listing(tmp_path: Path, name: str, tables: list[dict[str, object]]) -> Path:
    """``base.avsc`` in the list form of ``x-cassandra``, with ``tables``."""
    schema = json.loads(BASE.read_text(encoding="utf-8"))
    schema["x-cassandra"] = {"keyspace": "compat_ks", "tables": tables}
    path = tmp_path / f"{name}.avsc"
    path.write_text(json.dumps(schema), encoding="utf-8")
    return path


def test_the_list_form_of_a_contract_is_compared_with_itself(tmp_path: Path) -> None:
    both = _listing(tmp_path, "both", [_base_table(), BY_TIER])
    report = check_files(both, both)
    assert report.errors == [] and report.warnings == []


@pytest.mark.parametrize("tables", [[_base_table()], [_base_table(), BY_TIER]], ids=[1, 2])
def test_the_one_table_form_may_become_a_list_keeping_that_table(
    tmp_path: Path, tables: list[dict[str, object]]
) -> None:
    report = check_files(BASE, _listing(tmp_path, "listed", tables))
    assert report.compatible, [str(e) for e in report.errors]
    assert not [w for w in report.warnings if w.rule == "cassandra:ttl-changed"]


@pytest.mark.parametrize("which", [0, 1])
def test_a_changed_key_of_a_listed_table_is_refused(tmp_path: Path, which: int) -> None:
    tables: list[dict[str, object]] = [_base_table(), BY_TIER]
    before = _listing(tmp_path, "before", tables)
    tables[which] = {**tables[which], "partition_key": [["id", "name"], ["tier", "name"]][which]}
    report = check_files(before, _listing(tmp_path, "after", tables))
    assert "cassandra:key-changed" in {e.rule for e in report.errors}


def _with_rules(tmp_path: Path, name: str, rules: list[dict[str, str]]) -> Path:
    """``base.avsc`` with ``rules`` on its ``count`` field."""
    schema = json.loads(BASE.read_text(encoding="utf-8"))
    for field in schema["fields"]:
        if field["name"] == "count":
            field["x-rules"] = rules
    path = tmp_path / f"{name}.avsc"
    path.write_text(json.dumps(schema), encoding="utf-8")
    return path


def test_rule_changes_are_warnings_with_their_consequence(tmp_path: Path) -> None:
    rule = {"name": "count_positive", "expr": "value > 0", "message": "m"}
    with_rule = _with_rules(tmp_path, "with_rule", [rule])
    stricter = _with_rules(tmp_path, "stricter", [{**rule, "expr": "value > 10"}])
    added = check_files(BASE, with_rule)
    assert added.compatible
    assert [(w.path, w.rule) for w in added.warnings] == [("count", "rules:added")]
    assert "go to the DLQ" in added.warnings[0].message
    changed = check_files(with_rule, stricter)
    assert changed.compatible
    assert [(w.path, w.rule) for w in changed.warnings] == [("count", "rules:changed")]
    removed = check_files(stricter, BASE)
    assert removed.compatible and not removed.warnings  # fewer rules only let more through


def test_a_new_rule_is_pointed_at_warn_mode_first_and_its_enforcement_reported(
    tmp_path: Path,
) -> None:
    rule = {"name": "count_positive", "expr": "value > 0", "message": "m"}
    enforced = _with_rules(tmp_path, "enforced", [rule])
    warned = _with_rules(tmp_path, "warned", [{**rule, "mode": "warn"}])
    off = _with_rules(tmp_path, "off", [{**rule, "mode": "off"}])
    added = check_files(BASE, enforced)
    assert '"mode": "warn" first' in added.warnings[0].message
    assert not check_files(BASE, warned).warnings  # counted only: nothing goes to the DLQ
    assert not check_files(BASE, off).warnings
    switched = check_files(warned, enforced)
    assert switched.compatible
    assert [(w.path, w.rule) for w in switched.warnings] == [("count", "rules:enforced")]
    assert "make inspect" in switched.warnings[0].message
    assert not check_files(enforced, warned).warnings  # relaxing a rule lets more through
