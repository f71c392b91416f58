"""arXiv and Semantic Scholar clients against their real recorded responses, replayed on 127.0.0.1."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tasks.harvest import arxiv, semantic_scholar
from tasks.harvest.http import ServiceClient, ServiceError
from tests.harvest.refusing import INTERVAL_S, REFUSING, fail_together
from tests.harvest.replay import Replay


def _arxiv(replay: Replay, tmp_path: Path, **kw: object) -> tuple[ServiceClient, str]:
    settings = replay.settings(tmp_path, **kw)
    return ServiceClient(
        "arxiv", settings, min_interval_s=settings.arxiv_interval_s, max_connections=1
    ), settings.arxiv_api


def test_an_id_with_a_comment(replay: Replay, tmp_path: Path) -> None:
    client, api = _arxiv(replay, tmp_path)
    record = arxiv.fetch_ids(client, api, ["1605.08386"])["1605.08386"]
    assert record.title == "Heat-bath random walks with Markov bases"
    assert record.authors == ["Caprice Stanley", "Tobias Windisch"]
    assert record.arxiv_version == "v1" and record.pdf_url == "https://arxiv.org/pdf/1605.08386v1"
    assert arxiv.comment_of(record) == "20 pages, 3 figures"
    assert replay.agents == ["paperpanels-tests/1.0 (+tests)"]


def test_two_ids_where_one_is_missing_and_zero_results(replay: Replay, tmp_path: Path) -> None:
    client, api = _arxiv(replay, tmp_path)
    found = arxiv.fetch_ids(client, api, ["0808.05394", "1707.08567"])
    assert list(found) == ["1707.08567"]
    assert arxiv.fetch_ids(client, api, ["0000.0000"]) == {}


def test_a_malformed_id_is_arxivs_own_400_error(replay: Replay, tmp_path: Path) -> None:
    client, api = _arxiv(replay, tmp_path)
    with pytest.raises(arxiv.ArxivIdError, match="incorrect id format for abc"):
        arxiv.fetch_ids(client, api, ["abc"])


def test_an_old_style_id_keeps_its_slash_and_journal_ref(replay: Replay, tmp_path: Path) -> None:
    client, api = _arxiv(replay, tmp_path)
    record = arxiv.fetch_ids(client, api, ["astro-ph/0601001"])["astro-ph/0601001"]
    assert record.venue == "ActaAstron.56:1-50,2006"
    assert record.ids.arxiv == "astro-ph/0601001"


def test_a_search_returns_every_result(replay: Replay, tmp_path: Path) -> None:
    client, api = _arxiv(replay, tmp_path)
    assert len(arxiv.search(client, api, "testing", 10)) == 10


def test_responses_are_cached_on_disk(replay: Replay, tmp_path: Path) -> None:
    client, api = _arxiv(replay, tmp_path)
    arxiv.fetch_ids(client, api, ["1605.08386"])
    again, _ = _arxiv(replay, tmp_path)  # a new client, as in a re-run
    assert arxiv.fetch_ids(again, api, ["1605.08386"])["1605.08386"].title.startswith("Heat-bath")
    assert replay.hits["arxiv"] == 1
    assert len(list((tmp_path / "http-cache" / "arxiv").glob("*.json"))) == 1


def test_arxiv_requests_are_spaced(replay: Replay, tmp_path: Path) -> None:
    client, api = _arxiv(replay, tmp_path, arxiv_interval_s=0.3, cache_dir=None)
    start = time.monotonic()
    for ids in (["1605.08386"], ["0000.0000"], ["astro-ph/0601001"]):
        arxiv.fetch_ids(client, api, ids)
    assert time.monotonic() - start >= 0.6


def test_lookups_waiting_for_a_host_that_refuses_fail_with_the_first_refusal(
    replay: Replay, tmp_path: Path
) -> None:
    """Offline, title lookups queued for arXiv's slot (one every 3 s) all end with the first refusal."""
    settings = replay.settings(tmp_path, cache_dir=None, arxiv_api=f"http://{REFUSING}/api/query")
    client = ServiceClient("arxiv", settings, min_interval_s=INTERVAL_S, max_connections=1)
    fail_together(lambda: arxiv.fetch_ids(client, settings.arxiv_api, ["2401.00001"]), ServiceError)


def test_429_and_503_honour_retry_after_other_4xx_are_final(replay: Replay, tmp_path: Path) -> None:
    busy = (429, {"Retry-After": "0"}, b"slow down")
    replay.routes["/s2/graph/v1/paper/search/match"] = [
        busy,
        (503, {"Retry-After": "0"}, b""),
        (200, {}, b'{"data": []}'),
    ]
    client = ServiceClient("semantic_scholar", replay.settings(tmp_path, cache_dir=None))
    assert semantic_scholar.match_title(client, f"{replay.url}/s2/graph/v1", "x") is None
    assert replay.hits["s2"] == 3
    replay.routes["/s2/graph/v1/paper/search/match"] = [(403, {}, b"forbidden")]
    with pytest.raises(ServiceError, match="HTTP 403"):
        semantic_scholar.match_title(client, f"{replay.url}/s2/graph/v1", "x")
    assert replay.hits["s2"] == 4
    replay.routes["/s2/graph/v1/paper/search/match"] = [busy]
    with pytest.raises(ServiceError, match="HTTP 429 \\(gave up\\)"):
        semantic_scholar.match_title(client, f"{replay.url}/s2/graph/v1", "x")


def test_semantic_scholar_match_and_real_404(replay: Replay, tmp_path: Path, fixtures_dir: Path) -> None:
    client = ServiceClient("semantic_scholar", replay.settings(tmp_path))
    api = f"{replay.url}/s2/graph/v1"
    hit = semantic_scholar.match_title(client, api, "Attention is All you Need")
    assert hit is not None and hit.ids.arxiv == "1706.03762" and "Ashish Vaswani" in hit.authors
    assert semantic_scholar.match_title(client, api, "askldjrq3rjaw938h") is None
    recorded = json.loads(
        (fixtures_dir / "semantic_scholar" / "s2_search_match_404_no_match.json").read_text()
    )
    assert recorded["body"] == {"error": "Title match not found"}
