"""Reading award announcements: the 21 real pages of ../shared/fixtures/announcements (15 venues,
served as their sites serve them), every (paper, award) pair each names and nothing else; weak
records go to review; confirmation by title search moves them. Per-document figures and the
leave-one-venue-out measure are bench/announcements.py's job; here each page must stay usable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.harvest.announcements import ReaderParams, award_kind, heuristic_awards, param_grid, strength
from tasks.harvest.candidates import Features
from tasks.harvest.confirm import Confirmer, confirm_awards
from tasks.harvest.resolve import normalise_title
from tasks.models import AwardKind
from tests.conftest import FIXTURES
from tests.harvest.announcement_pages import Score, known_papers, page_html, pages, score, truth
from tests.harvest.replay import Replay

PAGES = pages(FIXTURES) if (FIXTURES / "announcements" / "truth.json").is_file() else []


@pytest.mark.parametrize("name", PAGES)
def test_every_real_page_is_read_from_its_structure(fixtures_dir: Path, name: str) -> None:
    read = heuristic_awards(page_html(fixtures_dir, name))
    s = score(fixtures_dir, name, read.papers)
    # The goal's floor for every document, offline, with the default weights.
    assert s.recall >= 0.8 and s.precision >= 0.8, f"missed {s.misses}, extra {s.extras}"
    assert s.kinds >= 0.9 * s.found, "award kinds"
    # Each candidate keeps the text it was read from and why it was taken.
    assert all(normalise_title(p.title) in normalise_title(p.source_text) and p.evidence for p in read.papers)
    # The authors, where the page lists them, come along.
    authors = {normalise_title(p.title): p.authors for p in read.papers}
    listed = [a for a in truth(fixtures_dir)[name]["awards"] if a.get("authors")]
    right = [
        a for a in listed if authors.get(normalise_title(a.get("title_clean") or a["title"])) == a["authors"]
    ]
    assert len(right) >= 0.8 * len(listed), f"{len(right)}/{len(listed)} author lists"


def _total(fixtures: Path, readings: dict[str, list]) -> Score:  # type: ignore[type-arg]
    total = Score()
    for name, papers in readings.items():
        total.add(score(fixtures, name, papers))
    return total


def test_all_pages_offline_meet_the_goal_and_weak_records_wait_for_review(fixtures_dir: Path) -> None:
    readings = {name: heuristic_awards(page_html(fixtures_dir, name)).papers for name in PAGES}
    total = _total(fixtures_dir, readings)
    assert total.recall >= 0.95 and total.precision >= 0.95, (total.recall, total.precision)
    # Nothing is silently in or out: every candidate is an entry or waits for review.
    assert total.review > 0
    assert all(p.needs_review == (p.strength < ReaderParams().entry) for ps in readings.values() for p in ps)


def test_confirmation_by_title_search_moves_candidates_both_ways(fixtures_dir: Path, replay: Replay) -> None:
    replay.known = known_papers(fixtures_dir)  # the services know the real titles, and only those
    settings = replay.settings(Path(replay.url.replace(":", "_")), cache_dir=None)
    offline: dict[str, list] = {}  # type: ignore[type-arg]
    confirmed: dict[str, list] = {}  # type: ignore[type-arg]
    with Confirmer(settings) as confirmer:
        for name in PAGES:
            read = heuristic_awards(page_html(fixtures_dir, name))
            offline[name] = read.papers
            checked = confirm_awards(read, confirmer)
            confirmed[name] = checked.papers
            assert "confirmed" in checked.confirmation
            page = score(fixtures_dir, name, checked.papers)
            assert page.recall >= 0.95 and page.precision >= 0.8, (page.misses, page.extras)
    total = _total(fixtures_dir, confirmed)
    assert total.recall >= 0.99 and total.precision >= 0.99
    assert replay.queries["dblp"] > 0 and replay.queries["acl_anthology"] == 1  # the export is read once
    titles = {normalise_title(t) for t in (p.title for p in known_papers(fixtures_dir))}
    for name in PAGES:
        for before, after in zip(offline[name], confirmed[name], strict=True):
            if normalise_title(before.title) in titles:  # a real award paper: confirmed, an entry
                assert not after.needs_review and after.confirmed_by, after.title
            else:  # no service has it (a musical work, a criteria list item): review unless strong
                assert after.needs_review == (after.strength < ReaderParams().refuted_entry), after.title
                assert "no title-search service has this title" in after.evidence


def test_offline_structure_alone_decides_and_says_so(fixtures_dir: Path, tmp_path: Path) -> None:
    from config.settings import HarvestSettings

    dead = "http://127.0.0.1:9"  # the discard port: nothing answers
    settings = HarvestSettings(
        arxiv_api=f"{dead}/api/query",
        openreview_api=dead,
        semantic_scholar_api=dead,
        dblp_api=f"{dead}/search/publ/api",
        acl_anthology_bib=f"{dead}/anthology.bib.gz",
        timeout_s=2.0,
        arxiv_interval_s=0.0,
        semantic_scholar_interval_s=0.0,
    )
    read = heuristic_awards(page_html(fixtures_dir, "emnlp-2020-best-papers.md"))
    with Confirmer(settings) as confirmer:
        checked = confirm_awards(read, confirmer)
        assert set(confirmer.down) == {"dblp", "semantic_scholar", "openreview", "acl_anthology", "arxiv"}
    assert checked.confirmation.startswith("offline")
    assert [p.needs_review for p in checked.papers] == [p.needs_review for p in read.papers]
    assert confirm_awards(read, None).confirmation.startswith("offline")


def test_strength_weighs_the_features_and_the_grid_covers_the_params() -> None:
    strong = Features(title=1.0, authors=True, styled=True, repeated=True, specific_award=True)
    weak = Features(title=1.0, repeated=True)
    params = ReaderParams()
    assert strength(strong, params) > params.entry > strength(weak, params)
    assert strength(Features(title=0.0, authors=True), params) == 0.0
    grid = param_grid()
    assert len(grid) == len({(q.entry, q.refuted_entry, q.w_repeated, q.w_authors) for q in grid}) > 1


# Markup styles the fixtures do not have, written here in the shapes sites use.
TABLE = """<h2>Best Paper Awards</h2><table>
<tr><th>Title</th><th>Authors</th><th>Award</th></tr>
<tr><td>Sparse Mixtures of Experts Are Domain Generalizable Learners</td><td>Bo Li, Yifei Shen</td>
<td>Best Paper</td></tr>
<tr><td>Learning Where to Look: Gaze Priors for Robot Grasping</td><td>Ana Ruiz and Tom Berg</td>
<td>Honorable Mention</td></tr></table>"""
CARDS = """<h1>Awards</h1><div class="winner"><p class="best-paper-title">“Diffusion Models Beat GANs on
Tabular Data Synthesis”</p><p>Mei Chen, Jonas Weber</p><p>Best Student Paper</p></div>
<div class="winner"><p class="best-paper-title">“Certified Robustness for Graph Neural Networks via
Smoothing”</p><p>Priya Raman and Omar Haddad</p><p>Outstanding Paper</p></div>"""
PROSE = """<h2>Announcing this year's awards</h2><p>The best paper award goes to “Scaling Laws for Sparse
Retrieval Models” by Lena Fischer and Arjun Rao. This year the committee read 300 submissions.</p>"""
DEFINITIONS = """<h2>Outstanding Papers</h2><dl><dt><a href="https://openreview.net/forum?id=x1">Causal
Discovery from Irregular Time Series</a></dt><dd>Hana Sato, Luis Ortega</dd>
<dt><a href="https://openreview.net/forum?id=x2">Pruning Transformers Without Retraining</a></dt>
<dd>Kofi Mensah, Ines Duarte</dd></dl>"""


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            TABLE,
            [
                ("Sparse Mixtures of Experts Are Domain Generalizable Learners", AwardKind.BEST_PAPER),
                ("Learning Where to Look: Gaze Priors for Robot Grasping", AwardKind.HONORABLE_MENTION),
            ],
        ),
        (
            CARDS,
            [
                ("Diffusion Models Beat GANs on Tabular Data Synthesis", AwardKind.BEST_STUDENT_PAPER),
                ("Certified Robustness for Graph Neural Networks via Smoothing", AwardKind.OUTSTANDING_PAPER),
            ],
        ),
        (PROSE, [("Scaling Laws for Sparse Retrieval Models", AwardKind.BEST_PAPER)]),
        (
            DEFINITIONS,
            [
                ("Causal Discovery from Irregular Time Series", AwardKind.OUTSTANDING_PAPER),
                ("Pruning Transformers Without Retraining", AwardKind.OUTSTANDING_PAPER),
            ],
        ),
    ],
    ids=["table-with-header-row", "cards-with-category-line", "prose-with-quoted-title", "definition-list"],
)
def test_other_markup_styles_are_read_from_their_structure(
    html: str, expected: list[tuple[str, AwardKind]]
) -> None:
    papers = heuristic_awards(f"<html><body>{html}</body></html>").papers
    assert [(p.title, p.award) for p in papers] == expected
    assert all(p.authors and len(p.authors) == 2 for p in papers)


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
        "<h2>Outstanding Reviewers</h2><ul><li>Ana M. Lopez</li><li>Reinier de Valk</li></ul>",
        "",
        "not a page at all",
    ],
)
def test_pages_that_name_no_awarded_paper_give_nothing(html: str) -> None:
    assert heuristic_awards(html).papers == []


def test_a_page_of_unclosed_paragraphs_is_read_whole() -> None:
    # Implied end tags: 20,000 unclosed <p> are siblings, not a chain 20,000 deep (bench --scale times it).
    html = (
        "<h2>Best Paper Award</h2>"
        + "<p>\n" * 20_000
        + "<p><b>A Record After Them All</b><br><i>Ann Lee, Bo Wu</i>"
    )
    assert [p.title for p in heuristic_awards(html).papers] == ["A Record After Them All"]
