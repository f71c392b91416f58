"""`backfill` over the catalogue, offline: every paper listed, PDFs unavailable, re-run skips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.settings import CONFERENCES_DIR
from tasks.harvest.manifest import load_conference
from tasks.models import PaperStatus

pytestmark = [pytest.mark.slow]


def test_backfill_neurips_range_then_skip(prefect_harness: None, isolated_settings: Path) -> None:
    from flows.backfill import backfill

    store = isolated_settings
    slugs = ["neurips-2023", "neurips-2024", "neurips-2025"]
    if not all((CONFERENCES_DIR / f"{s}.yaml").exists() for s in slugs):
        pytest.skip("the NeurIPS 2023-2024 manifests are not in config/conferences yet")

    report = backfill(conferences=["neurips:2023-2025"])
    assert [o.conference for o in report.outcomes] == slugs
    for outcome in report.outcomes:
        assert outcome.outcome == "published"
        expected = len(load_conference(outcome.conference, CONFERENCES_DIR).entries)
        assert outcome.papers == expected and outcome.unavailable == expected
        release = store / outcome.conference / "current"  # the link to the current release folder
        digest = json.loads((release / "digest.json").read_text())
        assert len(digest["results"]) == expected
        assert {r["status"] for r in digest["results"]} == {PaperStatus.UNAVAILABLE.value}
        assert (release / "manifest.json").is_file()
    assert len(list((store / "backfills").glob("*.json"))) == 1

    again = backfill(conferences=["neurips:2023-2025"])
    assert [o.outcome for o in again.outcomes] == ["skipped: already published"] * 3
