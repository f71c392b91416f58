"""The local parser over every real PDF in ../shared/fixtures: the four fixture papers and the corpus
of varied templates (NeurIPS, ICML/ICLR, CVPR, ACL, JMLR, LNCS, JOSS, arXiv, a report, a thesis)."""

from __future__ import annotations

import pytest

from tasks.models import ParsedPaper
from tests.fixture_truth import (
    RealPaper,
    author_scores,
    broken_names,
    corpus_truth,
    first_sentence,
    norm,
    parse_real,
    real_papers,
)

# Collected from truth.json when the shared fixtures are there; one skipped case says why when not.
CORPUS = sorted(name.removesuffix(".pdf") for name in corpus_truth()) or [
    pytest.param("-", marks=pytest.mark.skip(reason="../shared/fixtures/corpus/truth.json not found"))
]


@pytest.fixture(scope="session")
def papers(fixtures_dir: object) -> dict[str, RealPaper]:
    return real_papers()


def _parsed(papers: dict[str, RealPaper], name: str) -> tuple[RealPaper, ParsedPaper]:
    return papers[name], parse_real(name)


@pytest.mark.parametrize("name", CORPUS)
def test_title(papers: dict[str, RealPaper], name: str) -> None:
    truth, parsed = _parsed(papers, name)
    # Small caps and all-caps titles are recorded in normal case: compare case-insensitively.
    assert norm(parsed.title) == norm(truth.title)


@pytest.mark.parametrize("name", CORPUS)
def test_authors_in_printed_order(papers: dict[str, RealPaper], name: str) -> None:
    truth, parsed = _parsed(papers, name)
    found = [a.name for a in parsed.authors]
    assert broken_names(found, truth.authors) == [], found
    assert [norm(n) for n in found] == [norm(n) for n in truth.authors]


@pytest.mark.parametrize("name", CORPUS)
def test_abstract_starts_with_its_first_sentence(papers: dict[str, RealPaper], name: str) -> None:
    truth, parsed = _parsed(papers, name)
    assert norm(first_sentence(parsed.abstract)) == norm(truth.abstract_start), parsed.abstract[:300]


@pytest.mark.parametrize("name", CORPUS)
def test_pages_and_body(papers: dict[str, RealPaper], name: str) -> None:
    truth, parsed = _parsed(papers, name)
    assert parsed.page_count == truth.pages
    assert sum(len(s.paragraphs) for s in parsed.sections) >= 10
    assert not [n for n in parsed.notices if "no " in n], parsed.notices


def test_totals_over_every_real_pdf(papers: dict[str, RealPaper]) -> None:
    """The issue's bar over fixtures + corpus: titles and abstract starts all right, author F1 >= 0.98."""
    titles = abstracts = 0
    f1s = []
    for name, truth in papers.items():
        parsed = parse_real(name)
        titles += norm(parsed.title) == norm(truth.title)
        abstracts += norm(first_sentence(parsed.abstract)) == norm(truth.abstract_start)
        f1s.append(author_scores([a.name for a in parsed.authors], truth.authors)[2])
    assert len(papers) == 17
    assert (titles, abstracts) == (len(papers), len(papers))
    assert sum(f1s) / len(f1s) >= 0.98


def test_author_scores_count_namesakes() -> None:
    assert author_scores(["Anna Lee", "Anna Lee"], ["Anna Lee", "Anna Lee"]) == (1.0, 1.0, 1.0)
    p, r, _ = author_scores(["Anna Lee"], ["Anna Lee", "Anna Lee"])
    assert (p, r) == (1.0, 0.5)
    assert broken_names(["Bartosz Trzci", "Jay Pujara"], ["Bartosz Trzciński", "Jay Pujara"]) == [
        "bartosz trzci"
    ]
    assert broken_names(["Avijit Thawani Jay Pujara"], ["Avijit Thawani", "Jay Pujara"]) != []
