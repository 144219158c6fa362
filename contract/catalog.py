"""The contracts at run time: every module codegen generated under ``generated/python``.

A contract is found by its name (its ``.avsc`` file stem); nothing here or anywhere else in
the runtime names a particular contract. Adding one is a new ``.avsc`` and ``make codegen``:
its generated module is found here by the producer, the job, the DAGs and the commands.
Topic names are as declared, after ``kafka.topic_prefix`` (an environment, a tenant or an
isolated test run gets its own topics and subjects without editing a contract).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from config import Settings
from contract.dlq import redriven_topic
from contract.pii import pii_paths
from contract.streams import Declared, Produced, Source, Stream, subject_name

GENERATED_PACKAGE = "generated.python"
ALL = "all"
"""``CONTRACT=all`` (the default of the commands that take one): every contract."""


class UnknownContractError(LookupError):
    """A contract name that no generated module has; the message lists the known ones."""

    def __init__(self, unknown: Iterable[str], known: Iterable[str]) -> None:
        self.unknown = sorted(unknown)
        super().__init__(
            f"no contract named {', '.join(self.unknown)}; the contracts are: "
            f"{', '.join(sorted(known)) or 'none'} (schemas/*.avsc, after `make codegen`)"
        )


@dataclass(frozen=True)
class StreamNames:
    """A contract's Kafka names in one deployment (``kafka.topic_prefix`` applied)."""

    topic: str
    dlq_topic: str
    subject: str

    @property
    def redriven_topic(self) -> str:
        return redriven_topic(self.dlq_topic)


@dataclass(frozen=True)
class Contract:
    """One contract as its generated module states it."""

    module: ModuleType

    @property
    def declared(self) -> Declared:
        declared: Declared = self.module.DECLARED
        return declared

    @property
    def name(self) -> str:
        return self.declared.name

    @property
    def record_name(self) -> str:
        """The full name of the contract's top-level record."""
        return self.declared.record

    @property
    def record_class(self) -> type[Any]:
        cls: type[Any] = getattr(self.module, self.record_name.rsplit(".", 1)[-1])
        return cls

    @property
    def schema(self) -> str:
        """The Avro schema text (what the registry holds for it)."""
        text: str = self.module.AVRO_SCHEMA
        return text

    @property
    def stream(self) -> Stream:
        return self.declared.stream

    @property
    def source(self) -> Source | None:
        return self.declared.source

    @property
    def rule_names(self) -> frozenset[str]:
        """The names of every rule the contract is checked by (written and type-implied)."""
        return frozenset(rule[0] for rule in self.module.RULES)

    @property
    def pii_paths(self) -> frozenset[str]:
        """The contract field paths tagged as personal data."""
        return pii_paths(json.loads(self.schema))

    @property
    def from_source(self) -> Callable[[Any, Produced], Any]:
        """The generated mapping from one source record (a contract that declares a source)."""
        if self.source is None:
            raise LookupError(f"contract {self.name} declares no source (x-source)")
        mapping: Callable[[Any, Produced], Any] = self.module.from_source
        return mapping

    def names(self, settings: Settings) -> StreamNames:
        """Its topic, DLQ topic and subject in the deployment of ``settings``."""
        prefix = settings.kafka.topic_prefix
        topic = prefix + self.stream.topic
        subject = subject_name(self.stream.subject_strategy, topic, self.record_name)
        return StreamNames(topic, prefix + self.stream.dlq_topic, subject)


@cache
def _modules() -> dict[str, ModuleType]:
    package = importlib.import_module(GENERATED_PACKAGE)
    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{GENERATED_PACKAGE}.{info.name}")
        if hasattr(module, "DECLARED"):
            found[module.DECLARED.name] = module
    return found


def all_contracts() -> list[Contract]:
    """Every contract, by name."""
    return [Contract(module) for _, module in sorted(_modules().items())]


def contract(name: str) -> Contract:
    """The contract called ``name``; ``UnknownContractError`` lists the known ones."""
    modules = _modules()
    if name not in modules:
        raise UnknownContractError([name], modules)
    return Contract(modules[name])


def requested(names: str | None) -> list[str] | None:
    """``CONTRACT=`` of a command as names: None for every contract (``all``, or nothing)."""
    if not names or names == ALL:
        return None
    return [name.strip() for name in names.split(",") if name.strip()]


def selected(names: str | None) -> list[Contract]:
    """``CONTRACT=`` of a command: ``all`` (or nothing) for every contract, else a comma list."""
    wanted = requested(names)
    if wanted is None:
        return all_contracts()
    unknown = [n for n in wanted if n not in _modules()]
    if unknown:
        raise UnknownContractError(unknown, _modules())
    return [contract(n) for n in wanted]


def refresh() -> None:
    """Forget the modules found so far: the next lookup finds contracts generated since (a
    running job discovers new contracts this way, ``spark.discovery``)."""
    _modules.cache_clear()
    importlib.invalidate_caches()
