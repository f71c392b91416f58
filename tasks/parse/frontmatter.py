"""Title, authors and affiliations from the first page's lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    r"\bai2\b|allen|@|\busa\b|china|germany|france|canada|\bsa\b|\bteam\b|\bgroup\b",
    re.I,
)
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|&|\band\b|\s{3,})\s*")
_SEPARATOR_START_RE = re.compile(r"^\s*(?:,|;|&|and\b)")
_SEPARATOR_END_RE = re.compile(r"(?:,|;|&|\band)\s*$")
_NAME_PARTICLES = {"van", "von", "der", "den", "de", "da", "del", "di", "du", "la", "le", "bin", "al", "y"}
_NAME_DROP_RE = re.compile(r"[^\w\s.'’\-]|[\d_]")
# "Editor: Yoshua Bengio", "Keywords: ...", "Submitted: ...": a label, not an author.
_LABEL_RE = re.compile(r"^\s*[A-Z][\w ]{1,24}:\s")
# Words of thesis title pages and journal front matter that are never part of a person's name.
_NOT_NAME_WORDS = {
    "abstract", "thesis", "dissertation", "submitted", "degree", "requirements", "committee",
    "fulfillment", "partial", "editor", "editors", "reviewers", "keywords", "preprint", "draft",
    "copyright", "summary", "introduction", "contents", "preface", "acknowledgements", "by",
}  # fmt: skip


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
    """A person's name without marks, digits or stray punctuation (∗ † ‡ § ¶ ? 1 2 ...)."""
    text = _NAME_DROP_RE.sub(" ", text.replace("’", "'"))
    text = re.sub(r"^\s*and\s+", "", text)
    return re.sub(r"\s+", " ", text).strip(" .,-'")


def looks_like_name(name: str) -> bool:
    """Two to six capitalised words (particles aside), no affiliation or title-page vocabulary."""
    words = name.split()
    if not 2 <= len(words) <= 6 or len(name) > 60 or _AFFILIATION_RE.search(name):
        return False
    if any(w.lower() in _NOT_NAME_WORDS for w in words):
        return False
    # "A THESIS", "MASTER OF SCIENCE": capitals throughout are a title page's boilerplate, not a name.
    if all(w.isupper() and len(w.rstrip(".")) > 1 for w in words if w.lower() not in _NAME_PARTICLES):
        return False
    return all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words)


def _fragment(name: str) -> bool:
    """One capitalised word: half of a name broken across two lines ("... Wenbin Ge, Yu" / "Han, ...")."""
    return len(name.split()) == 1 and name[:1].isupper() and not _AFFILIATION_RE.search(name)


@dataclass(slots=True)
class _Piece:
    """Text between separators on a name line, with the marks after it."""

    name: str  # cleaned
    marks: str
    x: float
    open_start: bool = False  # first on its line, nothing separating it from the line before
    open_end: bool = False  # last on its line, nothing separating it from the line after


@dataclass(slots=True)
class _Person:
    name: str
    marks: str
    x: float
    group: int  # index of the name line group it sits in
    line: int  # index of the line it sits on


def _marks(spans: list[Span]) -> str:
    return "".join(ch for s in spans for ch in s.text if not ch.isspace() and ch not in ",")


def _pieces(line: Line) -> list[_Piece]:
    """A line cut at separators (, ; & and), superscript marks, wide gaps and changes of weight."""
    pieces: list[_Piece] = []
    chunk: list[Span] = []
    marks: list[Span] = []

    def flush() -> None:
        if not chunk:
            if marks and pieces:
                pieces[-1].marks += _marks(marks)
            marks.clear()
            return
        text = join_spans(chunk)
        raw = [p for p in _NAME_SPLIT_RE.split(text) if p.strip()]
        x = (chunk[0].x0 + chunk[-1].x1) / 2
        for i, piece in enumerate(raw):
            # Only the last name before a mark carries it ("A, B†" marks B alone).
            pieces.append(_Piece(clean_name(piece), _marks(marks) if i == len(raw) - 1 else "", x))
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
    pieces = [p for p in pieces if p.name]
    if pieces:
        starts_with_mark = line.spans[0].sup
        pieces[0].open_start = not starts_with_mark and not _SEPARATOR_START_RE.match(line.text)
        pieces[-1].open_end = not line.spans[-1].sup and not _SEPARATOR_END_RE.search(line.text)
    return pieces


def _name_pieces(line: Line, bold_names: bool) -> list[_Piece] | None:
    """The line's pieces if it is a line of names (halves of names broken at its ends allowed), else None."""
    if "@" in line.text or _LABEL_RE.match(line.text) or (bold_names and not line.bold):
        return None
    pieces = _pieces(line)
    names = 0
    for i, piece in enumerate(pieces):
        if looks_like_name(piece.name):
            names += 1
        elif not (
            _fragment(piece.name)
            and ((i == 0 and piece.open_start) or (i == len(pieces) - 1 and piece.open_end))
        ):
            return None
    return pieces if names else None


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


def _same_style(line: Line, first: Line | None) -> bool:
    """Names of one paper share a style; an affiliation line of capitalised words ("New York") does not."""
    return first is None or (abs(line.size - first.size) <= 0.6 and line.bold == first.bold)


def parse_authors(lines: list[Line]) -> list[Author]:
    """Authors in printed order from the lines between title and abstract; affiliations by marks or position.

    Two people of the same name are two authors: only a name drawn twice at the same place (fake
    bold) counts once.
    """
    if not lines:
        return []
    bold_names = any(_is_name_line(line) and _name_pieces(line, True) for line in lines)
    people: list[_Person] = []
    # Affiliation text by mark, and unmarked affiliation blocks by name group.
    by_mark: dict[str, list[str]] = {}
    by_group: dict[int, list[list[tuple[str, float]]]] = {}
    group = -1
    prev_pieces: list[_Piece] | None = None
    first_name_line: Line | None = None
    for index, line in enumerate(lines):
        pieces = _name_pieces(line, bold_names) if _same_style(line, first_name_line) else None
        if pieces is not None:
            first_name_line = first_name_line or line
            if prev_pieces is None:
                group += 1
            elif prev_pieces and prev_pieces[-1].open_end and pieces[0].open_start:
                tail, head = prev_pieces[-1], pieces[0]
                joined = f"{tail.name} {head.name}"
                if (_fragment(tail.name) or _fragment(head.name)) and looks_like_name(joined):
                    # A name broken across the line end: "Yu" / "Han" is Yu Han.
                    if people and people[-1].name == tail.name:
                        people.pop()
                    head.name = joined
            for piece in pieces:
                if not looks_like_name(piece.name):
                    continue
                if any(p.line == index and p.name == piece.name and abs(p.x - piece.x) < 1.0 for p in people):
                    continue
                people.append(_Person(piece.name, piece.marks, piece.x, max(group, 0), index))
            prev_pieces = pieces
            continue
        prev_pieces = None
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
    for person in people:
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
