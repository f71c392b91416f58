"""A calm console for expected outcomes: an unavailable PDF is a warning, never an error.

The demo offline (every PDF unavailable) prints one WARNING per paper saying why and how to supply
the PDF, no ERROR line, the final table; the run's progress is a Rich display on a terminal and
plain lines elsewhere.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from prefect.settings import PREFECT_HOME, temporary_settings
from rich.console import Console

from flows.cli.progress import RunDisplay, paper_outcome, run_display
from flows.cli.runtime import _note_blocks_registered
from flows.paper import progress
from tests.fixture_conference import CONFERENCES, SLUG, stage_papers
from tests.sharing import HEAVY_E2E, migrated_prefect_db

ROOT = Path(__file__).resolve().parents[2]
DEMO = "neurips-2025"
DEMO_PAPERS = 8
SPECTER = "10-18653-v1-2020-acl-main-207"
# No PDF can be downloaded: every connection goes to a closed port on this machine. The hosts are
# "allowed" so that no DNS lookup happens first (offline, each one can take seconds to fail).
OFFLINE = {
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "HTTP_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
    "PAPERPANELS_HARVEST__ALLOWED_HOSTS": '["arxiv.org", "openreview.net"]',
}


@pytest.mark.slow
@pytest.mark.server  # the CLI starts a Prefect server of its own, as `make demo` does
@HEAVY_E2E  # tests/sharing.py
def test_offline_demo_prints_one_warning_per_paper_and_no_error(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`make demo` on a machine without network: what the user sees, in CI's plain mode. As a second
    `make demo` finds it: the server's database already migrated (a fresh one spends ~10 CPU-s on
    Prefect's migrations, the same for every run and not what this test is about)."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    shutil.copyfile(migrated_prefect_db(tmp_path_factory), home / "prefect.db")
    with temporary_settings(updates={PREFECT_HOME: home}):  # and its block types noted as registered
        _note_blocks_registered()
    assert (home / "paperpanels-blocks-registered").is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PAPERPANELS_"))}
    env.update(OFFLINE)
    env.update(
        CI="1",
        PREFECT_HOME=str(home),
        PREFECT_LOGGING_LEVEL="INFO",  # as `make demo` runs it: every INFO line shows
        PAPERPANELS_STORE__URI=str(tmp_path / "artifacts"),
        PAPERPANELS_HARVEST__CALENDAR_FILE=str(tmp_path / "no-venues.yaml"),
        COLUMNS="120",
    )
    (tmp_path / "no-venues.yaml").write_text("venues: {}\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "digest", DEMO],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    console = done.stdout + done.stderr
    assert done.returncode == 0, console[-3000:]
    assert not [line for line in console.splitlines() if re.search(r"\bERROR\b", line)], console[-3000:]
    assert "Traceback" not in console and "Failed(" not in console and "NotReady" not in console
    warnings = [line for line in console.splitlines() if "| WARNING |" in line]
    unavailable = [line for line in warnings if "PDF unavailable" in line]
    assert len(unavailable) == DEMO_PAPERS, warnings
    assert all("to supply it, put it in a papers folder (PAPERPANELS_PAPERS_DIR)" in w for w in unavailable)
    assert warnings == unavailable, "only the unavailable PDFs are worth a warning"
    # Plain progress lines (CI), then the final table and where the digest is.
    assert f"[{DEMO_PAPERS}/{DEMO_PAPERS}] {DEMO} " in done.stderr
    assert f"NeurIPS 2025: {DEMO_PAPERS} papers" in done.stdout and "unavailable" in done.stdout
    assert done.stdout.rstrip().endswith("digest.html")


def _events(conference: str, total: int) -> None:
    progress(conference, "start", total=total)
    progress(conference, "stage", paper="p1", stage="acquire")
    progress(conference, "stage", paper="p2", stage="acquire")
    progress(conference, "paper", paper="p1", states=["unavailable", "skipped", "skipped", "skipped"])
    progress(conference, "stage", paper="p2", stage="parse")


def test_terminal_shows_a_bar_of_papers_and_the_stages_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)  # CI itself sets it; this test is the person at a terminal
    console = Console(force_terminal=True, width=120, record=True, color_system=None)
    with run_display(console) as display:
        assert display.progress is not None, "a terminal gets the live display"
        _events("icml-2025", 3)
        display.progress.refresh()
    screen = console.export_text()
    assert "icml-2025" in screen and "1/3 papers" in screen and "now: parse 1" in screen


def test_ci_and_pipes_get_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "1")
    console = Console(force_terminal=True, width=120, record=True, color_system=None)
    with run_display(console) as display:
        assert display.progress is None
        _events("icml-2025", 3)
    assert console.export_text().splitlines() == ["icml-2025: 3 papers", "[1/3] icml-2025 p1: unavailable"]
    # The records are for the display only: after the block, nothing is listening.
    assert not logging.getLogger("paperpanels.progress").handlers


def test_paper_outcome_words() -> None:
    assert paper_outcome(["unavailable", "skipped", "skipped", "skipped"]) == "unavailable"
    assert paper_outcome(["done", "failed", "skipped", "skipped"]) == "failed"
    assert paper_outcome(["cached", "cached", "cached", "cached"]) == "cached"
    assert paper_outcome(["cached", "done", "done", "done"]) == "done"
    assert RunDisplay(Console(), live=False).progress is None


def test_unavailable_pdf_is_an_outcome_not_a_failure_and_never_cached(
    prefect_harness: None,
    fixtures_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        TaskRunFilter,
        TaskRunFilterName,
    )

    from config.settings import get_settings
    from flows.digest import award_digest
    from tasks.backends import backends_for
    from tasks.models import PaperStatus, StageName, StageState
    from tasks.stages import UNAVAILABLE, PaperWork
    from tasks.stages.acquire import _acquire_key

    for name, value in OFFLINE.items():
        if not name.startswith("PAPERPANELS_"):
            monkeypatch.setenv(name, value)
    stage_papers(fixtures_dir, tmp_path / "papers", only={SPECTER})
    settings = get_settings().with_values(
        **{
            "conferences_dir": CONFERENCES,
            "papers_dir": tmp_path / "papers",
            "harvest.download": True,
            "harvest.allowed_hosts": ["arxiv.org", "openreview.net"],
            "harvest.arxiv_interval_s": 0,
            "comic.renderer": "sketch",
            "comic.width": 1024,
        }
    )
    paper = "1708.05894"
    caplog.set_level(logging.WARNING)
    state = award_digest(
        conference=SLUG, papers=[f"arxiv:{paper}", SPECTER], settings=settings, return_state=True
    )
    digest = state.result()

    result = next(r for r in digest.results if r.paper_id == paper)
    assert result.status is PaperStatus.UNAVAILABLE
    assert "cannot connect" in (result.error or "") and f"as {paper}.pdf" in (result.error or "")
    assert result.stages[StageName.ACQUIRE].state is StageState.UNAVAILABLE
    assert {result.stages[s].state for s in (StageName.PARSE, StageName.SUMMARIZE, StageName.COMIC)} == {
        StageState.SKIPPED
    }
    warned = [r for r in caplog.records if "PDF unavailable" in r.getMessage()]
    assert [r.levelno for r in warned] == [logging.WARNING], [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text

    # The task run completed as "Unavailable", and left no cache record: the next run looks again.
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])),
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=[f"acquire {paper}"])),
        )
    assert [(r.state.type.value, r.state.name) for r in runs if r.state] == [("COMPLETED", UNAVAILABLE)]
    entry = next(e for e in digest.conference.entries if e.paper_id == paper)
    run = backends_for(settings)
    key = _acquire_key({"work": PaperWork(SLUG, entry), "run": run})
    storage = Path(os.environ["PREFECT_RESULTS_LOCAL_STORAGE_PATH"])
    assert not (storage / key.key).exists()
    # ... while the paper whose PDF was there has its record (the check looks in the right place).
    done = next(e for e in digest.conference.entries if e.paper_id == SPECTER)
    key = _acquire_key({"work": PaperWork(SLUG, done), "run": run})
    assert (storage / key.key).is_file()
