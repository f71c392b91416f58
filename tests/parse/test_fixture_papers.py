"""The local parser on four real papers, against the ground truth read from their first pages."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from tasks.models import ParsedPaper, sha256_bytes
from tasks.parse.local import PARSER_NAME, PARSER_VERSION
from tests.fixture_truth import TRUTH, corpus2_papers, parse_real

PAPERS = sorted(TRUTH)
# corpus2's 31 templates: collected when the shared fixtures are there; one skipped case says why when not.
CORPUS2 = sorted(corpus2_papers()) or [
    pytest.param("-", marks=pytest.mark.skip(reason="../shared/fixtures/corpus2/truth.json not found"))
]


def norm(text: str) -> str:
    """NFKC, typographic apostrophes as ASCII, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


def author_f1(found: list[str], expected: list[str]) -> float:
    got = {norm(name).casefold() for name in found}
    want = {norm(name).casefold() for name in expected}
    hits = len(got & want)
    if not hits:
        return 0.0
    precision, recall = hits / len(got), hits / len(want)
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize("name", PAPERS)
def test_title_is_exact(parsed_papers: dict[str, ParsedPaper], name: str) -> None:
    assert norm(parsed_papers[name].title) == norm(TRUTH[name]["title"])


@pytest.mark.parametrize("name", PAPERS)
def test_authors_match_the_first_page(parsed_papers: dict[str, ParsedPaper], name: str) -> None:
    found = [a.name for a in parsed_papers[name].authors]
    assert author_f1(found, TRUTH[name]["authors"]) >= 0.95, found
    # The parser gets these four exactly right, in order; keep it that way.
    assert [norm(n) for n in found] == [norm(n) for n in TRUTH[name]["authors"]]


@pytest.mark.parametrize("name", PAPERS)
def test_abstract_starts_with_the_first_sentence(parsed_papers: dict[str, ParsedPaper], name: str) -> None:
    abstract = norm(parsed_papers[name].abstract)
    assert abstract.startswith(norm(TRUTH[name]["abstract"])), abstract[:200]
    assert len(abstract) > 500
    assert "abstract" not in abstract[:20].lower()


@pytest.mark.parametrize("name", PAPERS)
def test_sections_have_headings_and_prose(parsed_papers: dict[str, ParsedPaper], name: str) -> None:
    sections = parsed_papers[name].sections
    headings = [s.heading for s in sections]
    assert sections[0].heading == "Introduction" and sections[0].number == "1", headings
    assert "References" not in headings
    assert sum(len(s.paragraphs) for s in sections) >= 20
    intro = " ".join(sections[0].paragraphs)
    # De-hyphenated and ligature-free running text.
    assert "\x02" not in intro and "ﬁ" not in intro


@pytest.mark.parametrize("name", PAPERS)
def test_references_are_split_into_entries(parsed_papers: dict[str, ParsedPaper], name: str) -> None:
    refs = parsed_papers[name].references
    assert len(refs) > 5
    with_year = [r for r in refs if r.year and 1950 <= r.year <= 2030]
    assert len(with_year) >= 0.8 * len(refs)
    # One entry per reference: none swallows the next ("Authors. 2019. Title. ... Authors. 2020.").
    for ref in refs:
        assert len(re.findall(r"\. (?:19|20)\d\d[a-z]?\. [A-Z]", ref.raw)) <= 1, ref.raw
        assert len(ref.raw) < 1500


@pytest.mark.parametrize(("name", "count"), [("specter", 57), ("literature_graph", 27)])
def test_reference_count_matches_grobid(parsed_papers: dict[str, ParsedPaper], name: str, count: int) -> None:
    assert len(parsed_papers[name].references) == count


@pytest.mark.parametrize("name", PAPERS)
def test_page_count_urls_and_identity(
    parsed_papers: dict[str, ParsedPaper], fixture_pdfs: dict[str, Path], name: str
) -> None:
    paper = parsed_papers[name]
    assert paper.page_count == TRUTH[name]["pages"]
    assert TRUTH[name]["url"] in paper.urls, paper.urls
    assert len(paper.urls) == len(set(paper.urls))
    assert not any(u.endswith((".", ",", ")", ";")) for u in paper.urls)
    assert (paper.parser, paper.parser_version) == (PARSER_NAME, PARSER_VERSION)
    assert paper.pdf_sha256 == sha256_bytes(fixture_pdfs[name].read_bytes())
    assert paper.notices == []


def test_small_caps_and_hyphenation_in_specter(parsed_papers: dict[str, ParsedPaper]) -> None:
    abstract = parsed_papers["specter"].abstract
    assert "We propose SPECTER, a new method" in abstract
    assert "S PECTER" not in abstract
    # "ingre-" + "dient" at a line end is one word; "token- and sentence-level" keeps its hyphens.
    assert "critical ingredient for" in abstract
    assert "token- and sentence-level" in abstract


def test_affiliations_follow_the_marks(parsed_papers: dict[str, ParsedPaper]) -> None:
    specter = {a.name: a.affiliations for a in parsed_papers["specter"].authors}
    assert specter["Arman Cohan"] == ["Allen Institute for Artificial Intelligence"]
    assert len(specter["Daniel S. Weld"]) == 2 and "University of Washington" in specter["Daniel S. Weld"][1]
    papermage = {a.name: a.affiliations for a in parsed_papers["papermage"].authors}
    assert papermage["Marti A. Hearst"] == ["University of California Berkeley"]
    assert papermage["Doug Downey"] == ["Allen Institute for AI", "Northwestern University"]
    futoma = {a.name: a.affiliations for a in parsed_papers["futoma2017"].authors}
    assert futoma["Mark Sendak"] == ["Institute for Health Innovation, Duke University, Durham, NC"]


def test_captions_are_labelled(parsed_papers: dict[str, ParsedPaper]) -> None:
    captions = parsed_papers["literature_graph"].captions
    labels = [c.label for c in captions]
    assert labels[:2] == ["Figure 1", "Table 1"], labels
    first = captions[0]
    assert (first.kind, first.text, first.page) == ("figure", "Part of the literature graph.", 1)
    assert all(c.kind == ("table" if (c.label or "").startswith("Table") else "figure") for c in captions)


def test_arxiv_stamp_and_running_text_stay_out(parsed_papers: dict[str, ParsedPaper]) -> None:
    paper = parsed_papers["futoma2017"]
    text = " ".join(p for _, _, p in paper.paragraphs())
    assert "arXiv:1708.05894" not in text
    assert [s.number for s in paper.sections[:3]] == ["1", "2", "3"]


def test_acl_reference_titles(parsed_papers: dict[str, ParsedPaper]) -> None:
    refs = parsed_papers["specter"].references
    scibert = next(r for r in refs if r.raw.startswith("Iz Beltagy, Kyle Lo, and Arman Cohan"))
    assert scibert.year == 2019
    assert scibert.title == "SciBERT: A Pretrained Language Model for Scientific Text"


@pytest.mark.parametrize("name", CORPUS2)
def test_corpus2_pages_identity_and_front_matter_notices(name: str) -> None:
    """Every corpus2 template parses whole: all pages, this parser, a title and authors found on the page."""
    truth = corpus2_papers()[name]
    paper = parse_real(name)
    assert paper.page_count == truth.pages
    assert (paper.parser, paper.parser_version) == (PARSER_NAME, PARSER_VERSION)
    assert paper.pdf_sha256 == sha256_bytes(truth.path.read_bytes())
    assert not [n for n in paper.notices if n.startswith(("no title", "no authors", "no abstract"))], (
        paper.notices
    )
