"""What a comic may draw on: the paper's verified claims (with ids), its figures, title and award.

Every script writer, LLM or not, gets only this brief: claims that failed a check never reach it,
so a caption can only rest on verified claims, and the numbers it may show are the numbers
of those claims (and, when the parsed paper is at hand, only those the paper prints).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tasks.comic.script.captions import numbers_in, shorten_title
from tasks.models import AwardKind, FigureRef, PaperSummary, ParsedPaper

MASCOT = "Pip"
TITLE_CHARS = 120

AWARD_FAMILY = {
    AwardKind.BEST_PAPER: "best",
    AwardKind.OUTSTANDING_PAPER: "best",
    AwardKind.BEST_STUDENT_PAPER: "best",
    AwardKind.BEST_RESOURCE_PAPER: "best",
    AwardKind.BEST_THEME_PAPER: "best",
    AwardKind.BEST_SOCIAL_IMPACT_PAPER: "best",
    AwardKind.RUNNER_UP: "runner_up",
    AwardKind.HONORABLE_MENTION: "honorable",
    AwardKind.BEST_STUDENT_PAPER_HONORABLE_MENTION: "honorable",
    AwardKind.TEST_OF_TIME: "test_of_time",
    AwardKind.TEST_OF_TIME_RUNNER_UP: "test_of_time",
    AwardKind.TEST_OF_TIME_HONORABLE_MENTION: "test_of_time",
    AwardKind.OTHER: "other",
}


def award_family(award: AwardKind | None) -> str:
    """best / runner_up / honorable / test_of_time / other: what the dialogue tables are keyed by."""
    return AWARD_FAMILY.get(award, "other") if award is not None else "other"


def award_phrase(award: AwardKind | None) -> str:
    """The award as a noun phrase: "a best paper award", "an honorable mention", "an award"."""
    if award is None or award is AwardKind.OTHER:
        return "an award"
    name = award.value.replace("test of time", "test-of-time")
    noun = name if name.endswith(("honorable mention", "runner-up")) else f"{name} award"
    # "an honorable mention": the h is silent.
    return f"{'an' if noun[0] in 'aeiou' or noun.startswith('hono') else 'a'} {noun}"


@dataclass(frozen=True)
class ComicBrief:
    """The material of one paper's comic, and nothing else."""

    title: str  # as the banner shows it
    award: AwardKind | None
    claims: dict[str, str]  # id ("c1", "tldr") -> verified claim text, in summary order
    origins: dict[str, str]  # id -> "done", "why" or "tldr": where the claim came from
    figures: tuple[FigureRef, ...] = ()
    abstract: str = ""
    paper_numbers: frozenset[str] | None = None  # numbers printed in the paper; None: not known
    language: str = "English"
    notices: tuple[str, ...] = field(default=())

    @property
    def family(self) -> str:
        return award_family(self.award)

    def figure(self, number: int | None) -> FigureRef | None:
        return next((f for f in self.figures if f.number == number), None)

    def numbers_of(self, ids: Sequence[str]) -> set[str]:
        """Numbers written in the given claims (unknown ids contribute nothing)."""
        found: set[str] = set()
        for claim_id in ids:
            found |= numbers_in(self.claims.get(claim_id, ""))
        return found

    def allowed_numbers(self) -> set[str]:
        """Every number a comic of this paper may print: its claims', its title's, its figures'."""
        found = numbers_in(self.title) | self.numbers_of(list(self.claims))
        for fig in self.figures:
            found |= numbers_in(fig.caption) | {str(fig.number)}
        if self.paper_numbers is not None:
            found = {n for n in found if n in self.paper_numbers} | numbers_in(self.title)
            found |= {str(f.number) for f in self.figures}
        return found


def paper_numbers(parsed: ParsedPaper) -> frozenset[str]:
    """Every number printed in the paper's title, abstract, body and captions."""
    texts = [
        parsed.title,
        parsed.abstract,
        *(p for _, _, p in parsed.paragraphs()),
        *(c.text for c in parsed.captions),
    ]
    found: set[str] = set()
    for text in texts:
        found |= numbers_in(text)
    return frozenset(found)


def brief_for(
    summary: PaperSummary,
    paper_title: str,
    *,
    award: AwardKind | None = None,
    figures: Sequence[FigureRef] = (),
    parsed: ParsedPaper | None = None,
    language: str = "English",
) -> ComicBrief:
    """The brief of one paper: verified claims only, ids by their place in the summary."""
    claims: dict[str, str] = {}
    origins: dict[str, str] = {}
    done = len(summary.what_was_done)
    for index, claim in enumerate(summary.claims(), start=1):
        if claim.verified:  # a claim that failed any check is never drawn
            claims[f"c{index}"] = " ".join(claim.text.split())
            origins[f"c{index}"] = "done" if index <= done else "why"
    if summary.tldr.strip() and summary.tldr_checked:
        claims["tldr"] = " ".join(summary.tldr.split())
        origins["tldr"] = "tldr"
    return ComicBrief(
        title=shorten_title(paper_title, TITLE_CHARS) or "An award-winning paper",
        award=award,
        claims=claims,
        origins=origins,
        figures=tuple(figures),
        abstract=parsed.abstract if parsed else "",
        paper_numbers=paper_numbers(parsed) if parsed else None,
        language=language,
    )
