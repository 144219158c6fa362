"""Python source text of a declaration value: dataclasses, enums, tuples and plain values.

The generated modules state their declarations (``contract.streams``) as constructor calls
that read like the ``.avsc`` they come from, one keyword per line; fields left at their
default are omitted. Deterministic: the same value always gives the same text.
"""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any

_INDENT = "    "


def value_literal(value: Any, module: str, level: int = 0) -> str:
    """``value`` as Python source; classes are named through ``module`` (``_st.Stream(...)``)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dataclass(value, module, level)
    if isinstance(value, Enum):
        return f"{module}.{type(value).__name__}.{value.name}"
    if isinstance(value, tuple):
        if not value:
            return "()"
        items = [value_literal(v, module, level + 1) for v in value]
        if sum(map(len, items)) < 60 and all("\n" not in i for i in items):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        pad = _INDENT * (level + 1)
        return "(\n" + "".join(f"{pad}{i},\n" for i in items) + _INDENT * level + ")"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    raise TypeError(f"no literal for a {type(value).__name__}")


def _dataclass(value: Any, module: str, level: int) -> str:
    pad = _INDENT * (level + 1)
    parts = []
    for f in dataclasses.fields(value):
        current = getattr(value, f.name)
        default = f.default if f.default is not dataclasses.MISSING else dataclasses.MISSING
        if default is not dataclasses.MISSING and current == default:
            continue
        parts.append(f"{pad}{f.name}={value_literal(current, module, level + 1)},\n")
    name = f"{module}.{type(value).__name__}"
    flat = ", ".join(part.strip().rstrip(",") for part in parts)
    if len(name) + len(flat) + len(_INDENT) * level < 90 and "\n" not in flat:
        return f"{name}({flat})"
    return f"{name}(\n{''.join(parts)}{_INDENT * level})"
