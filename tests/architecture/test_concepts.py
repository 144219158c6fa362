"""Each shared concept is defined in one module, and used from there: checked over the
repository's sources with ``ast``, each rule against planted violations too (and against
look-alikes it must let be).

1. Only the wire module (``contract/wire.py``, and ``spark/framing.py`` that builds its Spark
   form from it) frames or unframes the Confluent header: in the project's code and in the tests
   (``tests/contract/test_wire.py`` excepted: it pins the module's bytes by hand).
2. No DLQ header name, stage or pipeline reject rule is written as a literal outside
   ``contract/dlq.py``.
3. Only ``spark/state.py`` writes the job's state file; everything else goes through
   ``JobStateFile``.
4. Settings are never copied without validation (no ``model_copy``; ``config.settings.updated``).
5. One HTTP library in the project's own code: ``requests`` (and ``urllib3``, its transport;
   ``stack/uv_bootstrap.py`` excepted: it runs before any virtual environment exists, on the
   standard library alone).
6. Nothing but ``contract.catalog`` finds the generated modules, and no runtime or command module
   names a particular contract.
"""

from __future__ import annotations

import ast
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from contract import wire
from contract.dlq import DlqHeader, RejectRule, Stage
from tests.fixtures.imports import REPO_ROOT, imports_of, python_files

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
WIRE_MODULES = frozenset({"contract/wire.py", "spark/framing.py"})
WIRE_TESTS = frozenset({"tests/contract/test_wire.py"})
"""The wire module's own tests: they spell its bytes out by hand on purpose, a reading of the
format that does not go through the code under test."""
DLQ_MODULE = "contract/dlq.py"
STATE_MODULE = "spark/state.py"
HTTP_LIBRARIES = frozenset({"httpx", "httpx2", "aiohttp", "http.client"})
"""HTTP clients other than ``requests`` (``urllib3`` is its transport: its retry policy is how
``requests`` retries)."""
BOOTSTRAP = "stack/uv_bootstrap.py"
CATALOG = "contract/catalog.py"
SHIPPED_CONTRACTS = ("user_created", "quake_reported", "users_created", "quakes_reported")


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that stand alone as statements: docstrings of modules,
    classes, functions and attributes (documentation may name anything)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _last_name(node: ast.AST) -> str | None:
    """The name an expression ends in: ``value``, ``msg.value``, ``msg.value()`` -> ``value``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _last_name(node.func)
    return None


def _mentions(node: ast.AST, word: str) -> bool:
    return word in ast.unparse(node).lower()


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _in_order(tree: ast.AST) -> list[ast.expr]:
    """The expressions of ``tree`` in the order they are written."""
    located = [node for node in ast.walk(tree) if isinstance(node, ast.expr)]
    return sorted(located, key=lambda node: (node.lineno, node.col_offset))


_ARITHMETIC: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
}
_BYTES_TYPES = frozenset({"bytes", "bytearray", "memoryview"})


class _Source:
    """One parsed file, with what the rules read beyond a single node: each node's parent, the
    names bound once to an integer, the names typed or made as bytes."""

    def __init__(self, path: Path, root: Path) -> None:
        self.where = _relative(path, root)
        self.tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.docs = _docstrings(self.tree)
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
        name = _last_name(node)
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
    return bool(parts & _BYTES_TYPES) and parts <= _BYTES_TYPES | {"None"}


def _makes_bytes(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return isinstance(value.value, bytes)
    if isinstance(value, ast.Call):
        return _last_name(value.func) in _BYTES_TYPES
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        return _makes_bytes(value.left) or _makes_bytes(value.right)
    return False


# -- 1. the Confluent header ---------------------------------------------------------------------

WIRE_CONSTANTS = {
    "MAGIC": wire.MAGIC,
    "SCHEMA_ID_BYTES": wire.SCHEMA_ID_BYTES,
    "HEADER_BYTES": wire.HEADER_BYTES,
}
"""The wire module's constants by name: slicing with them is slicing by hand all the same."""
ID_START = wire.HEADER_BYTES - wire.SCHEMA_ID_BYTES
"""Where the schema id starts: after the magic byte."""
BYTES_WORDS = frozenset(
    {"value", "payload", "frame", "framed", "raw", "blob", "buf", "buffer", "bytes", "body"}
    | {"serialized", "encoded"}
)
"""Words of a name that say it holds a Kafka value's bytes (``good_frame``, ``msg.value()``)."""
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
        if _relative(path, root) in WIRE_MODULES | WIRE_TESTS:
            continue
        source = _Source(path, root)
        found += [
            source.at(node) for node in _in_order(source.tree) if _handles_header(source, node)
        ]
    return found


def _handles_header(source: _Source, node: ast.AST) -> bool:
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


def _header_slice(source: _Source, subject: ast.expr, bounds: ast.Slice) -> bool:
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


def _header_call(source: _Source, call: ast.Call) -> bool:
    name, args = _last_name(call.func), call.args
    if name == "slice" and len(args) == 2:
        return (source.integer(args[0]), source.integer(args[1])) == (ID_START, wire.HEADER_BYTES)
    if not isinstance(call.func, ast.Attribute):
        return False
    if name == "to_bytes":
        length = args[0] if args else _keyword(call, "length")
        order = args[1] if len(args) > 1 else _keyword(call, "byteorder")
        little = isinstance(order, ast.Constant) and order.value == "little"
        return source.integer(length) == wire.SCHEMA_ID_BYTES and not little
    if name == "startswith" and args:
        return _magic_bytes(source, args[0])
    return False


def _magic_check(source: _Source, compare: ast.Compare) -> bool:
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


def _first_byte_of(source: _Source, node: ast.expr) -> ast.expr | None:
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


def _magic(source: _Source, node: ast.expr) -> bool:
    """``node`` is the magic byte: ``0``, ``MAGIC``, ``b"\\x00"``, ``bytes([MAGIC])``, or a
    collection holding one."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_magic(source, element) for element in node.elts)
    return _magic_bytes(source, node) or source.integer(node) == wire.MAGIC


def _magic_bytes(source: _Source, node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == bytes((wire.MAGIC,))
    if (
        isinstance(node, ast.Call)
        and _last_name(node.func) in _BYTES_TYPES
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Tuple | ast.List)
        and len(node.args[0].elts) == 1
    ):
        return source.integer(node.args[0].elts[0]) == wire.MAGIC
    return False


# -- 2. the DLQ's names --------------------------------------------------------------------------

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
        if _relative(path, root) == DLQ_MODULE:
            continue
        source = _Source(path, root)
        found += [
            source.at(node, repr(node.value))
            for node in _in_order(source.tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in DLQ_NAMES
            and id(node) not in source.docs
            and (node.value not in COMMON_WORDS or _in_dlq_context(source, node))
        ]
    return found


def _in_dlq_context(source: _Source, node: ast.Constant) -> bool:
    """Whether ``node`` is used as a DLQ name: a header looked up (``headers["error"]``,
    ``headers.get("error")``, ``"error" in headers``), a key beside a DLQ header's
    (``{"error": ..., DlqHeader.RULE: ...}``), anything in headers being built (``headers=[...]``,
    ``dlq_headers = {...}``), or a stage: compared with one, bound to one (``stage = "job"``,
    ``stage="job"``, ``{DlqHeader.STAGE: "job"}``, ``def f(stage="job")``), or beside one
    (``(DlqHeader.STAGE, text("job"))``)."""
    parent = source.parents.get(id(node))
    if isinstance(parent, ast.Subscript) and parent.slice is node:
        return _mentions(parent.value, "header")
    if (
        isinstance(parent, ast.Call)
        and parent.args
        and parent.args[0] is node
        and isinstance(parent.func, ast.Attribute)
        and _mentions(parent.func.value, "header")
    ):
        return True
    if isinstance(parent, ast.Compare):
        others = [o for o in (parent.left, *parent.comparators) if o is not node]
        if any(_mentions(o, "header") or _mentions(o, "stage") for o in others):
            return True
    if isinstance(parent, ast.Dict) and _dict_context(parent, node):
        return True
    if isinstance(parent, ast.keyword) and "stage" in (parent.arg or "").lower():
        return True
    if isinstance(parent, ast.Assign | ast.AnnAssign) and parent.value is node:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if any(_mentions(t, "stage") for t in targets):
            return True
    if isinstance(parent, ast.arguments) and _default_of(parent, node, "stage"):
        return True
    return _built_as_dlq_entry(source, node)


def _dict_context(mapping: ast.Dict, node: ast.Constant) -> bool:
    keys = list(mapping.keys)
    if any(key is node for key in keys):
        return any(key is not None and key is not node and _names_a_dlq_header(key) for key in keys)
    key = keys[[value is node for value in mapping.values].index(True)]
    return key is not None and _mentions(key, "stage")


def _names_a_dlq_header(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in DLQ_NAMES - COMMON_WORDS
    return _mentions(node, "dlqheader")


def _default_of(arguments: ast.arguments, node: ast.Constant, word: str) -> bool:
    positional = [*arguments.posonlyargs, *arguments.args]
    with_defaults = positional[len(positional) - len(arguments.defaults) :]
    defaults: list[tuple[ast.arg, ast.expr | None]] = [
        *zip(with_defaults, arguments.defaults, strict=True),
        *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
    ]
    return any(default is node and word in argument.arg.lower() for argument, default in defaults)


def _built_as_dlq_entry(source: _Source, node: ast.AST) -> bool:
    """``node`` is part of headers being built, or sits beside a stage in a tuple, list or
    call's arguments (up to its statement)."""
    child, parent = node, source.parents.get(id(node))
    while parent is not None:
        if isinstance(parent, ast.keyword) and "header" in (parent.arg or "").lower():
            return True
        if isinstance(parent, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            return any(_mentions(t, "header") for t in targets)
        if isinstance(parent, ast.stmt):
            return False
        siblings = (
            parent.elts
            if isinstance(parent, ast.Tuple | ast.List)
            else parent.args
            if isinstance(parent, ast.Call)
            else []
        )
        if any(s is not child and _mentions(s, "stage") for s in siblings):
            return True
        child, parent = parent, source.parents.get(id(parent))
    return False


# -- 3. the job's state file ---------------------------------------------------------------------

_STATE_FILE_NAME = re.compile(r"(^|_)(state|status)_(file|path)($|_)")
_STATE_OWNER = re.compile(r"(^|_)(state|status)$")
_WRITES = frozenset({"write_text", "write_bytes", "touch"})
_MOVES = frozenset({"replace", "rename", "move", "copy", "copy2", "copyfile", "link", "symlink"})


def state_file_writes(files: Iterable[Path], root: Path) -> list[str]:
    """Code that writes the job's state file, outside ``spark/state.py``: writing it
    (``write_text``, ``write_bytes``, ``touch``), opening it to write (``open(f, "w")``,
    ``f.open("a")``, a mode it cannot tell), moving or copying onto it (``os.replace(tmp, f)``),
    ``json.dump`` into it. The file is what names it: ``state_file``, ``spark.status_file``, a
    ``JobStateFile``'s ``.path`` (``self.state.path``), a path ending in ``state.json``; a path
    derived from it (``status_file.parent / "job.log"``) is another file."""
    found = []
    for path in files:
        if _relative(path, root) == STATE_MODULE:
            continue
        source = _Source(path, root)
        found += [
            source.at(node)
            for node in _in_order(source.tree)
            if isinstance(node, ast.Call) and _writes_state_file(node)
        ]
    return found


def _is_state_file(node: ast.AST) -> bool:
    if isinstance(node, ast.Name | ast.Attribute):
        name = (_last_name(node) or "").lower()
        if _STATE_FILE_NAME.search(name):
            return True
        owner = _last_name(node.value) if isinstance(node, ast.Attribute) else None
        return name == "path" and owner is not None and bool(_STATE_OWNER.search(owner.lower()))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _is_state_file(node.right)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.endswith("state.json")
    if isinstance(node, ast.Call) and _last_name(node.func) in ("Path", "PurePath"):
        return any(_is_state_file(arg) for arg in node.args)
    return False


def _writes_state_file(call: ast.Call) -> bool:
    name, args = _last_name(call.func), call.args
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if name in _WRITES and receiver is not None:
        return _is_state_file(receiver)
    if name == "open" and receiver is not None and _is_state_file(receiver):  # Path.open
        return _writing(args[0] if args else _keyword(call, "mode"))
    if name == "open" and args and _is_state_file(args[0]):  # open(), io.open, os.open
        return _writing(args[1] if len(args) > 1 else _keyword(call, "mode"))
    if name in _MOVES:
        return any(_is_state_file(arg) for arg in args)
    if name == "dump" and len(args) > 1:
        return _is_state_file(args[1])
    return False


def _writing(mode: ast.expr | None) -> bool:
    """Whether an ``open`` mode writes; one it cannot read (``os.open``'s flags) counts."""
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(letter in mode.value for letter in "wax+")
    return True


# -- 4. to 6. ------------------------------------------------------------------------------------


def unvalidated_copies(files: Iterable[Path], root: Path) -> list[str]:
    """Calls of pydantic's ``model_copy`` (it skips validation)."""
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found += [
            f"{_relative(path, root)}:{node.lineno}: {ast.unparse(node)}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "model_copy"
        ]
    return found


def other_http_libraries(files: Iterable[Path], root: Path) -> list[str]:
    """Imports of an HTTP library other than ``requests`` (``urllib.request`` included)."""
    return [
        imported.where(root)
        for path in files
        if _relative(path, root) != BOOTSTRAP
        for imported in imports_of(path, root)
        if imported.top_level in HTTP_LIBRARIES
        or imported.module in HTTP_LIBRARIES
        or imported.module.startswith("urllib.request")
    ]


def named_contracts(files: Iterable[Path], root: Path) -> list[str]:
    """Imports of a generated module, or literals naming a shipped contract, topic or its
    generated module, outside the catalog."""
    found = []
    for path in files:
        where = _relative(path, root)
        if where == CATALOG:
            continue
        found += [
            imported.where(root)
            for imported in imports_of(path, root)
            if imported.top_level == "generated"
        ]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        docs = _docstrings(tree)
        found += [
            f"{where}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and any(name in node.value for name in SHIPPED_CONTRACTS)
        ]
    return found


def _files(*folders: str) -> list[Path]:
    return python_files(REPO_ROOT, *folders)


def test_only_the_wire_module_frames_the_confluent_header() -> None:
    violations = header_slicing(_files(*PROJECT, "tests"), REPO_ROOT)
    assert not violations, "the Confluent header handled outside contract.wire:\n" + "\n".join(
        violations
    )


def test_dlq_headers_stages_and_reject_rules_are_named_by_the_dlq_module_only() -> None:
    """Over the project's code. The tests are left out on purpose: a test that reads
    ``headers["error.rule"]`` pins the DLQ's wire contract by its literal names, so a renamed
    header fails it instead of passing through ``DlqHeader`` unnoticed."""
    violations = dlq_literals(_files(*PROJECT), REPO_ROOT)
    assert not violations, "DLQ names written as literals (use contract.dlq):\n" + "\n".join(
        violations
    )


def test_only_the_state_module_writes_the_jobs_state_file() -> None:
    violations = state_file_writes(_files(*PROJECT, "tests"), REPO_ROOT)
    assert not violations, "the job's state file written outside spark.state:\n" + "\n".join(
        violations
    )


def test_settings_are_never_copied_without_validation() -> None:
    violations = unvalidated_copies(_files(*PROJECT, "tests"), REPO_ROOT)
    assert not violations, "model_copy skips validation (use config.settings.updated):\n" + (
        "\n".join(violations)
    )


def test_the_projects_code_speaks_http_through_requests_only() -> None:
    violations = other_http_libraries(_files(*PROJECT), REPO_ROOT)
    assert not violations, "HTTP libraries other than requests:\n" + "\n".join(violations)


def test_no_runtime_or_command_module_names_a_contract() -> None:
    folders = ("clients", "codegen", "config", "contract", "ops", "producer", "spark", "airflow")
    violations = named_contracts(_files(*folders), REPO_ROOT)
    assert not violations, "contracts named in code (find them through contract.catalog):\n" + (
        "\n".join(violations)
    )


# -- each rule against planted violations, and against look-alikes it must let be --------------

Rule = Callable[[Iterable[Path], Path], list[str]]


def _flagged(rule: Rule, code: str, tmp_path: Path) -> list[str]:
    """What ``rule`` finds in ``code`` planted as ``ops/planted.py``, as ``line: text``."""
    (tmp_path / "ops").mkdir(exist_ok=True)
    planted = tmp_path / "ops" / "planted.py"
    planted.write_text(code, encoding="utf-8")
    return [found.removeprefix("ops/planted.py:") for found in rule([planted], tmp_path)]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("id = int.from_bytes(value[1:5], 'big')", ["1: value[1:5]"]),
        ("id = int.from_bytes(value[1:1 + 4], 'big')", ["1: value[1:1 + 4]"]),
        ("end = 5\nid_bytes = value[1:end]", ["2: value[1:end]"]),
        ("start, end = 1, 1 + 4\nid_bytes = row[start:end]", ["2: row[start:end]"]),
        ("ID = slice(1, 5)\nid_bytes = value[ID]", ["1: slice(1, 5)"]),
        ("id_bytes = payload[1:wire.HEADER_BYTES]", ["1: payload[1:wire.HEADER_BYTES]"]),
        ("body = msg.value()[5:]", ["1: msg.value()[5:]"]),
        ("body = raw[HEADER_BYTES:]", ["1: raw[HEADER_BYTES:]"]),
        ("head = good_frame[:5]", ["1: good_frame[:5]"]),
        ("unmagicked = good_frame[1:]", ["1: good_frame[1:]"]),
        ("def f(m: bytes | None) -> bytes:\n    return m[5:]", ["2: m[5:]"]),
        ("m = b'\\x00' + tail\nbody = m[5:]", ["2: m[5:]"]),
        ("id = struct.unpack('>I', value[1:5])[0]", ["1: '>I'", "1: value[1:5]"]),
        ("(id,) = struct.unpack('>L', id_bytes)", ["1: '>L'"]),
        ("(id,) = struct.unpack_from('!I', data, 1)", ["1: '!I'"]),
        ("magic, id = struct.unpack('>bI', head)", ["1: '>bI'"]),
        ("ID_FORMAT = '>i'", ["1: '>i'"]),
        ("head = b'\\x00' + id.to_bytes(4, 'big')", ["1: id.to_bytes(4, 'big')"]),
        ("head = id.to_bytes(length=SCHEMA_ID_BYTES)", ["1: id.to_bytes(length=SCHEMA_ID_BYTES)"]),
        ("framed = value[0] == 0", ["1: value[0] == 0"]),
        ("if value[0] != 0:\n    pass", ["1: value[0] != 0"]),
        ("wrong = payload[:1] != b'\\x00'", ["1: payload[:1] != b'\\x00'"]),
        ("wrong = row[0] != wire.MAGIC", ["1: row[0] != wire.MAGIC"]),
        ("framed = value[0] in (MAGIC,)", ["1: value[0] in (MAGIC,)"]),
        ("framed = value.startswith(bytes([MAGIC]))", ["1: value.startswith(bytes([MAGIC]))"]),
    ],
)
def test_the_wire_rule_catches_each_hand_made_header(
    code: str, expected: list[str], tmp_path: Path
) -> None:
    assert _flagged(header_slicing, code, tmp_path) == expected


def test_the_wire_rule_lets_look_alikes_be(tmp_path: Path) -> None:
    code = (
        '"""A docstring may say >I and value[1:5]."""\n'
        "args = sys.argv[1:]\n"
        "first, rest = after[:5], records[5:]\n"
        "empty = counts[0] == 0\n"
        "period = struct.pack('<III', 1, 2, 3)\n"
        "flag = struct.unpack('!b', one)\n"
        "inner = token.text[1:-1]\n"
        "stamp, little = n.to_bytes(8, 'big'), n.to_bytes(4, 'little')\n"
        "chunk = raw[i:i + 4]\n"
        "half = good_frame[: len(good_frame) // 2]\n"
        "pin = '>=3.11'\n"
        "schema_id, body = unframe(value)\n"
    )
    assert _flagged(header_slicing, code, tmp_path) == []


def test_the_wire_rule_spares_only_the_wire_module_and_its_tests(tmp_path: Path) -> None:
    planted = []
    for where in ("contract/wire.py", "tests/contract/test_wire.py", "tests/spark/test_x.py"):
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / where).write_text("id = int.from_bytes(value[1:5], 'big')\n")
        planted.append(tmp_path / where)
    assert header_slicing(planted, tmp_path) == ["tests/spark/test_x.py:1: value[1:5]"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("rule = 'wire:framing'", ["1: 'wire:framing'"]),
        ("name = 'error.rule'", ["1: 'error.rule'"]),
        ("why = message.headers['error']", ["1: 'error'"]),
        ("why = text_headers(message).get('error')", ["1: 'error'"]),
        ("rejected = 'error' in message.headers", ["1: 'error'"]),
        ("shown = {'error': why, 'error.field': field}", ["1: 'error'", "1: 'error.field'"]),
        ("shown = {'error': why, DlqHeader.RULE: rule}", ["1: 'error'"]),
        ("send(topic, value, headers=[('error', why)])", ["1: 'error'"]),
        ("dlq_headers = {'error': why}", ["1: 'error'"]),
        ("headers += [('error', why)]", ["1: 'error'"]),
        ("late = headers[DlqHeader.STAGE] == 'job'", ["1: 'job'"]),
        ("if stage != 'producer':\n    pass", ["1: 'producer'"]),
        ("stage = 'producer'", ["1: 'producer'"]),
        ("entry = Entry(rule, stage='job')", ["1: 'job'"]),
        ("entry = {DlqHeader.STAGE: 'producer'}", ["1: 'producer'"]),
        ("entry = [(DlqHeader.STAGE, text('producer'))]", ["1: 'producer'"]),
        ("column = header(DlqHeader.STAGE, fn.lit('job'))", ["1: 'job'"]),
        ("def reject(rule: str, *, stage: str = 'job') -> None: ...", ["1: 'job'"]),
    ],
)
def test_the_dlq_rule_catches_each_hand_written_name(
    code: str, expected: list[str], tmp_path: Path
) -> None:
    assert _flagged(dlq_literals, code, tmp_path) == expected


def test_the_dlq_rule_lets_ordinary_words_be(tmp_path: Path) -> None:
    code = (
        '"""A docstring may say error.rule, headers["error"] and stage "job"."""\n'
        "body = {'error': 'rate limited'}\n"
        "named = ('record', 'error')\n"
        "log.error('error')\n"
        "JOB_EMITTER = 'job'\n"
        "folder = root / 'job'\n"
        "command = ['producer', name]\n"
        "verdict = {'sample': 1, 'producer': 'pass', 'job': 'pass'}\n"
        "why = message.headers[DlqHeader.ERROR]\n"
    )
    assert _flagged(dlq_literals, code, tmp_path) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (
            "settings.spark.status_file.write_text(state.model_dump_json())",
            ["1: settings.spark.status_file.write_text(state.model_dump_json())"],
        ),
        (
            "with open(state_file, 'w') as out:\n    json.dump(state, out)",
            ["1: open(state_file, 'w')"],
        ),
        (
            "out = settings.spark.status_file.open(mode='a')",
            ["1: settings.spark.status_file.open(mode='a')"],
        ),
        (
            "os.replace(temporary, settings.spark.status_file)",
            ["1: os.replace(temporary, settings.spark.status_file)"],
        ),
        ("Path(temporary).replace(state_path)", ["1: Path(temporary).replace(state_path)"]),
        ("self.state.path.write_bytes(b'{}')", ["1: self.state.path.write_bytes(b'{}')"]),
        (
            "Path('.stack/job/state.json').write_text('{}')",
            ["1: Path('.stack/job/state.json').write_text('{}')"],
        ),
        (
            "(tmp_path / 'job' / 'state.json').touch()",
            ["1: (tmp_path / 'job' / 'state.json').touch()"],
        ),
        (
            "json.dump(state.model_dump(), job_state_file)",
            ["1: json.dump(state.model_dump(), job_state_file)"],
        ),
        ("fd = os.open(status_file, os.O_WRONLY)", ["1: os.open(status_file, os.O_WRONLY)"]),
    ],
)
def test_the_state_rule_catches_each_write_of_the_state_file(
    code: str, expected: list[str], tmp_path: Path
) -> None:
    assert _flagged(state_file_writes, code, tmp_path) == expected


def test_the_state_rule_lets_readers_and_neighbours_be(tmp_path: Path) -> None:
    code = (
        "JobStateFile(settings.spark.status_file).update(phase=phase)\n"
        "text = state_file.read_text()\n"
        "with open(state_file) as f:\n"
        "    pass\n"
        "log = (settings.spark.status_file.parent / 'job.log').open('ab')\n"
        "settings.spark.metrics_file.write_text('')\n"
        "torn.write_text('{')\n"
        "self.state.update(pid=1)\n"
    )
    assert _flagged(state_file_writes, code, tmp_path) == []


def test_the_other_rules_catch_a_planted_violation(tmp_path: Path) -> None:
    code = (
        '"""A docstring may say user_created."""\n'
        "import httpx\n"
        "from generated.python import user_created\n"
        "topic = 'users_created'\n"
        "copy = settings.model_copy(update={})\n"
    )
    assert _flagged(unvalidated_copies, code, tmp_path) == ["5: settings.model_copy"]
    assert _flagged(other_http_libraries, code, tmp_path) == ["2: import httpx"]
    assert _flagged(named_contracts, code, tmp_path) == [
        "3: from generated.python import user_created",
        "4: 'users_created'",
    ]
