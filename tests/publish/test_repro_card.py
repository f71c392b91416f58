"""Reproducibility cards read from the fixture PDFs' own text; licences from a GitHub-like API.

The GitHub API is a local HTTP server answering /repos/{owner}/{repo} with JSON shaped like the
real API's (written for these tests, not recorded); the real httpx client of the harvest stage
asks it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from config.settings import get_settings
from tasks.harvest.licences import choose_licences
from tasks.harvest.manifest import load_conference
from tasks.links import with_pdf_links
from tasks.models import AwardEntry, LicenceCheck, ParsedPaper, ReproCard
from tasks.publish.cards import card_for
from tasks.publish.repro_render import card_markdown
from tasks.repro.card import paper_card, paper_passages
from tests.fixture_conference import CONFERENCES, PDF_BY_TITLE_START, SLUG
from tests.summarize.replay import parsed_fixture

SPECTER = "SPECTER"
FUTOMA = "An Improved Multi-Output"
LITERATURE_GRAPH = "Construction of the Literature Graph"


def published_card(parsed: ParsedPaper, entry: AwardEntry, pages: list[list[str]] | None = None) -> ReproCard:
    """The card as a release shows it: the repro-card stage's, with the entry's links, unchecked licences."""
    if pages is not None:
        parsed = parsed.model_copy(update={"page_lines": pages})
    return card_for(paper_card(parsed), entry, {})


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _entry(start: str) -> AwardEntry:
    return next(e for e in load_conference(SLUG, CONFERENCES).entries if e.title.startswith(start))


def _card(fixtures_dir: Path, start: str) -> tuple[ReproCard, str]:
    """The card of one fixture paper, and all of the paper's text (parsed and page text) compacted."""
    pdf = fixtures_dir / "pdfs" / PDF_BY_TITLE_START[start]
    parsed = parsed_fixture(pdf)
    pages = parsed.page_lines
    card = published_card(parsed, with_pdf_links(_entry(start), parsed.urls))
    text = " ".join([*(p.text for p in paper_passages(parsed)), *(line for page in pages for line in page)])
    return card, _compact(text)


@pytest.mark.parametrize("start", sorted(PDF_BY_TITLE_START))
def test_every_field_of_a_card_quotes_the_paper(fixtures_dir: Path, start: str) -> None:
    card, text = _card(fixtures_dir, start)
    found = [*card.code, *card.datasets, *card.models, *card.compute, *card.badges]
    for item in [*found, *([card.code_statement] if card.code_statement else [])]:
        assert item.where and item.quote, item
        # The quote is the paper's own words (cut with "…" when long), found where it says.
        assert _compact(item.quote.rstrip("…")) in text, item
    for item in found:  # and what the field says stands in that quote
        value = re.sub(r"^https?://(www\.)?", "", item.value)
        assert _compact(value) in _compact(item.quote) or item.where == "award list", item


def test_specter_card_names_its_code_statement_dataset_and_compute(fixtures_dir: Path) -> None:
    card, _ = _card(fixtures_dir, SPECTER)
    (code,) = card.code
    assert code.url == "https://github.com/allenai/specter" and code.where == "page 1"
    assert card.code_statement is not None
    assert card.code_statement.quote == "We release our code and data to facilitate reproducibility."
    assert card.code_statement.where.startswith("4 Experiments")
    scidocs = next(d for d in card.datasets if d.value == "SCIDOCS")
    assert scidocs.url == "https://github.com/allenai/scidocs" and scidocs.where == "Abstract"
    compute = {c.value: c for c in card.compute}
    assert {"Titan V GPU", "1-2 days"} <= set(compute)
    assert "single Titan V GPU" in compute["Titan V GPU"].quote
    assert not card.badges
    # No licence lookup in this call: said, not guessed.
    assert [(c.repository, c.status) for c in card.licences] == [(code.url, "not checked")]


def test_a_footnote_link_is_found_on_its_page_and_cited_repositories_are_not_code(fixtures_dir: Path) -> None:
    futoma, _ = _card(fixtures_dir, FUTOMA)
    assert [(c.url, c.where) for c in futoma.code] == [("https://github.com/jfutoma/MGP-RNN", "page 7")]
    assert futoma.code_statement is None  # the paper links its repository but never says so in words
    graph, _ = _card(fixtures_dir, LITERATURE_GRAPH)
    # allenai/openie-standalone, science-parse...: named in the paper, not the paper's own code.
    assert graph.code == [] and graph.code_statement is None
    assert {"CHEMDNER", "BC5CDR"} <= {d.value for d in graph.datasets}


def test_the_card_in_review_markdown_cites_each_item(fixtures_dir: Path) -> None:
    card, _ = _card(fixtures_dir, SPECTER)
    lines = "\n".join(card_markdown(card))
    assert "[https://github.com/allenai/specter](https://github.com/allenai/specter) — *page 1*" in lines
    assert "“We release our code and data to facilitate reproducibility.”" in lines
    assert "SCIDOCS ([link](https://github.com/allenai/scidocs)) — *Abstract*" in lines
    assert "not checked \\(no licence lookup in this run\\)" in lines  # escaped Markdown


# --------------------------------------------------------------------------- licences


class _GitHub:
    """A GitHub-like /repos/{owner}/{repo} on 127.0.0.1, counting requests."""

    REPOS: ClassVar[dict[str, tuple[int, dict[str, Any]]]] = {
        "allenai/specter": (
            200,
            {"full_name": "allenai/specter", "license": {"key": "apache-2.0", "spdx_id": "Apache-2.0"}},
        ),
        "jfutoma/MGP-RNN": (200, {"full_name": "jfutoma/MGP-RNN", "license": None}),
        "someone/custom": (200, {"license": {"spdx_id": "NOASSERTION", "name": "Other"}}),
        "limited/repo": (403, {"message": "API rate limit exceeded"}),
    }

    def __init__(self) -> None:
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.paths.append(self.path)
                status, body = outer.REPOS.get(
                    self.path.removeprefix("/repos/"), (404, {"message": "Not Found"})
                )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def github() -> Iterator[_GitHub]:
    server = _GitHub()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_licences_come_from_the_github_api_when_the_network_is_allowed(github: _GitHub) -> None:
    settings = get_settings().with_values(**{"harvest.github_api": github.url, "harvest.download": True})
    check = choose_licences(settings)
    assert check("https://github.com/allenai/specter") == LicenceCheck(
        repository="https://github.com/allenai/specter",
        status="found",
        licence="Apache-2.0",
        detail="GitHub API",
    )
    assert check("https://github.com/jfutoma/MGP-RNN").status == "none"
    assert check("https://github.com/someone/custom").licence == "Other"
    assert check("https://github.com/gone/away").status == "not found"
    limited = check("https://github.com/limited/repo")
    assert limited.status == "not checked" and "rate limit" in limited.detail
    assert check("https://gitlab.com/a/b").status == "not checked"
    asked = len(github.paths)
    check("https://github.com/allenai/specter")  # asked once per repository and process
    assert len(github.paths) == asked == 5


def test_a_definite_answer_found_before_is_reused(github: _GitHub) -> None:
    settings = get_settings().with_values(**{"harvest.github_api": github.url, "harvest.download": True})
    url = "https://github.com/allenai/specter"
    known = LicenceCheck(repository=url, status="found", licence="MIT", detail="GitHub API")
    assert choose_licences(settings, {url: known})(url) == known
    assert github.paths == []


def test_offline_or_switched_off_licences_are_not_checked_and_say_why(github: _GitHub) -> None:
    offline = choose_licences(get_settings().with_values(**{"harvest.github_api": github.url}))
    check = offline("https://github.com/allenai/specter")
    assert check.status == "not checked" and "offline" in check.detail  # the tests run with downloads off
    off = choose_licences(
        get_settings().with_values(
            **{"harvest.github_api": github.url, "harvest.download": True, "harvest.check_licences": False}
        )
    )
    assert "CHECK_LICENCES" in off("https://github.com/allenai/specter").detail
    assert github.paths == []


def test_artifact_badges_printed_in_the_paper_are_cited() -> None:
    from tests.summarize.conftest import make_paper

    pages = [["SPECTER: Document-level Representation Learning"], ["Artifacts Evaluated – Reusable", "ACM"]]
    card = published_card(make_paper(), _entry(SPECTER), pages=pages)
    assert [(b.value, b.where) for b in card.badges] == [("Artifacts Evaluated – Reusable", "page 2")]
    plain = published_card(make_paper(), _entry(SPECTER))
    assert plain.badges == [] and any("page text was not read" in n for n in plain.notices)
