"""Front matter: the title, the authors and where the abstract starts, from the first page's layout.

The title is the largest text near the top of page 1 that is not a journal header, a genre label
("Article", "Letter", "RESEARCH ARTICLE") or a stamp; where the PDF's metadata title matches a run of
large lines, those lines win (two sources agree). The authors are read from the lines between the
title and the first line of prose, heading or abstract label (tasks.parse.authors). A cover page with
no byline sends the reader to page 2.

Every threshold the rules use is a field of FrontMatterParams, so that bench/parse_quality.py can
choose them without one template and measure on it (its leave-one-template-out figure).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields

from tasks.models import Author
from tasks.parse.abstract import ABSTRACT_RUNIN_RE, FRONT_HEADINGS
from tasks.parse.authors import parse_authors
from tasks.parse.layout import Line, Page, clean_text
from tasks.parse.metadata import PdfMetadata
from tasks.parse.names import MARK_CHARS
from tasks.parse.names import clean_name as clean_name  # re-exported: tests know it from here
from tasks.parse.structure import Layout, is_named_heading
from tasks.parse.text import Vocabulary, join_lines

# Journal headers, stamps and running heads above a title: never the title.
_STAMP_RE = re.compile(
    r"^(arxiv:|preprint|proceedings of|published (as|in|online)|accepted (at|to|for)|under review|"
    r"journal of|workshop|copyright|©|\(c\)|\d{4} association|doi:|doi\.org|https?://|www\.|cite this|"
    r"(received|accepted|revised)(:|\s+\d)|available online|volume \d|vol\. ?\d|issn\b|"
    r"check for updates|view (article|journal)|citation:)",
    re.I,
)
# Genre labels printed above a title ("Article", "RESEARCH ARTICLE", "R E S EAR CH A R TIC L E Open
# Access", "EDGE ARTICLE", "Original Paper"): words about the kind of paper, never its title.
_GENRE_WORDS = sorted(
    """research article articles letter letters edge original paper papers review reviews brief short
    communication communications perspective perspectives commentary open access editorial report
    reports technical note notes case methods method resource analysis full regular invited survey
    tutorial position focus feature highlight highlights news views rapid accelerated minireview
    mini""".split(),  # noqa: SIM905 (a paragraph of words reads better than a column of strings)
    key=len,
    reverse=True,
)


@dataclass(frozen=True)
class FrontMatterParams:
    """The tunable thresholds of the front matter rules (typographic measures, not strings)."""

    title_max_lines: int = 6  # a title longer than this is something else (an abstract in large type)
    title_gap: float = 1.6  # blank between two title lines at most, in title font sizes
    title_size_slack: float = 0.6  # points: lines of one title differ by less
    prose_min_words: int = 8  # a line of running text has at least this many words ...
    prose_lower_share: float = 0.6  # ... and this share of them starts in lower case

    @classmethod
    def grid(cls) -> dict[str, list[float]]:
        """Candidate values per field, for the bench's leave-one-template-out choice."""
        return {
            "title_max_lines": [4, 6, 8],
            "title_gap": [1.2, 1.6, 2.2],
            "prose_min_words": [6, 8, 10],
            "prose_lower_share": [0.5, 0.6, 0.7],
        }

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


@dataclass
class FrontMatter:
    """What the first page(s) say: title, authors, and where the running text starts."""

    title: str
    authors: list[Author]
    page: int  # index in pages of the page holding the byline (1 after a cover page)
    flow_start: int  # index on that page of the first line after the front matter
    notices: list[str] = field(default_factory=list)
    title_size: float = 0.0


def read_front_matter(
    pages: list[Page],
    layout: Layout,
    vocab: Vocabulary,
    meta: PdfMetadata,
    params: FrontMatterParams | None = None,
) -> FrontMatter:
    """Title and authors from page 1, or from page 2 when page 1 is a cover without a byline."""
    params = params or FrontMatterParams()
    front = _read_page(0, pages, layout, vocab, meta, params)
    if not front.authors and len(pages) > 1:
        # A cover or summary page: the full byline is on the next page, under a title-sized title.
        second = _read_page(1, pages, layout, vocab, meta, params)
        if second.authors and second.title_size >= layout.body_size + 2:
            front = second
    if not front.title:
        title = clean_text(meta.titles[0]).strip() if meta.titles else ""
        front.title = title
        front.notices.append("no title found on page 1" + (": used the PDF metadata title" if title else ""))
    if not front.authors:
        front.notices.append("no authors found on page 1")
    return front


def _read_page(
    index: int,
    pages: list[Page],
    layout: Layout,
    vocab: Vocabulary,
    meta: PdfMetadata,
    params: FrontMatterParams,
) -> FrontMatter:
    page = pages[index]
    notices: list[str] = []
    title_lines = find_title(page, layout.body_size, meta.titles, params)
    if title_lines and all(line.size < layout.body_size + 0.5 and not line.bold for line in title_lines):
        # Nothing on the page stands out from the body text: a title guess would be a random line.
        title_lines = title_lines[:1]
        notices.append("no title-sized text on page 1: took its first line as the title")
    # A footnote mark after the title ("... packing†") is no part of it.
    title = _tidy(join_lines([line.text for line in title_lines], vocab)).rstrip(" " + MARK_CHARS)
    region, end = author_region(page, title_lines, layout, params)
    size = max((line.size for line in title_lines), default=0.0)
    return FrontMatter(title, parse_authors(region, meta.authors), index, end, notices, size)


def _tidy(text: str) -> str:
    """Non-breaking and Unicode hyphens as "-", runs of spaces as one (the text layer keeps both)."""
    text = text.replace("\u2010", "-").replace("\u2011", "-").replace("\u00a0", " ")
    return " ".join(text.split())


def is_genre_label(text: str) -> bool:
    """A line of genre words only: "Article", "Letter", "RESEARCH ARTICLE", "R E S EAR CH A R TIC L E"."""
    compact = re.sub(r"[\W\d_]+", "", text).casefold()
    if not compact:
        return False
    while compact:
        word = next((w for w in _GENRE_WORDS if compact.startswith(w)), None)
        if word is None:
            return False
        compact = compact[len(word) :]
    return True


def _title_candidate(line: Line, page: Page) -> bool:
    return (
        not line.drop
        and sum(ch.isalpha() for ch in line.text) >= 3
        and not _STAMP_RE.match(line.text)
        and not is_genre_label(line.text)
        and line.top < 0.6 * page.height
    )


def find_title(
    page: Page,
    body_size: float,
    meta_titles: list[str] | None = None,
    params: FrontMatterParams | None = None,
) -> list[Line]:
    """The title's lines: large lines the metadata title spells, else the largest text near the top."""
    params = params or FrontMatterParams()
    candidates = sorted(
        (line for line in page.lines if _title_candidate(line, page)), key=lambda line: line.top
    )
    if not candidates:
        return []
    for title in meta_titles or []:
        block = _metadata_block(candidates, title, body_size, params)
        if block:
            return block
    biggest = max(line.size for line in candidates)
    start = next(line for line in candidates if line.size >= biggest - params.title_size_slack)
    return _title_block(candidates, start, params)


def _title_block(candidates: list[Line], start: Line, params: FrontMatterParams) -> list[Line]:
    """The lines of one title from its first: same size, close below each other.

    A line of another size beside the title (a sidebar, a journal box) is passed over; one under it
    ends the title.
    """
    title = [start]
    for line in candidates[candidates.index(start) + 1 :]:
        overlaps = any(line.x0 < t.x1 and t.x0 < line.x1 for t in title)
        if abs(line.size - start.size) > params.title_size_slack or line.bold != start.bold:
            if overlaps:
                break
            continue
        if line.top - title[-1].bottom > params.title_gap * line.size or len(title) >= params.title_max_lines:
            break
        title.append(line)
    return title


def _letters(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if ch.isalnum()).casefold()


def _metadata_block(
    candidates: list[Line], title: str, body_size: float, params: FrontMatterParams
) -> list[Line] | None:
    """The run of large lines that the metadata title spells (whole, or its start when it was cut short)."""
    want = _letters(title)
    if len(title.split()) < 3 or len(want) < 15:
        return None  # "Title", "file01.docx", a logo's name: nothing to confirm a title by
    for line in candidates:
        if line.size < 1.15 * body_size or not want.startswith(_letters(line.text)[:15]):
            continue
        block = _title_block(candidates, line, params)
        got = _letters(" ".join(t.text for t in block))
        if (
            got == want
            or (got.startswith(want) and len(want) >= 20)
            or (want.startswith(got) and len(got) >= 0.8 * len(want))
        ):
            return block
    return None


def author_region(
    page: Page, title_lines: list[Line], layout: Layout, params: FrontMatterParams | None = None
) -> tuple[list[Line], int]:
    """Lines between the title and the abstract, and the index on the page where the body flow starts.

    Rules and decorations (a line of dots) and small text wholly beside the title block (a journal's
    sidebar of dates and licences) are passed over.
    """
    params = params or FrontMatterParams()
    lines = page.lines
    if not title_lines:
        return [], 0
    start = max(lines.index(line) for line in title_lines) + 1
    left = min(line.x0 for line in title_lines)
    right = max(line.x1 for line in title_lines)
    region: list[Line] = []
    for end in range(start, len(lines)):
        line = lines[end]
        if line.drop or not any(ch.isalnum() for ch in line.text):
            continue
        beside = line.x1 < left - layout.body_size or line.x0 > right + layout.body_size
        if beside and line.size < layout.body_size - 0.3:
            continue
        if _ends_front(line, page, layout, params):
            return region, end
        region.append(line)
    return region, len(lines)


def _ends_front(line: Line, page: Page, layout: Layout, params: FrontMatterParams) -> bool:
    """The first line after the byline: a heading, an abstract label, body text or prose."""
    text = line.text
    body_like = not line.bold and line.size <= layout.body_size + 0.5
    return (
        # Side-by-side author blocks fall into columns too: body text is what ends the region.
        (page.two_column and line.column != 0 and body_like and _prose_like(text, params, columned=True))
        or is_named_heading(line, layout)
        or text.rstrip(" .:").casefold() in FRONT_HEADINGS
        or bool(ABSTRACT_RUNIN_RE.match(text))
        # A long line of body text; a long line of names (25 authors) has next to no lower-case words.
        or (len(text) > 100 and body_like and _lower_share(text) >= 0.3)
        # An abstract with no heading starts right after the affiliations, in any size or weight.
        or _prose_like(text, params)
    )


def _lower_share(text: str) -> float:
    words = [w for w in text.split() if w[:1].isalpha()]
    return sum(w[:1].islower() for w in words) / max(len(words), 1)


def _prose_like(text: str, params: FrontMatterParams, *, columned: bool = False) -> bool:
    """A line of running text: many words, most of them lower case (names and places are not).

    A line set in a column is half as long: half as many words make it prose.
    """
    words = [w for w in text.split() if w[:1].isalpha()]
    least = -(-params.prose_min_words // 2) if columned else params.prose_min_words
    return len(words) >= least and sum(w[:1].islower() for w in words) >= params.prose_lower_share * len(
        words
    )
