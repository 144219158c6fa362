"""Each shared concept is defined in one module, and used from there: checked over the
repository's sources with ``ast``, each rule against a planted violation too.

1. Only the wire module (``contract/wire.py``, and ``spark/framing.py`` that builds its Spark
   form from it) frames or unframes the Confluent header.
2. No DLQ header name or pipeline reject rule is written as a literal outside ``contract/dlq.py``.
3. Settings are never copied without validation (no ``model_copy``; ``config.settings.updated``).
4. One HTTP library in the project's own code: ``requests`` (and ``urllib3``, its transport;
   ``stack/uv_bootstrap.py`` excepted: it runs before any virtual environment exists, on the
   standard library alone).
5. Nothing but ``contract.catalog`` finds the generated modules, and no runtime or command module
   names a particular contract.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from contract.dlq import DlqHeader, RejectRule
from tests.fixtures.imports import REPO_ROOT, imports_of, python_files

PROJECT = ("clients", "codegen", "config", "contract", "ops", "producer", "spark", "stack", "bench")
"""The project's own code (``generated/`` and ``tests/`` are checked by their own rules)."""
WIRE_MODULES = frozenset({"contract/wire.py", "spark/framing.py"})
DLQ_MODULE = "contract/dlq.py"
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


def header_slicing(files: Iterable[Path], root: Path) -> list[str]:
    """Code that frames or unframes a Confluent header: ``x[1:5]``, ``x[5:]``, a 4-byte
    ``to_bytes`` and ``struct``'s big-endian id format."""
    found = []
    for path in files:
        if _relative(path, root) in WIRE_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            flagged = False
            if isinstance(node, ast.Slice):
                bounds = tuple(
                    b.value if isinstance(b, ast.Constant) else None
                    for b in (node.lower, node.upper)
                )
                flagged = bounds in ((1, 5), (5, None))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                first = node.args[0] if node.args else None
                flagged = (
                    node.func.attr == "to_bytes"
                    and isinstance(first, ast.Constant)
                    and first.value == 4
                )
            elif isinstance(node, ast.Constant) and node.value in (">I", ">i"):
                flagged = True
            if flagged:
                line = getattr(node, "lineno", 0)
                found.append(f"{_relative(path, root)}:{line}: {ast.unparse(node)}")
    return found


def dlq_literals(files: Iterable[Path], root: Path) -> list[str]:
    """String literals that spell a DLQ header name or a pipeline reject rule."""
    names = {h.value for h in DlqHeader if "." in h.value} | {r.value for r in RejectRule}
    found = []
    for path in files:
        if _relative(path, root) == DLQ_MODULE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        docs = _docstrings(tree)
        found += [
            f"{_relative(path, root)}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in names and id(node) not in docs
        ]
    return found


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
    violations = header_slicing(_files(*PROJECT), REPO_ROOT)
    assert not violations, "the Confluent header handled outside contract.wire:\n" + "\n".join(
        violations
    )


def test_dlq_headers_and_reject_rules_are_named_by_the_dlq_module_only() -> None:
    violations = dlq_literals(_files(*PROJECT), REPO_ROOT)
    assert not violations, "DLQ names written as literals (use contract.dlq):\n" + "\n".join(
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


def test_each_rule_catches_a_planted_violation(tmp_path: Path) -> None:
    (tmp_path / "ops").mkdir()
    bad = tmp_path / "ops" / "planted.py"
    bad.write_text(
        '"""A docstring may say error.rule and user_created."""\n'
        "import struct\n"
        "import httpx\n"
        "from generated.python import user_created\n"
        "def f(value: bytes, settings: object) -> object:\n"
        "    schema_id = int.from_bytes(value[1:5], 'big')\n"
        "    body = value[5:]\n"
        "    header = struct.pack('>I', schema_id) + schema_id.to_bytes(4, 'big')\n"
        "    rule = 'wire:framing'\n"
        "    name = 'error.rule'\n"
        "    topic = 'users_created'\n"
        "    return settings.model_copy(update={})\n"
    )
    assert sorted(header_slicing([bad], tmp_path)) == [
        "ops/planted.py:6: 1:5",
        "ops/planted.py:7: 5:",
        "ops/planted.py:8: '>I'",
        "ops/planted.py:8: schema_id.to_bytes(4, 'big')",
    ]
    assert dlq_literals([bad], tmp_path) == [
        "ops/planted.py:9: 'wire:framing'",
        "ops/planted.py:10: 'error.rule'",
    ]
    assert unvalidated_copies([bad], tmp_path) == ["ops/planted.py:12: settings.model_copy"]
    assert other_http_libraries([bad], tmp_path) == ["ops/planted.py:3: import httpx"]
    assert named_contracts([bad], tmp_path) == [
        "ops/planted.py:4: from generated.python import user_created",
        "ops/planted.py:11: 'users_created'",
    ]
