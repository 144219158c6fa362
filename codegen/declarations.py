"""A contract's stream declarations, validated: ``x-kafka`` (topic, DLQ, subject strategy) and
``x-source`` (where its records come from), both record-level properties of the ``.avsc``.

::

    "x-kafka": {"topic": "users_created", "dlq_topic": "users_created.dlq",
                "subject_name_strategy": "TopicNameStrategy", "key": ["id"]},
    "x-source": {"url": "https://randomuser.me/api/1.4/", "records": "results",
                 "error": "error",
                 "paging": {"size": "results", "page": "page", "seed": "seed",
                            "max_size": 5000, "exact": true},
                 "schedule": "*/5 * * * *", "connection": "randomuser_default"}

Every key is optional but ``x-source.url``-less sources need a URL at run time. The topic
defaults to the record's name in snake case (``UserCreated`` -> ``user_created``), the DLQ to
``<topic>.dlq``, the strategy to TopicNameStrategy, the key (the field paths whose values make
a record's Kafka key) to the first table's partition key. Where each field's value comes from
in a source record is ``codegen.source_map``.
"""

from __future__ import annotations

import re
from typing import Any

from codegen.errors import SchemaError
from codegen.model import Record, unwrap_nullable
from codegen.table import flatten, tables_for
from contract.dlq import default_dlq_topic
from contract.streams import Paging, Source, Stream, SubjectStrategy

KAFKA_PROPERTY = "x-kafka"
SOURCE_PROPERTY = "x-source"
_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,200}")
_PARAM = re.compile(r"[A-Za-z0-9_.\-\[\]]{1,100}")
_CRON_FIELD = re.compile(r"[0-9*/,\-A-Za-z?#LW]+")
_KAFKA_KEYS = frozenset({"topic", "dlq_topic", "subject_name_strategy", "key"})
_SOURCE_KEYS = frozenset(
    {"url", "records", "error", "paging", "params", "schedule", "connection", "batch_size"}
)
_PAGING_KEYS = frozenset({"size", "page", "offset", "seed", "first", "max_size", "exact"})


def snake_case(name: str) -> str:
    """``UserCreated`` -> ``user_created``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def stream_of(record: Record) -> Stream:
    """The record's ``x-kafka`` declaration, defaults filled in."""
    where = f"{record.fullname}.{KAFKA_PROPERTY}"
    raw = _object(record.props.get(KAFKA_PROPERTY, {}), record.source, where, _KAFKA_KEYS)
    topic = _topic(raw.get("topic", snake_case(record.name)), record.source, f"{where}.topic")
    dlq = _topic(
        raw.get("dlq_topic", default_dlq_topic(topic)), record.source, f"{where}.dlq_topic"
    )
    if dlq == topic:
        raise SchemaError(record.source, f"{where}.dlq_topic", "the DLQ must be another topic")
    strategy = raw.get("subject_name_strategy", SubjectStrategy.TOPIC.value)
    try:
        chosen = SubjectStrategy(strategy)
    except ValueError:
        names = ", ".join(s.value for s in SubjectStrategy)
        raise SchemaError(
            record.source, f"{where}.subject_name_strategy", f"{strategy!r} is not one of {names}"
        ) from None
    return Stream(topic, dlq, chosen, _key(record, raw.get("key"), f"{where}.key"))


def _key(record: Record, raw: Any, where: str) -> tuple[str, ...]:
    """The key's field paths: as declared, else the first table's partition key (none for a
    contract without tables)."""
    if raw is None:
        tables = tables_for(record)
        if not tables:
            return ()
        columns = {c.name: c for c in flatten(record)}
        return tuple(".".join(columns[c].path) for c in tables[0].partition_key)
    if not isinstance(raw, list) or not raw or not all(isinstance(p, str) for p in raw):
        raise SchemaError(record.source, where, "must be a non-empty list of field paths")
    for path in raw:
        if not _required_leaf(record, path.split(".")):
            raise SchemaError(
                record.source, where, f"{path!r} is not a non-nullable field of the record"
            )
    return tuple(raw)


def _required_leaf(record: Record, path: list[str]) -> bool:
    """Whether ``path`` names a non-nullable, non-record field of ``record``."""
    found = next((f for f in record.fields if f.name == path[0]), None)
    if found is None:
        return False
    inner, nullable = unwrap_nullable(found.type)
    if nullable:
        return False
    if isinstance(inner, Record):
        return len(path) > 1 and _required_leaf(inner, path[1:])
    return len(path) == 1


def source_of(record: Record) -> Source | None:
    """The record's ``x-source`` declaration, or None when it has no source."""
    if SOURCE_PROPERTY not in record.props:
        return None
    src, where = record.source, f"{record.fullname}.{SOURCE_PROPERTY}"
    raw = _object(record.props[SOURCE_PROPERTY], src, where, _SOURCE_KEYS)
    url = raw.get("url")
    if url is not None and not (isinstance(url, str) and re.match(r"https?://", url)):
        raise SchemaError(src, f"{where}.url", f"must be an http(s) URL, not {url!r}")
    records = raw.get("records", "")
    if not isinstance(records, str):
        raise SchemaError(src, f"{where}.records", "must be a dotted path (or '' for the page)")
    paging = _paging(raw.get("paging"), src, f"{where}.paging")
    params = raw.get("params", {})
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and _PARAM.fullmatch(k) and isinstance(v, str) for k, v in params.items()
    ):
        raise SchemaError(src, f"{where}.params", "must map parameter names to text values")
    schedule = raw.get("schedule", "*/5 * * * *")
    if not isinstance(schedule, str) or not _is_schedule(schedule):
        raise SchemaError(
            src, f"{where}.schedule", f"{schedule!r} is not a cron expression or preset"
        )
    connection = raw.get("connection")
    if connection is not None and not (
        isinstance(connection, str) and re.fullmatch(r"[A-Za-z0-9_.\-]{1,250}", connection)
    ):
        raise SchemaError(src, f"{where}.connection", f"{connection!r} is not a connection id")
    batch = raw.get("batch_size", 1000)
    if not _positive(batch):
        raise SchemaError(src, f"{where}.batch_size", f"must be a positive integer, not {batch!r}")
    error = raw.get("error")
    if error is not None and not (isinstance(error, str) and error):
        raise SchemaError(src, f"{where}.error", "must name a member of an error answer")
    return Source(
        url=url,
        records=tuple(p for p in records.split(".") if p),
        error=error,
        paging=paging,
        params=tuple(sorted(params.items())),
        schedule=schedule,
        connection=connection,
        batch_size=batch,
    )


def _paging(raw: Any, src: str, where: str) -> Paging | None:
    if raw is None:
        return None
    raw = _object(raw, src, where, _PAGING_KEYS)
    names = {}
    for key in ("size", "page", "offset", "seed"):
        value = raw.get(key)
        if value is not None and not (isinstance(value, str) and _PARAM.fullmatch(value)):
            raise SchemaError(src, f"{where}.{key}", f"{value!r} is not a query parameter name")
        names[key] = value
    if names["size"] is None:
        raise SchemaError(src, f"{where}.size", "paging needs the page-size parameter")
    if (names["page"] is None) == (names["offset"] is None):
        raise SchemaError(src, where, "paging needs one of 'page' (a number) or 'offset'")
    first = raw.get("first", 1 if names["page"] else 0)
    if not isinstance(first, int) or isinstance(first, bool) or first < 0:
        raise SchemaError(src, f"{where}.first", f"must be an integer >= 0, not {first!r}")
    max_size = raw.get("max_size", 1000)
    if not _positive(max_size):
        raise SchemaError(src, f"{where}.max_size", f"must be a positive integer: {max_size!r}")
    exact = raw.get("exact", False)
    if not isinstance(exact, bool):
        raise SchemaError(src, f"{where}.exact", "must be true or false")
    return Paging(
        size=str(names["size"]),
        page=names["page"],
        offset=names["offset"],
        seed=names["seed"],
        first=first,
        max_size=max_size,
        exact=exact,
    )


def _object(raw: Any, src: str, where: str, keys: frozenset[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise SchemaError(src, where, "must be an object")
    unknown = sorted(set(raw) - keys)
    if unknown:
        raise SchemaError(
            src, where, f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(keys))})"
        )
    return raw


def _topic(name: Any, src: str, where: str) -> str:
    if not isinstance(name, str) or not _TOPIC.fullmatch(name) or name in (".", ".."):
        raise SchemaError(
            src, where, f"{name!r} is not a Kafka topic name (letters, digits, '.', '_', '-')"
        )
    return name


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_schedule(text: str) -> bool:
    """A five-field cron expression, or one of Airflow's presets (``@daily``, ...)."""
    if text.startswith("@"):
        return text in {"@once", "@hourly", "@daily", "@weekly", "@monthly", "@yearly"}
    fields = text.split()
    return len(fields) == 5 and all(_CRON_FIELD.fullmatch(f) for f in fields)
