"""One choice of backend per run, used by the task and its cache key alike (issue 13).

- GROBID down, then up: the second run parses with GROBID (the fallback was cached as the local
  parser's result, not as GROBID's); a GROBID failure in the middle of a call does the same.
- Editing an award entry re-renders the digest and the reviews without a single LLM request.
- An extractive run never imports LangChain; a sketch run never imports torch or diffusers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.fixture_conference import CONFERENCES, SLUG, stage_papers

pytestmark = [pytest.mark.slow]

PAPER = "10-18653-v1-n18-3011"  # Literature Graph: recorded GROBID TEI exists for it


@pytest.fixture
def base(prefect_harness: None, fixtures_dir: Path, tmp_path: Path) -> object:
    from config.settings import get_settings

    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    stage_papers(fixtures_dir, tmp_path / "papers", only={PAPER})
    # The run's settings, as a value: no environment variable is set or cleared for them.
    return get_settings().with_values(
        conferences_dir=conferences,
        papers_dir=tmp_path / "papers",
        **{"comic.width": 768, "grobid.busy_sleep_s": 0.001, "grobid.busy_retries": 1},
    )


def _parser(settings: object, store: Path) -> str:
    from tasks.publish.release import read_current
    from tasks.store import store_for

    current = read_current(store_for(settings.store), SLUG)  # type: ignore[attr-defined]
    assert current is not None
    parsed = json.loads(
        (store / SLUG / "releases" / current.pointer.release / "papers" / PAPER / "parsed.json").read_text()
    )
    return str(parsed["parser"])


def test_grobid_down_then_up_parses_with_grobid_the_second_time(
    base: object, fixtures_dir: Path, isolated_settings: Path
) -> None:
    from flows.digest import award_digest
    from tests.parse.grobid_server import GrobidServer

    with GrobidServer() as probe:  # a free port: GROBID will answer there later
        url, port = probe.url, probe.httpd.server_address[1]
    settings = base.with_values(**{"grobid.url": url, "parse.parser": "auto"})  # type: ignore[attr-defined]
    award_digest(conference=SLUG, papers=[PAPER], settings=settings)
    assert _parser(settings, isolated_settings) == "local"

    with GrobidServer(port=port) as server:
        server.stub.load_recorded(fixtures_dir)
        award_digest(conference=SLUG, papers=[PAPER], settings=settings)
        assert len(server.stub.calls) == 1
    assert _parser(settings, isolated_settings) == "grobid"


def test_a_grobid_failure_during_the_call_is_not_cached_as_grobid(
    base: object, fixtures_dir: Path, isolated_settings: Path
) -> None:
    from flows.digest import award_digest
    from tests.parse.grobid_server import GrobidServer

    with GrobidServer() as server:
        server.stub.load_recorded(fixtures_dir)
        settings = base.with_values(**{"grobid.url": server.url, "parse.parser": "auto"})  # type: ignore[attr-defined]
        server.stub.busy = -1  # alive (it answers /api/version) but busy on every PDF
        award_digest(conference=SLUG, papers=[PAPER], settings=settings)
        assert _parser(settings, isolated_settings) == "local"
        server.stub.busy = 0
        calls = len(server.stub.calls)
        award_digest(conference=SLUG, papers=[PAPER], settings=settings)
        assert len(server.stub.calls) == calls + 1  # GROBID was asked again, not the cache
    assert _parser(settings, isolated_settings) == "grobid"


def test_editing_the_award_entry_costs_no_llm_request(
    base: object, isolated_settings: Path, tmp_path: Path
) -> None:
    from flows.digest import award_digest
    from tests.summarize.replay import serve, with_replay_llm

    server_iter = serve()
    server = next(server_iter)
    try:
        settings = with_replay_llm(base, server, tmp_path)  # type: ignore[arg-type]
        award_digest(conference=SLUG, papers=[PAPER], settings=settings)
        assert len(server.requests) >= 2
        before = len(server.requests)
        # The manifest changes: a code link, the authors, the review flag.
        manifest = settings.conferences_dir / f"{SLUG}.yaml"
        data = yaml.safe_load(manifest.read_text())
        entry = next(e for e in data["entries"] if e["title"].startswith("Construction"))
        entry["links"] = {"code": ["https://github.com/allenai/literature-graph"]}
        entry["authors"] = [*entry["authors"], "A. New Author"]
        entry["needs_review"] = True
        manifest.write_text(yaml.safe_dump(data))
        digest = award_digest(conference=SLUG, papers=[PAPER], settings=settings)
        assert len(server.requests) == before, "an LLM request for a metadata edit"
    finally:
        next(server_iter, None)
    (result,) = digest.results
    assert result.entry.links.code == ["https://github.com/allenai/literature-graph"]
    release = isolated_settings / SLUG / "current"
    review = (release / result.artifacts["review.md"]).read_text()
    assert "A. New Author" in review and "literature-graph" in review
    assert "A. New Author" in (release / "digest.md").read_text()


def test_an_extractive_sketch_run_imports_no_langchain_torch_or_diffusers(
    prefect_api: str, fixtures_dir: Path, tmp_path: Path
) -> None:
    stage_papers(fixtures_dir, tmp_path / "papers", only={PAPER})
    code = (
        "import sys, json\n"
        "from config.settings import get_settings\n"
        "from flows.digest import award_digest\n"
        f"s = get_settings().with_values(papers_dir={str(tmp_path / 'papers')!r}, "
        f"**{{'conferences_dir': {str(CONFERENCES)!r}, 'store.uri': {str(tmp_path / 'store')!r}, "
        "'comic.width': 768, 'harvest.download': False})\n"
        f"d = award_digest(conference={SLUG!r}, papers=[{PAPER!r}], settings=s)\n"
        "assert d.results[0].status.value == 'done', d.results[0].error\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PREFECT_API_URL": prefect_api,
        "PREFECT_HOME": str(tmp_path / "home"),
        "PREFECT_LOGGING_LEVEL": "ERROR",
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & {
        "langchain",
        "langchain_core",
        "langsmith",
        "openai",
        "torch",
        "diffusers",
        "transformers",
    }
