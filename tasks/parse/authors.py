"""Authors and their affiliations from the lines between the title and the abstract.

A line of names is cut at separators ("," ";" "&" "and" "·"), raised marks, wide gaps and changes of
weight; each piece must have the shape of a name (tasks.parse.names). Names set side by side in
blocks (a name, its affiliation and e-mail under it, the next block to its right) are read block by
block. Affiliations follow the marks, else the block they sit in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tasks.models import Author
from tasks.parse.layout import Line, Span, join_spans
from tasks.parse.names import (
    AFFILIATION_RE,
    GRADE_RE,
    LABEL_RE,
    MARK_CHARS,
    TEAM_RE,
    clean_name,
    fragment,
    looks_like_name,
    name_key,
    normal_case,
)

_NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|&|·|•|(?i:\band\b)|\s{3,})\s*")
_SEPARATOR_START_RE = re.compile(r"^\s*(?:,|;|&|·|•|(?i:and\b))")
_SEPARATOR_END_RE = re.compile(r"(?:,|;|&|·|•|(?i:\band))\s*$")
_TRAILING_MARKS_RE = re.compile(rf"[\s{MARK_CHARS}\d,]*$")


@dataclass(slots=True)
class _Piece:
    """Text between separators on a name line, with the marks after it."""

    name: str  # cleaned
    marks: str
    x: float
    open_start: bool = False  # first on its line, nothing separating it from the line before
    open_end: bool = False  # last on its line, nothing separating it from the line after
    glued: bool = False  # a symbol mark (* † ‡) printed right after it, or a raised mark
    raw: str = ""  # as printed


@dataclass(slots=True)
class _Person:
    name: str
    marks: str
    x: float
    group: int  # index of the name line group it sits in
    line: int  # index of the line it sits on
    printed_with: list[str] = field(default_factory=list)  # an affiliation on the name's own line


@dataclass
class _Reader:
    """State of one pass over the author region: the people, and affiliations by mark and by group."""

    lines: list[Line]
    known: set[str]  # name_key of the names the PDF's metadata declares
    bold_names: bool = False
    people: list[_Person] = field(default_factory=list)
    by_mark: dict[str, list[str]] = field(default_factory=dict)
    by_group: dict[int, list[list[tuple[str, float]]]] = field(default_factory=dict)
    first_name_line: Line | None = None


def _marks(spans: list[Span]) -> str:
    return "".join(ch for s in spans for ch in s.text if not ch.isspace() and ch not in ",")


def _symbols_only(text: str) -> bool:
    """A run of footnote symbols alone ("*", "†‡"), set apart from the name it marks."""
    text = text.strip(" ,")
    return bool(text) and all(ch in MARK_CHARS for ch in text)


def _pieces(line: Line) -> list[_Piece]:
    """A line cut at separators (, ; & and ·), superscript marks, wide gaps and changes of weight."""
    pieces: list[_Piece] = []
    chunk: list[Span] = []
    marks: list[Span] = []

    def flush() -> None:
        if not chunk:
            if marks and pieces:
                pieces[-1].marks += _marks(marks)
                pieces[-1].glued = True
            marks.clear()
            return
        text = join_spans(chunk)
        raw = [p for p in _NAME_SPLIT_RE.split(text) if p.strip()]
        x = (chunk[0].x0 + chunk[-1].x1) / 2
        for i, piece in enumerate(raw):
            # Only the last name before a mark carries it ("A, B†" marks B alone).
            tail = _TRAILING_MARKS_RE.search(piece)
            symbols = "".join(ch for ch in tail.group() if ch in MARK_CHARS) if tail else ""
            raised = _marks(marks) if i == len(raw) - 1 else ""
            marked = bool(raised or symbols)
            pieces.append(_Piece(clean_name(piece), raised + symbols, x, glued=marked, raw=piece.strip()))
        chunk.clear()
        marks.clear()

    for s in line.spans:
        if s.sup or _symbols_only(s.text):
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


def _caps_evidence(pieces: list[_Piece], known: set[str]) -> bool:
    """Names set in capitals need evidence that they are names: several of them separated as a list,
    a mark glued to one, an affiliation after the first, or the PDF's metadata naming one."""
    shaped = [p for p in pieces if looks_like_name(p.name, caps_ok=True)]
    if not shaped:
        return False
    if len(shaped) >= 2 or any(p.glued for p in shaped) or any(name_key(p.name) in known for p in shaped):
        return True
    rest = " ".join(p.name for p in pieces[1:])
    return pieces[0] in shaped and bool(rest) and bool(AFFILIATION_RE.search(rest))


def name_pieces(line: Line, reader: _Reader) -> tuple[list[_Piece], str] | None:
    """The line's name pieces and any affiliation printed after them, if it is a line of names.

    Allowed besides full names: halves of a name broken at the line's ends, a one-word name between
    separators with more names after it ("..., Mausam, and Oren Etzioni"), and an affiliation after the
    names ("TAL AUGUST, University of Washington, USA", as ACM journals print authors).
    """
    if "@" in line.text or LABEL_RE.match(line.text) or (reader.bold_names and not line.bold):
        return None
    pieces = [p for p in _pieces(line) if not GRADE_RE.match(p.name)]
    if not pieces:
        return None
    caps_ok = _caps_evidence(pieces, reader.known)
    names: list[_Piece] = []
    tail = ""
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        if (
            looks_like_name(piece.name, caps_ok=caps_ok)
            or name_key(piece.name) in reader.known
            or (fragment(piece.name) and ((i == 0 and piece.open_start) or (last and piece.open_end)))
        ):
            names.append(piece)
        elif fragment(piece.name) and not piece.name.isupper() and _name_follows(pieces[i + 1 :], caps_ok):
            names.append(piece)  # a one-word name inside a list of names
        elif names and AFFILIATION_RE.search(" ".join(p.name for p in pieces[i:])):
            # "NAME, affiliation": the rest of the line is where this author works.
            tail = ", ".join(p.raw for p in pieces[i:])
            break
        else:
            return None
    if not any(looks_like_name(p.name, caps_ok=caps_ok) or name_key(p.name) in reader.known for p in names):
        return None
    return names, tail


def _name_follows(pieces: list[_Piece], caps_ok: bool) -> bool:
    return any(looks_like_name(p.name, caps_ok=caps_ok) for p in pieces)


def _full_name(piece: _Piece, reader: _Reader, caps_ok: bool = True) -> bool:
    return looks_like_name(piece.name, caps_ok=caps_ok) or name_key(piece.name) in reader.known


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


def _same_style(line: Line, reader: _Reader) -> bool:
    """Names of one paper share a style; an affiliation line of capitalised words ("New York") does not.

    Author blocks side by side share a baseline instead: Word templates set them in sizes a point apart.
    """
    first = reader.first_name_line
    if first is None or (abs(line.size - first.size) <= 0.6 and line.bold == first.bold):
        return True
    return any(abs(line.base - reader.lines[p.line].base) <= 0.3 * line.size for p in reader.people)


def parse_authors(lines: list[Line], known_names: Sequence[str] = ()) -> list[Author]:
    """Authors in printed order from the lines between title and abstract; affiliations by marks or position.

    known_names (the PDF's metadata authors) only confirm a name the page prints: a name set in
    capitals, or one word. Two people of the same name are two authors: only a name drawn twice at the
    same place (fake bold) counts once.
    """
    if not lines:
        return []
    reader = _Reader(lines, {name_key(n) for n in known_names})
    reader.bold_names = any(_is_name_line(line) and name_pieces(line, reader) for line in lines)
    group = -1
    prev_pieces: list[_Piece] | None = None
    for index, line in enumerate(lines):
        found = name_pieces(line, reader) if _same_style(line, reader) else None
        if found is None or _unmarked_among_marked(found[0], prev_pieces, reader):
            prev_pieces = None
            _read_affiliations(line, reader, max(group, 0))
            continue
        pieces, tail = found
        reader.first_name_line = reader.first_name_line or line
        if prev_pieces is None:
            group += 1
        _add_people(pieces, prev_pieces, index, max(group, 0), reader)
        for person in reader.people:
            if tail and person.line == index:
                person.printed_with.append(tail)
        prev_pieces = pieces
    if not reader.people:
        return _team(lines)
    people = _reading_order(reader.people, lines)
    return [Author(name=normal_case(p.name), affiliations=_affiliations_of(p, reader)) for p in people]


def _unmarked_among_marked(pieces: list[_Piece], prev_pieces: list[_Piece] | None, reader: _Reader) -> bool:
    """Capitalised words under affiliation lines ("Cell and Molecular Biology") where every author so far
    carries an affiliation mark and these carry none: the affiliations go on, no new authors start."""
    people = reader.people
    return (
        prev_pieces is None
        and len(people) >= 2
        and all(p.marks for p in people)
        and not any(p.marks for p in pieces)
    )


def _team(lines: list[Line]) -> list[Author]:
    """A team or collaboration that signs the paper, where no person's name is printed."""
    for line in lines:
        text = clean_name(line.text)
        if TEAM_RE.match(text):
            return [Author(name=text)]
    return []


def _add_people(
    pieces: list[_Piece], prev_pieces: list[_Piece] | None, index: int, group: int, reader: _Reader
) -> None:
    """The people of one name line; a name broken across the line end is joined ("Yu" / "Han")."""
    people = reader.people
    if prev_pieces and prev_pieces[-1].open_end and pieces[0].open_start:
        tail, head = prev_pieces[-1], pieces[0]
        joined = f"{tail.name} {head.name}"
        if (fragment(tail.name) or fragment(head.name)) and looks_like_name(joined, caps_ok=True):
            if people and people[-1].name == tail.name:
                people.pop()
            head.name = joined
    for i, piece in enumerate(pieces):
        # One word is a name only inside a list of names (a full name follows it on the line);
        # else it is half of a name whose other half opens the next line, joined there.
        if not _full_name(piece, reader) and not any(_full_name(p, reader) for p in pieces[i + 1 :]):
            continue
        if any(p.line == index and p.name == piece.name and abs(p.x - piece.x) < 1.0 for p in people):
            continue  # the same name drawn twice at one place: fake bold
        people.append(_Person(piece.name, piece.marks, piece.x, group, index))


def _read_affiliations(line: Line, reader: _Reader, group: int) -> None:
    """Affiliation text of a line that holds no names: by its marks, else under the group of names."""
    if "@" in line.text or line.text.startswith("{") or all(s.mono for s in line.spans):
        return
    last_mark = ""
    row: list[tuple[str, float]] = []
    for marks, text, x in _affiliation_segments(line):
        if marks:
            reader.by_mark.setdefault(marks, []).append(text)
            last_mark = marks
        elif last_mark:
            reader.by_mark[last_mark][-1] += ", " + text
        else:
            row.append((text, x))
    if row:
        reader.by_group.setdefault(group, []).append(row)


def _affiliations_of(person: _Person, reader: _Reader) -> list[str]:
    affiliations = list(person.printed_with)
    for mark, texts in reader.by_mark.items():
        if mark and mark in person.marks:
            affiliations.extend(texts)
    if affiliations:
        return affiliations
    return _unmarked_affiliations(person, reader.people, reader.by_group.get(person.group, []))


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


def _reading_order(people: list[_Person], lines: list[Line]) -> list[_Person]:
    """People in reading order: author blocks side by side are read block by block.

    A row of blocks is a baseline that several name lines share; a name line right under a block's
    name (nothing between them in that column) is the same block's next author, read before the
    block to the right. Anything else keeps its place from top to bottom.
    """
    name_lines = sorted({p.line for p in people})
    head: dict[int, int] = {}  # name line -> the first name line of its row of blocks
    column: dict[int, float] = {}  # name line -> left edge of its block
    for i in name_lines:
        same = [j for j in name_lines if abs(lines[j].base - lines[i].base) <= 0.3 * lines[i].size]
        if len(same) >= 2:
            head[i] = min(same, key=lambda j: lines[j].top)
            column[i] = lines[i].x0
    for i in name_lines:
        above = _line_above(i, lines)
        if i not in head and above is not None and above in head:
            head[i], column[i] = head[above], column[above]

    def key(p: _Person) -> tuple[float, float, float, float]:
        line = lines[p.line]
        if p.line not in head:
            return (line.top, 0.0, line.top, p.x)
        return (lines[head[p.line]].top, column[p.line], line.top, p.x)

    return sorted(people, key=key)


def _line_above(i: int, lines: list[Line]) -> int | None:
    """The nearest line above line i that overlaps it horizontally."""
    line = lines[i]
    above = [
        j
        for j, other in enumerate(lines)
        if other.top < line.top - 0.3 * line.size and other.x0 < line.x1 and line.x0 < other.x1
    ]
    return max(above, key=lambda j: lines[j].top) if above else None
