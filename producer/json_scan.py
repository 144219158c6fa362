"""Decode a source's JSON page so that one hostile record cannot take its page down with it.

``json.loads`` is tried first (the fast path). Two things make it fail for a whole page although
only one record is at fault: a value nested deeper than Python's recursion limit
(``RecursionError``), and an integer of thousands of digits (``ValueError``, Python's guard on
int conversion). Integers are therefore parsed by a hook that keeps long ones as
``OversizedNumber`` (the mapping rejects it, naming the field); deep nesting falls back to an
iterative scan down to the record array (the contract's ``x-source.records`` path) that
decodes each record on its own and turns the undecodable ones into ``UnparsedRecord`` entries,
which go to the DLQ while the rest of the page is produced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from contract.source_values import OversizedNumber
from producer.errors import SourcePayloadError

MAX_INT_DIGITS = 40
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True)
class UnparsedRecord:
    """An element of the record array that does not decode on its own, and why."""

    reason: str
    size: int


def _bounded_int(text: str) -> int | OversizedNumber:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= MAX_INT_DIGITS else OversizedNumber(digits)


def _loads(text: str) -> Any:
    return json.loads(text, parse_int=_bounded_int)


def parse_records(body: bytes, path: tuple[str, ...], error: str | None) -> list[Any]:
    """The elements of the record array at ``path`` (decoded, or ``UnparsedRecord``);
    ``SourcePayloadError`` when the answer as a whole is not a page of records (an error
    answer with the member ``error``, malformed or truncated JSON, no array at ``path``)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourcePayloadError(f"the answer is not UTF-8 ({len(body)} bytes): {exc}") from exc
    try:
        payload = _loads(text)
    except RecursionError:
        return _scan_records(text, path, error)
    except json.JSONDecodeError as exc:
        raise SourcePayloadError(f"malformed or truncated JSON ({len(body)} bytes): {exc}") from exc
    if error and isinstance(payload, dict) and error in payload:
        raise SourcePayloadError(f"error answer from source: {str(payload[error])[:200]!r}")
    records = payload
    for depth, key in enumerate(path):
        if not isinstance(records, dict):
            where = ".".join(path[:depth]) or "the answer"
            raise SourcePayloadError(f"{where} is not a JSON object")
        records = records.get(key)
    if not isinstance(records, list):
        raise SourcePayloadError(f"the answer has no {'.'.join(path) or 'top-level'} array")
    return records


def _scan_records(text: str, path: tuple[str, ...], error: str | None) -> list[Any]:
    """The slow path: decode each element of the record array on its own."""
    start = _skip_space(text, 0)
    for depth, key in enumerate(path):
        fields = _object_members(text, start)
        if depth == 0 and error and error in fields:
            raise SourcePayloadError("error answer from source")
        span = fields.get(key)
        if span is None:
            raise SourcePayloadError(f"the answer has no {'.'.join(path)} array")
        start = span[0]
    if start >= len(text) or text[start] != "[":
        raise SourcePayloadError(f"the answer has no {'.'.join(path) or 'top-level'} array")
    records: list[Any] = []
    for first, end in _array_elements(text, start):
        element = text[first:end]
        try:
            records.append(_loads(element))
        except RecursionError:
            reason = "nested deeper than the parser's recursion limit"
            records.append(UnparsedRecord(reason, len(element)))
        except ValueError as exc:
            records.append(UnparsedRecord(f"not decodable JSON: {exc}", len(element)))
    return records


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WHITESPACE:
        i += 1
    return i


def _value_end(text: str, i: int) -> int:
    """Index just past the JSON value starting at ``text[i]``, found without recursion."""
    if i >= len(text):
        raise SourcePayloadError("truncated JSON: a value is missing")
    if text[i] == '"':
        return _string_end(text, i)
    if text[i] not in "[{":
        j = i
        while j < len(text) and text[j] not in ",]}" + _WHITESPACE:
            j += 1
        return j
    depth, j = 0, i
    while j < len(text):
        ch = text[j]
        if ch == '"':
            j = _string_end(text, j)
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise SourcePayloadError("truncated JSON: an array or object is not closed")


def _string_end(text: str, i: int) -> int:
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
        elif text[j] == '"':
            return j + 1
        else:
            j += 1
    raise SourcePayloadError("truncated JSON: a string is not closed")


def _object_members(text: str, i: int) -> dict[str, tuple[int, int]]:
    """Key -> (start, end) of each value of the object starting at ``text[i]``."""
    if i >= len(text) or text[i] != "{":
        raise SourcePayloadError("expected a JSON object")
    members: dict[str, tuple[int, int]] = {}
    i = _skip_space(text, i + 1)
    while i < len(text) and text[i] != "}":
        key_end = _string_end(text, i)
        key = json.loads(text[i:key_end])
        colon = _skip_space(text, key_end)
        if colon >= len(text) or text[colon] != ":":
            raise SourcePayloadError("malformed JSON: expected ':' after a key")
        start = _skip_space(text, colon + 1)
        end = _value_end(text, start)
        members[key] = (start, end)
        i = _skip_space(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_space(text, i + 1)
    return members


def _array_elements(text: str, i: int) -> list[tuple[int, int]]:
    """(start, end) of each element of the array starting at ``text[i]``."""
    spans: list[tuple[int, int]] = []
    i = _skip_space(text, i + 1)
    while i < len(text) and text[i] != "]":
        end = _value_end(text, i)
        spans.append((i, end))
        i = _skip_space(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_space(text, i + 1)
    return spans
