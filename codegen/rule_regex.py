"""The regular expressions ``matches`` accepts: a subset that means the same in Python and Java.

Python's ``re`` (the producer) and Java's ``java.util.regex`` (Spark's ``RLIKE``, the job) agree
on a common core once ``\\d``, ``\\w`` and ``\\s`` are ASCII on both sides (``re.ASCII``, Java's
default) and the anchors are made absolute: ``^`` is the start of the text and ``$`` its very
end (Python ``\\Z``, Java ``\\z``; a plain ``$`` would also match before a final newline, and
Java counts more characters as newlines than Python), and ``.`` is "anything but a newline" on
both sides. Everything else is refused with a reason:
backreferences, lookaround, possessive quantifiers, inline flags other than a leading ``(?i)``,
named groups, and escapes whose meaning differs between the two engines. Unicode categories
(``\\p{L}``, ``\\p{Lu}``, ``\\P{N}`` ...) are accepted and written out, for both engines, as the
same explicit code-point ranges (see :func:`category_ranges`).
Both renderings are validated here, never evaluated.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Callable

_CLASS_ESCAPES = frozenset("dDwWsS")
_LITERAL_ESCAPES = frozenset(".\\+*?()[]{}|^$/-")
_CONTROL_ESCAPES = {"n": "\\n", "t": "\\t", "r": "\\r", "f": "\\f"}
_QUANTIFIER = re.compile(r"\{([0-9]{1,4})(,([0-9]{0,4}))?\}")  # ASCII digits: Java reads no others
MAX_PATTERN = 500


class RegexSubsetError(ValueError):
    """A pattern outside the portable subset; the message says which construct and where."""


def _check_escape(pattern: str, i: int) -> str:
    """The escape at ``pattern[i]`` (a backslash), rendered portably; raises if not allowed."""
    if i + 1 >= len(pattern):
        raise RegexSubsetError("the pattern ends with a lone backslash")
    ch = pattern[i + 1]
    if ch in _CLASS_ESCAPES or ch in _LITERAL_ESCAPES:
        return "\\" + ch
    if ch in _CONTROL_ESCAPES:
        return _CONTROL_ESCAPES[ch]
    raise RegexSubsetError(
        f"position {i + 1}: \\{ch} is not in the portable subset "
        "(allowed: \\d \\D \\w \\W \\s \\S \\n \\t \\r \\f, \\p{L} and other Unicode "
        "categories, and escaped punctuation)"
    )


def _char_class(pattern: str, i: int) -> tuple[str, str, int]:
    """A ``[...]`` class starting at ``pattern[i]``; returns its Python and Java texts and the
    index after it."""
    python, java, j = ["["], ["["], i + 1
    if j < len(pattern) and pattern[j] == "^":
        python.append("^")
        java.append("^")
        j += 1
    first, dash = True, False  # dash: the last item was a '-' that would start a range
    while j < len(pattern):
        ch = pattern[j]
        if ch == "]" and not first:
            python.append("]")
            java.append("]")
            return "".join(python), "".join(java), j + 1
        if ch == "[":
            raise RegexSubsetError(
                f"position {j + 1}: a '[' inside a class means a nested class (union) in "
                "Java but a plain '[' in Python: escape it as \\["
            )
        if ch == "&" and pattern[j : j + 2] == "&&":
            raise RegexSubsetError(f"position {j + 1}: '&&' is a class intersection in Java only")
        if pattern.startswith("\\p", j) or pattern.startswith("\\P", j):
            end = _property_end(pattern, j)
            if dash or (pattern[end : end + 1] == "-" and pattern[end + 1 : end + 2] != "]"):
                raise RegexSubsetError(f"position {j + 1}: a property cannot bound a range")
            if pattern[j + 1] == "P":
                raise RegexSubsetError(
                    f"position {j + 1}: \\P{{...}} inside a class is not portable; "
                    "use [^\\p{...}]"
                )
            ranges = category_ranges(pattern[j + 3 : end - 1])
            python.append(_python_ranges(ranges))
            java.append(_java_ranges(ranges))
            j, first, dash = end, False, False
            continue
        if ch == "\\":
            text = _check_escape(pattern, j)
            j += 2
        else:
            text = "\\]" if ch == "]" else ch
            j += 1
        python.append(text)
        java.append(text)
        dash = ch == "-" and not first
        first = False
    raise RegexSubsetError(f"position {i + 1}: unterminated character class")


def portable_pattern(pattern: str) -> tuple[str, str, bool]:
    """``(python pattern, java pattern, case-insensitive)`` for a pattern in the subset."""
    if len(pattern) > MAX_PATTERN:
        raise RegexSubsetError(f"longer than {MAX_PATTERN} characters")
    ignore_case = pattern.startswith("(?i)")
    body = pattern[4:] if ignore_case else pattern
    python, java = [], []
    i, depth = 0, 0
    while i < len(body):
        ch = body[i]
        if body.startswith("\\p", i) or body.startswith("\\P", i):
            end = _property_end(body, i)
            ranges = category_ranges(body[i + 3 : end - 1])
            negate = "^" if body[i + 1] == "P" else ""
            python.append(f"[{negate}{_python_ranges(ranges)}]")
            java.append(f"[{negate}{_java_ranges(ranges)}]")
            i = end
            continue
        if ch == "\\":
            escaped = _check_escape(body, i)
            python.append(escaped)
            java.append(escaped)
            i += 2
            continue
        if ch == "[":
            python_class, java_class, i = _char_class(body, i)
            python.append(python_class)
            java.append(java_class)
            continue
        if ch == "(":
            if body.startswith("(?:", i):
                python.append("(?:")
                java.append("(?:")
                i += 3
            elif body.startswith("(?", i):
                raise RegexSubsetError(
                    f"position {i + 1}: '(?' constructs (lookaround, named groups, inline "
                    "flags) are not portable; only '(?:' and a leading '(?i)' are"
                )
            else:
                python.append("(")
                java.append("(")
                i += 1
            depth += 1
            continue
        if ch == ")":
            depth -= 1
            if depth < 0:
                raise RegexSubsetError(f"position {i + 1}: unbalanced ')'")
        if ch == "{":
            match = _QUANTIFIER.match(body, i)
            if match is None:
                raise RegexSubsetError(f"position {i + 1}: '{{' must start a {{m}} or {{m,n}}")
            python.append(match.group())
            java.append(match.group())
            i = match.end()
            _no_possessive(body, i)
            continue
        if ch in "*+?":
            _no_possessive(body, i + 1)
        if ch == "^":
            python.append(r"\A")
            java.append("^")
        elif ch == "$":
            python.append(r"\Z")
            java.append(r"\z")
        elif ch == ".":  # Java's '.' also stops at \r, \u0085, \u2028 and \u2029
            python.append(r"[^\n]")
            java.append(r"[^\n]")
        else:
            python.append(ch)
            java.append(ch)
        i += 1
    if depth:
        raise RegexSubsetError("unbalanced '('")
    python_text, java_text = "".join(python), "".join(java)
    try:
        re.compile(python_text)
    except re.error as exc:
        raise RegexSubsetError(f"not a valid regular expression: {exc}") from None
    return python_text, java_text, ignore_case


def _no_possessive(body: str, i: int) -> None:
    if i < len(body) and body[i] == "+":
        raise RegexSubsetError(f"position {i + 1}: possessive quantifiers are Java only")


# -- Unicode categories as explicit code-point ranges -------------------------------------------

_CATEGORY = re.compile(r"\\[pP]\{([A-Za-z]{1,2})\}")
_PORTABLE_CLASSES = "LMNPSZ"
"""The major classes whose categories ``\\p{...}`` may name: all but C ("other": controls,
surrogates, unassigned and private-use code points)."""


def _property_end(pattern: str, i: int) -> int:
    """The index after the ``\\p{X}`` or ``\\P{X}`` at ``pattern[i]``; raises unless ``X`` is a
    portable category."""
    match = _CATEGORY.match(pattern, i)
    if match is None or match.group(1) not in _categories():
        categories = " ".join(sorted(_categories()))
        raise RegexSubsetError(
            f"position {i + 1}: \\{pattern[i + 1]} takes a Unicode general category in "
            f"braces, one of: {categories}"
        )
    return match.end()


@functools.cache
def _categories() -> dict[str, tuple[tuple[int, int], ...]]:
    """Each portable general category (``Lu``) and major class (``L``): its code points as
    sorted, merged ``(first, last)`` ranges, from Python's ``unicodedata``, computed once.

    Both engines get these ranges, not their own ``\\p{...}``: Python's ``re`` has none, and
    Java's follows the JDK's Unicode version, not Python's."""
    ranges: dict[str, list[tuple[int, int]]] = {}
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category[0] not in _PORTABLE_CLASSES:
            continue
        for name in (category, category[0]):
            found = ranges.setdefault(name, [])
            if found and found[-1][1] == code - 1:
                found[-1] = (found[-1][0], code)
            else:
                found.append((code, code))
    return {name: tuple(found) for name, found in ranges.items()}


def category_ranges(name: str) -> tuple[tuple[int, int], ...]:
    """The code-point ranges of the general category or major class ``name`` (``L``, ``Lu``)."""
    return _categories()[name]


def _python_ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(_render_range(first, last, _python_char) for first, last in ranges)


def _java_ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(_render_range(first, last, _java_char) for first, last in ranges)


def _render_range(first: int, last: int, char: Callable[[int], str]) -> str:
    if first == last:
        return char(first)
    return char(first) + ("" if last == first + 1 else "-") + char(last)


def _python_char(code: int) -> str:
    if chr(code).isascii() and chr(code).isalnum():
        return chr(code)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _java_char(code: int) -> str:
    if chr(code).isascii() and chr(code).isalnum():
        return chr(code)
    return f"\\x{{{code:x}}}"
