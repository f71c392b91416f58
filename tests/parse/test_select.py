"""Parser choice (auto / grobid / local), the 204 fallback, cache identity and the markdown view."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import GrobidSettings, ParseSettings, Settings
from tasks.parse import local
from tasks.parse.choice import choose_parser, parse_pdf
from tasks.parse.errors import GrobidUnavailableError, ParseError, TooManyPagesError
from tasks.parse.grobid_backend import EMPTY_204_NOTICE
from tasks.parse.markdown import to_markdown
from tasks.parse.visibility import VISIBILITY_VERSION
from tests.fixture_truth import TRUTH
from tests.parse.grobid_server import BAD_INPUT, GrobidServer, GrobidStub
from tests.parse.pdfs import text_pdf

NOTE = text_pdf(["A short note with one line of text in it."] * 3)


def _settings(parser: str, url: str | None, **grobid: object) -> Settings:
    return Settings(
        grobid=GrobidSettings(url=url, busy_sleep_s=0.001, **grobid),
        parse=ParseSettings(parser=parser),
    )


def _down_url() -> str:
    with GrobidServer() as server:
        return server.url


@pytest.mark.parametrize("name", ["specter", "literature_graph"])
def test_grobid_path_gives_the_right_paper(
    grobid: GrobidStub, fixture_pdfs: dict[str, Path], name: str
) -> None:
    path = fixture_pdfs[name]
    outcome = parse_pdf(path.read_bytes(), path.name, settings=_settings("grobid", grobid.url))
    paper, truth = outcome.parsed, TRUTH[name]
    assert outcome.parser_used == "grobid" and outcome.tei and paper.parser == "grobid"
    assert paper.title == truth["title"]
    assert [a.name.casefold() for a in paper.authors] == [n.casefold() for n in truth["authors"]]
    assert paper.page_count == truth["pages"]  # from pdfium: the 0.6.1 TEI has no coordinates
    assert paper.pdf_sha256 and len(grobid.calls) == 1


def test_auto_uses_grobid_when_alive(grobid: GrobidStub, fixture_pdfs: dict[str, Path]) -> None:
    data = fixture_pdfs["specter"].read_bytes()
    assert parse_pdf(data, "specter.pdf", settings=_settings("auto", grobid.url)).parser_used == "grobid"


def test_204_falls_back_to_local_with_a_notice(grobid: GrobidStub) -> None:
    grobid.unknown = (204, "")
    for mode in ("grobid", "auto"):
        outcome = parse_pdf(NOTE, "note.pdf", settings=_settings(mode, grobid.url))
        assert outcome.parser_used == "local" and outcome.tei is None
        assert EMPTY_204_NOTICE in outcome.parsed.notices


def test_500_is_a_parse_error_called_once(grobid: GrobidStub) -> None:
    grobid.unknown = (500, BAD_INPUT)
    with pytest.raises(ParseError, match=r"^note\.pdf: GROBID could not process"):
        parse_pdf(NOTE, "note.pdf", settings=_settings("grobid", grobid.url))
    assert len(grobid.calls) == 1


def test_grobid_down_required_is_an_error_auto_falls_back() -> None:
    url = _down_url()
    with pytest.raises(GrobidUnavailableError) as info:
        parse_pdf(NOTE, "note.pdf", settings=_settings("grobid", url))
    assert url in str(info.value)
    outcome = parse_pdf(NOTE, "note.pdf", settings=_settings("auto", url))
    assert outcome.parser_used == "local"
    assert f"GROBID at {url} is not reachable: parsed with the local parser" in outcome.parsed.notices
    outcome = parse_pdf(NOTE, "note.pdf", settings=_settings("auto", None))
    assert "no GROBID url configured: parsed with the local parser" in outcome.parsed.notices
    with pytest.raises(GrobidUnavailableError):
        parse_pdf(NOTE, "note.pdf", settings=_settings("grobid", None))


def test_auto_falls_back_when_grobid_stays_busy(grobid: GrobidStub) -> None:
    grobid.busy = -1
    outcome = parse_pdf(NOTE, "note.pdf", settings=_settings("auto", grobid.url, busy_retries=1))
    assert outcome.parser_used == "local"
    assert any("stayed busy" in n for n in outcome.parsed.notices)


def test_local_never_calls_grobid(grobid: GrobidStub) -> None:
    outcome = parse_pdf(NOTE, "note.pdf", settings=_settings("local", grobid.url))
    assert outcome.parser_used == "local" and not grobid.calls


def test_page_cap_applies_before_grobid(grobid: GrobidStub) -> None:
    settings = _settings("grobid", grobid.url)
    settings.parse.max_pages = 2
    with pytest.raises(TooManyPagesError, match=r"^many\.pdf: the PDF has 3 pages"):
        parse_pdf(text_pdf(["Some text on the page here."] * 3, pages=3), "many.pdf", settings=settings)
    assert not grobid.calls


def parser_identity(settings: Settings) -> tuple[str, ...]:
    return choose_parser(settings).parser.identity


def test_parser_identity(grobid: GrobidStub) -> None:
    visibility = f"visibility={VISIBILITY_VERSION}"  # what counts as hidden changes what is parsed
    local_id = (local.PARSER_NAME, local.PARSER_VERSION, visibility, "max_pages=200")
    assert parser_identity(_settings("local", grobid.url)) == local_id
    ident = parser_identity(_settings("auto", grobid.url))
    assert ident[:3] == ("grobid", "0.6.1", grobid.url)
    assert "consolidateCitations=0" in ident and "teiCoordinates=figure,head,p" in ident
    other = parser_identity(_settings("auto", grobid.url, consolidate_citations=1))
    assert other != ident
    assert parser_identity(_settings("auto", _down_url())) == local_id
    with pytest.raises(GrobidUnavailableError):
        parser_identity(_settings("grobid", _down_url()))


def test_markdown(grobid: GrobidStub, fixture_pdfs: dict[str, Path]) -> None:
    data = fixture_pdfs["specter"].read_bytes()
    text = to_markdown(parse_pdf(data, "specter.pdf", settings=_settings("grobid", grobid.url)).parsed)
    assert text.startswith(f"# {TRUTH['specter']['title']}\n")
    assert "- **Arman Cohan** — Allen Institute" in text
    assert "## Abstract" in text and "## 1 Introduction" in text
    assert "57 references" in text and "https://github.com/allenai/specter" in text
    assert text.rstrip().endswith("*Parsed by grobid 0.6.1, 13 pages.*")
