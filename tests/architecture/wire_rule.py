"""Rule 1 of the concept rules: only the wire module (``contract/wire.py``, and
``spark/framing.py`` that builds its Spark form from it) frames or unframes the Confluent header,
in the project's code and in the tests (``tests/contract/test_wire.py`` excepted: it pins the
module's bytes by hand). The rule function and what it reads, apart from its tests
(``test_wire_rule.py``) so that the tests stay short and the rule reads in one piece.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from contract import wire
from tests.architecture.ast_rules import (
    BYTES_TYPES,
    Source,
    in_order,
    keyword,
    last_name,
    relative,
)

WIRE_MODULES = frozenset({"contract/wire.py", "spark/framing.py"})
WIRE_TESTS = frozenset({"tests/contract/test_wire.py"})
"""The wire module's own tests: they spell its bytes out by hand on purpose, a reading of the
format that does not go through the code under test."""
ID_START = wire.HEADER_BYTES - wire.SCHEMA_ID_BYTES
"""Where the schema id starts: after the magic byte."""
_STRUCT_FORMAT = re.compile(r"[>!](\d*[xcbB?hHiIlLqQefdsp])+")
"""A big-endian (or network order) ``struct`` format ..."""
_FOUR_BYTE_INTEGER = re.compile(r"[iIlL]")
"""... holding a standard-size 4-byte integer: a schema id (``>I``, ``!L``, ``>bI``)."""
_EQUALITY = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)


def header_slicing(files: Iterable[Path], root: Path) -> list[str]:
    """Code that frames or unframes a Confluent header by hand, outside the wire module (and
    its own tests):

    - the schema id sliced, ``x[1:5]`` however its bounds are spelt (``1 + 4``, a name bound to
      5, ``wire.HEADER_BYTES``, ``slice(1, 5)``), on anything;
    - on a value that holds bytes (by type, by what made it, by name: ``bytes_like``), any slice
      from the id's start (``frame[1:]``, ``value[1:end]``), the body (``value[5:]``) or the
      header (``value[:5]``);
    - a ``struct`` format of a big-endian 4-byte integer (``>I``, ``>L``, ``!I``, ``>bI``);
    - a 4-byte ``to_bytes`` that is not explicitly little-endian;
    - the magic byte checked: ``value[0] == 0``, ``value[:1] != b"\\x00"``, ``x[0] == MAGIC``,
      ``value.startswith(b"\\x00")`` (compared with a literal 0 only on a value that holds
      bytes: ``counts[0] == 0`` is no header).
    """
    found = []
    for path in files:
        if relative(path, root) in WIRE_MODULES | WIRE_TESTS:
            continue
        source = Source(path, root)
        found += [
            source.at(node) for node in in_order(source.tree) if _handles_header(source, node)
        ]
    return found


def _handles_header(source: Source, node: ast.AST) -> bool:
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        return _header_slice(source, node.value, node.slice)
    if isinstance(node, ast.Call):
        return _header_call(source, node)
    if isinstance(node, ast.Compare):
        return _magic_check(source, node)
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
        return (
            id(node) not in source.docs
            and _STRUCT_FORMAT.fullmatch(text) is not None
            and _FOUR_BYTE_INTEGER.search(text) is not None
        )
    return False


def _header_slice(source: Source, subject: ast.expr, bounds: ast.Slice) -> bool:
    if bounds.step is not None:
        return False
    lower = 0 if bounds.lower is None else source.integer(bounds.lower)
    upper = None if bounds.upper is None else source.integer(bounds.upper)
    if (lower, upper) == (ID_START, wire.HEADER_BYTES):
        return True
    if not source.bytes_like(subject):
        return False
    return (
        lower == ID_START
        or (lower == wire.HEADER_BYTES and bounds.upper is None)
        or (lower == 0 and upper == wire.HEADER_BYTES)
    )


def _header_call(source: Source, call: ast.Call) -> bool:
    name, args = last_name(call.func), call.args
    if name == "slice" and len(args) == 2:
        return (source.integer(args[0]), source.integer(args[1])) == (ID_START, wire.HEADER_BYTES)
    if not isinstance(call.func, ast.Attribute):
        return False
    if name == "to_bytes":
        length = args[0] if args else keyword(call, "length")
        order = args[1] if len(args) > 1 else keyword(call, "byteorder")
        little = isinstance(order, ast.Constant) and order.value == "little"
        return source.integer(length) == wire.SCHEMA_ID_BYTES and not little
    if name == "startswith" and args:
        return _magic_bytes(source, args[0])
    return False


def _magic_check(source: Source, compare: ast.Compare) -> bool:
    if not all(isinstance(op, _EQUALITY) for op in compare.ops):
        return False
    operands = [compare.left, *compare.comparators]
    for first in operands:
        subject = _first_byte_of(source, first)
        if subject is None:
            continue
        for other in operands:
            if other is first or not _magic(source, other):
                continue
            if "MAGIC" in ast.unparse(other) or source.bytes_like(subject):
                return True
    return False


def _first_byte_of(source: Source, node: ast.expr) -> ast.expr | None:
    """What ``node`` reads the first byte of (``value[0]``, ``value[:1]``), or None."""
    if not isinstance(node, ast.Subscript):
        return None
    index = node.slice
    if isinstance(index, ast.Slice):
        starts = index.lower is None or source.integer(index.lower) == 0
        first = index.step is None and starts and source.integer(index.upper) == 1
    else:
        first = source.integer(index) == 0
    return node.value if first else None


def _magic(source: Source, node: ast.expr) -> bool:
    """``node`` is the magic byte: ``0``, ``MAGIC``, ``b"\\x00"``, ``bytes([MAGIC])``, or a
    collection holding one."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_magic(source, element) for element in node.elts)
    return _magic_bytes(source, node) or source.integer(node) == wire.MAGIC


def _magic_bytes(source: Source, node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == bytes((wire.MAGIC,))
    if (
        isinstance(node, ast.Call)
        and last_name(node.func) in BYTES_TYPES
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Tuple | ast.List)
        and len(node.args[0].elts) == 1
    ):
        return source.integer(node.args[0].elts[0]) == wire.MAGIC
    return False
