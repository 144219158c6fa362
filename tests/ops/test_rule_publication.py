"""The line ``make register`` prints about a contract's rules in Confluent's form
(``ops.rule_publication``), for each thing a registry may do with them. Pure logic."""

from __future__ import annotations

from clients.registry import PublishedRuleSet
from codegen.confluent_rules import ConfluentRules, LeftOut
from ops.rule_publication import RulePublication

URL = "http://registry/apis/registry/v3/groups/confluent-rulesets/artifacts/s/versions/1/content"
RULES = ConfluentRules(
    {"domainRules": [{"name": "a"}, {"name": "b"}]},
    {"tags": {"io.x.T.email": ["PII"]}},
    (LeftOut("c", "at", "uses now"), LeftOut("d", "dob", "uses now")),
)
WHAT = "rules: 2 as ruleSet, 1 PII field tags as metadata"


def test_a_dry_run_says_what_would_be_sent_and_what_is_left_out() -> None:
    assert RulePublication(RULES).lines() == [
        f"{WHAT} would be sent",
        "    left out, uses now: c, d",
    ]


def test_a_registry_keeping_them_says_so() -> None:
    kept = RulePublication(RULES, sent=True, kept_rules=True, kept_tags=True)
    assert kept.lines()[0] == f"{WHAT} sent; the registry kept them"


def test_rules_dropped_and_published_say_where() -> None:
    published = RulePublication(RULES, sent=True, published=PublishedRuleSet(1, URL))
    assert published.lines()[0] == f"{WHAT} sent; the registry dropped them; published at {URL}"


def test_a_partial_keep_names_each_part_and_points_to_the_docs() -> None:
    partial = RulePublication(RULES, sent=True, kept_tags=True)
    assert partial.lines()[0] == (
        f"{WHAT} sent; the registry kept the metadata, dropped the ruleSet; "
        "see docs/contract-rules.md"
    )


def test_an_unchanged_version_says_what_it_holds() -> None:
    unchanged = RulePublication(RULES, sent=False, published=PublishedRuleSet(1, URL))
    assert unchanged.lines()[0] == f"{WHAT}; the registry lacks them; published at {URL}"


def test_an_empty_part_is_not_reported_as_kept() -> None:
    no_tags = ConfluentRules({"domainRules": [{"name": "a"}]}, {"tags": {}})
    dropped = RulePublication(no_tags, sent=True, kept_tags=True)
    assert dropped.lines() == [
        "rules: 1 as ruleSet, 0 PII field tags as metadata sent; the registry dropped them; "
        "see docs/contract-rules.md"
    ]
