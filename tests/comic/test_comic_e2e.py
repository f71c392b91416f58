"""The comic of a real paper through the award-digest flow: its figures, its story, the phone page."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.fixture_conference import CONFERENCES, SLUG, stage_papers

pytestmark = [pytest.mark.slow]

PAPER = "10-18653-v1-2020-acl-main-207"  # SPECTER: two figures, on pages 2 and 8


def test_a_digest_comic_shows_the_papers_figure_and_has_a_phone_page(
    prefect_harness: None, fixtures_dir: Path, tmp_path: Path, isolated_settings: Path
) -> None:
    from config.settings import get_settings
    from flows.digest import award_digest
    from tasks.models import ComicMeta, FigureIndex

    conferences = tmp_path / "conferences"
    shutil.copytree(CONFERENCES, conferences)
    stage_papers(fixtures_dir, tmp_path / "papers", only={PAPER})
    settings = get_settings().with_values(
        conferences_dir=conferences,
        papers_dir=tmp_path / "papers",
        **{"comic.renderer": "sketch", "comic.width": 1024},
    )
    digest = award_digest(conference=SLUG, papers=[PAPER], settings=settings)

    (result,) = digest.results
    assert result.status.value == "done", result.error
    release = isolated_settings / SLUG / "current"
    # The figures cut from the PDF are stored and published with the comic.
    index = FigureIndex.model_validate_json((release / result.artifacts["figures.json"]).read_text())
    assert [(f.number, f.page) for f in index.figures] == [(1, 2), (2, 8)]
    assert all(
        (release / result.artifacts[f.file]).read_bytes().startswith(b"\x89PNG") for f in index.figures
    )
    meta = ComicMeta.model_validate_json((release / result.artifacts["comic.json"]).read_text())
    assert meta.writer == "story-1" and meta.figures == [1]  # the overview, in the idea panel
    assert [p.role for p in meta.script.panels][:3] == ["setup", "problem", "idea"]
    assert meta.mobile_size is not None and meta.mobile_size[0] == 780
    assert (release / result.artifacts["comic-mobile.webp"]).read_bytes()[8:12] == b"WEBP"
    # digest.html: the phone variant on narrow screens, the full-size PNG of this release a tap away.
    html = (release / "digest.html").read_text()
    figure = re.search(r'<figure class="comic"><a href="([^"]+)".*?</figure>', html, re.S)
    assert figure is not None and figure.group(1) == f"papers/{PAPER}/comic.png"
    assert (release / figure.group(1)).is_file() and "<source media=" in figure.group(0)
    assert len(json.loads((release / "digest.json").read_text())["results"][0]["comic_alt"]) <= 400
