"""Title, authors and affiliations from the first page's lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.models import Author
from tasks.parse.layout import Line, Page, Span, join_spans

_STAMP_RE = re.compile(
    r"^(arxiv:|preprint|proceedings of|published (as|in)|accepted (at|to)|under review|"
    r"journal of|workshop|copyright|©|\d{4} association)",
    re.I,
)
_AFFILIATION_RE = re.compile(
    r"universit|institut|college|school|department|dept\.|laborator|\blab\b|research|center|centre|"
    r"inc\.|corp|ltd|gmbh|google|microsoft|meta\b|amazon|deepmind|openai|hospital|academy|faculty|"
    r"\bai2\b|allen|@|\busa\b|china|germany|france|canada|\bsa\b",
    re.I,
)
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|&|\band\b|\s{3,})\s*")
_NAME_PARTICLES = {"van", "von", "der", "den", "de", "da", "del", "di", "du", "la", "le", "bin", "al", "y"}
_NAME_DROP_RE = re.compile(r"[^\w\s.'’\-]|[\d_]")


@dataclass(slots=True)
class FrontMatter:
    title: str = ""
    title_lines: list[Line] = field(default_factory=list)
    author_lines: list[Line] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)


def find_title(page: Page) -> list[Line]:
    """The lines of the largest text near the top of page 1 (not a stamp or running header)."""
    candidates = [
        line
        for line in page.lines
        if not line.drop
        and sum(ch.isalpha() for ch in line.text) >= 3
        and not _STAMP_RE.match(line.text)
        and line.top < 0.6 * page.height
    ]
    if not candidates:
        return []
    biggest = max(line.size for line in candidates)
    title: list[Line] = []
    for line in sorted(candidates, key=lambda line: line.top):
        if line.size < biggest - 0.6:
            if title:
                break
            continue
        if title and (line.top - title[-1].bottom > 1.5 * line.size or len(title) == 4):
            break
        title.append(line)
    return title


def clean_name(text: str) -> str:
    """A person's name without marks, digits or stray punctuation."""
    text = _NAME_DROP_RE.sub(" ", text.replace("’", "'"))
    text = re.sub(r"^\s*and\s+", "", text)
    return re.sub(r"\s+", " ", text).strip(" .,-'")


def looks_like_name(name: str) -> bool:
    """Two to six words, capitalised (particles aside), no affiliation vocabulary."""
    words = name.split()
    if not 2 <= len(words) <= 6 or len(name) > 60 or _AFFILIATION_RE.search(name):
        return False
    return all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words)


@dataclass(slots=True)
class _Person:
    name: str
    marks: str
    x: float
    group: int  # index of the name line group it sits in


def _marks(spans: list[Span]) -> str:
    return "".join(ch for s in spans for ch in s.text if not ch.isspace() and ch not in ",")


def _names_on_line(line: Line, group: int) -> list[_Person]:
    """Split a name line at separators, superscript marks and wide gaps."""
    people: list[_Person] = []
    chunk: list[Span] = []
    marks: list[Span] = []

    def flush() -> None:
        if not chunk:
            marks.clear()
            return
        text = join_spans(chunk)
        pieces = [p for p in _NAME_SPLIT_RE.split(text) if p.strip()]
        x = (chunk[0].x0 + chunk[-1].x1) / 2
        for i, piece in enumerate(pieces):
            name = clean_name(piece)
            if looks_like_name(name):
                # Only the last name before a mark carries it ("A, B†" marks B alone).
                people.append(_Person(name, _marks(marks) if i == len(pieces) - 1 else "", x, group))
        chunk.clear()
        marks.clear()

    for s in line.spans:
        if s.sup:
            marks.append(s)
            continue
        if marks or (chunk and s.x0 - chunk[-1].x1 > 1.0 * s.size):
            flush()
        if s.bold or not line.bold:
            chunk.append(s)
        elif chunk:
            flush()
    flush()
    return people


def _affiliation_segments(line: Line) -> list[tuple[str, str, float]]:
    """(marks, text, x centre) pieces of an affiliation line; a superscript mark starts a new one."""
    segments: list[tuple[str, str, float]] = []
    marks = ""
    chunk: list[Span] = []

    def flush() -> None:
        text = join_spans(chunk).strip(" ,;")
        if text:
            segments.append((marks, text, (chunk[0].x0 + chunk[-1].x1) / 2))
        chunk.clear()

    for s in line.spans:
        if s.sup:
            flush()
            marks = _marks([s])
            continue
        if chunk and s.x0 - chunk[-1].x1 > 1.5 * s.size:
            flush()
            marks = ""
        chunk.append(s)
    flush()
    return segments


def _is_name_line(line: Line) -> bool:
    return line.bold and "@" not in line.text


def parse_authors(lines: list[Line]) -> list[Author]:
    """Authors from the lines between title and abstract; affiliations by marks or by position."""
    if not lines:
        return []
    bold_names = any(_is_name_line(line) for line in lines)
    people: list[_Person] = []
    # Affiliation text by mark, and unmarked affiliation blocks by name group.
    by_mark: dict[str, list[str]] = {}
    by_group: dict[int, list[list[tuple[str, float]]]] = {}
    group = -1
    prev_was_name = False
    for line in lines:
        is_name = _is_name_line(line) if bold_names else looks_like_name(clean_name(line.text))
        if is_name:
            if not prev_was_name:
                group += 1
            people.extend(_names_on_line(line, max(group, 0)))
            prev_was_name = True
            continue
        prev_was_name = False
        if "@" in line.text or line.text.startswith("{") or all(s.mono for s in line.spans):
            continue
        last_mark = ""
        row: list[tuple[str, float]] = []
        for marks, text, x in _affiliation_segments(line):
            if marks:
                by_mark.setdefault(marks, []).append(text)
                last_mark = marks
            elif last_mark:
                by_mark[last_mark][-1] += ", " + text
            else:
                row.append((text, x))
        if row:
            by_group.setdefault(max(group, 0), []).append(row)
    authors: list[Author] = []
    seen: set[str] = set()
    for person in people:
        if person.name in seen:
            continue
        seen.add(person.name)
        affiliations: list[str] = []
        for mark, texts in by_mark.items():
            if mark and mark in person.marks:
                affiliations.extend(texts)
        if not affiliations:
            affiliations = _unmarked_affiliations(person, people, by_group.get(person.group, []))
        authors.append(Author(name=person.name, affiliations=affiliations))
    return authors


def _unmarked_affiliations(
    person: _Person, people: list[_Person], rows: list[list[tuple[str, float]]]
) -> list[str]:
    """Unmarked affiliation lines under a group of names: shared, or one column per name."""
    peers = sum(1 for p in people if p.group == person.group)
    parts: list[str] = []
    for row in rows:
        if peers > 1 and len(row) == peers:
            # Side-by-side author columns: the piece nearest each name is theirs.
            parts.append(min(row, key=lambda seg: abs(seg[1] - person.x))[0])
        else:
            parts.extend(text for text, _ in row)
    return [", ".join(parts)] if parts else []
