"""Reading real award announcements: every (paper, award) pair each page names, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.harvest.announcements import award_kind, heuristic_awards
from tasks.harvest.resolve import normalise_title
from tasks.models import AwardKind
from tests.harvest.announcement_pages import page_html, truth

PAGES = [
    "acl-2023-best-papers.md",
    "acl-2024-best-papers.md",
    "emnlp-2023-best-papers.md",
    "naacl-2021-best-paper-awards.md",
    "ieeevis-2023-best-paper-awards.md",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_award_paper_of_a_real_announcement_is_found(fixtures_dir: Path, name: str) -> None:
    expected = truth(fixtures_dir)[name]["awards"]
    papers = heuristic_awards(page_html(fixtures_dir, name)).papers
    want = {(normalise_title(a.get("title_clean") or a["title"]), a["award"].lower()) for a in expected}
    have = {(normalise_title(p.title), p.award_text.lower()) for p in papers}
    assert want - have == set(), "missed"
    assert have - want == set(), "extra"
    # The authors, where the page lists them, come along; each entry keeps the text it was read from.
    by_title = {normalise_title(p.title): p for p in papers}
    listed = [a for a in expected if a.get("authors")]
    right = sum(
        by_title[normalise_title(a.get("title_clean") or a["title"])].authors == a["authors"] for a in listed
    )
    assert right >= len(listed) - 1, f"{right}/{len(listed)} author lists"
    assert all(p.source_text and normalise_title(p.title) in normalise_title(p.source_text) for p in papers)


def test_the_award_words_map_to_kinds() -> None:
    assert award_kind("Best Paper Award") is AwardKind.BEST_PAPER
    assert award_kind("Outstanding Long Paper") is AwardKind.OUTSTANDING_PAPER
    assert award_kind("Best Paper Honorable Mention") is AwardKind.HONORABLE_MENTION
    assert award_kind("Best Thematic Paper") is AwardKind.BEST_THEME_PAPER
    assert award_kind("SAC Award: Generation") is AwardKind.OTHER


@pytest.mark.parametrize(
    "html",
    [
        "<h2>Best Paper Selection Process</h2><p>Candidates were nominated by Senior Area Chairs.</p>",
        "<h1>Program</h1><ul><li>Keynote: The Future of Language Models<br/><em>Jane Doe</em></li></ul>",
        "<p>Congratulations to every author! Best paper awards will be announced at the banquet.</p>",
    ],
)
def test_pages_that_name_no_awarded_paper_give_nothing(html: str) -> None:
    assert heuristic_awards(html).papers == []
