"""Rule 1: only the wire module frames or unframes the Confluent header (``wire_rule.py``),
checked over the project's code and tests, against planted violations and against look-alikes it
must let be.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.ast_rules import PROJECT, files, flagged
from tests.architecture.wire_rule import header_slicing
from tests.fixtures.imports import REPO_ROOT


def test_only_the_wire_module_frames_the_confluent_header() -> None:
    violations = header_slicing(files(*PROJECT, "tests"), REPO_ROOT)
    assert not violations, "the Confluent header handled outside contract.wire:\n" + "\n".join(
        violations
    )


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("id = int.from_bytes(value[1:5], 'big')", ["1: value[1:5]"]),
        ("id = int.from_bytes(value[1:1 + 4], 'big')", ["1: value[1:1 + 4]"]),
        ("end = 5\nid_bytes = value[1:end]", ["2: value[1:end]"]),
        ("start, end = 1, 1 + 4\nid_bytes = row[start:end]", ["2: row[start:end]"]),
        ("ID = slice(1, 5)\nid_bytes = value[ID]", ["1: slice(1, 5)"]),
        ("id_bytes = payload[1:wire.HEADER_BYTES]", ["1: payload[1:wire.HEADER_BYTES]"]),
        ("body = msg.value()[5:]", ["1: msg.value()[5:]"]),
        ("body = raw[HEADER_BYTES:]", ["1: raw[HEADER_BYTES:]"]),
        ("head = good_frame[:5]", ["1: good_frame[:5]"]),
        ("unmagicked = good_frame[1:]", ["1: good_frame[1:]"]),
        ("def f(m: bytes | None) -> bytes:\n    return m[5:]", ["2: m[5:]"]),
        ("m = b'\\x00' + tail\nbody = m[5:]", ["2: m[5:]"]),
        ("id = struct.unpack('>I', value[1:5])[0]", ["1: '>I'", "1: value[1:5]"]),
        ("(id,) = struct.unpack('>L', id_bytes)", ["1: '>L'"]),
        ("(id,) = struct.unpack_from('!I', data, 1)", ["1: '!I'"]),
        ("magic, id = struct.unpack('>bI', head)", ["1: '>bI'"]),
        ("ID_FORMAT = '>i'", ["1: '>i'"]),
        ("head = b'\\x00' + id.to_bytes(4, 'big')", ["1: id.to_bytes(4, 'big')"]),
        ("head = id.to_bytes(length=SCHEMA_ID_BYTES)", ["1: id.to_bytes(length=SCHEMA_ID_BYTES)"]),
        ("framed = value[0] == 0", ["1: value[0] == 0"]),
        ("if value[0] != 0:\n    pass", ["1: value[0] != 0"]),
        ("wrong = payload[:1] != b'\\x00'", ["1: payload[:1] != b'\\x00'"]),
        ("wrong = row[0] != wire.MAGIC", ["1: row[0] != wire.MAGIC"]),
        ("framed = value[0] in (MAGIC,)", ["1: value[0] in (MAGIC,)"]),
        ("framed = value.startswith(bytes([MAGIC]))", ["1: value.startswith(bytes([MAGIC]))"]),
    ],
)
def test_the_wire_rule_catches_each_hand_made_header(
    code: str, expected: list[str], tmp_path: Path
) -> None:
    assert flagged(header_slicing, code, tmp_path) == expected


def test_the_wire_rule_lets_look_alikes_be(tmp_path: Path) -> None:
    code = (
        '"""A docstring may say >I and value[1:5]."""\n'
        "args = sys.argv[1:]\n"
        "first, rest = after[:5], records[5:]\n"
        "empty = counts[0] == 0\n"
        "period = struct.pack('<III', 1, 2, 3)\n"
        "flag = struct.unpack('!b', one)\n"
        "inner = token.text[1:-1]\n"
        "stamp, little = n.to_bytes(8, 'big'), n.to_bytes(4, 'little')\n"
        "chunk = raw[i:i + 4]\n"
        "half = good_frame[: len(good_frame) // 2]\n"
        "pin = '>=3.11'\n"
        "schema_id, body = unframe(value)\n"
    )
    assert flagged(header_slicing, code, tmp_path) == []


def test_the_wire_rule_spares_only_the_wire_module_and_its_tests(tmp_path: Path) -> None:
    planted = []
    for where in ("contract/wire.py", "tests/contract/test_wire.py", "tests/spark/test_x.py"):
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / where).write_text("id = int.from_bytes(value[1:5], 'big')\n")
        planted.append(tmp_path / where)
    assert header_slicing(planted, tmp_path) == ["tests/spark/test_x.py:1: value[1:5]"]
