"""The comic stage through its own deployment (a GPU work pool), switched on by a setting."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from config.settings import Settings
from tasks.models import PaperStatus, StageName, StageState
from tests.fixture_conference import SLUG

pytestmark = [pytest.mark.slow]


def test_digest_draws_comics_through_the_deployment(
    prefect_harness: None,
    conference_env: dict[str, Path],
    run_settings: Settings,
    isolated_settings: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import prefect.deployments

    from flows.comic import draw_comics
    from flows.digest import award_digest

    calls: list[tuple[str, dict[str, Any]]] = []

    def fake_run_deployment(name: str, parameters: dict[str, Any], **_: Any) -> Any:
        """Stand-in for the GPU pool's worker: run the deployment's flow here."""
        calls.append((name, parameters))
        state = draw_comics(**parameters, return_state=True)
        return SimpleNamespace(id="gpu-run", state_name=state.name)

    monkeypatch.setattr(prefect.deployments, "run_deployment", fake_run_deployment)
    settings = run_settings.with_values(**{"ops.comic_deployment": "draw-comics/draw-comics"})
    bad = conference_env["1708.05894"]
    bad.write_bytes(bad.read_bytes()[:50_000])  # this paper fails to parse: no comic is asked for it

    digest = award_digest(
        conference=SLUG, papers=["arxiv:1708.05894", "10-18653-v1-n18-3011"], settings=settings
    )
    assert calls == [
        (
            "draw-comics/draw-comics",
            {"conference": SLUG, "papers": ["10-18653-v1-n18-3011"], "force": False},
        )
    ]
    by_id = {r.paper_id: r for r in digest.results}
    good = by_id["10-18653-v1-n18-3011"]
    assert good.status is PaperStatus.DONE and good.stages[StageName.COMIC].state is StageState.DONE
    release = isolated_settings / "fixtures-2020" / "current"
    assert (release / good.artifacts["comic.png"]).read_bytes().startswith(b"\x89PNG")
    assert by_id["1708.05894"].status is PaperStatus.FAILED
