"""The markers a test gets from its fixtures (``tests/fixtures/markers.py``) name registered
markers and existing fixtures, and follow the fixtures a test uses through other fixtures."""

from __future__ import annotations

import ast
import tomllib

from tests.fixtures.imports import REPO_ROOT, python_files
from tests.fixtures.markers import FIXTURE_MARKERS, MARKER_IMPLIES, derived_markers


def registered_markers() -> set[str]:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {line.split(":", 1)[0] for line in pyproject["tool"]["pytest"]["ini_options"]["markers"]}


def fixtures_defined() -> set[str]:
    """The names of every ``@pytest.fixture`` function under tests/."""
    names = set()
    for path in python_files(REPO_ROOT, "tests"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                "fixture" in ast.unparse(decorator) for decorator in node.decorator_list
            ):
                names.add(node.name)
    return names


def test_markers_derived_from_fixtures_are_registered() -> None:
    used = {m for markers in FIXTURE_MARKERS.values() for m in markers}
    used |= set(MARKER_IMPLIES) | set(MARKER_IMPLIES.values())
    assert used <= registered_markers(), sorted(used - registered_markers())


def test_every_fixture_that_implies_markers_exists() -> None:
    missing = set(FIXTURE_MARKERS) - fixtures_defined()
    assert not missing, f"FIXTURE_MARKERS names fixtures that no longer exist: {sorted(missing)}"


def test_markers_follow_fixtures_and_implied_markers() -> None:
    assert derived_markers(["tmp_path", "settings"], []) == set()
    assert derived_markers(["spark", "local_stack", "settings"], []) == {"spark", "stack"}
    assert derived_markers(["outage_base"], []) == {"outage", "stack"}
    assert derived_markers(["tmp_path"], ["restarts_stack"]) == {"restarts_stack", "stack"}
