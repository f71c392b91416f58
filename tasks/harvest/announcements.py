"""Award announcements as people write them: headings, lists, bold labels, <br>-separated lines.

The heuristic reads the page as blocks in document order. Headings that name an award (and bold
labels like "**Reproduction Award**:" or a track under "Area Chair Awards") set the award of what
follows; a block under an award is an entry when it has a title line (plain, bold or linked text)
and, usually, an author line (italic, or "Authors: ..."); a heading under an award heading is a
title whose authors follow in the next paragraph. Prose (justifications, selection process,
thanks) is never read as a title. Every entry keeps the text it was read from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag
from pydantic import Field

from tasks.models import AwardKind, Model, NonEmptyStr

AWARD_WORDS_RE = re.compile(
    r"\b(awards?|best|outstanding|honou?rable mentions?|runners?[- ]?up|test of time|prizes?|"
    r"distinguished|recognitions?)\b",
    re.IGNORECASE,
)
# Headings about the selection, the committee or the talks: never an award, their text never entries.
NOT_AN_AWARD_RE = re.compile(r"\b(selection|process|committee|criteria|nominat|schedule|session)\w*", re.I)
PROSE_START_RE = re.compile(r"^(justification|note|congratulations|these papers)\b", re.IGNORECASE)
AUTHORS_PREFIX_RE = re.compile(r"^\s*authors?\s*:\s*", re.IGNORECASE)
_NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|\band\b|&)\s*")


class AnnouncedPaper(Model):
    title: NonEmptyStr = Field(description="The paper title exactly as the announcement writes it")
    award: AwardKind = Field(description="The award this paper received")
    award_text: str = Field("", description="The award in the announcement's own words")
    section: str = Field(
        "", description="The headings the entry sits under, e.g. 'Full Papers / Best Papers'"
    )
    authors: list[str] | None = Field(None, description="Authors if the announcement lists them")
    source_text: str = Field("", description="The sentence or list item the title was read from, verbatim")


class AnnouncedAwards(Model):
    """Every awarded paper one announcement names."""

    papers: list[AnnouncedPaper] = Field(default_factory=list, description="One item per awarded paper")


class ReadAwards(AnnouncedAwards):
    """An announcement as read: the award list, how it was read, and titles dropped as not in the text."""

    reader: str = "heuristic"
    dropped: list[str] = Field(default_factory=list)


def award_kind(text: str) -> AwardKind:
    """The award kind an announcement's words name, most specific phrase first; OTHER if none."""
    t = text.lower().replace("honour", "honor")
    if "test of time" in t:
        if "runner" in t:
            return AwardKind.TEST_OF_TIME_RUNNER_UP
        return AwardKind.TEST_OF_TIME_HONORABLE_MENTION if "honorable" in t else AwardKind.TEST_OF_TIME
    for phrase, kind in (
        ("student paper honorable", AwardKind.BEST_STUDENT_PAPER_HONORABLE_MENTION),
        ("runner", AwardKind.RUNNER_UP),
        ("honorable mention", AwardKind.HONORABLE_MENTION),
        ("best student paper", AwardKind.BEST_STUDENT_PAPER),
        ("resource", AwardKind.BEST_RESOURCE_PAPER),
        ("theme", AwardKind.BEST_THEME_PAPER),
        ("thematic", AwardKind.BEST_THEME_PAPER),
        ("social impact", AwardKind.BEST_SOCIAL_IMPACT_PAPER),
        ("outstanding paper", AwardKind.OUTSTANDING_PAPER),
        ("outstanding long paper", AwardKind.OUTSTANDING_PAPER),
        ("outstanding short paper", AwardKind.OUTSTANDING_PAPER),
        ("best paper", AwardKind.BEST_PAPER),
        ("best long paper", AwardKind.BEST_PAPER),
        ("best short paper", AwardKind.BEST_PAPER),
    ):
        if phrase in t:
            return kind
    return AwardKind.OTHER


def singular(heading: str) -> str:
    """ "Best Paper Awards" -> "Best Paper Award": one entry's award, in the page's words."""
    words = heading.split()
    if words and words[-1].lower() in {"awards", "papers", "mentions", "posters", "prizes"}:
        words[-1] = words[-1][:-1]
    return " ".join(words)


def _text(node: Tag | NavigableString) -> str:
    return " ".join(node.get_text(" ").split()) if isinstance(node, Tag) else " ".join(str(node).split())


@dataclass
class Segment:
    """One line of a block (the parts between <br>), with how it is set."""

    text: str
    bold: bool = False
    italic: bool = False
    link: bool = False
    underline: bool = False
    label: bool = False  # "**Something**:" - a label, not a title


@dataclass
class Block:
    kind: str  # "heading" or "item"
    level: int = 0
    text: str = ""
    segments: list[Segment] = field(default_factory=list)


def _segment(nodes: list[NavigableString]) -> Segment | None:
    text = " ".join(" ".join(str(n) for n in nodes).split())
    if not text:
        return None
    parents = [{p.name for p in n.parents if isinstance(p, Tag)} for n in nodes]
    real = [i for i, n in enumerate(nodes) if str(n).strip(" :*_-")]

    def inside(names: set[str]) -> bool:
        return bool(real) and all(parents[i] & names for i in real)

    seg = Segment(
        text=text.lstrip("- "),
        bold=inside({"strong", "b"}),
        italic=inside({"em", "i"}),
        link=any(parents[i] & {"a"} for i in real),
        underline=inside({"u"}),
    )
    seg.label = seg.bold and text.rstrip().endswith(":")
    return seg


_BY_RE = re.compile(r"^\s*(?:by\b|[—–-])\s*", re.IGNORECASE)


def _split_title_and_authors(nodes: list[NavigableString]) -> list[list[NavigableString]]:
    """One line holding a title and its authors: "[Title](url) _Authors_", "**Title** by A et al."."""
    in_link = [n for n in nodes if n.find_parent("a") is not None]
    in_em = [n for n in nodes if n.find_parent(["em", "i"]) is not None and n.find_parent("a") is None]
    if in_link and in_em and nodes.index(in_em[0]) > nodes.index(in_link[-1]):
        return [in_link, in_em]
    marked = [n for n in nodes if n.find_parent(["strong", "b", "a"]) is not None]
    if marked and nodes[: len(marked)] == marked and len(marked) < len(nodes):
        rest = " ".join(str(n) for n in nodes[len(marked) :])
        if _BY_RE.match(rest):  # "**Title** by Zihan Qiu et al." / "**Title** — Zachary Chase et al."
            return [marked, [NavigableString(_BY_RE.sub("", rest))]]
    return [nodes]


def _segments(block: Tag) -> list[Segment]:
    """The lines of a block, split at <br> and after a leading "**Label**:", each with its formatting."""
    lines: list[list[NavigableString]] = [[]]
    for node in block.descendants:
        if isinstance(node, Tag) and node.name == "br":
            lines.append([])
        elif isinstance(node, NavigableString) and node.strip():
            current = lines[-1]
            # "**Highest Rated**: - [Title](url) _Authors_" in one paragraph: the label ends the line.
            if (
                len(current) == 1
                and current[0].find_parent(["strong", "b"]) is not None
                and node.find_parent(["strong", "b"]) is None
                and str(node).lstrip().startswith(":")
            ):
                current.append(NavigableString(":"))
                rest = str(node).lstrip()[1:]
                lines.append([NavigableString(rest)] if rest.strip(" -") else [])
                continue
            current.append(node)
    out = []
    for nodes in lines:
        for part in _split_title_and_authors(nodes):
            if (seg := _segment(part)) is not None:
                out.append(seg)
    return out


def blocks(html: str) -> Iterator[Block]:
    """Headings and items (paragraphs, list items) in document order; nested blocks read once."""
    soup = BeautifulSoup(html, "html.parser")
    for node in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li"]):
        if node.name in {"p", "li"} and node.find_parent("li") is not None:
            continue  # a paragraph inside a list item is read with its item
        if node.name.startswith("h"):
            yield Block("heading", level=int(node.name[1]), text=_text(node))
            continue
        yield Block("item", text=_text(node), segments=_segments(node))


def _names(text: str) -> list[str]:
    names = [n.strip(" _*.") for n in _NAME_SPLIT_RE.split(AUTHORS_PREFIX_RE.sub("", text))]
    return [n for n in names if n]


def _looks_like_names(text: str) -> bool:
    names = _names(text)
    return len(names) >= 2 and all(1 <= len(n.split()) <= 5 and n[:1].isupper() for n in names)


def _is_title(segment: Segment) -> bool:
    words = segment.text.split()
    if not 2 <= len(words) <= 40 or segment.label or segment.italic:
        return False
    if AUTHORS_PREFIX_RE.match(segment.text) or PROSE_START_RE.match(segment.text):
        return False
    # A sentence of prose ends with a full stop and runs long; titles rarely do both.
    return not (segment.text.endswith(".") and len(words) > 25)


@dataclass
class _Context:
    headings: dict[int, str] = field(default_factory=dict)  # level -> heading text
    award_level: int | None = None  # level of the heading naming the current award
    label: str | None = None  # a bold label under the heading ("Reproduction Award", a track)
    pending_title: tuple[str, str] | None = None  # a heading read as a title, waiting for its authors

    def section(self) -> str:
        return " / ".join(self.headings[level] for level in sorted(self.headings))

    def award(self, item_label: str | None = None, track: str | None = None) -> str | None:
        if self.award_level is None:
            return None
        base = singular(self.headings[self.award_level])
        if track:
            return f"{base}: {track}"
        if item_label:  # "- **Outstanding demo paper**: Title": the entry's own award
            return item_label if AWARD_WORDS_RE.search(item_label) else f"{base}: {item_label}"
        if self.label:
            # "**Reproduction Award**:" names the award; "**Linguistic Diversity**:" a kind of it.
            named = re.search(r"\b(award|prize|mention)s?\b", self.label, re.IGNORECASE)
            return self.label if named else f"{base}: {self.label}"
        return base


def heuristic_awards(html: str) -> AnnouncedAwards:
    """Every (paper, award) an announcement page names, read from its structure (module doc)."""
    ctx = _Context()
    papers: list[AnnouncedPaper] = []

    def add(title: str, award: str, authors: list[str] | None, source: str) -> None:
        title = title.strip(" *_:")
        if title:
            papers.append(
                AnnouncedPaper(
                    title=title,
                    award=award_kind(award),
                    award_text=award,
                    section=ctx.section(),
                    authors=authors or None,
                    source_text=source,
                )
            )

    for block in blocks(html):
        if block.kind == "heading":
            if ctx.pending_title is not None:  # a title heading with no author paragraph
                add(ctx.pending_title[0], ctx.pending_title[1], None, ctx.pending_title[0])
                ctx.pending_title = None
            names_award = bool(AWARD_WORDS_RE.search(block.text)) and not NOT_AN_AWARD_RE.search(block.text)
            if names_award or ctx.award_level is None or block.level <= ctx.award_level:
                for level in [lv for lv in ctx.headings if lv >= block.level]:
                    del ctx.headings[level]
                ctx.headings[block.level] = block.text
                ctx.label = None
                ctx.award_level = block.level if names_award else None
                if not names_award and ctx.award_level is None:
                    # A section heading ("Full Papers"): awards under it come from deeper headings.
                    pass
                continue
            # A heading below the award heading that names no award: a paper title (NAACL style).
            award = ctx.award()
            if award is not None and 2 <= len(block.text.split()) <= 40:
                ctx.pending_title = (block.text, award)
            continue

        segments = block.segments
        if ctx.pending_title is not None:
            title, award = ctx.pending_title
            ctx.pending_title = None
            add(title, award, _names(block.text), f"{title} {block.text}")
            continue
        if ctx.award_level is None or not segments:
            continue
        # "**Label**:" alone: the award (or track) of the entries that follow.
        if len(segments) == 1 and segments[0].label:
            ctx.label = segments[0].text.strip(" *:")
            continue
        item_label = None
        if segments[0].label:
            item_label = segments[0].text.strip(" *:")
            segments = segments[1:]
        titles = [s for s in segments if _is_title(s) and not s.underline]
        if not titles:
            continue
        track = next((s.text for s in segments if s.underline), None)
        first = titles[0]
        authors_seg = next((s for s in segments if s.italic or AUTHORS_PREFIX_RE.match(s.text)), None)
        if authors_seg is None:
            # "_Names_" that Markdown did not render as italics: a name list on the line after the title.
            after = segments[segments.index(first) + 1 :]
            authors_seg = next((s for s in after if _looks_like_names(s.text)), None)
        # A plain one-line paragraph under an award is a title only if it reads like one.
        plain = len(segments) == 1 and not first.bold and not first.link and not authors_seg
        if plain and (first.text.endswith((".", "!")) or len(first.text.split()) > 25):
            continue
        award = ctx.award(item_label, track)
        if award is None:
            continue
        authors = _names(authors_seg.text) if authors_seg else None
        add(first.text, award, authors, block.text)
    if ctx.pending_title is not None:
        add(ctx.pending_title[0], ctx.pending_title[1], None, ctx.pending_title[0])
    return AnnouncedAwards(papers=papers)
