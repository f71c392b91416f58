"""TEI -> ParsedPaper on real GROBID output, cross-checked with the independent grobid_tei_xml package."""

from __future__ import annotations

from pathlib import Path

import grobid_tei_xml
import pytest

from tasks.models import ParsedPaper
from tasks.parse.errors import ParseError
from tasks.parse.tei import GROBID_PARSER, parse_tei
from tests.fixture_truth import TRUTH

TEI = {
    "specter": "specter_2020.acl-main.207.grobid-0.6.1.tei.xml",
    "literature_graph": "literature_graph_N18-3011.grobid-0.6.1.tei.xml",
    "paperqa": "paperqa_2312.07559.paragraphs.grobid-0.8.1-SNAPSHOT.tei.xml",
}


@pytest.fixture(scope="module")
def tei_texts(fixtures_dir: Path) -> dict[str, str]:
    return {
        name: (fixtures_dir / "grobid_tei" / file).read_text(encoding="utf-8") for name, file in TEI.items()
    }


@pytest.fixture(scope="module")
def papers(tei_texts: dict[str, str]) -> dict[str, ParsedPaper]:
    return {name: parse_tei(text, TEI[name]) for name, text in tei_texts.items()}


@pytest.mark.parametrize("name", ["specter", "literature_graph"])
def test_title_authors_abstract_match_the_truth(papers: dict[str, ParsedPaper], name: str) -> None:
    paper, truth = papers[name], TRUTH[name]
    assert paper.title == truth["title"]
    assert paper.abstract.startswith(truth["abstract"])
    names = [a.name for a in paper.authors]
    # GROBID capitalises the particle ("Van Zuylen"): a real quirk we keep, not hide.
    assert [n.casefold() for n in names] == [n.casefold() for n in truth["authors"]]
    assert paper.parser == GROBID_PARSER and paper.parser_version == "0.6.1"


def test_counts_and_quirks(papers: dict[str, ParsedPaper]) -> None:
    assert len(papers["specter"].references) == 57
    assert len(papers["literature_graph"].authors) == 23
    assert len(papers["literature_graph"].references) == 27
    assert "Madeleine Van Zuylen" in [a.name for a in papers["literature_graph"].authors]
    assert len(papers["paperqa"].references) == 78
    assert papers["paperqa"].parser_version == "0.8.1-SNAPSHOT"


def test_header_details(papers: dict[str, ParsedPaper]) -> None:
    cohan = papers["specter"].authors[0]
    assert cohan.email == "armanc@allenai.org"
    assert "University of Washington" in cohan.affiliations[0]
    assert papers["specter"].authors[4].name == "Daniel S. Weld"


def test_sections_formulas_and_citations(papers: dict[str, ParsedPaper]) -> None:
    specter = papers["specter"]
    assert specter.sections[0].number == "1" and specter.sections[0].heading == "Introduction"
    # Formulas stay in the text as their own paragraphs.
    assert any(p.startswith("L = max d") for s in specter.sections for p in s.paragraphs)
    assert specter.citations
    for citation in specter.citations:
        assert 0 <= citation.reference < len(specter.references)
        assert citation.paragraph < len(specter.sections[citation.section].paragraphs)
    devlin = specter.references[specter.citations[0].reference]
    assert devlin.year is not None


def test_references_fields(papers: dict[str, ParsedPaper]) -> None:
    lg = papers["literature_graph"].references[0]
    assert lg.raw.startswith("Waleed Ammar, Matthew E. Peters")
    assert lg.title and lg.title.startswith("The ai2 system at semeval-2017")
    assert lg.year == 2017 and lg.venue == "ACL workshop (SemEval)"
    assert lg.authors[:2] == ["Waleed Ammar", "Matthew E. Peters"]
    pqa = papers["paperqa"].references
    assert "2301.10140" in [r.arxiv for r in pqa]
    assert "10.18653/v1/D19-1259" in [r.doi for r in pqa]


def test_captions_with_coordinates(papers: dict[str, ParsedPaper]) -> None:
    captions = papers["paperqa"].captions
    first = captions[0]
    assert first.kind == "figure" and first.label == "Figure 1" and first.page == 3
    assert first.text.startswith("PaperQA Workflow Diagram") and first.coords
    assert any(c.kind == "table" and c.label == "Table 5" and c.page == 9 for c in captions)
    assert papers["paperqa"].page_count == 20
    # Without teiCoordinates the TEI cannot say how many pages there were.
    assert papers["specter"].page_count == 0


def test_urls_from_text_and_footnotes(papers: dict[str, ParsedPaper]) -> None:
    assert TRUTH["specter"]["url"] in papers["specter"].urls
    assert "https://pubmed.ncbi.nlm.nih.gov/" in papers["paperqa"].urls


@pytest.mark.parametrize("name", list(TEI))
def test_agrees_with_grobid_tei_xml(
    tei_texts: dict[str, str], papers: dict[str, ParsedPaper], name: str
) -> None:
    theirs = grobid_tei_xml.parse_document_xml(tei_texts[name])
    ours = papers[name]
    assert theirs.header.title == ours.title
    assert len(theirs.header.authors) == len(ours.authors)
    assert len(theirs.citations or []) == len(ours.references)


def test_malformed_tei_names_the_file() -> None:
    with pytest.raises(ParseError) as info:
        parse_tei("<TEI xmlns='http://www.tei-c.org/ns/1.0'><teiHeader>", "broken.tei.xml")
    assert "broken.tei.xml" in str(info.value) and "malformed TEI" in str(info.value)


def test_not_tei_and_empty(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match=r"page\.html: not a TEI document"):
        parse_tei("<html><body/></html>", "page.html")
    with pytest.raises(ParseError, match=r"empty\.xml: the TEI is empty"):
        parse_tei(b"  ", "empty.xml")


def test_tei_without_title_is_an_error_naming_the_file(tei_texts: dict[str, str]) -> None:
    text = tei_texts["specter"].replace(
        "SPECTER: Document-level Representation Learning using Citation-informed Transformers</title>",
        "</title>",
    )
    with pytest.raises(ParseError) as info:
        parse_tei(text, "untitled.tei.xml")
    assert str(info.value).startswith("untitled.tei.xml: the TEI has no title")


def test_entities_are_not_expanded() -> None:
    evil = (
        '<?xml version="1.0"?><!DOCTYPE TEI [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
        "<title>T &x;</title></titleStmt></fileDesc></teiHeader></TEI>"
    )
    paper = parse_tei(evil, "evil.xml")
    assert "root:" not in paper.title
