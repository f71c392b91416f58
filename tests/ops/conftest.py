"""The fixture conference laid out for operations tests (manifests + papers folder, sketch comics)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.settings import Settings
from tests.fixture_conference import CONFERENCES, stage_papers


@pytest.fixture
def conference_env(fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """fixtures-2020 as the only known conference, its PDFs staged, sketch comics at 1024 px."""
    from config.settings import get_settings

    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    papers = stage_papers(fixtures_dir, tmp_path / "papers")
    monkeypatch.setenv("PAPERPANELS_CONFERENCES_DIR", str(conferences))
    monkeypatch.setenv("PAPERPANELS_PAPERS_DIR", str(tmp_path / "papers"))
    monkeypatch.setenv("PAPERPANELS_COMIC__RENDERER", "sketch")
    monkeypatch.setenv("PAPERPANELS_COMIC__WIDTH", "1024")
    get_settings.cache_clear()
    return {"conferences": conferences, "papers": tmp_path / "papers", **papers}


@pytest.fixture
def run_settings(conference_env: dict[str, Path]) -> Settings:
    """The same, as the settings value a run is handed (what the CLI and the UI form build)."""
    from config.settings import get_settings

    return get_settings()
