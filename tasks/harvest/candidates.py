"""Candidate award papers found from a page's structure, whatever markup it uses.

A candidate is a title-like field of a block (a whole line, or the emphasised / linked / quoted /
class-marked part of one, or a heading followed by an author line) under an award: the innermost
heading that names one, a "**Label**:" or award-phrase paragraph before the records, an award line
inside the record (a row's award cell, a category line after its authors), or the label that opens
the item. It is paired with its author line: the rest of its line ("by A, B", "A, B. [Title]"),
a later line of its record, or the next block. Prose is never a candidate: a marked phrase inside a
sentence is a mention, not a record (a quoted title with its "by" clause is the exception). Each
candidate keeps the features that make it strong or weak; how they weigh is the reader's business
(tasks/harvest/announcements.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from tasks.harvest.line_fields import (
    LIST_TAGS,
    MIN_NAMES,
    MIN_TITLE,
    PAPER_LINK_RE,
    Field,
    is_noise,
    line_fields,
)
from tasks.harvest.page_structure import Block, Page, read_page
from tasks.harvest.text_shapes import (
    AWARD_RE,
    LABEL_WORD_RE,
    NOT_AN_AWARD_RE,
    SPECIFIC_AWARD_RE,
    award_words,
    clean,
    is_award_phrase,
    singular,
    split_names,
    title_likeness,
)

# An award named inside a sentence: "the best paper award goes to ...".
_AWARD_IN_PROSE_RE = re.compile(
    r"\b((?:best|outstanding|distinguished|honou?rable|test[- ]of[- ]time)[\w\s-]{0,40}?"
    r"(?:awards?|prizes?|papers?|mentions?))\b",
    re.IGNORECASE,
)


@dataclass
class Features:
    """What makes a candidate strong or weak; the reader weighs them (ReaderParams)."""

    title: float  # title-likeness of the text, 0..1
    authors: bool = False  # paired with an author line
    styled: bool = False  # set apart: emphasis, link, quotes, heading, class
    marked: bool = False  # a class / column says title or paper
    paper_link: bool = False  # links to a paper host (arXiv, OpenReview, DOI, proceedings...)
    repeated: bool = False  # its record shape repeats on the page (a list of winners)
    specific_award: bool = False  # the award context names which award, not just "Awards"


@dataclass
class PageCandidate:
    title: str
    award_text: str
    section: str
    authors: list[str] | None
    source_text: str
    features: Features
    shape: str = ""
    evidence: list[str] = field(default_factory=list)


@dataclass
class _Context:
    page_title: str
    headings: list[tuple[int, str]] = field(default_factory=list)
    label: str | None = None  # a "**Label**:" paragraph: the award (or track) of what follows

    def push(self, level: int, text: str) -> None:
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, clean(text).rstrip(":")))
        self.label = None

    def section(self) -> str:
        return " / ".join(text for _, text in self.headings)

    def base(self) -> tuple[str, bool] | None:
        """The award the headings name (text, specific?), innermost first; the page title last."""
        texts = [text for _, text in self.headings]
        for i in range(len(texts) - 1, -1, -1):
            if award_words(texts[i]):
                if SPECIFIC_AWARD_RE.search(texts[i]):
                    return singular(texts[i]), True
                # "Awards" > "Philips Impact Prizes" / "Student Grants": the deeper heading says which.
                return singular(texts[i + 1] if i + 1 < len(texts) else texts[i]), False
        if award_words(self.page_title):
            return singular(self.page_title), bool(SPECIFIC_AWARD_RE.search(self.page_title))
        return None

    def award(self, item_label: str | None) -> tuple[str, bool] | None:
        base = self.base()
        for label in (item_label, self.label):
            if not label:
                continue
            if award_words(label):
                return label, True
            if base is not None:
                return f"{base[0]}: {label}", base[1]
        return base


def _content(fields: list[Field]) -> list[Field]:
    return [f for f in fields if not f.label and not is_noise(f)]


def _is_names(f: Field) -> bool:
    return f.names() >= MIN_NAMES and f.names() > f.title()


def _award_line(fields: list[Field]) -> str | None:
    """A record's award line: an award cell / class, or a short phrase naming an award."""
    if len(fields) != 1 or fields[0].label:
        return None
    f = fields[0]
    if f.marks & {"award", "awards", "prize"} or is_award_phrase(f.text):
        return clean(f.text)
    return None


class _Finder:
    def __init__(self, page: Page) -> None:
        self.blocks = page.blocks
        self.ctx = _Context(page_title=page.title)
        self.found: list[PageCandidate] = []
        self.claimed: set[int] = set()  # blocks read as another block's author line
        self.fields = [[line_fields(line) for line in b.lines] for b in self.blocks]
        self.pending: PageCandidate | None = None  # a record waiting for its award line

    def run(self) -> list[PageCandidate]:
        for b in self.blocks:
            if b.index in self.claimed:
                continue
            if b.level:
                self.heading(b)
            else:
                self.item(b)
        self.found = [c for c in self.found if c.award_text]  # no award ever named: not a record
        shapes = Counter(c.shape for c in self.found)
        for c in self.found:
            c.features.repeated = shapes[c.shape] >= 2
            if c.features.repeated:
                c.evidence.append(f"one of {shapes[c.shape]} records of the same shape")
        return self.found

    # ------------------------------------------------------------------ pairing
    def _author_block(self, index: int) -> list[str] | None:
        """The names of the block after `index`, when it is an author line alone."""
        nxt = index + 1
        if nxt >= len(self.blocks) or self.blocks[nxt].level or nxt in self.claimed:
            return None
        first = _content(self.fields[nxt][0]) if self.fields[nxt] else []
        here = [f.kind for fs in self.fields[index] for f in fs]
        if self.blocks[nxt].shape == self.blocks[index].shape and [f.kind for f in first] == here:
            return None  # the next item of the same list, not this item's author line
        if len(first) == 1 and _is_names(first[0]):
            self.claimed.add(nxt)
            return split_names(first[0].text) or None
        return None

    def _award_block(self, index: int) -> str | None:
        """An award line standing alone right after a record (a category line of a card)."""
        nxt = index + 1
        if nxt >= len(self.blocks) or self.blocks[nxt].level or len(self.fields[nxt]) != 1:
            return None
        found = _award_line(_content(self.fields[nxt][0]))
        if found:
            self.claimed.add(nxt)
        return found

    # ------------------------------------------------------------------ blocks
    def heading(self, b: Block) -> None:
        self.pending = None
        text = clean(b.text)
        award = self.ctx.award(None)
        titled = (
            award is not None
            and not AWARD_RE.search(text)
            and not NOT_AN_AWARD_RE.search(text)
            and not b.text.rstrip().endswith(":")  # "Most Active Attendee:": a label heading
            and title_likeness(text) >= MIN_TITLE
        )
        if titled and award is not None:
            authors = self._author_block(b.index)
            linked = any(PAPER_LINK_RE.search(f.href or "") for fs in self.fields[b.index] for f in fs)
            if authors is not None or linked:
                feats = Features(
                    title_likeness(text), authors is not None, True, False, linked, False, award[1]
                )
                self.add(text, award[0], authors, b.text, feats, f"h{b.level}|title+authors")
                return
        self.ctx.push(b.level, text)

    def item(self, b: Block) -> None:
        lines = self.fields[b.index]
        content = [_content(fs) for fs in lines]
        labels = [f for fs in lines for f in fs if f.label]
        if len(lines) == 1 and labels and not content[0]:
            self.ctx.label, self.pending = clean(labels[0].text), None  # "**Reproduction Award**:"
            return
        if len(lines) == 1 and (award_line := _award_line(content[0])):
            if self.pending is not None:  # a card's category line, after its title and authors
                self.pending.award_text, self.pending = award_line, None
            else:  # "**Best Paper**" alone: a heading in bold
                self.ctx.label = award_line
            return
        first_label = labels[0].text if labels and lines[0] and lines[0][0].label else None
        if (
            first_label is not None
            and not award_words(first_label)
            and LABEL_WORD_RE.match(first_label + ":")
        ):
            first_label = None  # "Session: ...", "Note: ...": a field, not an award
        if first_label and len(lines) == 1 and award_words(first_label) and not _has_title(content[0]):
            self.ctx.label, self.pending = first_label, None  # "**Entropic Paper Award**: what it is for."
            return
        self.records(b, content, first_label)

    def records(self, b: Block, content: list[list[Field]], item_label: str | None) -> None:
        """The records of one block: usually one, several when the block repeats title and authors."""
        first_kind: str | None = None
        for i, fields in enumerate(content):
            picked = _title_of(fields) if fields else None
            if picked is None:
                continue
            title, authors = picked
            if first_kind is not None and (title.kind != first_kind or not title.styled):
                continue  # a track or note line inside the record, not another record
            first_kind = title.kind
            authors = authors or _next_names(content, i, title.kind)
            names = split_names(authors.text) if authors is not None else None
            if names is None and i == len(content) - 1:
                names = self._author_block(b.index)
            if not names and not title.styled and len(fields) == 1 and b.tag not in LIST_TAGS:
                continue  # a plain paragraph with no author line is prose, not a record
            row_award = next((a for fs in content[i + 1 :] if (a := _award_line(fs))), None)
            prose_award = _AWARD_IN_PROSE_RE.search(b.text) if title.kind == "quote" else None
            label = item_label or row_award or (prose_award.group(1) if prose_award else None)
            award = self.ctx.award(label)
            feats = Features(
                title=title.title(),
                authors=bool(names),
                styled=title.styled,
                marked=bool(title.marks & {"title", "titles", "paper", "papers"}),
                paper_link=any(PAPER_LINK_RE.search(f.href or "") for fs in content for f in fs),
                specific_award=award is not None and award[1],
            )
            shape = f"{b.shape}|{'>'.join(f.kind for f in fields)}|{'authors' if names else '-'}"
            made = self.add(title.text, award[0] if award else "", names, b.text, feats, shape)
            self.pending = made if not feats.specific_award and not label else None
            if self.pending is not None and (late := self._award_block(b.index)):
                made.award_text, made.features.specific_award, self.pending = late, True, None

    def add(
        self, title: str, award: str, authors: list[str] | None, source: str, feats: Features, shape: str
    ) -> PageCandidate:
        evidence = [f"under {award!r}"] if award else []
        evidence += ["author line"] if feats.authors else []
        evidence += ["set apart"] if feats.styled else []
        evidence += ["class or column says title"] if feats.marked else []
        evidence += ["links to a paper host"] if feats.paper_link else []
        made = PageCandidate(clean(title), award, self.ctx.section(), authors, source, feats, shape, evidence)
        self.found.append(made)
        return made


def _has_title(fields: list[Field]) -> bool:
    return any(f.styled and f.title() >= MIN_TITLE for f in fields)


def _next_names(content: list[list[Field]], i: int, kind: str) -> Field | None:
    """The author line after line i of a record, before the next title: of several lines that read
    as names (a track "Social Science and Cultural Analytics" can), the longest list of people."""
    found: list[Field] = []
    for fields in content[i + 1 :]:
        if any(f.kind == kind and f.styled for f in fields):
            break
        if len(fields) == 1 and _is_names(fields[0]):
            found.append(fields[0])
    return max(found, key=lambda f: (round(f.names(), 1), len(split_names(f.text))), default=None)


def _title_of(fields: list[Field]) -> tuple[Field, Field | None] | None:
    """The title field of a line and its author field on the same line, if the line is a record."""
    if len(fields) == 1:
        only = fields[0]
        if only.title() >= MIN_TITLE and only.names() < max(MIN_NAMES, only.title()):
            return only, None
        return None
    best = max(fields, key=lambda f: (f.styled, f.title()))
    if best.title() < MIN_TITLE or not best.styled:
        return None
    authors: Field | None = None
    position = fields.index(best)
    for n, other in enumerate(fields):
        if other is best:
            continue
        if _is_names(other):
            authors = authors or other
        elif len(other.text.split()) > 3 and not other.text.strip().startswith(("(", "[")):
            if best.kind != "quote":
                return None  # a marked phrase inside a sentence: a mention, not a record
        elif n < position and other.kind != "plain":
            return None
    return best, authors


def find_candidates(html: str) -> list[PageCandidate]:
    """Every candidate award paper of a page, in document order (module doc)."""
    return _Finder(read_page(html)).run()
