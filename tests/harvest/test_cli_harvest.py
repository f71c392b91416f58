"""`paperpanels harvest` / `resolve` through typer's CliRunner, against the replay server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from config.settings import CONFERENCES_DIR
from flows.cli.harvest import register
from tasks.harvest.manifest import load_conference
from tests.harvest.replay import Replay, atom_feed, openreview_note

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    from flows.cli import app

    if not any(c.name == "harvest" for c in app.registered_commands):
        register(app)
    return app


def _json(app: typer.Typer, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _serve_neurips(replay: Replay) -> None:
    """arXiv and OpenReview records for neurips-2025, built from its manifest (no recording exists)."""
    entries = load_conference("neurips-2025", CONFERENCES_DIR).entries
    ids = ",".join(e.ids.arxiv for e in entries if e.ids.arxiv)
    records = [
        {"id": e.ids.arxiv, "version": "v2", "title": e.title, "authors": e.authors or []} for e in entries
    ]
    replay.arxiv[(ids, "")] = (200, {}, atom_feed(records))
    for e in entries:
        if e.ids.openreview:
            replay.notes[e.ids.openreview] = openreview_note(e.ids.openreview, e.title, e.authors or [])


def test_harvest_from_the_manifest_needs_no_network(
    app: typer.Typer, replay: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay.env(monkeypatch, tmp_path)
    cold = _json(app, "harvest", "neurips-2025", "--json")
    warm = _json(app, "harvest", "neurips-2025", "--json")
    assert cold["requests"] == warm["requests"] == {} and not replay.hits
    assert cold["source"] == "manifest" and len(cold["papers"]) == 8
    assert cold["papers"][0]["links"][0]["found_in"] == "manifest"


def test_cold_and_warm_online_resolution_counts(
    app: typer.Typer, replay: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay.env(monkeypatch, tmp_path)
    _serve_neurips(replay)
    cold = _json(app, "harvest", "neurips-2025", "--resolve", "--json")
    # One batched arXiv id_list request for all 8 papers, one OpenReview request per OpenReview id.
    assert cold["requests"] == {"arxiv": 1, "openreview": 4}
    assert dict(replay.hits) == {"arxiv": 1, "openreview": 4}
    warm = _json(app, "harvest", "neurips-2025", "--resolve", "--json")
    assert warm["requests"] == {} and dict(replay.hits) == {"arxiv": 1, "openreview": 4}  # all from the cache
    statuses = [p["status"] for p in warm["papers"]]
    assert statuses.count("resolved") >= 6 and all(p["arxiv_version"] == "v2" for p in warm["papers"])


def test_harvest_table_and_explicit_ids(
    app: typer.Typer, replay: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay.env(monkeypatch, tmp_path)
    result = runner.invoke(app, ["harvest", "neurips-2025", "--paper", "arxiv:2505.06708"])
    assert result.exit_code == 0 and "Gated" in result.stdout and "none (offline)" in result.stdout
    data = _json(app, "harvest", "iclr-2099", "--source", "ids", "--paper", "arxiv:1605.08386", "--json")
    assert data["papers"][0]["entry"]["title"] == "Heat-bath random walks with Markov bases"


def test_harvest_write_back(
    app: typer.Typer, replay: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay.env(monkeypatch, tmp_path)
    monkeypatch.setenv("PAPERPANELS_CONFERENCES_DIR", str(tmp_path / "conferences"))
    result = runner.invoke(app, ["harvest", "icml-2024", "--paper", "arxiv:1605.08386", "--write"])
    assert result.exit_code == 0, result.output
    assert load_conference("icml-2024", tmp_path / "conferences").entries[0].ids.arxiv == "1605.08386"


def test_resolve_prints_one_record(
    app: typer.Typer, replay: Replay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replay.env(monkeypatch, tmp_path)
    data = _json(app, "resolve", "Attention is All you Need", "--json")
    assert data["status"] == "resolved" and data["entry"]["ids"]["arxiv"] == "1706.03762"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["resolve", "arxiv:abc"], 2, "malformed arXiv id"),
        (["resolve", "askldjrq3rjaw938h"], 2, "no paper found"),
        (["harvest", "nowhere-2025"], 2, "no announcement feeds configured"),
        (["harvest", "neurips-2025", "--source", "blog"], 2, "unknown source"),
    ],
)
def test_bad_input_is_a_clear_exit(
    app: typer.Typer,
    replay: Replay,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    message: str,
) -> None:
    replay.env(monkeypatch, tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == code and message in " ".join(result.stderr.split())
