"""Confirming award candidates by title search: each service's client against a local server that
speaks its protocol (tests/harvest/replay.py), and the verdicts a reading gets from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.harvest import dblp, title_search
from tasks.harvest.anthology import Anthology
from tasks.harvest.confirm import Confirmer
from tasks.harvest.feeds import read_announcement
from tasks.harvest.http import REQUESTS, ServiceClient, ServiceError
from tasks.harvest.resolve import normalise_title
from tests.harvest.announcement_pages import (
    INVENTED_TITLE,
    expected_titles,
    known_papers,
    llm_reader,
    page_html,
)
from tests.harvest.replay import KnownPaper, Replay
from tests.summarize.openai_server import ReplayServer
from tests.summarize.replay import settings_for

PAPERS = [
    KnownPaper("Backpack Language Models", ("John Hewitt", "Percy Liang"), anthology=True),
    KnownPaper("{BERT}-like Models Are Not Enough", ("Ann Lee",), anthology=True),
    KnownPaper("Dashboard Design Patterns", ("Benjamin Bach",)),
]


@pytest.fixture
def known(replay: Replay) -> Replay:
    replay.known = list(PAPERS)
    return replay


def test_dblp_answers_titles_and_its_empty_hits(known: Replay, tmp_path: Path) -> None:
    settings = known.settings(tmp_path, cache_dir=None)
    with ServiceClient("dblp", settings) as client:
        (hit,) = dblp.search_title(client, settings.dblp_api, "Backpack Language Models")
        assert hit.title == "Backpack Language Models" and hit.authors == ["John Hewitt", "Percy Liang"]
        (single,) = dblp.search_title(client, settings.dblp_api, "Dashboard Design")  # words as prefixes
        assert single.authors == ["Benjamin Bach"]  # one author: DBLP sends an object, not a list
        assert dblp.search_title(client, settings.dblp_api, "Congratulations to all of our winners") == []
    known.routes["/dblp/search/publ/api"] = [
        (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>")
    ]
    with (
        ServiceClient("dblp", settings) as client,
        pytest.raises(ServiceError, match="not a DBLP search result"),
    ):
        dblp.search_title(client, settings.dblp_api, "Backpack Language Models")


def test_openreview_semantic_scholar_and_arxiv_search_by_title(known: Replay, tmp_path: Path) -> None:
    s = known.settings(tmp_path)
    with ServiceClient("x", s) as client:
        assert [
            r.title for r in title_search.openreview_search(client, s.openreview_api, "Backpack Models")
        ] == ["Backpack Language Models"]
        assert title_search.semantic_scholar_match(client, s.semantic_scholar_api, "Backpack Language Model")
        assert (
            title_search.semantic_scholar_match(client, s.semantic_scholar_api, "A Room with Chaconne") == []
        )
        assert (
            title_search.arxiv_search(client, s.arxiv_api, "Dashboard Design Patterns")[0].service == "arxiv"
        )
        assert (
            title_search.arxiv_search(client, s.arxiv_api, "Patterns Dashboard") == []
        )  # a phrase, in order


def test_the_anthology_export_is_fetched_once_and_searched_in_memory(known: Replay, tmp_path: Path) -> None:
    settings = known.settings(tmp_path)
    before = REQUESTS["acl_anthology"]
    with ServiceClient("acl_anthology", settings) as client:
        anthology = Anthology(client, settings.acl_anthology_bib)
        assert (
            anthology.search_title("BERT-like Models Are Not Enough")[0].title
            == "BERT-like Models Are Not Enough"
        )
        assert anthology.search_title("Backpack Language Models")[0].authors == ["John Hewitt", "Percy Liang"]
        assert anthology.search_title("Dashboard Design Patterns") == []  # not an Anthology paper
    assert known.queries["acl_anthology"] == 1 and REQUESTS["acl_anthology"] - before == 1


def test_verdicts_confirmed_refuted_unknown_and_a_service_down_is_not_asked_again(
    known: Replay, tmp_path: Path
) -> None:
    with Confirmer(known.settings(tmp_path, cache_dir=None)) as confirmer:
        yes = confirmer.confirm("Backpack Language Models.")
        assert (yes.status, yes.service) == ("confirmed", "dblp")
        # A search hit is not a confirmation: the record's title must be (near-)equal to the candidate's.
        partial = confirmer.confirm("Language Models")
        assert partial.status == "refuted" and partial.asked == [*confirmer.asked]
    known.routes["/dblp/search/publ/api"] = [(503, {"Retry-After": "0"}, b"")]
    with Confirmer(known.settings(tmp_path, cache_dir=None, max_retry_after_s=0.0)) as confirmer:
        assert confirmer.confirm("Dashboard Design Patterns").service == "semantic_scholar"
        hits = known.hits["dblp"]
        assert confirmer.confirm("Backpack Language Models").service == "semantic_scholar"
        assert known.hits["dblp"] == hits and "dblp" in confirmer.down
        assert "not reachable: dblp" in confirmer.summary([confirmer.confirm("Backpack Language Models")])


@pytest.fixture(scope="module")
def llm() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


def test_the_llm_reading_is_held_to_the_page_weighed_and_confirmed(
    fixtures_dir: Path, replay: Replay, llm: ReplayServer, tmp_path: Path
) -> None:
    from tasks.llm import StructuredCaller

    name = "naacl-2025-best-papers.md"
    replay.known = known_papers(fixtures_dir)
    llm.state.answers["AnnouncedAwards"] = llm_reader(fixtures_dir)
    llm.state.script = ["invent"]
    model = StructuredCaller(settings_for(llm, tmp_path), "award announcement")
    with Confirmer(replay.settings(tmp_path, cache_dir=None)) as confirmer:
        read = read_announcement(page_html(fixtures_dir, name), model, confirmer)
    assert read.reader == "llm" and read.dropped == [INVENTED_TITLE]
    assert {normalise_title(p.title) for p in read.entries} == {
        normalise_title(t) for t in expected_titles(fixtures_dir, name)
    }
    assert all(p.confirmed_by and "named by the model" in p.evidence for p in read.entries)
    assert "25 of 25 confirmed" in read.confirmation
    # Offline, the model's titles weigh what the page's records that carry them weigh.
    llm.state.script = []
    offline = read_announcement(page_html(fixtures_dir, name), model)
    assert offline.confirmation.startswith("offline") and len(offline.entries) >= 0.8 * len(read.entries)
