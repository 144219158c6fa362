"""Where each field of a contract comes from in one source record, and the generated mapping.

A field may say where its value is with ``x-source``; without it, its value is the source
member of the same name, under its record's own source path::

    {"name": "id", "type": {"type": "string", "logicalType": "uuid"}, "x-source": "login.uuid"}
    {"name": "national_id", "type": {"type": "record", ...}, "x-source": "id"}
    {"name": "full_name", "type": "string",
     "x-source": {"join": ["name.first", "name.last"], "separator": " "}}
    {"name": "ingested_at", "type": {...timestamp-millis}, "x-source": {"producer": "ingested_at"}}

Paths are dotted, from the source record's root (inside an array's elements, from the
element). A nested record's fields are found under the record's path; ``join`` joins several
texts into one string; ``producer`` takes a value the producer gives: ``ingested_at`` (when the
run built the record) or ``source_url`` (where it fetched it, redacted). Values convert by the
field's Avro type (``contract.source_values`` and the ``from_source`` column of the type table).

The generated ``from_source(item, produced)`` tries a straight path first (plain lookups, one
type check of all the values, for records of the usual shape) and falls back to the checked
path, field by field in field order, which builds the same record or raises
``SourceValueError`` naming the first field at fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from codegen.errors import SchemaError
from codegen.model import (
    Array,
    AvroType,
    Enum,
    Field,
    Fixed,
    Map,
    Primitive,
    Record,
    Union,
    unwrap_nullable,
)
from codegen.typemap import TYPE_MAP, type_key
from contract.streams import SourcePath

FIELD_PROPERTY = "x-source"
PRODUCER_VALUES: dict[str, frozenset[str]] = {
    "ingested_at": frozenset({"timestamp-millis", "timestamp-micros"}),
    "source_url": frozenset({"string"}),
}
"""The values the producer gives, and the types that may hold each."""
PII_PROPERTY = "x-pii"


@dataclass(frozen=True)
class FromPath:
    path: tuple[str, ...]
    coerce: bool = False
    """Also take the other common JSON spelling of the value (``typemap``'s ``coerced``)."""


@dataclass(frozen=True)
class FromJoin:
    paths: tuple[tuple[str, ...], ...]
    separator: str


@dataclass(frozen=True)
class FromProducer:
    value: str


Origin = FromPath | FromJoin | FromProducer


def origin_of(f: Field, base: tuple[str, ...], source: str, where: str) -> Origin:
    """Where field ``f`` of a record found at ``base`` takes its value from."""
    raw = f.props.get(FIELD_PROPERTY)
    if raw is None:
        return FromPath((*base, f.name))
    if isinstance(raw, str):
        return FromPath(_path(raw, source, where))
    extra = (
        ({"separator"} if "join" in raw else {"coerce"} if "path" in raw else set())
        if isinstance(raw, dict)
        else set()
    )
    if not isinstance(raw, dict) or len(set(raw) - extra) != 1:
        raise SchemaError(
            source,
            where,
            f"{FIELD_PROPERTY} is a dotted path, or an object with one of 'path' (and "
            "'coerce'), 'join' (and 'separator') or 'producer'",
        )
    if "path" in raw:
        coerce = raw.get("coerce", False)
        if not isinstance(coerce, bool):
            raise SchemaError(source, where, "coerce must be true or false")
        return FromPath(_path(raw["path"], source, where), coerce)
    if "join" in raw:
        paths = raw["join"]
        separator = raw.get("separator", " ")
        if not isinstance(paths, list) or len(paths) < 2 or not isinstance(separator, str):
            raise SchemaError(
                source, where, "join needs a list of two or more paths and a text separator"
            )
        return FromJoin(tuple(_path(p, source, where) for p in paths), separator)
    if "producer" in raw:
        if raw["producer"] not in PRODUCER_VALUES:
            raise SchemaError(
                source,
                where,
                f"producer value {raw['producer']!r} is not one of "
                f"{', '.join(sorted(PRODUCER_VALUES))}",
            )
        return FromProducer(str(raw["producer"]))
    raise SchemaError(source, where, f"unknown {FIELD_PROPERTY} key(s): {', '.join(raw)}")


def _path(raw: object, source: str, where: str) -> tuple[str, ...]:
    parts = tuple(raw.split(".")) if isinstance(raw, str) else ()
    if not parts or not all(parts):
        raise SchemaError(source, where, f"{raw!r} is not a dotted path of member names")
    return parts


@dataclass
class _Leaf:
    """One field of the straight path: its variable, type check and converted value."""

    check: str | None
    value: str


@dataclass
class _Renderer:
    """Renders the mapping of one contract's top-level record."""

    top: Record
    class_name: Callable[[Record | Enum], str]
    objects: dict[tuple[str, ...], str] = field(default_factory=dict)
    object_lines: list[str] = field(default_factory=list)
    value_lines: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    paths: list[SourcePath] = field(default_factory=list)

    # -- checked path -------------------------------------------------------------------------

    def checked_record(
        self,
        record: Record,
        base: tuple[str, ...],
        root: str,
        prefix: str,
        contract_base: tuple[str, ...],
        indent: int,
    ) -> str:
        """``Class(field=..., ...)`` of ``record`` found at ``base`` under ``root``."""
        return self._construct(
            record,
            base,
            contract_base,
            indent,
            lambda f, origin, path: self.checked_field(f, origin, root, prefix, path, indent),
        )

    def _construct(
        self,
        record: Record,
        base: tuple[str, ...],
        contract_base: tuple[str, ...],
        indent: int,
        value_of: Callable[[Field, Origin, tuple[str, ...]], str],
    ) -> str:
        """``Class(field=..., ...)`` of ``record``: each field's value from ``value_of`` (its
        field, where the source holds it, its path in the contract)."""
        pad = " " * indent
        args = []
        for f in record.fields:
            origin = origin_of(f, base, record.source, f"{record.fullname}.{f.name}")
            args.append(f"{pad}    {f.name}={value_of(f, origin, (*contract_base, f.name))},\n")
        return f"{self.class_name(record)}(\n{''.join(args)}{pad})"

    def checked_field(
        self,
        f: Field,
        origin: Origin,
        root: str,
        prefix: str,
        contract_path: tuple[str, ...],
        indent: int,
    ) -> str:
        where = f"{self.top.fullname}.{'.'.join(contract_path)}"
        if isinstance(origin, FromProducer):
            _check_producer(f.type, origin, self.top.source, where)
            return f"produced.{origin.value}"
        if isinstance(origin, FromJoin):
            if f.type != Primitive("string"):
                raise SchemaError(self.top.source, where, "a join makes a string field only")
            values = ", ".join(self._at(root, p, prefix) for p in origin.paths)
            dotted = ", ".join(repr(_dotted(prefix, p)) for p in origin.paths)
            for p in origin.paths:
                self.paths.append(SourcePath(p, _is_pii(f)))
            return f"_s.joined(({values},), ({dotted},), {origin.separator!r})"
        inner, nullable = unwrap_nullable(f.type)
        if isinstance(inner, Record):
            record_path = origin.path
            built = self.checked_record(inner, record_path, root, prefix, contract_path, indent + 4)
            if not nullable:
                return built
            probe = self._at(root, record_path, prefix, optional=True)
            return f"(None if {probe} is None else {built})"
        self.paths.append(SourcePath(origin.path, _is_pii(f) or _has_pii(inner)))
        value = self._at(root, origin.path, prefix, optional=nullable)
        dotted = repr(_dotted(prefix, origin.path))
        path = ".".join(contract_path)
        return self.convert(f.type, value, dotted, path, 0, where, origin.coerce)

    def convert(
        self,
        t: AvroType,
        value: str,
        path: str,
        field_path: str,
        depth: int,
        where: str,
        coerce: bool = False,
    ) -> str:
        """The checked conversion of ``value`` (found at the path expression ``path``)."""
        mapping = TYPE_MAP[type_key(t)]
        template = mapping.from_source
        if coerce and not isinstance(t, Union):
            if mapping.coerced is None:
                raise SchemaError(
                    self.top.source, where, f"a {type_key(t)} field cannot coerce its source value"
                )
            template = mapping.coerced[0]
        if template is None:
            raise SchemaError(
                self.top.source,
                where,
                f"Avro type {type_key(t)} has no conversion from a source's JSON "
                "(docs/contract.md, where fields come from)",
            )
        item, item_path = f"v{depth}", f"p{depth}"
        inner = ""
        if isinstance(t, Union):
            inner = self.convert(
                t.non_null[0], item, item_path, field_path, depth + 1, where, coerce
            )
        elif isinstance(t, Array | Map):
            element = t.items if isinstance(t, Array) else t.values
            inner = self._element(element, item, item_path, field_path, depth + 1, where)
        name = self.class_name(t) if isinstance(t, Enum) else ""
        return template.format(
            value=value,
            path=path,
            field=repr(field_path),
            item=item,
            item_path=item_path,
            inner=inner,
            name=name,
            precision=getattr(t, "precision", 0),
            scale=getattr(t, "scale", 0),
            size=t.size if isinstance(t, Fixed) else None,
        )

    def _element(
        self, t: AvroType, value: str, path: str, field_path: str, depth: int, where: str
    ) -> str:
        """An array's or map's element: a record is built from the element itself."""
        if isinstance(t, Record):
            _check_record_element(t)
            return self.checked_record(t, (), value, f"{{{path}}}", (field_path,), 12)
        return self.convert(t, value, path, field_path, depth, where)

    def _at(self, root: str, path: tuple[str, ...], prefix: str, optional: bool = False) -> str:
        function = "_s.at_optional" if optional else "_s.at"
        dotted = _dotted(prefix, path)
        shown = f'f"{dotted}"' if "{" in dotted else repr(dotted)
        return f"{function}({root}, {path!r}, {shown})"

    # -- straight path ------------------------------------------------------------------------

    def straight_record(
        self, record: Record, base: tuple[str, ...], contract_base: tuple[str, ...], indent: int
    ) -> str:
        return self._construct(
            record,
            base,
            contract_base,
            indent,
            lambda f, origin, path: self.straight_field(f, origin, path, indent),
        )

    def straight_field(
        self, f: Field, origin: Origin, contract_path: tuple[str, ...], indent: int
    ) -> str:
        if isinstance(origin, FromProducer):
            return f"produced.{origin.value}"
        if isinstance(origin, FromJoin):
            names = [self._variable(p, optional=False) for p in origin.paths]
            self.checks.extend(f"type({n}) is str" for n in names)
            return f"{origin.separator!r}.join(({', '.join(names)},))"
        inner, nullable = unwrap_nullable(f.type)
        if isinstance(inner, Record) and not nullable:
            return self.straight_record(inner, origin.path, contract_path, indent + 4)
        straight = _straight_form(f.type, origin.coerce)
        if straight is None:  # no fast form: the checked conversion, from the record's root
            return self.checked_field(f, origin, "item", "", contract_path, indent)
        name = self._variable(origin.path, optional=nullable)
        check, value = straight
        self.checks.append(check.format(v=name))
        return value.format(v=name)

    def _variable(self, path: tuple[str, ...], optional: bool) -> str:
        """A local holding the value at ``path`` (its objects bound once each)."""
        parent = self._object(path[:-1])
        name = f"v{len(self.value_lines)}"
        lookup = f".get({path[-1]!r})" if optional else _subscript(path[-1])
        self.value_lines.append(f"    {name} = {parent}{lookup}\n")
        self._check_container(parent, path[-1])
        return name

    def _object(self, path: tuple[str, ...]) -> str:
        if not path:
            return "item"
        if path not in self.objects:
            parent = self._object(path[:-1])
            name = f"o{len(self.objects)}"
            self.objects[path] = name
            self.object_lines.append(f"    {name} = {parent}{_subscript(path[-1])}\n")
            self._check_container(parent, path[-1])
        return self.objects[path]

    def _check_container(self, parent: str, key: str) -> None:
        """An element picked by number must come from a list (a string would give a
        character): else the record is not of the usual shape."""
        check = f"type({parent}) is list"
        if key.isdigit() and check not in self.checks:
            self.checks.append(check)


def _straight_form(t: AvroType, coerce: bool) -> tuple[str, str] | None:
    """``(check, value)`` templates over ``{v}`` for the fast path, or None."""
    inner, nullable = unwrap_nullable(t)
    mapping = None if isinstance(inner, Union) else TYPE_MAP[type_key(inner)]
    if mapping is None:
        return None
    form = mapping.coerced[1] if coerce and mapping.coerced else mapping.straight
    if form is None or not nullable:
        return form
    check, value = TYPE_MAP["nullable"].straight or form
    return (
        check.format(v="{v}", check=f"({form[0]})"),
        value.format(v="{v}", converted=form[1]),
    )


def _subscript(key: str) -> str:
    """A member's lookup, or an array element's for a part made of digits."""
    return f"[{key}]" if key.isdigit() else f"[{key!r}]"


def _dotted(prefix: str, path: tuple[str, ...]) -> str:
    return ".".join([prefix, *path]) if prefix else ".".join(path)


def _is_pii(f: Field) -> bool:
    return f.props.get(PII_PROPERTY) is True


def _has_pii(t: AvroType) -> bool:
    """Whether a collection's records hold a personal-data field (the collection is kept whole
    in a DLQ entry, so it is masked whole)."""
    inner, _ = unwrap_nullable(t)
    if isinstance(inner, Array):
        return _has_pii(inner.items)
    if isinstance(inner, Map):
        return _has_pii(inner.values)
    if isinstance(inner, Record):
        return any(_is_pii(f) or _has_pii(f.type) for f in inner.fields)
    return False


def _check_producer(t: AvroType, origin: FromProducer, source: str, where: str) -> None:
    allowed = PRODUCER_VALUES[origin.value]
    if type_key(t) not in allowed:
        raise SchemaError(
            source,
            where,
            f"producer value {origin.value} fills a field of type {' or '.join(sorted(allowed))}",
        )


def _check_record_element(record: Record) -> None:
    for f in record.fields:
        raw = f.props.get(FIELD_PROPERTY)
        if isinstance(raw, dict) and "producer" in raw:
            raise SchemaError(
                record.source,
                f"{record.fullname}.{f.name}",
                "a record inside an array or map takes its values from the element only",
            )


def source_path_of(top: Record, field_path: str) -> tuple[str, ...]:
    """Where the contract field ``field_path`` is read from (empty when it is not a path)."""
    record: Record = top
    base: tuple[str, ...] = ()
    origin: Origin | None = None
    for name in field_path.split("."):
        f = next(f for f in record.fields if f.name == name)
        origin = origin_of(f, base, record.source, f"{record.fullname}.{name}")
        if not isinstance(origin, FromPath):
            return ()
        inner, _ = unwrap_nullable(f.type)
        if isinstance(inner, Record):
            record, base = inner, origin.path
    return origin.path if isinstance(origin, FromPath) else ()


@dataclass(frozen=True)
class Mapping:
    """The rendered mapping: the module's functions and the source paths it reads."""

    code: str
    paths: tuple[SourcePath, ...]


def render_mapping(top: Record, class_name: Callable[[Record | Enum], str]) -> Mapping:
    """``from_source`` and its two paths for the contract ``top``."""
    checked = _Renderer(top, class_name)
    checked_body = checked.checked_record(top, (), "item", "", (), 4)
    straight = _Renderer(top, class_name)
    straight_body = straight.straight_record(top, (), (), 4)
    checks = "\n        and ".join(straight.checks) or "True"
    name = class_name(top)
    code = f'''

def from_source(item: Any, produced: _st.Produced) -> {name}:
    """The ``{name}`` of one source record, or ``_s.SourceValueError`` naming the field at fault.

    A record of the usual shape takes the straight path (plain lookups, one type check of all
    its values); anything else goes field by field, which builds the same record or says which
    field is wrong and why.
    """
    try:
        return _from_source_straight(item, produced)
    except Exception:  # any record not of the usual shape: the checked path says what is wrong
        return _from_source_checked(item, produced)


def _from_source_straight(item: Any, produced: _st.Produced) -> {name}:
{"".join(straight.object_lines)}{"".join(straight.value_lines)}    if not (
        {checks}
    ):
        raise _s.NotStraightError
    return {straight_body}


def _from_source_checked(item: Any, produced: _st.Produced) -> {name}:
    _s.record_object(item)
    return {checked_body}
'''
    return Mapping(code, tuple(dict.fromkeys(checked.paths)))
