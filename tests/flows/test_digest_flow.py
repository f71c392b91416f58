"""`award_digest` on the real Prefect engine: concurrency, failures per paper, caching, publishing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from config.settings import Settings, get_settings
from tasks.models import (
    CallUsage,
    Digest,
    Overview,
    PaperStatus,
    PublishManifest,
    StageName,
    StageState,
    UsageTotals,
    sha256_bytes,
)
from tests.fixture_conference import CONFERENCES, SLUG, stage_papers

pytestmark = [pytest.mark.slow]


@pytest.fixture
def conference_env(prefect_harness: None, fixtures_dir: Path, tmp_path: Path) -> dict[str, Path]:
    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    papers = stage_papers(fixtures_dir, tmp_path / "papers")
    return {"conferences": conferences, **papers}


@pytest.fixture
def run_settings(conference_env: dict[str, Path], tmp_path: Path) -> Settings:
    """The runs' settings, as a value handed to the flow (the environment is never changed)."""
    return get_settings().with_values(
        conferences_dir=conference_env["conferences"], papers_dir=tmp_path / "papers", **{"comic.width": 1024}
    )


def _current(store: Path) -> Path:
    """The folder of the conference's current release (what current.json points at)."""
    pointer = json.loads((store / SLUG / "current.json").read_text())
    return store / SLUG / "releases" / pointer["release"]


def _files(store: Path) -> dict[str, tuple[int, str]]:
    return {
        p.relative_to(store).as_posix(): (p.stat().st_mtime_ns, sha256_bytes(p.read_bytes()))
        for p in store.rglob("*")
        if p.is_file()
    }


def test_digest_end_to_end_then_fully_cached(
    conference_env: dict[str, Path], run_settings: Settings, isolated_settings: Path, fixtures_dir: Path
) -> None:
    from flows.digest import award_digest

    store = isolated_settings
    # One paper's PDF is truncated: it must fail alone and be reported, not sink the run.
    futoma = conference_env["1708.05894"]
    futoma.write_bytes(futoma.read_bytes()[:50_000])

    digest = award_digest(conference=SLUG, settings=run_settings)
    by_id = {r.paper_id: r for r in digest.results}
    assert len(by_id) == 4
    assert by_id["1708.05894"].status is PaperStatus.FAILED
    assert "1708.05894.pdf" in (by_id["1708.05894"].error or "")
    done = [r for r in digest.results if r.status is PaperStatus.DONE]
    assert len(done) == 3
    for r in done:
        assert {s.state for s in r.stages.values()} == {StageState.DONE}
        assert {"paper.pdf", "parsed.json", "summary.json", "review.md", "comic.png", "comic.json"} <= set(
            r.artifacts
        )
        assert r.summary is not None and r.summary.fallback and r.summary.what_was_done
        assert (_current(store) / r.artifacts["comic.png"]).read_bytes().startswith(b"\x89PNG")

    # The paper's own repository, found in its PDF, joins the links; cited repositories do not.
    specter = by_id["10-18653-v1-2020-acl-main-207"].entry.links
    assert specter.code[:1] == ["https://github.com/allenai/specter"]
    assert by_id["10-18653-v1-n18-3011"].entry.links.code == []

    # Published: a release with the digest files, and a manifest whose checksums match the bytes.
    html = (_current(store) / "digest.html").read_text()
    for r in digest.results:
        assert r.entry.title.split(":")[0] in html
    assert "data:image/webp;base64," in html
    manifest = PublishManifest.model_validate_json((_current(store) / "manifest.json").read_text())
    assert manifest.papers["1708.05894"] is PaperStatus.FAILED
    for key, obj in manifest.objects.items():
        assert sha256_bytes((store / key).read_bytes()) == obj.sha256, key
    assert Digest.model_validate_json((_current(store) / "digest.json").read_text()) == digest
    assert any("xtractive" in n for n in digest.notices)  # the fallback is announced in the digest

    # Second run: every finished stage is a cache hit and nothing in the store is rewritten. Themes
    # an earlier run found ahead and never used (it was stopped before its overview) are removed
    # before the papers start: they are not this run's to reuse or to count.
    before = _files(store)
    call = CallUsage(purpose="themes", model="openai:stopped-run", input_tokens=900)
    stale = Overview(
        papers=1, generator=call.model, input_sha256="of-other-papers", usage=UsageTotals(calls=[call])
    )
    (store / SLUG / "overview" / "themes-ahead.json").write_text(stale.model_dump_json())
    again = award_digest(conference=SLUG, settings=run_settings)
    assert again.overview is not None and again.overview.usage is None, again.overview
    for r in again.results:
        if r.paper_id == "1708.05894":
            assert r.status is PaperStatus.FAILED  # failures are not cached: it is tried again
            continue
        assert {s.state for s in r.stages.values()} == {StageState.CACHED}, r.stages
    assert _files(store) == before

    # Fix the bad PDF: only that paper is recomputed.
    stage_papers(fixtures_dir, futoma.parent, only={"1708.05894"})
    third = award_digest(conference=SLUG, settings=run_settings)
    states = {r.paper_id: {s.state for s in r.stages.values()} for r in third.results}
    assert states["1708.05894"] == {StageState.DONE}
    assert all(v == {StageState.CACHED} for k, v in states.items() if k != "1708.05894")
    assert json.loads((_current(store) / "manifest.json").read_text())["papers"]["1708.05894"] == "done"


def test_missing_pdfs_are_reported_unavailable(
    conference_env: dict[str, Path], run_settings: Settings, isolated_settings: Path
) -> None:
    from flows.digest import award_digest

    conference_env["1708.05894"].unlink()
    digest = award_digest(conference=SLUG, papers=["arxiv:1708.05894"], settings=run_settings)
    (result,) = digest.results
    assert result.status is PaperStatus.UNAVAILABLE
    assert result.stages[StageName.ACQUIRE].state is StageState.UNAVAILABLE
    assert result.stages[StageName.PARSE].state is StageState.SKIPPED
    assert "1708.05894.pdf" in (result.error or "") and "downloads are off" in (result.error or "")
    md = (_current(isolated_settings) / "digest.md").read_text()
    assert "PDF unavailable" in md


def test_digest_through_grobid_stores_tei_and_falls_back_on_204(
    run_settings: Settings, isolated_settings: Path, fixtures_dir: Path
) -> None:
    from flows.digest import award_digest
    from tests.parse.grobid_server import GrobidServer

    with GrobidServer() as server:
        server.stub.load_recorded(fixtures_dir)
        server.stub.unknown = (204, "")  # GROBID extracts nothing from the two PDFs it has no TEI for
        settings = run_settings.with_values(**{"grobid.url": server.stub.url})
        digest = award_digest(conference=SLUG, settings=settings)
        assert len(server.stub.calls) == 4

    store = isolated_settings
    by_id = {r.paper_id: r for r in digest.results}
    assert all(r.status is PaperStatus.DONE for r in digest.results), [r.error for r in digest.results]
    specter = by_id["10-18653-v1-2020-acl-main-207"]
    assert "tei.xml" in specter.artifacts
    parsed = json.loads((_current(store) / specter.artifacts["parsed.json"]).read_text())
    assert parsed["parser"] == "grobid" and len(parsed["references"]) == 57
    futoma = by_id["1708.05894"]
    assert "tei.xml" not in futoma.artifacts
    parsed = json.loads((_current(store) / futoma.artifacts["parsed.json"]).read_text())
    assert parsed["parser"] == "local" and any("204" in n for n in parsed["notices"])


def test_digest_with_an_llm_over_the_replay_server(
    run_settings: Settings, isolated_settings: Path, tmp_path: Path
) -> None:
    """The real langchain-openai client against a local OpenAI-compatible server: grounded, accounted."""
    from flows.digest import award_digest
    from tests.summarize.openai_server import API_KEY
    from tests.summarize.replay import MODEL, serve, with_replay_llm

    server_iter = serve()
    server = next(server_iter)
    try:
        settings = with_replay_llm(run_settings, server, tmp_path)
        state = award_digest(conference=SLUG, settings=settings, return_state=True)
        digest = state.result()
    finally:
        next(server_iter, None)

    store = isolated_settings
    assert all(r.status is PaperStatus.DONE for r in digest.results), [r.error for r in digest.results]
    for r in digest.results:
        summary = r.summary
        assert summary is not None and not summary.fallback and summary.generator == MODEL
        assert summary.usage is not None and summary.usage.input_tokens > 0 and summary.usage.cost_usd
        published = [c for c in summary.claims() if c.verified]
        assert published and all(e.verified for c in published for e in c.evidence)
        assert API_KEY not in (_current(store) / r.artifacts["summary.json"]).read_text()
    md = (_current(store) / "digest.md").read_text()
    assert "LLM usage:" in md and "$" in md
    assert not any("xtractive" in n for n in digest.notices)
    # Every call the model answered reaches the digest's totals: summaries and reviews, comic
    # scripts and the themes, each counted once, and the server saw exactly those calls.
    published = json.loads((_current(store) / "digest.json").read_text())
    comics = [r["comic_usage"] for r in published["results"] if r.get("comic_usage")]
    summaries = [r["summary"]["usage"] for r in published["results"]]
    themes = [published["overview"]["usage"]] if (published.get("overview") or {}).get("usage") else []
    assert len(comics) == len(summaries) == len(digest.results)
    calls = sum(len(u["calls"]) for u in [*summaries, *comics, *themes])
    assert calls == len(server.requests), (calls, len(server.requests))
    tokens_in = sum(u["input_tokens"] for u in [*summaries, *comics, *themes])
    assert f"LLM usage: {tokens_in:,} input" in md
    # The themes were asked for while the comics were drawn (themes-ahead), and the overview step
    # used them: one themes call in all, none spent twice; the scratch file is gone after.
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    (ahead,) = [r for r in runs if r.name.startswith("themes ahead")]
    assert ahead.state is not None and ahead.state.is_completed()
    assert [r.schema_name() for r in server.requests].count("ThemesDraft") == 1
    assert published["overview"]["themes"]
    assert not any("asked for ahead" in n for n in published["overview"]["usage"]["notices"])
    assert not (store / SLUG / "overview" / "themes-ahead.json").exists()


def test_digest_draws_comics_with_a_diffusers_pipeline(
    run_settings: Settings, isolated_settings: Path, tiny_model: str
) -> None:
    """The diffusion path end to end on the CPU: a tiny random-weight pipeline loaded from disk."""
    from flows.digest import award_digest

    settings = run_settings.with_values(
        **{"comic.renderer": "diffusion", "comic.model": tiny_model, "comic.steps": 2}
    )
    digest = award_digest(conference=SLUG, papers=["arxiv:1708.05894"], settings=settings)

    (result,) = digest.results
    assert result.status is PaperStatus.DONE, result.error
    meta = json.loads((_current(isolated_settings) / result.artifacts["comic.json"]).read_text())
    assert meta["renderer"] == "diffusion" and not meta["fallback"] and meta["steps"] == 2
    assert not any("ketch" in n for n in digest.notices)


def test_a_claim_with_an_invented_number_is_marked_everywhere_and_kept_out_of_the_comic(
    run_settings: Settings, isolated_settings: Path, tmp_path: Path
) -> None:
    """The model quotes a real sentence but adds a number the paper never states (issue 12, item 6)."""
    from flows.digest import award_digest
    from tests.summarize.openai_server import INVENTED_NUMBER
    from tests.summarize.replay import serve, with_replay_llm

    server_iter = serve()
    server = next(server_iter)
    server.state.default = "number"
    try:
        settings = with_replay_llm(run_settings, server, tmp_path)
        digest = award_digest(conference=SLUG, papers=["10-18653-v1-n18-3011"], settings=settings)
    finally:
        next(server_iter, None)

    (result,) = digest.results
    assert result.status is PaperStatus.DONE and result.summary is not None
    invented = [c for c in result.summary.claims() if INVENTED_NUMBER in c.text]
    assert invented and all(c.evidence and all(e.verified for e in c.evidence) for c in invented)
    assert not any(c.verified for c in invented)  # real quotes, invented number: not fact
    release = _current(isolated_settings)
    md = (release / "digest.md").read_text()
    marked = [line for line in md.splitlines() if INVENTED_NUMBER in line]
    assert marked and all("(⚠ unverified)" in line for line in marked)
    html = (release / "digest.html").read_text()
    assert INVENTED_NUMBER + '. <span class="unverified">' in html
    comic = json.loads((release / result.artifacts["comic.json"]).read_text())
    assert "99.9" not in json.dumps(comic["script"])
