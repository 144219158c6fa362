"""Each shared concept is defined in one module, and used from there: checked over the
repository's sources with ``ast``, each rule against planted violations too (and against
look-alikes it must let be).

1. Only the wire module frames or unframes the Confluent header: ``test_wire_rule.py``.
2. No DLQ name is written as a literal outside ``contract/dlq.py``: ``test_dlq_rule.py``.
3. Only ``spark/state.py`` writes the job's state file: ``test_state_rule.py``.
4. Settings are never copied without validation (no ``model_copy``; ``config.settings.updated``).
5. One HTTP library in the project's own code: ``requests`` (and ``urllib3``, its transport;
   ``stack/uv_bootstrap.py`` excepted: it runs before any virtual environment exists, on the
   standard library alone).
6. Nothing but ``contract.catalog`` finds the generated modules, and no runtime or command module
   names a particular contract.

The helpers the rules share are in ``ast_rules.py``; rules 4 to 6 are here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from tests.architecture.ast_rules import PROJECT, docstrings, files, flagged, relative
from tests.fixtures.imports import REPO_ROOT, imports_of

HTTP_LIBRARIES = frozenset({"httpx", "httpx2", "aiohttp", "http.client"})
"""HTTP clients other than ``requests`` (``urllib3`` is its transport: its retry policy is how
``requests`` retries)."""
BOOTSTRAP = "stack/uv_bootstrap.py"
CATALOG = "contract/catalog.py"
SHIPPED_CONTRACTS = ("user_created", "quake_reported", "users_created", "quakes_reported")


def unvalidated_copies(files: Iterable[Path], root: Path) -> list[str]:
    """Calls of pydantic's ``model_copy`` (it skips validation)."""
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found += [
            f"{relative(path, root)}:{node.lineno}: {ast.unparse(node)}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "model_copy"
        ]
    return found


def other_http_libraries(files: Iterable[Path], root: Path) -> list[str]:
    """Imports of an HTTP library other than ``requests`` (``urllib.request`` included)."""
    return [
        imported.where(root)
        for path in files
        if relative(path, root) != BOOTSTRAP
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
        where = relative(path, root)
        if where == CATALOG:
            continue
        found += [
            imported.where(root)
            for imported in imports_of(path, root)
            if imported.top_level == "generated"
        ]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        docs = docstrings(tree)
        found += [
            f"{where}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and any(name in node.value for name in SHIPPED_CONTRACTS)
        ]
    return found


def test_settings_are_never_copied_without_validation() -> None:
    violations = unvalidated_copies(files(*PROJECT, "tests"), REPO_ROOT)
    assert not violations, "model_copy skips validation (use config.settings.updated):\n" + (
        "\n".join(violations)
    )


def test_the_projects_code_speaks_http_through_requests_only() -> None:
    violations = other_http_libraries(files(*PROJECT), REPO_ROOT)
    assert not violations, "HTTP libraries other than requests:\n" + "\n".join(violations)


def test_no_runtime_or_command_module_names_a_contract() -> None:
    folders = ("clients", "codegen", "config", "contract", "ops", "producer", "spark", "airflow")
    violations = named_contracts(files(*folders), REPO_ROOT)
    assert not violations, "contracts named in code (find them through contract.catalog):\n" + (
        "\n".join(violations)
    )


# -- each rule against planted violations, and against look-alikes it must let be --------------


def test_the_other_rules_catch_a_planted_violation(tmp_path: Path) -> None:
    code = (
        '"""A docstring may say user_created."""\n'
        "import httpx\n"
        "from generated.python import user_created\n"
        "topic = 'users_created'\n"
        "copy = settings.model_copy(update={})\n"
    )
    assert flagged(unvalidated_copies, code, tmp_path) == ["5: settings.model_copy"]
    assert flagged(other_http_libraries, code, tmp_path) == ["2: import httpx"]
    assert flagged(named_contracts, code, tmp_path) == [
        "3: from generated.python import user_created",
        "4: 'users_created'",
    ]
