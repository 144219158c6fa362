"""The validated schema model: immutable dataclasses, one per kind of Avro type.

Named types are parsed once and shared by reference, so a record used in two places (or two
files) is the same object. Records are never recursive (the parser rejects that), which is
what lets every render function be a plain recursion over this model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Primitive:
    """null, boolean, int, long, float, double, bytes or string, with an optional logical type."""

    type: str
    logical: str | None = None
    precision: int = 0
    scale: int = 0


@dataclass(frozen=True, slots=True)
class Fixed:
    """A named fixed-size byte string (possibly ``decimal`` or ``duration``)."""

    fullname: str
    size: int
    source: str
    doc: str | None = None
    logical: str | None = None
    precision: int = 0
    scale: int = 0


@dataclass(frozen=True, slots=True)
class Enum:
    """A named enumeration of symbols."""

    fullname: str
    symbols: tuple[str, ...]
    source: str
    doc: str | None = None
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Array:
    """An Avro array."""

    items: AvroType


@dataclass(frozen=True, slots=True)
class Map:
    """An Avro map (keys are always strings)."""

    values: AvroType


@dataclass(frozen=True, slots=True)
class Union:
    """An Avro union, branches in declaration order."""

    branches: tuple[AvroType, ...]

    @property
    def non_null(self) -> tuple[AvroType, ...]:
        """The branches other than ``null``."""
        return tuple(b for b in self.branches if not is_null(b))

    @property
    def has_null(self) -> bool:
        """Whether ``null`` is one of the branches."""
        return any(is_null(b) for b in self.branches)


@dataclass(frozen=True, slots=True)
class Field:
    """A record field; ``has_default`` distinguishes a ``null`` default from no default.

    ``props`` keeps the field's non-Avro properties: ``x-rules`` (data-quality rules) and
    ``x-pii`` (personal data).
    """

    name: str
    type: AvroType
    doc: str | None = None
    has_default: bool = False
    default: Any = None
    aliases: tuple[str, ...] = ()
    props: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Record:
    """A named record; ``props`` keeps the non-Avro properties such as ``x-cassandra``."""

    fullname: str
    fields: tuple[Field, ...]
    source: str
    doc: str | None = None
    aliases: tuple[str, ...] = ()
    props: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def name(self) -> str:
        """The record's name without its namespace."""
        return short_name(self.fullname)


AvroType = Primitive | Fixed | Enum | Array | Map | Union | Record
NamedType = Fixed | Enum | Record


@dataclass(frozen=True, slots=True)
class SchemaFile:
    """One ``.avsc`` file: its path as shown in messages and headers, and its top-level record."""

    source: str
    stem: str
    record: Record


def short_name(fullname: str) -> str:
    """``io.x.Name`` -> ``Name``."""
    return fullname.rsplit(".", 1)[-1]


def is_null(t: AvroType) -> bool:
    """Whether ``t`` is the ``null`` type."""
    return isinstance(t, Primitive) and t.type == "null"


def unwrap_nullable(t: AvroType) -> tuple[AvroType, bool]:
    """``[null, T]`` (either order) -> ``(T, True)``; any other type -> ``(t, False)``."""
    if isinstance(t, Union) and t.has_null and len(t.non_null) == 1:
        return t.non_null[0], True
    return t, False
