"""Up to date in a second: a current release is not rebuilt, by the CLI (no Prefect) or by a flow run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.fixture_conference import CONFERENCES, SLUG, stage_papers

PAPER = "1708.05894"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def published(
    prefect_harness: None, fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """One paper of the fixture conference published by a flow run; the environment that ran it."""
    from config.settings import get_settings
    from flows.digest import award_digest

    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    stage_papers(fixtures_dir, tmp_path / "papers", only={PAPER})
    env = {
        "PAPERPANELS_CONFERENCES_DIR": str(conferences),
        "PAPERPANELS_PAPERS_DIR": str(tmp_path / "papers"),
        "PAPERPANELS_STORE__URI": str(tmp_path / "store"),
        "PAPERPANELS_HARVEST__DOWNLOAD": "false",
        "PAPERPANELS_COMIC__WIDTH": "640",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    digest = award_digest(conference=SLUG, papers=[PAPER])
    assert digest.results[0].status.value == "done", digest.results[0].error
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # An API URL nothing answers: a command that starts or reaches Prefect fails. cwd: this source
    # tree's modules come first, whatever the installed package points at.
    full = {
        **os.environ,
        **env,
        "PREFECT_API_URL": "http://127.0.0.1:9/api",
        "PREFECT_LOGGING_LEVEL": "ERROR",
    }
    command = [sys.executable, "-m", "flows.cli", "digest", SLUG, "--paper", PAPER, *args]
    return subprocess.run(command, env=full, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_cli_answers_up_to_date_without_prefect_and_runs_on_any_change(
    published: dict[str, str], tmp_path: Path
) -> None:
    done = cli(published)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "up to date" in done.stdout and "digest.html" in done.stdout

    # --force runs the flow: here that means reaching Prefect, which is not there.
    forced = cli(published, "--force")
    assert forced.returncode != 0 and "up to date" not in forced.stdout
    assert "127.0.0.1:9" in forced.stdout + forced.stderr, forced.stderr[-2000:]

    # A changed award entry (a new link) is a changed input.
    manifest = Path(published["PAPERPANELS_CONFERENCES_DIR"]) / f"{SLUG}.yaml"
    body = yaml.safe_load(manifest.read_text())
    (entry,) = [e for e in body["entries"] if e.get("ids", {}).get("arxiv") == PAPER]
    entry.setdefault("links", {})["code"] = ["https://example.org/new-code"]
    manifest.write_text(yaml.safe_dump(body))
    changed = cli(published)
    # It runs the flow (and so reaches for Prefect): the freshness check said why.
    assert changed.returncode != 0 and "running: an input changed" in changed.stdout, changed.stdout


@pytest.mark.parametrize("change", ["pdf", "setting", "object", "edited", "touched"])
def test_a_changed_input_or_a_missing_object_is_not_up_to_date(
    published: dict[str, str], tmp_path: Path, change: str
) -> None:
    import os

    from config.settings import get_settings
    from tasks.freshness import check_current
    from tasks.harvest.manifest import load_conference, select_entries
    from tasks.publish.release import read_current
    from tasks.store import store_for

    settings = get_settings()
    store = store_for(settings.store)
    entries = select_entries(load_conference(SLUG, settings.conferences_dir), [PAPER])
    assert check_current(entries, settings, store, SLUG).current
    current = read_current(store, SLUG)
    assert current is not None
    comic = next(k for k in current.manifest.objects if k.endswith("comic.webp"))
    if change == "pdf":
        pdf = Path(published["PAPERPANELS_PAPERS_DIR"]) / f"{PAPER}.pdf"
        pdf.write_bytes(pdf.read_bytes() + b"\n%% an edit\n")
    elif change == "setting":
        settings = settings.with_values(**{"comic.width": 800})
    elif change == "object":
        store.delete(comic)
    else:
        path = Path(store.location(comic))
        stamp = path.stat()
        if change == "edited":  # in place, same size, its mtime put back: the hash tells
            with path.open("r+b") as fh:
                fh.seek(stamp.st_size // 2)
                fh.write(b"\0\0\0\0")
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + (10**9 if change == "touched" else 0)))
    verdict = check_current(entries, settings, store, SLUG)
    if change == "touched":  # a new mtime, the same bytes: still current (one hash to know it)
        assert verdict.current, verdict
        return
    assert not verdict.current, verdict
    # How the run is operated is not an input.
    if change == "setting":
        same = get_settings().with_values(concurrency=1, **{"ops.task_runner": "threads"})
        assert check_current(entries, same, store, SLUG).current


def test_a_flow_run_records_the_decision_in_prefect(published: dict[str, str]) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
    )

    from flows.digest import award_digest

    state = award_digest(conference=SLUG, papers=[PAPER], return_state=True)
    digest = state.result()
    assert digest.results[0].status.value == "done"
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"{SLUG}-up-to-date"]))
        )
    assert runs == [], "an up-to-date run started task runs"
    assert any(a.flow_run_id == state.state_details.flow_run_id for a in artifacts)
