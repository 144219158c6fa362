"""Render a schema file as a Python module: frozen dataclasses and enums, plus ``AVRO_SCHEMA``.

Values hold Python types (``uuid.UUID``, aware ``datetime`` ...) that fastavro itself writes and
reads for the logical types, so ``to_avro``/``from_avro`` only convert records and enums.
``avro_binary`` encodes a record straight from its fields, one expression per field (the
``avro_binary`` column of the type table), joined; a record holding a union that only fastavro
can resolve (several branches, not all primitive) has fastavro write it instead.
"""

from __future__ import annotations

import json
import keyword
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from codegen.avro_json import schema_json
from codegen.declarations import source_of, stream_of
from codegen.errors import SchemaError
from codegen.model import (
    Array,
    AvroType,
    Enum,
    Field,
    Fixed,
    Map,
    NamedType,
    Primitive,
    Record,
    SchemaFile,
    Union,
    is_null,
    short_name,
)
from codegen.rule_set import RuleSet, compile_rules
from codegen.source_map import render_mapping, source_path_of
from codegen.table import Table
from codegen.templates import (
    PY_AVRO_BINARY,
    PY_AVRO_FALLBACK,
    PY_AVRO_SCHEMA,
    PY_AVRO_STRING,
    PY_AVRO_TABLE,
    PY_CHECK,
    PY_DECLARED,
    PY_ENUM,
    PY_HEADER,
    PY_MODULE,
    PY_RECORD,
    PY_RULES,
    PY_VIOLATION,
    allow_long_lines,
)
from codegen.typemap import TYPE_MAP, type_key
from codegen.values import value_literal
from contract.rules import RuleMode
from contract.streams import Declared, Source, SourcePath

_RESERVED_FIELDS = frozenset({"to_avro", "from_avro", "violation", "avro_binary"})
_WIDTH = 96


@dataclass(slots=True)
class _Module:
    """What one module needs while it is rendered: its classes, imports and sibling imports."""

    file: SchemaFile
    modules: Mapping[str, str]  # schema source -> module stem
    classes: dict[str, NamedType] = field(default_factory=dict)
    imports: set[str] = field(default_factory=lambda: {"dataclasses"})
    siblings: set[tuple[str, str]] = field(default_factory=set)
    enum_tables: dict[str, Enum] = field(default_factory=dict)  # class name -> enum
    fallback_schemas: dict[str, Record] = field(default_factory=dict)  # class name -> record

    def annotation(self, t: AvroType, path: str) -> str:
        """The Python type of ``t``, registering the classes and imports it needs."""
        mapping = TYPE_MAP[type_key(t)]
        if isinstance(t, Union):
            names = [self.annotation(b, path) for b in _null_last(t.branches)]
            return " | ".join(dict.fromkeys(names))  # int | long is just int
        if isinstance(t, Array):
            return mapping.python.format(items=self.annotation(t.items, f"{path}[]"))
        if isinstance(t, Map):
            return mapping.python.format(values=self.annotation(t.values, f"{path}{{}}"))
        if isinstance(t, Record | Enum):
            return mapping.python.format(name=self.use(t))
        if mapping.python_import:
            self.imports.add(mapping.python_import)
        return mapping.python

    def use(self, t: Record | Enum) -> str:
        """Name of the class of ``t``: defined in this module, or imported from its own module."""
        name = t.fullname.rsplit(".", 1)[-1]
        if t.source != self.file.source:
            self.siblings.add((self.modules[t.source], name))
            return name
        known = self.classes.get(name)
        if known is not None and known.fullname != t.fullname:
            raise SchemaError(
                t.source,
                t.fullname,
                f"two types are named {name} in one module "
                f"({known.fullname}); Python classes need distinct names",
            )
        if known is None:
            if isinstance(t, Record):
                for f in t.fields:  # dependencies first, so classes read bottom-up
                    self.annotation(f.type, f"{t.fullname}.{f.name}")
            self.classes[name] = t
        return name

    def enum_table(self, t: Enum) -> str:
        """Name of the module's table of the Avro binary of each symbol of ``t``."""
        name = self.use(t)
        self.enum_tables[name] = t
        return f"_AVRO_{name}"


def render_module(file: SchemaFile, modules: Mapping[str, str], tables: tuple[Table, ...]) -> str:
    """The module text for ``file``; ``modules`` maps every schema source to its module stem.

    The top-level record gets ``violation()``, checking the contract's rules in order; the
    module gets ``DECLARED`` (its stream and source) and, when it declares a source, the
    generated ``from_source`` mapping (``codegen.source_map``).
    """
    module = _Module(file, modules)
    module.use(file.record)
    rules = compile_rules(file.record, tables)
    source = source_of(file.record)
    mapping = render_mapping(file.record, module.use) if source is not None else None
    bodies = [
        _render_enum(t)
        if isinstance(t, Enum)
        else _render_record(module, t, rules if t is file.record else None, t is file.record)
        for t in module.classes.values()
        if isinstance(t, Record | Enum)
    ]
    imports = {"dataclasses", "datetime", *module.imports}
    if any(isinstance(t, Enum) for t in module.classes.values()):
        imports.add("enum")
    if any(text.startswith("re.") for text in rules.constants.values()):
        imports.add("re")
    if mapping is not None and "uuid.UUID(" in mapping.code:
        imports.add("uuid")
    lines = [f"import {m}" for m in sorted(imports)]
    lines += ["from collections.abc import Mapping", "from typing import Any, Self"]
    contract_modules = ["avro_binary as _a", "rules as _r", "streams as _st"]
    if mapping is not None:
        contract_modules.append("source_values as _s")
    lines += ["", *(f"from contract import {m}" for m in sorted(contract_modules))]
    if module.siblings:
        lines += ["", *(f"from .{m} import {n}" for m, n in sorted(module.siblings))]
    return allow_long_lines(
        PY_MODULE.substitute(
            header=PY_HEADER.format(source=file.source),
            fullname=file.record.fullname,
            source=file.source,
            imports="\n".join(lines) + "\n",
            schema=_string_literal(schema_json(file.record)),
            classes="".join(bodies),
            encoding=_render_encoding(module),
            rules=_render_rules(rules),
            declared=PY_DECLARED.substitute(
                declared=_declared(file, source, mapping.paths if mapping else ())
            ),
            mapping=mapping.code if mapping else "",
        )
    )


def _declared(file: SchemaFile, source: Source | None, paths: tuple[SourcePath, ...]) -> str:
    """The ``DECLARED`` value of a contract, as Python source."""
    stream = stream_of(file.record)
    declared = Declared(
        name=file.stem,
        record=file.record.fullname,
        stream=stream,
        source=source,
        source_paths=paths,
        source_key=source_path_of(file.record, stream.key[0]) if source and stream.key else (),
    )
    return value_literal(declared, "_st")


def _render_rules(rules: RuleSet) -> str:
    listed = "".join(
        f"    ({r.name!r}, {r.field!r}, {json.dumps(r.message, ensure_ascii=False)}),\n"
        for r in rules.rules
    )
    modes = ", ".join(
        f"{r.name!r}: _r.RuleMode.{r.mode.name}" for r in rules.rules if r.mode != RuleMode.DLQ
    )
    checks = "".join(
        f"    lambda self, now, texts_ok=False: {r.python},\n" if r.python else "    None,\n"
        for r in rules.rules
    )
    constants = "".join(f"{name} = {text}\n" for name, text in rules.constants.items())
    return PY_RULES.substitute(rules=listed, modes=modes, checks=checks, constants=constants)


def _render_violation(rules: RuleSet) -> str:
    texts = [r.text for r in rules.rules if r.text is not None]
    prelude = ""
    if texts:
        listed = "".join(f"                {t},\n" for t in texts)
        prelude = (
            "        try:  # every text at once; each one alone below only when this fails\n"
            f"            texts_ok = _r.texts_valid((\n{listed}            ))\n"
            "        except Exception:  # not all texts: each rule below says which\n"
            "            texts_ok = False\n"
        )
    checks = "".join(
        PY_CHECK.substitute(condition=r.python, index=i, name=r.name, field=r.field)
        for i, r in enumerate(rules.rules)
        if r.python is not None and r.mode == RuleMode.DLQ
    )
    return PY_VIOLATION.substitute(checks=(prelude + checks).rstrip("\n"))


def _render_enum(t: Enum) -> str:
    members = "\n".join(f'    {s} = "{s}"' for s in t.symbols)
    return PY_ENUM.substitute(name=short_name(t.fullname), doc=_doc(t.doc, 4), members=members)


def _render_record(module: _Module, record: Record, rules: RuleSet | None, top: bool) -> str:
    fields, to_avro, from_avro = [], [], []
    for f in record.fields:
        path = f"{record.fullname}.{f.name}"
        if keyword.iskeyword(f.name) or f.name in _RESERVED_FIELDS:
            raise SchemaError(
                record.source,
                path,
                f"field name {f.name!r} is reserved in Python "
                "(a keyword or a method of the generated class)",
            )
        comment = "".join(f"    #: {line}\n" for line in _wrap(f.doc or "", 4 + 4))
        default = _default(module, f)
        suffix = f" = {default}" if default is not None else ""
        fields.append(f"{comment}    {f.name}: {module.annotation(f.type, path)}{suffix}")
        to_avro.append(
            f'            "{f.name}": {_to_avro(module, f.type, f"self.{f.name}", path)},'
        )
        value = _from_avro(module, f.type, f'data["{f.name}"]', path)
        from_avro.append(f"            {f.name}={value},")
    return PY_RECORD.substitute(
        name=record.name,
        doc=_doc(record.doc, 4),
        fields="\n".join(fields),
        to_avro="\n".join(to_avro),
        from_avro="\n".join(from_avro),
        avro_binary=_render_avro_binary(module, record, top),
        methods=_render_violation(rules) if rules is not None else "",
    )


def _render_avro_binary(module: _Module, record: Record, top: bool) -> str:
    """``avro_binary()``: the fields' encodings joined, or fastavro's when a union needs it."""
    unresolved = [f.name for f in record.fields if _falls_back(f.type)]
    if not unresolved:
        return PY_AVRO_BINARY.substitute(parts="\n".join(_parts(module, record, "self")))
    if not top:
        module.fallback_schemas[record.name] = record
    return PY_AVRO_FALLBACK.substitute(
        fields=", ".join(f"``{name}``" for name in unresolved),
        verb="holds" if len(unresolved) == 1 else "hold",
        schema="AVRO_SCHEMA" if top else f"_SCHEMA_{record.name}",
    )


def _parts(module: _Module, record: Record, target: str) -> list[str]:
    """One line per part of the join: a field of a nested record is inlined (saving a call per
    record, the same attribute reads), and so is a string (its length from the table below 8192
    bytes, then its UTF-8), the most common field by far; any other value calls its helper."""
    lines = []
    for f in record.fields:
        value = f"{target}.{f.name}"
        if isinstance(f.type, Record) and not any(_falls_back(g.type) for g in f.type.fields):
            lines += _parts(module, f.type, value)
        elif f.type == Primitive("string"):
            lines.append(PY_AVRO_STRING.substitute(value=value))
        else:
            lines.append(f"                {_encode(module, f.type, value, 0)},")
    return lines


def _encode(module: _Module, t: AvroType, expr: str, depth: int) -> str:
    """Expression of the Avro binary of the value ``expr`` of type ``t``."""
    template = TYPE_MAP[type_key(t)].avro_binary
    if isinstance(t, Union):
        if len(t.branches) == 1:
            return f"{_bytes_literal(0)} + {_encode(module, t.branches[0], expr, depth)}"
        if t.has_null and len(t.non_null) == 1:
            null = next(i for i, b in enumerate(t.branches) if is_null(b))
            inner = _encode(module, t.non_null[0], expr, depth)
            return template.format(
                expr=expr, null=_bytes_literal(null), other=_bytes_literal(1 - null), inner=inner
            )
        kinds = tuple(b.type for b in t.branches if isinstance(b, Primitive))
        return template.format(expr=expr, branches=repr(kinds).replace("'", '"'))
    item, key = f"v{depth}", f"k{depth}"
    if isinstance(t, Array):
        return template.format(
            expr=expr, item=item, items=_encode(module, t.items, item, depth + 1)
        )
    if isinstance(t, Map):
        inner = _encode(module, t.values, item, depth + 1)
        return template.format(expr=expr, item=item, key=key, values=inner)
    if isinstance(t, Record):
        return template.format(expr=expr, name=module.use(t))
    if isinstance(t, Enum):
        return template.format(expr=expr, table=module.enum_table(t))
    width = t.size if isinstance(t, Fixed) else None
    return template.format(expr=expr, size=width, precision=t.precision, scale=t.scale)


def _falls_back(t: AvroType) -> bool:
    """Whether ``t`` holds a union only fastavro resolves: several non-null branches, not all
    primitive (fastavro picks a record branch by its fields, a logical one after conversion)."""
    if isinstance(t, Union):
        plain = all(isinstance(b, Primitive) and b.logical is None for b in t.non_null)
        return (len(t.non_null) > 1 and not plain) or any(_falls_back(b) for b in t.branches)
    if isinstance(t, Array):
        return _falls_back(t.items)
    if isinstance(t, Map):
        return _falls_back(t.values)
    return False  # a record has its own avro_binary()


def _render_encoding(module: _Module) -> str:
    """The module's tables for ``avro_binary()``: enum symbols, schemas of fallback records."""
    tables = [
        PY_AVRO_TABLE.substitute(
            name=name,
            entries="".join(
                f"    {name}.{s}: {_bytes_literal(i)},\n" for i, s in enumerate(t.symbols)
            ),
        )
        for name, t in sorted(module.enum_tables.items())
    ]
    tables += [
        PY_AVRO_SCHEMA.substitute(name=name, schema=_string_literal(schema_json(record)))
        for name, record in sorted(module.fallback_schemas.items())
    ]
    return "".join(tables)


def _bytes_literal(index: int) -> str:
    """The Python literal of the Avro binary of a non-negative ``index`` (zigzag varint)."""
    n, out = index << 1, []
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return 'b"' + "".join(f"\\x{c:02x}" for c in out) + '"'


#: Builds the conversion of a record or enum value, given its class name and the expression.
Wrap = Callable[[str, str], str]


def _to_avro(module: _Module, t: AvroType, expr: str, path: str) -> str:
    """Expression turning the Python value ``expr`` into what fastavro writes."""
    return _convert(
        module, t, expr, path, 0, (lambda c, e: f"{e}.to_avro()", lambda c, e: f"{e}.value")
    )


def _from_avro(module: _Module, t: AvroType, expr: str, path: str) -> str:
    """Expression turning what fastavro reads (``expr``) into the Python value."""
    return _convert(
        module, t, expr, path, 0, (lambda c, e: f"{c}.from_avro({e})", lambda c, e: f"{c}({e})")
    )


def _convert(
    module: _Module, t: AvroType, expr: str, path: str, depth: int, wrap: tuple[Wrap, Wrap]
) -> str:
    """One case per type; values that fastavro handles natively pass through unchanged."""
    if not _needs_conversion(t):
        return expr
    if isinstance(t, Record):
        return wrap[0](module.use(t), expr)
    if isinstance(t, Enum):
        return wrap[1](module.use(t), expr)
    item, key = f"v{depth}", f"k{depth}"
    if isinstance(t, Array):
        inner = _convert(module, t.items, item, f"{path}[]", depth + 1, wrap)
        return f"[{inner} for {item} in {expr}]"
    if isinstance(t, Map):
        inner = _convert(module, t.values, item, f"{path}{{}}", depth + 1, wrap)
        return f"{{{key}: {inner} for {key}, {item} in {expr}.items()}}"
    assert isinstance(t, Union)
    if len(t.non_null) != 1:
        raise SchemaError(
            module.file.source,
            path,
            "a union of several non-null types that "
            "include a record or enum has no unambiguous Python conversion",
        )
    inner = _convert(module, t.non_null[0], expr, path, depth, wrap)
    return f"(None if {expr} is None else {inner})" if t.has_null else inner


def _needs_conversion(t: AvroType) -> bool:
    if isinstance(t, Record | Enum):
        return True
    if isinstance(t, Array):
        return _needs_conversion(t.items)
    if isinstance(t, Map):
        return _needs_conversion(t.values)
    if isinstance(t, Union):
        return any(_needs_conversion(b) for b in t.branches)
    return False


def _default(module: _Module, f: Field) -> str | None:
    """The Python default of a field, when its Avro default has a plain Python form."""
    if not f.has_default:
        return None
    t = f.type.branches[0] if isinstance(f.type, Union) else f.type
    value = f.default
    if isinstance(t, Enum):
        return f"{module.use(t)}.{value}"
    if isinstance(t, Array | Map) and not value:
        return f"dataclasses.field(default_factory={'list' if isinstance(t, Array) else 'dict'})"
    if not isinstance(t, Primitive) or t.logical:
        return None  # records, fixed and logical types stay required keywords
    if is_null(t):
        return "None"
    if t.type == "bytes":
        return repr(str(value).encode("latin-1"))
    if t.type in ("float", "double"):
        return repr(float(value))
    return json.dumps(value) if t.type == "string" else repr(value)


def _null_last(branches: tuple[AvroType, ...]) -> list[AvroType]:
    return [b for b in branches if not is_null(b)] + [b for b in branches if is_null(b)]


def _wrap(text: str, indent: int) -> list[str]:
    return textwrap.wrap(text, _WIDTH - indent) if text else []


def _doc(text: str | None, indent: int) -> str:
    body = (text or "(no doc)").replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = textwrap.wrap(body, _WIDTH - indent - 6)
    if len(lines) <= 1:
        return body
    pad = " " * indent
    return "\n".join([lines[0], *(pad + line for line in lines[1:]), pad])


def _string_literal(text: str, width: int = 80) -> str:
    chunks = [text[i : i + width] for i in range(0, len(text), width)]
    return "(\n" + "".join(f"    {c!r}\n" for c in chunks) + ")"
