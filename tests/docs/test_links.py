"""Every relative link and ``#anchor`` of README.md and docs/ resolves, and every image exists.

No services: the Markdown files are read as text. Links inside code (fenced blocks and inline
code spans) are not links. External links (``https://``, ``mailto:``) are not fetched. An
anchor must be the GitHub slug of a heading of the target file (or an explicit
``<a id="...">``); a link to a folder must name an existing folder.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
"""A URI scheme (``https:``, ``mailto:``): not a file of this repository."""
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+).+?\1")
INLINE = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
HTML_IMAGE = re.compile(r"<img\s[^>]*src=\"([^\"]+)\"", re.IGNORECASE)
HTML_ANCHOR = re.compile(r"<a\s[^>]*(?:id|name)=\"([^\"]+)\"", re.IGNORECASE)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Link:
    file: Path
    line: int
    target: str
    image: bool

    def __str__(self) -> str:
        kind = "image" if self.image else "link"
        return f"{self.file.relative_to(REPO_ROOT)}:{self.line}: {kind} {self.target!r}"


def documents() -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]


def prose_lines(text: str, blank_code: bool = True) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, inline code spans blanked unless
    ``blank_code`` is false (a heading's code counts in its anchor)."""
    out, fenced = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            out.append((number, CODE_SPAN.sub("", line) if blank_code else line))
    return out


def links_of(path: Path) -> list[Link]:
    found = []
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        for inline in INLINE.finditer(line):
            found.append(Link(path, number, inline.group(3), bool(inline.group(1))))
        if reference := REFERENCE.match(line):
            found.append(Link(path, number, reference.group(2), False))
        found += [Link(path, number, src, True) for src in HTML_IMAGE.findall(line)]
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: inline markup dropped, lower case, punctuation removed
    (letters, digits, ``_``, ``-`` and spaces kept), spaces turned into hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in ("L", "N", "M"))
    return kept.replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    """Every anchor a link may name in ``path``: heading slugs (repeats get -1, -2, ...)
    and explicit ``<a id>`` / ``<a name>``."""
    seen: Counter[str] = Counter()
    anchors = set()
    for _, line in prose_lines(path.read_text(encoding="utf-8"), blank_code=False):
        anchors.update(HTML_ANCHOR.findall(line))
        if match := HEADING.match(line):
            base = slug(match.group(2))
            anchors.add(base if not seen[base] else f"{base}-{seen[base]}")
            seen[base] += 1
    return anchors


def problem(link: Link) -> str | None:
    """Why ``link`` does not resolve, or None."""
    target = link.target
    if not target:
        return "empty target"
    if EXTERNAL.match(target):
        return None
    path_part, _, anchor = target.partition("#")
    path_part = unquote(path_part.split("?", 1)[0])
    if path_part.startswith("/"):
        return "absolute path: write it relative to the file"
    resolved = (link.file.parent / path_part).resolve() if path_part else link.file
    if not resolved.is_relative_to(REPO_ROOT):
        return "points outside the repository"
    if not resolved.exists():
        return f"{resolved.relative_to(REPO_ROOT)} does not exist"
    if link.image and not resolved.is_file():
        return "an image must be a file"
    if anchor:
        if resolved.suffix != ".md":
            return f"anchor #{anchor} on a file that is not Markdown"
        if unquote(anchor) not in anchors_of(resolved):
            return f"no heading in {resolved.relative_to(REPO_ROOT)} has the anchor #{anchor}"
    return None


def test_readme_and_docs_exist() -> None:
    docs = documents()
    assert docs[0].is_file()
    assert len(docs) > 1, "docs/ holds the reference pages"


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_link_and_image_resolves(document: Path) -> None:
    broken = [f"{link}: {why}" for link in links_of(document) if (why := problem(link))]
    assert not broken, "\n".join(broken)


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    """A page nobody links to is lost: follow links from README.md through docs/."""
    reached, frontier = set(), [REPO_ROOT / "README.md"]
    while frontier:
        page = frontier.pop()
        if page in reached:
            continue
        reached.add(page)
        for link in links_of(page):
            if EXTERNAL.match(link.target) or problem(link):
                continue
            path_part = unquote(link.target.partition("#")[0])
            if path_part.endswith(".md"):
                frontier.append((page.parent / path_part).resolve())
    unreached = [str(p.relative_to(REPO_ROOT)) for p in documents() if p not in reached]
    assert not unreached, f"not linked from README.md or a page it links to: {unreached}"


def test_the_checker_finds_broken_links() -> None:
    """The checker itself: a missing file, a missing anchor, a missing image, an escape."""
    page = REPO_ROOT / "docs" / "_probe.md"
    links = [
        Link(page, 1, "missing.md", False),
        Link(page, 2, "../README.md#no-such-heading", False),
        Link(page, 3, "images/missing.png", True),
        Link(page, 4, "../../outside.md", False),
        Link(page, 5, "images", True),
    ]
    assert all(problem(link) for link in links), [str(link) for link in links]
    assert problem(Link(page, 6, "https://example.com/x.md", False)) is None
    assert problem(Link(page, 7, "../README.md", False)) is None


def test_slugs_follow_github() -> None:
    assert slug("`make register`: the Schema Registry") == "make-register-the-schema-registry"
    assert slug("Producer, DAG and offline source") == "producer-dag-and-offline-source"
    assert slug("What `make demo` shows") == "what-make-demo-shows"
    assert slug("Kafka 4.1.1 (KRaft)") == "kafka-411-kraft"
    assert slug("snake_case stays") == "snake_case-stays"


def test_links_in_code_are_not_links(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "see `[a](missing.md)` and\n```\n[b](missing.md)\n```\n[c](other.md#x)\n",
        encoding="utf-8",
    )
    assert [link.target for link in links_of(page)] == ["other.md#x"]
