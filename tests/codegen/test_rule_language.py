"""The rule language without services: parsing, type errors that name file, field and rule,
the portable regular-expression subset, and the order rules are checked in."""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from codegen.errors import SchemaError
from codegen.generate import render_all
from codegen.parse import parse_folder
from codegen.rule_regex import RegexSubsetError, category_ranges, portable_pattern
from codegen.rule_set import compile_rules
from codegen.rule_syntax import (
    Binary,
    Call,
    Comprehension,
    Conditional,
    ListLiteral,
    Literal,
    Member,
    Name,
    RuleSyntaxError,
    Unary,
    parse_rule,
)
from codegen.table import tables_for

REPO_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_parse_builds_the_tree_with_precedence() -> None:
    assert parse_rule("a.b > -1 && !(x.matches('^z') || y in ['p', 'q'])") == Binary(
        "&&",
        Binary(">", Member(Name("a"), "b"), Literal(-1)),
        Unary(
            "!",
            Binary(
                "||",
                Call("matches", Name("x"), (Literal("^z"),)),
                Binary("in", Name("y"), ListLiteral((Literal("p"), Literal("q")))),
            ),
        ),
    )
    assert parse_rule("1 + 2 * 3") == Binary("+", Literal(1), Binary("*", Literal(2), Literal(3)))
    assert parse_rule("'it\\'s \\u00e9'") == Literal("it's é")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty expression"),
        ("value >", "column 8: unexpected 'the end of the expression'"),
        ("value >> 1", "column 8: unexpected '>'"),
        ("value = 1", "column 7: unexpected '='"),
        ("value in 'a'", "'in' takes a list"),
        ("(value", "expected ')'"),
        ("value @ 1", "unexpected '@'"),
        ("'\\ud800'", "lone surrogate"),
        ("'\\q'", "unknown escape"),
        ("1 2", "unexpected '2' after the expression"),
        ("!" * 60 + "value", "nested deeper than"),
        ("x" * 2001, "longer than 2000"),
    ],
)
def test_syntax_errors_say_where(text: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_rule(text)


@pytest.mark.parametrize(
    ("pattern", "python", "java"),
    [
        ("^[a-z]+$", r"\A[a-z]+\Z", r"^[a-z]+\z"),
        ("a.c", "a[^\\n]c", "a[^\\n]c"),
        (r"\d{2,4}", r"\d{2,4}", r"\d{2,4}"),
        ("(?:ab)|c*?", "(?:ab)|c*?", "(?:ab)|c*?"),
    ],
)
def test_portable_patterns_render_for_both_engines(pattern: str, python: str, java: str) -> None:
    assert portable_pattern(pattern)[:2] == (python, java)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"(a)\1", r"\\1 is not in the portable subset"),
        ("(?=a)", "not portable"),
        ("a++", "possessive"),
        ("[a[b]]", "nested class"),
        ("[a&&b]", "intersection"),
        (r"\p{Greek}", r"\\p takes a Unicode general category"),
        ("(a", "unbalanced"),
        ("a{x}", "must start a"),
    ],
)
def test_unportable_patterns_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(RegexSubsetError, match=message):
        portable_pattern(pattern)


def _render(tmp_path: Path, field_props: dict[str, Any], record_rules: Any = None) -> None:
    schema: dict[str, Any] = {
        "type": "record",
        "name": "Thing",
        "namespace": "io.test",
        "doc": "d",
        "fields": [
            {"name": "n", "doc": "d", "type": "int", **field_props},
            {"name": "s", "doc": "d", "type": ["null", "string"], "default": None},
            {
                "name": "when",
                "doc": "d",
                "type": {"type": "long", "logicalType": "timestamp-millis"},
            },
        ],
    }
    if record_rules is not None:
        schema["x-rules"] = record_rules
    folder = tmp_path / "schemas"
    folder.mkdir(exist_ok=True)
    (folder / "thing.avsc").write_text(json.dumps(schema))
    render_all(folder)


def _rule(expr: str, name: str = "r1") -> dict[str, Any]:
    return {"x-rules": [{"name": name, "expr": expr, "message": "m"}]}


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("value > 'a'", "'>' compares int with string"),
        ("value.matches('x')", "matches\\(\\) must be string"),
        ("s > 1", "unknown name 's': a field rule sees its field as 'value'"),
        ("value + 1", "is int \\(nullable\\); a rule must be true or false"),
        ("value.nope()", "unknown method .nope"),
        ("nope(value)", "unknown function nope"),
        ("value.x > 1", "is not a record: it has no field 'x'"),
        ("value in [1, null]", "literals only, and no null"),
        ("size(value) > 1", "size\\(\\) needs a string, bytes, list or map"),
        ("value > 1.0e400", "not finite"),
        ("timestamp('2020-01-01') < now", "needs a time zone"),
        ("value > 0 && duration('5x') == 1", "expected a sequence like 1h30m"),
        ("value > 1 &&", "unexpected 'the end of the expression'"),
    ],
)
def test_a_bad_field_rule_names_file_field_and_rule(
    tmp_path: Path, expr: str, message: str
) -> None:
    with pytest.raises(SchemaError) as caught:
        _render(tmp_path, _rule(expr))
    text = str(caught.value)
    assert text.startswith("schemas/thing.avsc: io.test.Thing.n: rule r1: "), text
    assert re.search(message, text), text


def test_a_bad_record_rule_names_the_record(tmp_path: Path) -> None:
    rules = [{"name": "r2", "expr": "n > when", "message": "m"}]
    with pytest.raises(
        SchemaError, match=r"io\.test\.Thing: rule r2: '>' compares int with timestamp"
    ):
        _render(tmp_path, {}, rules)
    with pytest.raises(SchemaError, match=r"Thing has no field 'missing' \(fields: n, s, when\)"):
        _render(tmp_path, {}, [{"name": "r3", "expr": "missing > 1", "message": "m"}])


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"x-rules": {"name": "r"}}, "x-rules must be a list"),
        ({"x-rules": [{"name": "r", "expr": "value > 1"}]}, "'name', 'expr', 'message' and maybe"),
        ({"x-rules": [{"name": "Bad Name", "expr": "value > 1", "message": "m"}]}, "rule name"),
        ({"x-rules": [{"name": "r", "expr": "value > 1", "message": " "}]}, "non-empty strings"),
        ({"x-pii": "yes"}, "x-pii must be true or false"),
    ],
)
def test_malformed_rule_properties_are_refused(
    tmp_path: Path, props: dict[str, Any], message: str
) -> None:
    with pytest.raises(SchemaError, match=message):
        _render(tmp_path, props)


def test_rule_names_are_unique_in_a_contract(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="rule name 'r1' is also used on n"):
        _render(tmp_path, _rule("value > 1"), [{"name": "r1", "expr": "n < 9", "message": "m"}])


def test_user_contract_rules_run_in_field_order_implied_first() -> None:
    contract = next(f for f in parse_folder(REPO_SCHEMAS) if f.stem == "user_created")
    rules = compile_rules(contract.record, tables_for(contract.record)).rules
    names = [(r.name, r.field) for r in rules]
    assert names[:4] == [
        ("type:uuid", "id"),
        ("type:utf8", "gender"),
        ("gender_known", "gender"),
        ("type:utf8", "name.title"),
    ]
    assert names.index(("latitude_in_range", "location.coordinates.latitude")) < names.index(
        ("email_format", "email")
    )
    assert names[-1] == ("ingested_after_registration", "UserCreated")
    implied = {r.name for r in rules if r.name.startswith("type:")}
    assert implied == {
        "type:uuid",
        "type:utf8",
        "type:int32",
        "type:timestamp-range",
        "type:key-size",
    }
    # users_by_country is partitioned by a text column: its values must fit a Cassandra key
    assert [r.field for r in rules if r.name == "type:key-size"] == ["location.country"]
    assert all(r.python or r.spark for r in rules)


def test_parse_conditionals_right_associative_and_loosest() -> None:
    assert parse_rule("a ? b : c ? d : e") == Conditional(
        Name("a"), Name("b"), Conditional(Name("c"), Name("d"), Name("e"))
    )
    assert parse_rule("x || y ? 1 : 2") == Conditional(
        Binary("||", Name("x"), Name("y")), Literal(1), Literal(2)
    )


def test_parse_all_and_exists_as_macros_binding_a_name() -> None:
    assert parse_rule("value.all(x, x > 0)") == Comprehension(
        "all", Name("value"), "x", Binary(">", Name("x"), Literal(0))
    )
    assert parse_rule("a.b.exists(v, v.all(w, w))") == Comprehension(
        "exists", Member(Name("a"), "b"), "v", Comprehension("all", Name("v"), "w", Name("w"))
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a ? b", "column 6: expected ':', found 'the end'"),
        ("a ? b ? c : d : e", "expected ':', found '?'"),  # as in CEL: parenthesize it
        ("value.all(1, true)", "column 7: all() takes a name for each item and a condition"),
        ("value.exists(x)", "exists() takes a name for each item"),
        ("value.all(x.y, true)", "all() takes a name"),
    ],
)
def test_conditional_and_macro_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError, match=re.escape(message)):
        parse_rule(text)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("value ? true : false", "the condition of '\\?:' must be bool, not int"),
        ("(value > 0 ? 'a' : 1) == 'a'", "'\\?:' chooses between string and int: both branches"),
        ("(value > 0 ? null : null) == null", "chooses between null \\(nullable\\) and null"),
        ("value.all(x, x > 0)", "all\\(\\) needs a list or a map, not int"),
        ("age(value) > 1", "the date of birth of age\\(\\) must be date or timestamp, not int"),
        ("age() > 1", "age\\(\\) takes a date of birth and, optionally, the date to count to"),
        ("all(value, true)", "unknown function all\\(\\); functions: size\\(x\\), age\\(d\\)"),
    ],
)
def test_conditional_list_and_age_type_errors(tmp_path: Path, expr: str, message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        _render(tmp_path, _rule(expr))
    assert re.search(message, str(caught.value)), str(caught.value)


def _render_lists(tmp_path: Path, expr: str) -> None:
    schema = {
        "type": "record",
        "name": "Lists",
        "namespace": "io.test",
        "doc": "d",
        "x-rules": [{"name": "r", "expr": expr, "message": "m"}],
        "fields": [
            {"name": "n", "doc": "d", "type": "int"},
            {"name": "tags", "doc": "d", "type": {"type": "array", "items": "string"}},
            {"name": "born", "doc": "d", "type": {"type": "int", "logicalType": "date"}},
            {
                "name": "when",
                "doc": "d",
                "type": {"type": "long", "logicalType": "timestamp-millis"},
            },
        ],
    }
    folder = tmp_path / "schemas"
    folder.mkdir(exist_ok=True)
    (folder / "lists.avsc").write_text(json.dumps(schema))
    render_all(folder)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("tags.all(n, n.size() > 0)", "all\\(n, ...\\): 'n' already names something here"),
        ("tags.all(today, true)", "'today' already names something here"),
        ("tags.all(t, tags.exists(t, true))", "exists\\(t, ...\\): 't' already names"),
        ("tags.all(t, t.x == 'a')", "an item of type string has no fields"),
        ("tags.exists(t, t)", "the condition of exists\\(\\) must be bool, not string"),
        ("(n > 0 ? tags : tags).size() > 0", "'\\?:' chooses between plain values, not a list"),
        ("born < now", "'<' compares date with timestamp"),
    ],
)
def test_list_rule_errors_name_the_problem(tmp_path: Path, expr: str, message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        _render_lists(tmp_path, expr)
    assert re.search(message, str(caught.value)), str(caught.value)


@pytest.mark.parametrize(
    "expr",
    [
        "born <= today && age(born) >= 18 && age(born, when) < 150",
        "tags.all(t, tags.exists(u, u != t) || size(tags) == 1)",
        "n > 0 ? tags.exists(t, t == 'x') : true",
    ],
)
def test_list_and_age_rules_compile(tmp_path: Path, expr: str) -> None:
    _render_lists(tmp_path, expr)


def test_letter_classes_render_the_same_ranges_for_both_engines() -> None:
    python, java, _ = portable_pattern(r"^[\p{L} '\-]+$")
    assert python.startswith(r"\A[A-Za-z\xaa\xb5\xba\xc0-\xd6")
    assert java.startswith(r"^[A-Za-z\x{aa}\x{b5}\x{ba}\x{c0}-\x{d6}")
    assert r"\U00010400-\U0001049d" in python and r"\x{10400}-\x{1049d}" in java  # Deseret
    assert python.endswith(r" '\-]+\Z") and java.endswith(r" '\-]+\z")
    assert portable_pattern(r"\P{N}")[0].startswith(r"[^0-9\xb2\xb3\xb9")


def test_letter_ranges_are_python_unicodedata_merged() -> None:
    ranges = category_ranges("L")
    assert all(a[1] + 1 < b[0] for a, b in itertools.pairwise(ranges))
    letters = {c for first, last in ranges for c in range(first, last + 1)}
    assert letters == {c for c in range(0x110000) if unicodedata.category(chr(c)).startswith("L")}
    python = re.compile(portable_pattern(r"^\p{L}$")[0])
    for code in (0x41, 0xAA, 0x2C1, 0x2C2, 0x870, 0x94D, 0x663, 0x10400, 0x1D400, 0x1F600):
        assert (python.search(chr(code)) is not None) == (code in letters), hex(code)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"[\P{L}]", r"\\P\{...\} inside a class is not portable"),
        (r"[a-\p{L}]", "a property cannot bound a range"),
        (r"[\p{L}-z]", "a property cannot bound a range"),
        (r"\p{Cn}", "general category in braces, one of: L Ll"),
        (r"\pL", "general category in braces"),
    ],
)
def test_unportable_letter_classes_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(RegexSubsetError, match=message):
        portable_pattern(pattern)
