"""The import rules of the repository, checked over every module's source with ``ast``.

1. The runtime (what the images run: the producer, the job and what they stand on) imports
   nothing of the local stack, the commands, the benchmarks or the tests; what is deployed
   (the runtime, the operators' commands in ``ops/``, the DAG files) imports nothing that runs
   only on a developer's machine (``stack/``, ``bench/``, ``tests/``).
2. No module imports another module's private (``_name``) names; tests neither.
3. Every third-party package a module imports is declared in pyproject.toml: in the project's
   dependencies or an image's group (``spark``, ``airflow``) for what the images run, or in any
   group for the stack, bench and tests. (That each image installs what its code imports is
   proven by running it: ``tests/docker/test_compose_emulation.py``.)
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from tests.fixtures.imports import (
    DEV_PACKAGES,
    LOCAL_PACKAGES,
    REPO_ROOT,
    RUNTIME_PACKAGES,
    first_party,
    imports_of,
    is_standard_library,
    module_file,
    python_files,
)

DEPLOYED = (*RUNTIME_PACKAGES, "ops", "airflow")
"""What the images run: the runtime, the commands of the init job, the DAG files."""
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def layer_violations(files: Iterable[Path], forbidden: frozenset[str], root: Path) -> list[str]:
    """``file:line: import`` for every import of a ``forbidden`` top-level package."""
    return [
        imported.where(root)
        for path in files
        for imported in imports_of(path, root)
        if imported.top_level in forbidden
    ]


def private_imports(files: Iterable[Path], root: Path) -> list[str]:
    """Imports of another first-party module's ``_private`` names, and ``module._name`` reads
    through a name bound to a first-party module."""
    ours = first_party(root)
    found = []
    for path in files:
        modules: set[str] = set()
        for imported in imports_of(path, root):
            if imported.top_level not in ours:
                continue
            private = [n for n in imported.names if _is_private(n)]
            if private or any(_is_private(p) for p in imported.module.split(".")):
                found.append(imported.where(root))
            modules.update(n for n in imported.names if module_file(f"{imported.module}.{n}", root))
        found += _private_attributes(path, root, modules | ours)
    return found


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_attributes(path: Path, root: Path, module_names: set[str]) -> list[str]:
    """``alias._name`` where ``alias`` is a first-party module imported by this file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    aliases = {
        alias.asname or alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
        if (alias.asname or alias.name) in module_names or alias.name.split(".")[0] in module_names
    }
    return [
        f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and _is_private(node.attr)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
    ]


def normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def requirement_name(requirement: str) -> str:
    match = _REQUIREMENT_NAME.match(requirement)
    assert match, f"not a requirement: {requirement!r}"
    return normalized(match.group(1))


@cache
def declared(group: str) -> frozenset[str]:
    """The distributions pyproject.toml declares: ``project`` (every part's) or a group's."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = (
        pyproject["project"]["dependencies"]
        if group == "project"
        else pyproject["dependency-groups"][group]
    )
    names = {requirement_name(r) for r in requirements}
    return frozenset(names | {r for name in names for r in _stands_for(name)})


def _stands_for(distribution: str) -> set[str]:
    """A declared meta-package (one that ships no module, as ``apache-airflow``) stands for the
    distributions it requires unconditionally."""
    files = importlib.metadata.files(distribution) or []
    if any(f.suffix == ".py" for f in files):
        return set()
    requires = importlib.metadata.requires(distribution) or []
    return {requirement_name(r) for r in requires if "extra ==" not in r}


def undeclared_imports(files: Iterable[Path], allowed: frozenset[str], root: Path) -> list[str]:
    """Imports of third-party modules that no ``allowed`` distribution provides."""
    providers = importlib.metadata.packages_distributions()
    ours = first_party(root)
    found = []
    for path in files:
        for imported in imports_of(path, root):
            if imported.top_level in ours or is_standard_library(imported.module):
                continue
            by = {normalized(d) for d in providers.get(imported.top_level, [])}
            if not by & allowed:
                owner = ", ".join(sorted(by)) or "no installed distribution"
                found.append(f"{imported.where(root)}  (provided by {owner})")
    return found


def test_the_runtime_imports_nothing_of_the_dev_stack() -> None:
    files = python_files(REPO_ROOT, *RUNTIME_PACKAGES, "airflow")
    violations = layer_violations(files, DEV_PACKAGES, REPO_ROOT)
    assert not violations, "runtime modules import the dev stack:\n" + "\n".join(violations)


def test_nothing_deployed_imports_what_runs_only_on_a_developers_machine() -> None:
    files = python_files(REPO_ROOT, *DEPLOYED)
    violations = layer_violations(files, LOCAL_PACKAGES, REPO_ROOT)
    assert not violations, "deployed modules import local-only ones:\n" + "\n".join(violations)


def test_no_module_imports_another_modules_private_names() -> None:
    violations = private_imports(python_files(REPO_ROOT), REPO_ROOT)
    assert not violations, (
        "private names used across modules (make them public where they are shared, or move "
        "them):\n" + "\n".join(violations)
    )


IMAGE_GROUPS = ("spark", "airflow")
"""The dependency groups the images install on top of the project's dependencies."""


def test_what_the_images_run_imports_declared_dependencies_only() -> None:
    allowed = declared("project").union(*(declared(group) for group in IMAGE_GROUPS))
    violations = undeclared_imports(python_files(REPO_ROOT, *DEPLOYED), allowed, REPO_ROOT)
    assert not violations, "imports of packages no image's dependencies declare:\n" + "\n".join(
        violations
    )


def test_dev_tooling_imports_declared_dependencies_only() -> None:
    groups = (*IMAGE_GROUPS, "dev")
    allowed = declared("project").union(*(declared(group) for group in groups))
    files = python_files(REPO_ROOT, *sorted(DEV_PACKAGES - {"ops"}))
    violations = undeclared_imports(files, allowed, REPO_ROOT)
    assert not violations, "imports of undeclared packages:\n" + "\n".join(violations)


def test_the_rules_catch_what_they_forbid(tmp_path: Path) -> None:
    """Each rule fails, naming file, line and import, on a tree that breaks it."""
    for package in ("producer", "stack", "spark"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "stack" / "control.py").write_text("def _up() -> None: ...\n")
    (tmp_path / "spark" / "job.py").write_text("_LIMIT = 1\n")
    bad = tmp_path / "producer" / "run.py"
    bad.write_text(
        "import json\n"
        "from stack.control import _up\n"
        "from ..spark import job\n"
        "import not_a_declared_package\n"
        "print(job._LIMIT)\n"
    )
    assert layer_violations([bad], frozenset({"stack"}), tmp_path) == [
        "producer/run.py:2: from stack.control import _up"
    ]
    assert private_imports([bad], tmp_path) == [
        "producer/run.py:2: from stack.control import _up",
        "producer/run.py:5: job._LIMIT",
    ]
    assert undeclared_imports([bad], frozenset(), tmp_path) == [
        "producer/run.py:4: import not_a_declared_package  (provided by no installed distribution)"
    ]
