"""Award announcements as people write them, read from the page's structure and weighed.

tasks/harvest/candidates.py finds every candidate record (a title set apart, its author line, the
award its heading, label, row or category line names); here each candidate gets a *strength* from
its features, weighed by `ReaderParams`, and a decision: an entry, or a candidate to review. The
weights and thresholds are data, not code: bench/announcements.py chooses them on a small grid
(`PARAM_GRID`) leaving each venue out in turn. Confirmation by title search
(tasks/harvest/confirm.py) then moves candidates between the two; offline, structure alone decides
and the result says so. Every entry keeps the text it was read from and why it was taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from tasks.harvest.candidates import Features, PageCandidate, find_candidates
from tasks.harvest.resolve import normalise_title
from tasks.models import AwardKind, Model, NonEmptyStr


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


class FoundPaper(AnnouncedPaper):
    """An announced paper as the reader decided on it: an entry, or a candidate for review."""

    strength: float = 0.0  # 0..1, from the page's structure (ReaderParams)
    evidence: list[str] = Field(default_factory=list)  # why it was read as a record
    needs_review: bool = False  # weak: a person decides (never silently in or out)
    confirmed_by: str | None = None  # "dblp: <title as the service has it>"


class ReadAwards(AnnouncedAwards):
    """An announcement as read: the award list, how it was read and confirmed, titles dropped."""

    papers: list[FoundPaper] = Field(default_factory=list)  # type: ignore[assignment]
    reader: str = "heuristic"
    dropped: list[str] = Field(default_factory=list)  # named by a model but not in the text
    confirmation: str = "offline: structure alone decided"

    @property
    def entries(self) -> list[FoundPaper]:
        return [p for p in self.papers if not p.needs_review]

    @property
    def to_review(self) -> list[FoundPaper]:
        return [p for p in self.papers if p.needs_review]


@dataclass(frozen=True)
class ReaderParams:
    """How candidate features weigh, and the strengths from which a candidate is an entry."""

    w_authors: float = 0.35  # an author line next to the title
    w_styled: float = 0.10  # the title set apart (emphasis, link, quotes, heading)
    w_marked: float = 0.10  # a class or column says "title" / "paper"
    w_link: float = 0.15  # a link to a paper host
    w_repeated: float = 0.15  # one of several records of the same shape
    w_award: float = 0.15  # under an award that says which one
    entry: float = 0.5  # unconfirmed (offline, or no answer): an entry from this strength
    # Every service answered and none has the title: still an entry from this strength (a strong
    # record of a paper not indexed yet); > 1 would send every unconfirmed record to review.
    refuted_entry: float = 0.6


# The grid bench/announcements.py searches, leaving one venue out at a time.
PARAM_GRID: dict[str, list[float]] = {
    "entry": [0.3, 0.4, 0.5, 0.6],
    "refuted_entry": [0.6, 0.7, 0.8, 1.01],
    "w_repeated": [0.1, 0.2],
    "w_authors": [0.25, 0.35, 0.45],
}


def param_grid() -> list[ReaderParams]:
    """Every combination of PARAM_GRID over the default ReaderParams."""
    combos: list[dict[str, float]] = [{}]
    for name, values in PARAM_GRID.items():
        combos = [{**c, name: v} for c in combos for v in values]
    return [ReaderParams(**c) for c in combos]


def strength(f: Features, params: ReaderParams) -> float:
    """0..1: the title's likeness times the weighed share of the structure that backs it."""
    weights = {
        "authors": params.w_authors,
        "styled": params.w_styled,
        "marked": params.w_marked,
        "paper_link": params.w_link,
        "repeated": params.w_repeated,
        "specific_award": params.w_award,
    }
    total = sum(weights.values()) or 1.0
    backing = sum(w for name, w in weights.items() if getattr(f, name)) / total
    return round(f.title * backing, 3)


Verdict = Literal["confirmed", "refuted", "unknown"]


def is_entry(value: float, verdict: Verdict, params: ReaderParams) -> bool:
    """A confirmed candidate is an entry; an unconfirmed one by its strength (module doc)."""
    if verdict == "confirmed":
        return True
    return value >= (params.refuted_entry if verdict == "refuted" else params.entry)


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


def found_paper(c: PageCandidate, params: ReaderParams) -> FoundPaper:
    """A candidate as a FoundPaper, weighed; review when too weak to stand on structure alone."""
    value = strength(c.features, params)
    return FoundPaper(
        title=c.title,
        award=award_kind(c.award_text),
        award_text=c.award_text,
        section=c.section,
        authors=c.authors or None,
        source_text=c.source_text,
        strength=value,
        evidence=c.evidence,
        needs_review=not is_entry(value, "unknown", params),
    )


def dedupe(papers: list[FoundPaper]) -> list[FoundPaper]:
    """One entry per (title, award); a paper under two awards stays twice."""
    seen: dict[tuple[str, str], FoundPaper] = {}
    for p in papers:
        key = (normalise_title(p.title), p.award_text.lower())
        if key not in seen or p.strength > seen[key].strength:
            seen[key] = p
    return [p for p in papers if seen.get((normalise_title(p.title), p.award_text.lower())) is p]


def heuristic_awards(html: str, params: ReaderParams | None = None) -> ReadAwards:
    """Every (paper, award) an announcement page names, read from its structure (module doc).

    Weak candidates are in `papers` too, with `needs_review`; nothing is confirmed here.
    """
    params = params or ReaderParams()
    papers = dedupe([found_paper(c, params) for c in find_candidates(html)])
    return ReadAwards(papers=papers, reader="heuristic")
