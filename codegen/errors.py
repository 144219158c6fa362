"""Errors and warnings that name the schema file and the field path they are about."""

from __future__ import annotations

from dataclasses import dataclass


class SchemaError(Exception):
    """A schema that cannot be turned into code; the message names the file and field path."""

    def __init__(self, source: str, path: str, message: str) -> None:
        self.source = source
        self.path = path
        self.message = message
        where = f"{source}: {path}: " if path else f"{source}: "
        super().__init__(where + message)


@dataclass(frozen=True, slots=True)
class SchemaWarning:
    """A faithful-enough mapping with a documented loss (e.g. microseconds into CQL timestamp)."""

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"warning: {self.source}: {self.path}: {self.message}"
