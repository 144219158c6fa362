"""Rule 2 of the concept rules: no DLQ header name, stage or pipeline reject rule is written as
a literal outside ``contract/dlq.py``. The rule function and how it tells a DLQ name from the
same word used otherwise, apart from its tests (``test_dlq_rule.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from contract.dlq import DlqHeader, RejectRule, Stage
from tests.architecture.ast_rules import Source, in_order, mentions, relative

DLQ_MODULE = "contract/dlq.py"
DLQ_NAMES = frozenset(str(member) for names in (DlqHeader, Stage, RejectRule) for member in names)
COMMON_WORDS = frozenset(name for name in DLQ_NAMES if name.isidentifier())
"""``error``, ``producer``, ``job``: the DLQ's names that are ordinary words too (an HTTP body's
``error``, Avro's ``error`` type, the ``producer`` module, the job's folder). A literal spelling
one is flagged in a DLQ context only (``_in_dlq_context``); the others (``error.rule``,
``wire:framing``) anywhere."""


def dlq_literals(files: Iterable[Path], root: Path) -> list[str]:
    """String literals that spell a DLQ header name, a stage or a pipeline reject rule, outside
    ``contract/dlq.py`` (docstrings may name them)."""
    found = []
    for path in files:
        if relative(path, root) == DLQ_MODULE:
            continue
        source = Source(path, root)
        found += [
            source.at(node, repr(node.value))
            for node in in_order(source.tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in DLQ_NAMES
            and id(node) not in source.docs
            and (node.value not in COMMON_WORDS or _in_dlq_context(source, node))
        ]
    return found


def _in_dlq_context(source: Source, node: ast.Constant) -> bool:
    """Whether ``node`` is used as a DLQ name: a header looked up (``headers["error"]``,
    ``headers.get("error")``, ``"error" in headers``), a key beside a DLQ header's
    (``{"error": ..., DlqHeader.RULE: ...}``), anything in headers being built (``headers=[...]``,
    ``dlq_headers = {...}``), or a stage: compared with one, bound to one (``stage = "job"``,
    ``stage="job"``, ``{DlqHeader.STAGE: "job"}``, ``def f(stage="job")``), or beside one
    (``(DlqHeader.STAGE, text("job"))``)."""
    parent = source.parents.get(id(node))
    if isinstance(parent, ast.Subscript) and parent.slice is node:
        return mentions(parent.value, "header")
    if (
        isinstance(parent, ast.Call)
        and parent.args
        and parent.args[0] is node
        and isinstance(parent.func, ast.Attribute)
        and mentions(parent.func.value, "header")
    ):
        return True
    if isinstance(parent, ast.Compare):
        others = [o for o in (parent.left, *parent.comparators) if o is not node]
        if any(mentions(o, "header") or mentions(o, "stage") for o in others):
            return True
    if isinstance(parent, ast.Dict) and _dict_context(parent, node):
        return True
    if isinstance(parent, ast.keyword) and "stage" in (parent.arg or "").lower():
        return True
    if isinstance(parent, ast.Assign | ast.AnnAssign) and parent.value is node:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if any(mentions(t, "stage") for t in targets):
            return True
    if isinstance(parent, ast.arguments) and _default_of(parent, node, "stage"):
        return True
    return _built_as_dlq_entry(source, node)


def _dict_context(mapping: ast.Dict, node: ast.Constant) -> bool:
    keys = list(mapping.keys)
    if any(key is node for key in keys):
        return any(key is not None and key is not node and _names_a_dlq_header(key) for key in keys)
    key = keys[[value is node for value in mapping.values].index(True)]
    return key is not None and mentions(key, "stage")


def _names_a_dlq_header(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in DLQ_NAMES - COMMON_WORDS
    return mentions(node, "dlqheader")


def _default_of(arguments: ast.arguments, node: ast.Constant, word: str) -> bool:
    positional = [*arguments.posonlyargs, *arguments.args]
    with_defaults = positional[len(positional) - len(arguments.defaults) :]
    defaults: list[tuple[ast.arg, ast.expr | None]] = [
        *zip(with_defaults, arguments.defaults, strict=True),
        *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
    ]
    return any(default is node and word in argument.arg.lower() for argument, default in defaults)


def _built_as_dlq_entry(source: Source, node: ast.AST) -> bool:
    """``node`` is part of headers being built, or sits beside a stage in a tuple, list or
    call's arguments (up to its statement)."""
    child, parent = node, source.parents.get(id(node))
    while parent is not None:
        if isinstance(parent, ast.keyword) and "header" in (parent.arg or "").lower():
            return True
        if isinstance(parent, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            return any(mentions(t, "header") for t in targets)
        if isinstance(parent, ast.stmt):
            return False
        siblings = (
            parent.elts
            if isinstance(parent, ast.Tuple | ast.List)
            else parent.args
            if isinstance(parent, ast.Call)
            else []
        )
        if any(s is not child and mentions(s, "stage") for s in siblings):
            return True
        child, parent = parent, source.parents.get(id(parent))
    return False
