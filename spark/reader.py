"""Which reader contract decodes a batch, given the writer schemas it holds.

``StaticReader`` always answers the contract the job started with (what ``make codegen``
generated); the live reader (``spark.live_reader``) follows new registered versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from spark.reader_contract import ReaderContract
from spark.writer_schemas import WriterSchema


@dataclass(frozen=True)
class ReaderChoice:
    """The contract for a batch, and the writer ids whose records it must refuse, and why."""

    contract: ReaderContract
    refused: dict[int, str] = field(default_factory=dict)


class ReaderSource(Protocol):
    """Chooses the reader contract for the writer schemas present in a batch."""

    def reader_for(self, writers: Sequence[WriterSchema]) -> ReaderChoice: ...


@dataclass(frozen=True)
class StaticReader:
    """The same contract for every batch."""

    contract: ReaderContract

    def reader_for(self, writers: Sequence[WriterSchema]) -> ReaderChoice:
        del writers
        return ReaderChoice(self.contract)
