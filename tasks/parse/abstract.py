"""The abstract: under its heading, after a run-in label, or the first prose after the byline.

Labels are the genre's own words: "Abstract", "Résumé", "Summary", and the headings of structured
abstracts ("Background:", "Objectives.", "Aims/hypothesis"), which the abstract text does not include.
Front matter boilerplate ("Received ...", "Academic Editor: ...", "Copyright ©", "This is an open
access article ...") is never taken for an abstract without a heading.
"""

from __future__ import annotations

import re

from tasks.parse.layout import Line
from tasks.parse.structure import (
    ABSTRACT_RUNIN_RE,
    ABSTRACT_STANDINS,
    ABSTRACT_WORDS,
    Block,
    Layout,
    block_text,
)
from tasks.parse.text import Vocabulary

# The label alone, as the first line of the abstract's paragraph or as its first run ("Abstract Splicing
# is ...", the label set in another font with no punctuation after it).
_ABSTRACT_LABEL_RE = re.compile(rf"^(?:{ABSTRACT_WORDS})$", re.I)
KEYWORDS_RE = re.compile(r"^(keywords|key words|index terms|ccs concepts|subjects|mots[- ]cl[ée]s)\b", re.I)
# Lines that may end the byline on their own: the abstract's and the first section's headings.
FRONT_HEADINGS = {
    "abstract", "summary", "résumé", "keywords", "key words", "index terms", "introduction",
    "background", "significance", "graphical abstract",
}  # fmt: skip
# Headings of a structured abstract's first part (medical and life-science journals).
_STRUCTURED_RE = re.compile(
    r"^(?:background|objectives?|aims?(?:\s*(?:/|and)\s*(?:hypothes[ie]s|objectives?|scope))?|purpose|"
    r"context|introduction|motivation|rationale|importance|premise|problem|summary)\b",
    re.I,
)
# A magazine's or a journal's ornament before the abstract's first word.
_BULLET_RE = re.compile(r"^[■□▪▫●○◆◇►▶•‣⁃–—]\s+")
# Paragraphs of front matter that are no abstract, whatever their length.
_BOILERPLATE_RE = re.compile(
    r"^(?:(?:received|accepted|published|revised)\b[^.]{0,40}\b(?:1[89]|20)\d\d|"
    r"(?:academic|handling|guest)? ?editors?:|academic editor|copyright\b|©|\(c\) ?\d{4}|"
    r"correspondence\b|corresponding author|this is an open[ -]access|citation:|cite this|funding:|"
    r"competing interests?|data availability|how to cite|licensee\b|keywords?\b|doi:)",
    re.I,
)


def split_abstract(
    blocks: list[Block], layout: Layout, vocab: Vocabulary
) -> tuple[str, int, str | None, list[Line]]:
    """(abstract, index of the first block after it, notice, footnote lines) from the blocks after
    the author list.

    The abstract is the text under an "Abstract" heading (or a first "Summary" / "Preface"), a run-in
    "Abstract." paragraph, or else the prose before the first heading. Paragraphs far below it on
    its page are the page's footnotes ("Correspondence to: ..."), not more abstract: they come back
    as footnote lines.
    """
    first_heading = True
    for i, block in enumerate(blocks[:8]):
        name = block.heading.lower() if block.kind == "heading" else ""
        heading = name == "abstract" or (first_heading and name in ABSTRACT_STANDINS)
        first_heading = first_heading and not name
        runin = _runin_text(block, vocab) if block.kind == "paragraph" else None
        if not (heading or runin is not None):
            continue
        parts = [] if heading else [runin or ""]
        j, more, notes = _abstract_paragraphs(blocks, i + 1, layout, vocab)
        return _without_label(parts + more, blocks[i + 1 : i + 2] if heading else [block]), j, None, notes
    return _unlabelled(blocks, vocab)


def _runin_text(block: Block, vocab: Vocabulary) -> str | None:
    """The paragraph's text after a run-in abstract label, or None if it has none."""
    text = block_text(block, vocab)
    if ABSTRACT_RUNIN_RE.match(text):
        return ABSTRACT_RUNIN_RE.sub("", text)
    first = block.lines[0]
    if _ABSTRACT_LABEL_RE.match(first.text.strip()) and len(block.lines) > 1:
        return block_text(Block("paragraph", block.lines[1:]), vocab)  # the label on a line of its own
    label = first.spans[0].text.strip()
    rest = first.spans[1:]
    if (
        _ABSTRACT_LABEL_RE.match(label)
        and rest
        and (first.spans[0].bold or first.spans[0].size > rest[0].size)
    ):
        return text[len(label) :].strip()  # the label in its own font, no punctuation
    return None


def _abstract_paragraphs(
    blocks: list[Block], j: int, layout: Layout, vocab: Vocabulary
) -> tuple[int, list[str], list[Line]]:
    """The paragraphs from block j up to the next heading or keywords line, and the footnotes below."""
    parts: list[str] = []
    notes: list[Line] = []
    last = blocks[j - 1].lines[-1]
    while j < len(blocks) and blocks[j].kind != "heading":
        if blocks[j].kind == "paragraph":
            more = block_text(blocks[j], vocab)
            if KEYWORDS_RE.match(more):
                j += 1
                break
            if notes or _far_below(last, blocks[j].lines[0], layout):
                notes += blocks[j].lines
            else:
                parts.append(more)
                last = blocks[j].lines[-1]
        j += 1
    return j, parts, notes


def _unlabelled(blocks: list[Block], vocab: Vocabulary) -> tuple[str, int, str | None, list[Line]]:
    """No "Abstract" label: the prose before the first heading, boilerplate aside, in one type size."""
    parts: list[str] = []
    size = 0.0
    j = 0
    while j < len(blocks) and blocks[j].kind != "heading":
        block = blocks[j]
        if block.kind == "paragraph":
            text = block_text(block, vocab)
            if len(text) > 200 and not KEYWORDS_RE.match(text) and not _BOILERPLATE_RE.match(text):
                # An abstract set apart by its type size ends where the body's size begins.
                if parts and abs(block.lines[0].size - size) > 0.5:
                    break
                parts.append(text)
                size = block.lines[0].size
        j += 1
    if parts:
        abstract = _without_label(parts, [])
        return abstract, j, "no 'Abstract' heading: took the text before the first section", []
    return "", 0, "no abstract found", []


def _without_label(parts: list[str], first: list[Block]) -> str:
    """The paragraphs joined, without a leading bullet ("■ ") or a structured abstract's first heading
    ("Background:")."""
    text = _BULLET_RE.sub("", "\n\n".join(parts))
    m = _STRUCTURED_RE.match(text)
    if m is None:
        return text
    after = text[m.end() :]
    if after[:1] in ".:" or after.lstrip()[:1] in "—–":
        return after[1:].lstrip(" —–")
    # No punctuation: a label only if it is set in its own (bold) font.
    spans = first[0].lines[0].spans if first else []
    if spans and spans[0].bold and not all(s.bold for s in spans) and after[:1] == " ":
        return after.lstrip()
    return text


def _far_below(last: Line, line: Line, layout: Layout) -> bool:
    """line starts a page's footnote area: same page and column as last, several blank lines below it."""
    return (
        line.page == last.page and line.column == last.column and line.top - last.bottom > 4 * layout.leading
    )
