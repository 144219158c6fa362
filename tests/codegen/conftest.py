"""Fixtures of the codegen tests: the kitchen-sink schemas generated into a temporary package."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from codegen.generate import Output, render_all, write
from tests.fixtures.codegen import KS_PACKAGE, TEST_SCHEMAS


@pytest.fixture(scope="session")
def kitchen_sink_output() -> Output:
    """A fresh render of the kitchen-sink schemas."""
    return render_all(TEST_SCHEMAS)


@pytest.fixture(scope="session")
def kitchen_sink_dir(
    tmp_path_factory: pytest.TempPathFactory, kitchen_sink_output: Output
) -> Iterator[Path]:
    """The kitchen-sink output written as an importable package ``codegen_kitchen_sink``."""
    root = tmp_path_factory.mktemp("generated")
    write(root / KS_PACKAGE, kitchen_sink_output)
    sys.path.insert(0, str(root))
    try:
        yield root / KS_PACKAGE
    finally:
        sys.path.remove(str(root))


@pytest.fixture(scope="session")
def ks_python(kitchen_sink_dir: Path) -> dict[str, ModuleType]:
    """The generated Python modules of the kitchen-sink schemas, by schema stem."""
    return {
        stem: importlib.import_module(f"{KS_PACKAGE}.python.{stem}")
        for stem in ("kitchen_sink", "point", "unions")
    }


@pytest.fixture(scope="session")
def ks_spark(kitchen_sink_dir: Path) -> dict[str, ModuleType]:
    """The generated Spark modules of the kitchen-sink schemas, by schema stem."""
    return {
        stem: importlib.import_module(f"{KS_PACKAGE}.spark.{stem}")
        for stem in ("kitchen_sink", "point", "unions")
    }
