"""Rule 3 of the concept rules: only ``spark/state.py`` writes the job's state file;
everything else goes through ``JobStateFile``. The rule function and how it recognises the file
and a write of it, apart from its tests (``test_state_rule.py``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from tests.architecture.ast_rules import Source, in_order, keyword, last_name, relative

STATE_MODULE = "spark/state.py"
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
        if relative(path, root) == STATE_MODULE:
            continue
        source = Source(path, root)
        found += [
            source.at(node)
            for node in in_order(source.tree)
            if isinstance(node, ast.Call) and _writes_state_file(node)
        ]
    return found


def _is_state_file(node: ast.AST) -> bool:
    if isinstance(node, ast.Name | ast.Attribute):
        name = (last_name(node) or "").lower()
        if _STATE_FILE_NAME.search(name):
            return True
        owner = last_name(node.value) if isinstance(node, ast.Attribute) else None
        return name == "path" and owner is not None and bool(_STATE_OWNER.search(owner.lower()))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _is_state_file(node.right)
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.endswith("state.json")
    if isinstance(node, ast.Call) and last_name(node.func) in ("Path", "PurePath"):
        return any(_is_state_file(arg) for arg in node.args)
    return False


def _writes_state_file(call: ast.Call) -> bool:
    name, args = last_name(call.func), call.args
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    if name in _WRITES and receiver is not None:
        return _is_state_file(receiver)
    if name == "open" and receiver is not None and _is_state_file(receiver):  # Path.open
        return _writing(args[0] if args else keyword(call, "mode"))
    if name == "open" and args and _is_state_file(args[0]):  # open(), io.open, os.open
        return _writing(args[1] if len(args) > 1 else keyword(call, "mode"))
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
