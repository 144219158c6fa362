"""``python -m codegen``: regenerate (or ``--check``) ``generated/`` from ``schemas/``.

Also dispatches the compatibility checks: ``--check-compat`` and ``compat OLD.avsc NEW.avsc``
(implemented in :mod:`codegen.compat`), and ``check-rules SCHEMA.avsc SAMPLES.jsonl`` (every
rule's verdict at both ends, :mod:`codegen.check_rules`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codegen.errors import SchemaError
from codegen.generate import problems, render_all, write

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 invalid schema or stale output)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["compat"]:
        return int(_compat().main(args[1:]))
    if args[:1] == ["check-rules"]:  # imported lazily: it needs the producer and Spark
        return int(importlib.import_module("codegen.check_rules").main(args[1:]))
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--schemas", type=Path, default=REPO_ROOT / "schemas")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "generated")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail naming each stale file")
    mode.add_argument(
        "--check-compat",
        action="store_true",
        help="check each contract against its last released version",
    )
    options = parser.parse_args(args)
    if options.check_compat:
        return int(_compat().check_repo(options.schemas))
    try:
        output = render_all(options.schemas)
    except SchemaError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for warning in output.warnings:
        print(warning, file=sys.stderr)
    if options.check:
        found = problems(options.out, output)
        for problem in found:
            print(problem, file=sys.stderr)
        if found:
            print("generated code is out of date: run `make codegen`", file=sys.stderr)
            return 1
        print(f"{len(output.files)} generated files are up to date")
        return 0
    changed = write(options.out, output)
    print(f"{len(changed)} of {len(output.files)} generated files changed under {options.out}")
    return 0


def _compat() -> Any:
    """Imported lazily: the compatibility checker is its own module with its own dependencies."""
    return importlib.import_module("codegen.compat")


if __name__ == "__main__":
    sys.exit(main())
