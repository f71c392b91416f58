"""The fields of a line of an award page: how each part is set and what it reads as.

A line's runs are grouped by how they are set (link, bold, italic, plain); a plain part holding a
quoted title or a "by ..." clause is split; a leading "**Label**:" (or "Best Paper Award, prize:"
in plain text) is marked as a label, the award or field name of what follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.harvest.page_structure import Line, Style
from tasks.harvest.text_shapes import is_award_phrase, names_likeness, title_likeness

MIN_TITLE = 0.45  # title-likeness below which a field is not a candidate at all
MIN_NAMES = 0.5  # names-likeness from which a field is an author line
# Where papers live: a link there says the text it sits on is a paper.
PAPER_LINK_RE = re.compile(
    r"arxiv\.org|openreview\.net|doi\.org|aclanthology\.org|aclweb\.org/anthology|proceedings\.|"
    r"papers\.nips\.cc|dl\.acm\.org|ieeexplore|link\.springer|sciencedirect|semanticscholar\.org|"
    r"dblp\.org|/papers?[/_-]|/posters?[/_-]|forum\?id=|\.pdf\b",
    re.IGNORECASE,
)
_BY_RE = re.compile(r"^\s*(?:by\b|[—–]|-\s)\s*", re.IGNORECASE)
# A full stop after a word (not an initial "J."), then the next sentence.
_SENTENCE_END_RE = re.compile(r"(?<=[a-z]{2})[.;!?](?=\s+[A-Z]|\s*$)")
_QUOTED_RE = re.compile(r"[“\"]([^“”\"]{6,300})[”\"]")
_ID_RE = re.compile(r"^[\w#.]{1,8}\s*[-–—:.]?$")  # "A3 -", "#12.": a paper id before its title
LIST_TAGS = frozenset({"li", "dd", "dt", "tr", "td", "th"})  # an item of a list may be a bare title
_PREFIX_RE = re.compile(r"^(.{1,200}?):\s+(\S.*)$", re.S)


@dataclass
class Field:
    """A part of a line set one way: a link, bold / italic text, a quote, plain text."""

    text: str
    kind: str  # "link" | "bold" | "italic" | "quote" | "by" | "plain"
    href: str | None = None
    marks: frozenset[str] = frozenset()
    label: bool = False  # "**Best Paper Award:**", "Session:": names what follows

    @property
    def styled(self) -> bool:
        return self.kind in {"link", "bold", "italic", "quote"} or "title" in self.marks

    def names(self) -> float:
        if self.marks & {"abstract", "title", "titles"}:
            return 0.0
        boost = 0.3 if self.kind == "by" or self.marks & {"author", "authors", "names", "byline"} else 0.0
        return min(1.0, names_likeness(self.text) + boost)

    def title(self) -> float:
        if self.kind == "by" or "abstract" in self.marks or self.marks & {"author", "authors", "byline"}:
            return 0.0
        return title_likeness(self.text, names=self.names() if self.marks else None)


# --------------------------------------------------------------------------- fields of a line
def _kind(style: Style) -> str:
    if style.link:
        return "link"
    if style.bold:
        return "bold"
    return "italic" if style.italic else "plain"


def _split_plain(f: Field) -> list[Field]:
    """A plain field with a quoted title inside, or starting with "by" / a dash, read as such."""
    if f.kind != "plain":
        return [f]
    if _BY_RE.match(f.text):
        # "by A, B and C" - in prose, up to the sentence's end ("... and C. This year ...").
        text = _BY_RE.sub("", f.text)
        end = _SENTENCE_END_RE.search(text)
        clause, rest = (text[: end.start()], text[end.end() :]) if end else (text, "")
        if names_likeness(clause) >= MIN_NAMES:
            tail = [Field(rest, "plain", marks=f.marks)] if rest.strip() else []
            return [Field(clause, "by", f.href, f.marks), *tail]
    found = _QUOTED_RE.search(f.text)
    if found and len(found.group(1).split()) >= 2:
        before, after = f.text[: found.start()], f.text[found.end() :]
        parts = [Field(before, "plain", marks=f.marks), Field(found.group(1), "quote", marks=f.marks)]
        return [p for p in parts if p.text.strip()] + _split_plain(Field(after, "plain", marks=f.marks))
    return [f]


def line_fields(line: Line) -> list[Field]:
    """The fields of a line; a leading label ("**Award**:", "Award, prize: ...") is marked as one."""
    fields: list[Field] = []
    for run in line.runs:
        text = run.text
        if not text.strip():
            continue
        kind, href = _kind(run.style), run.style.link
        if not re.sub(r"[\W_]+", "", text):  # punctuation only: it belongs to the field before
            if fields:
                fields[-1].text += text
            continue
        if fields and fields[-1].kind == kind and fields[-1].href == href:
            fields[-1].text += text
            fields[-1].marks |= run.style.marks
        else:
            fields.append(Field(text, kind, href, run.style.marks))
    for f in fields:
        f.text = " ".join(f.text.replace("\\", " ").split())
    fields = [f for f in fields if f.text]
    if not fields:
        return []
    first = fields[0]
    if first.kind != "plain" and len(first.text.split()) <= 12:
        rest = fields[1].text if len(fields) > 1 else ""
        if first.text.rstrip(" -–—").endswith(":") or rest.startswith(":"):
            first.label = True
            first.text = first.text.rstrip(":-–— ")
            if len(fields) > 1:
                fields[1].text = fields[1].text.lstrip(":- ").strip()
                fields = [f for f in fields if f.text]
    elif first.kind == "plain" and (m := _PREFIX_RE.match(first.text)):
        head = m.group(1).strip()
        # "Best Paper Award, prize: A, B for their paper [Title]", "(Poster #12): A, B. [Title]"
        if is_award_phrase(head) or re.fullmatch(r"\(.*\)|#?\d+", head):
            fields[:1] = [Field(head, "plain", label=True), Field(m.group(2), "plain", marks=first.marks)]
    out: list[Field] = []
    for f in fields:
        out += _split_plain(f) if not f.label else [f]
    return out


def is_noise(f: Field) -> bool:
    """A paper id ("A3 -"), a one-word link ("PDF", "video"), punctuation: not a title, not names."""
    words = f.text.strip("()[] ").split()
    return not words or bool(_ID_RE.match(f.text.strip())) or (len(words) == 1 and f.kind == "link")
