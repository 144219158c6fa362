"""The regular expressions ``matches`` accepts: a subset that means the same in Python and Java.

Python's ``re`` (the producer) and Java's ``java.util.regex`` (Spark's ``RLIKE``, the job) agree
on a common core once ``\\d``, ``\\w`` and ``\\s`` are ASCII on both sides (``re.ASCII``, Java's
default) and the anchors are made absolute: ``^`` is the start of the text and ``$`` its very
end (Python ``\\Z``, Java ``\\z``; a plain ``$`` would also match before a final newline, and
Java counts more characters as newlines than Python), and ``.`` is "anything but a newline" on
both sides. Everything else is refused with a reason:
backreferences, lookaround, possessive quantifiers, inline flags other than a leading ``(?i)``,
named groups, Unicode properties and escapes whose meaning differs between the two engines.
Both renderings are validated here, never evaluated.
"""

from __future__ import annotations

import re

_CLASS_ESCAPES = frozenset("dDwWsS")
_LITERAL_ESCAPES = frozenset(".\\+*?()[]{}|^$/-")
_CONTROL_ESCAPES = {"n": "\\n", "t": "\\t", "r": "\\r", "f": "\\f"}
_QUANTIFIER = re.compile(r"\{(\d{1,4})(,(\d{0,4}))?\}")
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
        "(allowed: \\d \\D \\w \\W \\s \\S \\n \\t \\r \\f and escaped punctuation)"
    )


def _char_class(pattern: str, i: int) -> tuple[str, int]:
    """A ``[...]`` class starting at ``pattern[i]``; returns its text and the index after it."""
    out, j = ["["], i + 1
    if j < len(pattern) and pattern[j] == "^":
        out.append("^")
        j += 1
    first = True
    while j < len(pattern):
        ch = pattern[j]
        if ch == "]" and not first:
            out.append("]")
            return "".join(out), j + 1
        if ch == "[":
            raise RegexSubsetError(
                f"position {j + 1}: a '[' inside a class means a nested class (union) in "
                "Java but a plain '[' in Python: escape it as \\["
            )
        if ch == "&" and pattern[j : j + 2] == "&&":
            raise RegexSubsetError(f"position {j + 1}: '&&' is a class intersection in Java only")
        if ch == "\\":
            out.append(_check_escape(pattern, j))
            j += 2
        else:
            out.append("\\]" if ch == "]" else ch)
            j += 1
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
        if ch == "\\":
            escaped = _check_escape(body, i)
            python.append(escaped)
            java.append(escaped)
            i += 2
            continue
        if ch == "[":
            text, i = _char_class(body, i)
            python.append(text)
            java.append(text)
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
