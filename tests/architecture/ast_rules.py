"""What the concept rules (``test_concepts.py``, ``test_wire_rule.py``, ``test_dlq_rule.py``,
``test_state_rule.py``) share: a parsed file with what they read beyond a single node
(``Source``: each node's parent, the names bound once to an integer, the names that hold bytes),
the small ``ast`` helpers they use, the project's folders, and how a rule is run over the
project's files or over code planted in a temporary folder. Kept apart from the rules so that
each rule's module holds its concept only.
"""

from __future__ import annotations

import ast
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from contract import wire
from tests.fixtures.imports import REPO_ROOT, python_files

PROJECT = (
    "clients",
    "codegen",
    "config",
    "contract",
    "ops",
    "producer",
    "spark",
    "stack",
    "bench",
    "airflow",
)
"""The project's own code (``generated/`` and ``tests/`` are checked by their own rules)."""
WIRE_CONSTANTS = {
    "MAGIC": wire.MAGIC,
    "SCHEMA_ID_BYTES": wire.SCHEMA_ID_BYTES,
    "HEADER_BYTES": wire.HEADER_BYTES,
}
"""The wire module's constants by name: slicing with them is slicing by hand all the same."""
BYTES_WORDS = frozenset(
    {"value", "payload", "frame", "framed", "raw", "blob", "buf", "buffer", "bytes", "body"}
    | {"serialized", "encoded"}
)
"""Words of a name that say it holds a Kafka value's bytes (``good_frame``, ``msg.value()``)."""


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that stand alone as statements: docstrings of modules,
    classes, functions and attributes (documentation may name anything)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def last_name(node: ast.AST) -> str | None:
    """The name an expression ends in: ``value``, ``msg.value``, ``msg.value()`` -> ``value``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return last_name(node.func)
    return None


def mentions(node: ast.AST, word: str) -> bool:
    return word in ast.unparse(node).lower()


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def in_order(tree: ast.AST) -> list[ast.expr]:
    """The expressions of ``tree`` in the order they are written."""
    located = [node for node in ast.walk(tree) if isinstance(node, ast.expr)]
    return sorted(located, key=lambda node: (node.lineno, node.col_offset))


_ARITHMETIC: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
}
BYTES_TYPES = frozenset({"bytes", "bytearray", "memoryview"})


class Source:
    """One parsed file, with what the rules read beyond a single node: each node's parent, the
    names bound once to an integer, the names typed or made as bytes."""

    def __init__(self, path: Path, root: Path) -> None:
        self.where = relative(path, root)
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.docs = docstrings(self.tree)
        self.parents = {
            id(child): node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)
        }
        self.bound = _bound_once(self.tree)
        self.bytes_names = _bytes_names(self.tree)

    def at(self, node: ast.AST, text: str | None = None) -> str:
        shown = ast.unparse(node) if text is None else text
        return f"{self.where}:{getattr(node, 'lineno', 0)}: {shown}"

    def integer(self, node: ast.AST | None, depth: int = 0) -> int | None:
        """The integer ``node`` spells: a literal, arithmetic on literals, a name bound once to
        one (``end = 1 + 4``), or one of the wire module's constants (``wire.HEADER_BYTES``)."""
        if node is None or depth > 32:
            return None
        if isinstance(node, ast.Constant):
            return node.value if type(node.value) is int else None
        if isinstance(node, ast.Name):
            if node.id in self.bound:
                return self.integer(self.bound[node.id], depth + 1)
            return WIRE_CONSTANTS.get(node.id)
        if isinstance(node, ast.Attribute):
            return WIRE_CONSTANTS.get(node.attr)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = self.integer(node.operand, depth + 1)
            return None if operand is None else -operand
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left = self.integer(node.left, depth + 1)
            right = self.integer(node.right, depth + 1)
            if left is not None and right is not None:
                return _ARITHMETIC[type(node.op)](left, right)
        return None

    def bytes_like(self, node: ast.AST) -> bool:
        """Whether ``node`` holds bytes, by its type (``m: bytes``), by what made it (``m =
        b"..."``) or by its name (``good_frame``, ``msg.value()``, ``payload``)."""
        name = last_name(node)
        if name is None:
            return False
        words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower().split("_")
        return name in self.bytes_names or not BYTES_WORDS.isdisjoint(words)


def _bound_once(tree: ast.AST) -> dict[str, ast.expr]:
    """Names bound exactly once in the file, by a plain assignment (``end = 5``, ``start, end =
    1, 5``): what each is bound to."""
    bindings: Counter[str] = Counter()
    assigned: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bindings[node.id] += 1
        elif isinstance(node, ast.arg):
            bindings[node.arg] += 1
        if isinstance(node, ast.Assign):
            for target in node.targets:
                assigned.update(_pairs(target, node.value))
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            assigned.update(_pairs(node.target, node.value))
    return {name: value for name, value in assigned.items() if bindings[name] == 1}


def _pairs(target: ast.expr, value: ast.expr) -> dict[str, ast.expr]:
    if isinstance(target, ast.Name):
        return {target.id: value}
    if (
        isinstance(target, ast.Tuple | ast.List)
        and isinstance(value, ast.Tuple | ast.List)
        and len(target.elts) == len(value.elts)
    ):
        pairs: dict[str, ast.expr] = {}
        for name, bound in zip(target.elts, value.elts, strict=True):
            pairs.update(_pairs(name, bound))
        return pairs
    return {}


def _bytes_names(tree: ast.AST) -> set[str]:
    """Names annotated as bytes (``bytes | None`` too) or assigned a bytes literal or
    ``bytes(...)``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and _is_bytes_type(node.annotation):
            names.add(node.arg)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if _is_bytes_type(node.annotation):
                names.add(node.target.id)
        elif isinstance(node, ast.Assign) and _makes_bytes(node.value):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _is_bytes_type(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    parts = {part.strip() for part in ast.unparse(annotation).strip("'\"").split("|")}
    return bool(parts & BYTES_TYPES) and parts <= BYTES_TYPES | {"None"}


def _makes_bytes(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return isinstance(value.value, bytes)
    if isinstance(value, ast.Call):
        return last_name(value.func) in BYTES_TYPES
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _makes_bytes(value.left) or _makes_bytes(value.right)
    return False


def files(*folders: str) -> list[Path]:
    return python_files(REPO_ROOT, *folders)


Rule = Callable[[Iterable[Path], Path], list[str]]


def flagged(rule: Rule, code: str, tmp_path: Path) -> list[str]:
    """What ``rule`` finds in ``code`` planted as ``ops/planted.py``, as ``line: text``."""
    (tmp_path / "ops").mkdir(exist_ok=True)
    planted = tmp_path / "ops" / "planted.py"
    planted.write_text(code, encoding="utf-8")
    return [found.removeprefix("ops/planted.py:") for found in rule([planted], tmp_path)]
