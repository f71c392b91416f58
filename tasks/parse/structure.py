"""Lines in reading order -> headings, paragraphs, captions and reference entries."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median
from typing import Literal

from tasks.models import Caption, Section
from tasks.parse.layout import Line, Page
from tasks.parse.text import Vocabulary, join_lines

_NUMBERED_RE = re.compile(r"^(?P<num>(?:\d{1,2}|[A-Z])(?:\.\d{1,2}){0,3})\.?\s+(?P<title>\S.{0,100})$")
_KNOWN_HEADINGS = {
    "abstract",
    "introduction",
    "background",
    "related work",
    "related works",
    "method",
    "methods",
    "methodology",
    "experiments",
    "results",
    "discussion",
    "conclusion",
    "conclusions",
    "limitations",
    "ethics statement",
    "ethical considerations",
    "broader impact",
    "broader impacts",
    "acknowledgments",
    "acknowledgements",
    "acknowledgment",
    "acknowledgement",
    "references",
    "bibliography",
    "literature cited",
    "appendix",
    "appendices",
    "supplementary material",
}
# Headings that stand in for "Abstract" when they are the first heading of the paper (JOSS papers
# have a "Summary", some theses a "Preface").
ABSTRACT_STANDINS = {"summary", "preface", "executive summary", "synopsis"}
_CHAPTER_RE = re.compile(r"^chapter\s+(\d{1,2}|[IVX]{1,5})$", re.I)
_CONTENTS_HEADINGS = {"contents", "table of contents", "list of figures", "list of tables"}
_LEADER_RE = re.compile(r"(?:\.\s?){5,}\s*[\divxlc]+$")
_REFERENCES = {"references", "bibliography", "literature cited", "works cited"}
_CAPTION_RE = re.compile(
    r"^(?P<kind>figure|fig\.|table|tab\.)\s*(?P<num>[A-Z]?\d+(?:\.\d+)?|[IVX]+)\s*(?P<sep>[:.|—–-])\s*",
    re.I,
)
ABSTRACT_WORDS = r"abstract|résumé|resume|summary|zusammenfassung|resumen|resumo|sommario"
# "Abstract." / "ABSTRACT:" / "Résumé." run into the abstract's first line.
ABSTRACT_RUNIN_RE = re.compile(rf"^(?:{ABSTRACT_WORDS})\s*[.:—–-]\s*", re.I)
_C1_RE = re.compile(r"[\x80-\x9f]")
_SENTENCE_END = ".!?:"
_ABBREVIATION_END_RE = re.compile(r"\b(al|e\.g|i\.e|cf|vs|etc|Fig|Figs|Eq|Eqs|Sec|Tab|resp|approx)\.$")


@dataclass(slots=True)
class Block:
    kind: Literal["heading", "paragraph", "caption"]
    lines: list[Line] = field(default_factory=list)
    number: str | None = None  # headings only
    heading: str = ""


@dataclass(slots=True)
class Layout:
    """Document-wide measures the block rules compare against."""

    body_size: float
    leading: float
    pages: dict[int, Page]

    def indented(self, line: Line) -> bool:
        left = self.pages[line.page].col_left.get(line.column, line.x0)
        return line.x0 - left > 0.6 * line.size

    def short(self, line: Line) -> bool:
        right = self.pages[line.page].col_right.get(line.column, line.x1)
        return right - line.x1 > 2.5 * line.size


def measure(pages: list[Page], body_size: float) -> Layout:
    """Body size and the usual baseline distance of body lines."""
    gaps: list[float] = []
    for page in pages:
        prev: Line | None = None
        for line in page.lines:
            if abs(line.size - body_size) <= 1.0 and prev is not None and prev.column == line.column:
                gap = line.base - prev.base
                if 0.9 * body_size < gap < 2.0 * body_size:
                    gaps.append(gap)
            prev = line
    return Layout(body_size, median(gaps) if gaps else 1.2 * body_size, {p.number: p for p in pages})


def heading_parts(line: Line, layout: Layout) -> tuple[str | None, str] | None:
    """(number, heading) if the line is a section heading, else None."""
    text = line.text.strip()
    if len(text) > 110 or len(text) < 3 or not text[0].isalnum():
        return None
    # Small caps put most letters in a smaller size: judge a heading by its largest run.
    size = line.max_size
    emphasised = line.bold or size >= 1.12 * layout.body_size
    if size < 0.9 * layout.body_size:
        return None
    m = _NUMBERED_RE.match(text)
    # Deep subsections are often set in small caps at body size: "4.2.1 CASE CONTROL MATCHING".
    if m and not emphasised and "." in m.group("num") and m.group("title").isupper():
        emphasised = len(m.group("title")) > 3
    if m and emphasised:
        title = m.group("title").strip()
        num = m.group("num")
        words = title.split()
        if (
            title[:1].isupper()
            and len(words) <= 14
            and not title.endswith((",", ";"))
            and sum(ch.isalpha() for ch in title) >= 0.6 * len(title.replace(" ", ""))
            and not (num.isalpha() and len(words) > 10)
        ):
            return num, title.rstrip(".")
    bare = text.rstrip(".: ").lower()
    if bare in _KNOWN_HEADINGS and (emphasised or text.isupper()):
        return None, text.rstrip(".: ")
    if line.bold and line.size >= 1.12 * layout.body_size and len(text.split()) <= 10 and text[0].isupper():
        return None, text.rstrip(".: ")
    return None


def is_named_heading(line: Line, layout: Layout) -> bool:
    """A numbered heading or a standard one ("Abstract", "Introduction"): not just big bold text.

    A heading numbered with a letter counts only as an appendix does, after the references: on
    page 1 "A THESIS" is the start of a title page's boilerplate.
    """
    parts = heading_parts(line, layout)
    if parts is None:
        return False
    number, heading = parts
    if number is not None:
        return not number[:1].isalpha()
    return heading.lower() in _KNOWN_HEADINGS or heading.lower() in ABSTRACT_STANDINS


def _continues(prev: Line, line: Line, layout: Layout) -> bool:
    """Whether line continues the paragraph whose last line is prev."""
    if abs(prev.size - line.size) > 1.2:
        return False
    end = prev.text.rstrip()
    ends_sentence = end[-1:] in _SENTENCE_END and not _ABBREVIATION_END_RE.search(end)
    if prev.page != line.page or prev.column != line.column:
        # Across a column or page break only indentation or a short last line says "new paragraph".
        return not layout.indented(line) and not (ends_sentence and layout.short(prev))
    step = line.base - prev.base
    if step <= 0.3 * line.size or step > 1.45 * layout.leading:
        return False
    if layout.indented(line) and line.x0 - prev.x0 > 0.6 * line.size:
        return False
    return not (ends_sentence and layout.short(prev))


def build_blocks(lines: list[Line], layout: Layout) -> tuple[list[Block], list[Line]]:
    """Headings, paragraphs and captions in reading order, plus the small print (footnotes, notes)."""
    builder = _Builder(layout)
    for line in lines:
        if not line.drop:
            builder.add(line)
    return builder.blocks, builder.small


@dataclass
class _Builder:
    """Blocks as lines arrive: the open caption, the open paragraph and one held behind a sidebar line."""

    layout: Layout
    blocks: list[Block] = field(default_factory=list)
    small: list[Line] = field(default_factory=list)
    para: Block | None = None
    held: Block | None = None  # a paragraph a line beside it interrupted (a sidebar, a margin note)
    caption: Block | None = None
    headed: bool = False  # a heading came: what follows is no abstract

    def add(self, line: Line) -> None:
        layout = self.layout
        if _is_caption_start(line, layout):
            self.caption = Block("caption", [line])
            self.blocks.append(self.caption)
            return
        if self.caption is not None and self._caption_goes_on(line):
            return
        if line.max_size < 0.85 * layout.body_size:
            self._small(line)
            return
        parts = heading_parts(line, layout)
        if parts is not None:
            self.blocks.append(Block("heading", [line], number=parts[0], heading=parts[1]))
            self.para = self.held = None
            self.headed = True
            return
        blocks = self.blocks
        if blocks and blocks[-1].kind == "heading" and _heading_continues(blocks[-1], line, layout):
            blocks[-1].lines.append(line)
            blocks[-1].heading += " " + line.text.strip().rstrip(".: ")
            return
        self._paragraph(line)

    def _caption_goes_on(self, line: Line) -> bool:
        assert self.caption is not None
        last, first = self.caption.lines[-1], self.caption.lines[0]
        beside = line.x0 > max(c.x1 for c in self.caption.lines) or line.x1 < first.x0
        if (
            not beside
            and line.page == last.page
            and line.column == last.column
            and abs(line.size - last.size) < 0.6
            and 0 < line.base - last.base <= 1.5 * self.layout.leading
        ):
            self.caption.lines.append(line)
            return True
        # Text beside a caption (a wrapped figure) leaves the caption open for its next line.
        if not beside:
            self.caption = None
        return False

    def _small(self, line: Line) -> None:
        """Small print, unless it is an abstract set small under its run-in label ("ABSTRACT: ...")."""
        para, layout = self.para, self.layout
        if ABSTRACT_RUNIN_RE.match(line.text) and not self.headed:
            self.para = Block("paragraph", [line])
            self.blocks.append(self.para)
        elif (
            para is not None
            and para.lines[0].max_size < 0.85 * layout.body_size
            and _continues(para.lines[-1], line, layout)
        ):
            para.lines.append(line)
        else:
            self.small.append(line)

    def _paragraph(self, line: Line) -> None:
        para, held, layout = self.para, self.held, self.layout
        if para is not None and _continues(para.lines[-1], line, layout):
            para.lines.append(line)
            return
        if held is not None and _overlaps(held.lines[-1], line) and _continues(held.lines[-1], line, layout):
            # The paragraph a sidebar line interrupted goes on under it.
            held.lines.append(line)
            self.para, self.held = held, None
            return
        beside = para is not None and para.lines[-1].page == line.page and not _overlaps(para.lines[-1], line)
        self.held = para if beside else None
        self.para = Block("paragraph", [line])
        self.blocks.append(self.para)


def _overlaps(a: Line, b: Line) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1


def _is_caption_start(line: Line, layout: Layout) -> bool:
    """A "Figure 3:" / "Table 2." line with words after the label (not a row of a results table)."""
    m = _CAPTION_RE.match(line.text)
    if m is None or line.size < 0.7 * layout.body_size:
        return False
    rest = line.text[m.end() :].replace(" ", "")
    return not rest or sum(ch.isalpha() for ch in rest) >= 0.5 * len(rest)


def _heading_continues(heading: Block, line: Line, layout: Layout) -> bool:
    """A heading too long for one line wraps onto a second line in the same style."""
    last = heading.lines[-1]
    return (
        len(heading.lines) < 3
        and line.bold == last.bold
        and line.bold
        and abs(line.size - last.size) < 0.5
        and line.page == last.page
        and line.column == last.column
        and 0 < line.base - last.base <= 1.5 * layout.leading
        and len(line.text) < 80
        and not heading.heading.endswith(".")
    )


def block_text(block: Block, vocab: Vocabulary) -> str:
    return _C1_RE.sub("", join_lines([line.text for line in block.lines], vocab))


def sections_and_references(
    blocks: list[Block], layout: Layout, vocab: Vocabulary
) -> tuple[list[Section], list[Caption], list[Line]]:
    """Sections with their paragraphs, captions, and the lines of the reference list."""
    sections: list[Section] = []
    captions: list[Caption] = []
    ref_lines: list[Line] = []
    in_refs = False
    current: Section | None = None
    toc = _contents_pages(blocks)
    chapter: str | None = None
    for block in blocks:
        if block.lines[0].page in toc:
            # A thesis's table of contents lists "Bibliography" too: that is no reference list.
            continue
        if block.kind == "heading" and (m := _CHAPTER_RE.match(block.heading)) and not in_refs:
            chapter = m.group(1)  # "Chapter 3" over "Transfer Learning": one heading, numbered 3
            continue
        if chapter is not None and block.kind == "heading" and block.number is None:
            block.number = chapter
        chapter = None
        if block.kind == "caption":
            captions.append(_caption(block, vocab))
            continue
        if block.kind == "heading":
            number, heading = block.number, block.heading
            if heading.lower() in _REFERENCES:
                in_refs = True
                current = None
                continue
            if in_refs and not (number and number[0].isalpha()) and "appendi" not in heading.lower():
                # Inside the reference list only an appendix heading ends it.
                ref_lines.extend(block.lines)
                continue
            in_refs = False
            current = Section(heading=_C1_RE.sub("", heading), number=number)
            sections.append(current)
            continue
        if in_refs:
            ref_lines.extend(block.lines)
            continue
        if current is None:
            current = Section(heading="Untitled section")
            sections.append(current)
        text = block_text(block, vocab)
        if _is_prose(text):
            current.paragraphs.append(text)
    return sections, captions, ref_lines


def _contents_pages(blocks: list[Block]) -> set[int]:
    """Pages holding a table of contents (or list of figures): a heading saying so, or dot leaders."""
    pages: set[int] = set()
    leaders: dict[int, int] = {}
    for block in blocks:
        if block.kind == "heading" and block.heading.lower() in _CONTENTS_HEADINGS:
            pages.add(block.lines[0].page)
        for line in block.lines:
            if (". ." in line.text or "....." in line.text) and _LEADER_RE.search(line.text):
                leaders[line.page] = leaders.get(line.page, 0) + 1
    return pages | {page for page, n in leaders.items() if n >= 3}


def _is_prose(text: str) -> bool:
    """False for the debris of displayed equations and table cells ("m=1 for", "0.3 0.5")."""
    compact = text.replace(" ", "")
    if not compact or sum(ch.isalpha() for ch in compact) < 0.5 * len(compact):
        return False
    return len(text) >= 25 or text.endswith((".", "?", "!", ":"))


def _caption(block: Block, vocab: Vocabulary) -> Caption:
    text = block_text(block, vocab)
    m = _CAPTION_RE.match(text)
    if m is None:  # the first line matched; joining lines cannot undo that, but stay total
        return Caption(kind="figure", text=text, page=block.lines[0].page)
    word = "Table" if m.group("kind").lower().startswith("tab") else "Figure"
    return Caption(
        kind="table" if word == "Table" else "figure",
        label=f"{word} {m.group('num')}",
        text=text[m.end() :].strip(),
        page=block.lines[0].page,
    )
