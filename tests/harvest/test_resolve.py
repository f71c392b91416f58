"""Resolution: ids and titles against the replayed APIs, confidence, review flags, ranked links."""

from __future__ import annotations

from pathlib import Path

from tasks.harvest.models import Resolution
from tasks.harvest.resolve import (
    Resolver,
    author_overlap,
    offline_resolution,
    resolve_entries,
    title_similarity,
)
from tasks.harvest.sources import entry_from_id
from tasks.links import find_links, rank
from tasks.models import AwardEntry
from tests.harvest.replay import Replay, atom_feed, openreview_note

GATED = "Gated Attention for Large Language Models: Non-linearity, Sparsity, and Attention-Sink-Free"
GATED_AUTHORS = ["Zihan Qiu", "Zekun Wang", "Bo Zheng", "Junyang Lin"]


def _resolve(replay: Replay, tmp_path: Path, entry: AwardEntry) -> Resolution:
    (result,) = resolve_entries([entry], replay.settings(tmp_path), online=True)
    return result


def test_scores_ignore_case_punctuation_and_accents() -> None:
    assert title_similarity("Attention is All you Need", "Attention Is All You Need.") == 1.0
    assert title_similarity("Attention is All you Need", "Heat-bath random walks") < 0.5
    assert author_overlap(["Michał Bortkiewicz", "K. Wang"], ["Michal Bortkiewicz"]) == 1.0
    assert author_overlap(None, ["A"]) is None


def test_a_title_resolves_through_semantic_scholar(replay: Replay, tmp_path: Path) -> None:
    result = _resolve(replay, tmp_path, AwardEntry(title="Attention Is All You Need", award="test of time"))
    assert result.status == "resolved" and result.confidence == 1.0
    assert result.entry.ids.arxiv == "1706.03762" and result.entry.confidence == "high"
    assert result.entry.authors and result.entry.authors[0] == "Ashish Vaswani"
    assert replay.hits == {"arxiv": 1, "s2": 1}  # arXiv title search found nothing, S2 did


def test_a_title_with_no_match_is_not_found(replay: Replay, tmp_path: Path) -> None:
    result = _resolve(replay, tmp_path, AwardEntry(title="askldjrq3rjaw938h", award="best paper"))
    assert result.status == "not_found"
    assert "no title match" in " ".join(result.notices)


def test_an_unknown_id_is_not_found(replay: Replay, tmp_path: Path) -> None:
    result = _resolve(replay, tmp_path, entry_from_id("arxiv:0000.0000"))
    assert result.status == "not_found" and result.notices == ["arXiv has no paper 0000.0000"]


def test_an_id_alone_takes_title_authors_and_latest_version(replay: Replay, tmp_path: Path) -> None:
    result = _resolve(replay, tmp_path, entry_from_id("arxiv:1605.08386"))
    assert result.status == "resolved" and result.arxiv_version == "v1"
    assert result.entry.title == "Heat-bath random walks with Markov bases" and result.entry.note is None


def test_a_wrong_id_is_flagged_not_accepted(replay: Replay, tmp_path: Path) -> None:
    entry = AwardEntry(title=GATED, award="best paper", authors=GATED_AUTHORS, ids={"arxiv": "1605.08386"})
    result = _resolve(replay, tmp_path, entry)
    assert result.status == "needs_review" and result.confidence < 0.5
    assert result.entry == entry  # nothing merged from the wrong record
    assert result.candidates[0].title.startswith("Heat-bath")


def test_two_near_equal_candidates_need_review(replay: Replay, tmp_path: Path) -> None:
    # Built by the test: two different arXiv papers with the same title (it happens).
    records = [{"id": "2501.00001", "title": "Scaling Laws"}, {"id": "2502.00002", "title": "Scaling Laws."}]
    replay.arxiv[("", 'ti:"Scaling Laws"')] = (200, {}, atom_feed(records))
    result = _resolve(replay, tmp_path, AwardEntry(title="Scaling Laws", award="best paper"))
    assert result.status == "needs_review"
    assert len(result.candidates) == 2 and "candidates score within" in result.notices[-1]


def test_links_from_arxiv_and_openreview_are_ranked(replay: Replay, tmp_path: Path) -> None:
    # arXiv record and OpenReview note built by the test (OpenReview: API v2 note schema).
    replay.arxiv[("2505.06708", "")] = (
        200,
        {},
        atom_feed(
            [
                {
                    "id": "2505.06708",
                    "version": "v3",
                    "title": GATED,
                    "authors": GATED_AUTHORS,
                    "comment": "Code: https://github.com/qiuzh20/gated_attention",
                    "abstract": "We build on https://github.com/facebookresearch/xformers and release "
                    "https://huggingface.co/datasets/org/gate-data.",
                }
            ]
        ),
    )
    replay.notes["1b7whO4SfY"] = openreview_note(
        "1b7whO4SfY", GATED, GATED_AUTHORS, code="https://github.com/qiuzh20/gated_attention/tree/main"
    )
    entry = AwardEntry(
        title=GATED,
        award="best paper",
        authors=GATED_AUTHORS,
        ids={"arxiv": "2505.06708", "openreview": "1b7whO4SfY"},
    )
    result = _resolve(replay, tmp_path, entry)
    assert result.status == "resolved" and result.arxiv_version == "v3"
    code = [link for link in result.links if link.kind == "code"]
    assert code[0].url == "https://github.com/qiuzh20/gated_attention"  # own repo beats a cited one
    assert code[-1].url == "https://github.com/facebookresearch/xformers"
    assert {link.found_in for link in result.links} >= {"arxiv comment", "arxiv abstract"}
    assert result.entry.links.datasets == ["https://huggingface.co/datasets/org/gate-data"]
    assert replay.hits == {"arxiv": 1, "openreview": 1}


def test_pdf_urls_and_manifest_links_rank() -> None:
    found = find_links(
        "see https://github.com/other/tool and https://liweijiang.github.io/hivemind/", "pdf", "Hivemind"
    )
    assert [f.kind for f in rank(found)] == ["project", "code"]
    entry = AwardEntry(
        title="t", award="best paper", ids={"arxiv": "2510.22954"}, links={"code": ["https://github.com/a/b"]}
    )
    offline = offline_resolution(entry)
    assert offline.status == "resolved" and offline.links[0].found_in == "manifest"


def test_a_service_error_is_recorded_not_raised(replay: Replay, tmp_path: Path) -> None:
    replay.routes["/arxiv/api/query"] = [(500, {}, b"oops")]
    resolver = Resolver(replay.settings(tmp_path))
    result = resolver.resolve(AwardEntry(title="x y z", award="best paper"))
    assert result.status == "error" and "HTTP 500" in result.notices[0]
