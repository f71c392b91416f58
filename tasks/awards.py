"""Award kinds in the order a digest shows them, and their headings: shared by every stage and page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypeVar

from tasks.models import AwardEntry, AwardKind

# Every award kind has its place; the awards of a paper's quality first, then named prizes, then
# the test-of-time family (a different kind of honour). A kind added to AwardKind later and not
# placed here is still shown, after all of these: grouped() never drops a paper.
AWARD_ORDER = [
    AwardKind.BEST_PAPER,
    AwardKind.OUTSTANDING_PAPER,
    AwardKind.RUNNER_UP,
    AwardKind.HONORABLE_MENTION,
    AwardKind.BEST_STUDENT_PAPER,
    AwardKind.BEST_STUDENT_PAPER_HONORABLE_MENTION,
    AwardKind.BEST_RESOURCE_PAPER,
    AwardKind.BEST_THEME_PAPER,
    AwardKind.BEST_SOCIAL_IMPACT_PAPER,
    AwardKind.OTHER,
    AwardKind.TEST_OF_TIME,
    AwardKind.TEST_OF_TIME_RUNNER_UP,
    AwardKind.TEST_OF_TIME_HONORABLE_MENTION,
]
AWARD_HEADINGS = {
    AwardKind.BEST_PAPER: "Best paper",
    AwardKind.OUTSTANDING_PAPER: "Outstanding paper",
    AwardKind.RUNNER_UP: "Runner-up",
    AwardKind.HONORABLE_MENTION: "Honorable mention",
    AwardKind.BEST_STUDENT_PAPER: "Best student paper",
    AwardKind.BEST_STUDENT_PAPER_HONORABLE_MENTION: "Best student paper, honorable mention",
    AwardKind.BEST_RESOURCE_PAPER: "Best resource paper",
    AwardKind.BEST_THEME_PAPER: "Best theme paper",
    AwardKind.BEST_SOCIAL_IMPACT_PAPER: "Best social impact paper",
    AwardKind.OTHER: "Other awards",
    AwardKind.TEST_OF_TIME: "Test of time",
    AwardKind.TEST_OF_TIME_RUNNER_UP: "Test of time, runner-up",
    AwardKind.TEST_OF_TIME_HONORABLE_MENTION: "Test of time, honorable mention",
}


class HasEntry(Protocol):
    @property
    def entry(self) -> AwardEntry: ...


T = TypeVar("T", bound=HasEntry)


def award_rank(kind: AwardKind) -> int:
    """Position of a kind in the digest: AWARD_ORDER, then any kind it does not place."""
    return AWARD_ORDER.index(kind) if kind in AWARD_ORDER else len(AWARD_ORDER)


def award_heading(kind: AwardKind) -> str:
    return AWARD_HEADINGS.get(kind) or str(kind.value).capitalize()


def grouped_by_award(items: list[T]) -> Iterator[tuple[AwardKind, list[T]]]:
    """Items (results, papers) grouped by their entry's award kind in AWARD_ORDER (unplaced kinds
    last), their order kept within a group; none is ever dropped."""
    kinds = sorted({item.entry.award for item in items}, key=lambda k: (award_rank(k), k.value))
    for kind in kinds:
        yield kind, [item for item in items if item.entry.award == kind]


def award_counts(papers: int, by_award: dict[str, int], sep: str = " · ") -> str:
    """The counts line ("4 award papers: best paper (1) · runner-up (1) · ..."), awards in digest order."""
    kinds = sep.join(f"{kind.lower()} ({n})" for kind, n in by_award.items())
    return f"{papers} award papers: {kinds}"
