"""What ``make register`` did with a contract's rules in Confluent's form, and the line it prints.

Each contract is registered with its data contract (``codegen.confluent_rules``): the rules as
``ruleSet``, the personal-data tags as ``metadata``. A Confluent registry keeps them with the
version (a rule set only with Confluent Enterprise's rule-set extension or in Confluent Cloud);
Apicurio accepts and drops both. So the version is read back, and whatever it does not hold is
published where the registry keeps it (``Registry.publish_rule_set``: an Apicurio artifact), or
reported as dropped. See ``docs/contract-rules.md``, "Rules Confluent tools can read".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clients.registry import PublishedRuleSet, RegisteredVersion, Registry
from codegen.confluent_rules import ConfluentRules

DOCS = "docs/contract-rules.md"


@dataclass(frozen=True)
class RulePublication:
    """The data contract of one registered version: sent with it (``sent``; False for a version
    registered before, None for a dry run), what the registry kept, and where it was published
    instead."""

    rules: ConfluentRules
    sent: bool | None = None
    kept_rules: bool = False
    kept_tags: bool = False
    published: PublishedRuleSet | None = None

    def lines(self) -> list[str]:
        rules, tags = len(self.rules.rule_names), len(self.rules.tagged_fields)
        what = f"{rules} as ruleSet, {tags} PII field tags as metadata"
        if self.sent is None:
            head = f"rules: {what} would be sent"
        else:
            head = f"rules: {what}{' sent' if self.sent else ''}; {self._fate()}"
        reasons: dict[str, list[str]] = {}
        for left in self.rules.left_out:
            reasons.setdefault(left.reason, []).append(left.rule)
        return [head, *(f"    left out, {why}: {', '.join(n)}" for why, n in reasons.items())]

    def _fate(self) -> str:
        kept_verb, lost_verb = ("kept", "dropped") if self.sent else ("holds", "lacks")
        parts = {
            name: held
            for name, held, count in (
                ("ruleSet", self.kept_rules, self.rules.rule_names),
                ("metadata", self.kept_tags, self.rules.tagged_fields),
            )
            if count
        }
        kept = [name for name, held in parts.items() if held]
        lost = [name for name, held in parts.items() if not held]
        if not lost:
            return f"the registry {kept_verb} them"
        if kept:
            fate = f"the registry {kept_verb} the {kept[0]}, {lost_verb} the {lost[0]}"
        else:
            fate = f"the registry {lost_verb} them"
        where = f"published at {self.published.url}" if self.published else f"see {DOCS}"
        return f"{fate}; {where}"


def confirm(
    registry: Registry, registered: RegisteredVersion, rules: ConfluentRules, *, sent: bool
) -> RulePublication:
    """Read ``registered`` back, compare what it holds with ``rules``, and publish ``rules``
    where the registry keeps them when the version lacks any part."""
    held = registry.version(registered.subject, registered.version)
    kept_rules = _names(held.rule_set) == set(rules.rule_names)
    kept_tags = _tags(held.metadata) == rules.metadata["tags"]
    published = None
    if not (kept_rules and kept_tags):
        published = registry.publish_rule_set(held, rules.rule_set, rules.metadata)
    return RulePublication(rules, sent, kept_rules, kept_tags, published)


def _names(rule_set: dict[str, Any] | None) -> set[str]:
    return {str(rule.get("name")) for rule in (rule_set or {}).get("domainRules") or []}


def _tags(metadata: dict[str, Any] | None) -> dict[str, list[str]]:
    """The field tags of ``metadata``, sorted as ``codegen.confluent_rules`` writes them."""
    tags = (metadata or {}).get("tags") or {}
    return {path: sorted(tags[path]) for path in sorted(tags)}
