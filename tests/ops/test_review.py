"""The review gate: a paused digest is published on approval, and not published on timeout."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from config.settings import Settings
from tests.fixture_conference import SLUG

pytestmark = [pytest.mark.slow]
PAPER = "arxiv:1708.05894"


@pytest.fixture
def review_on(prefect_harness: None, run_settings: Settings) -> Settings:
    return run_settings.with_values(**{"ops.review": True})


def _approve_when_paused(answer: dict[str, object], done: list[str]) -> None:
    """From another thread: wait for the paused digest run, then resume it with the form's answer."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.flow_runs import resume_flow_run
    from prefect.settings import PREFECT_API_URL

    from tests.ops.stack import wait_review_form

    paused = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])))
    deadline = time.monotonic() + 60
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=paused)
            if runs:
                wait_review_form(str(PREFECT_API_URL.value()), str(runs[0].id))
                resume_flow_run(runs[0].id, run_input=answer)
                done.append(str(runs[0].id))
                return
            time.sleep(0.3)


def test_approval_publishes_the_digest(review_on: Settings, isolated_settings: Path) -> None:
    from flows.digest import award_digest

    settings = review_on.with_values(**{"ops.review_timeout_s": 60})
    resumed: list[str] = []
    helper = threading.Thread(target=_approve_when_paused, args=({"approve": True, "note": "ok"}, resumed))
    helper.start()
    digest = award_digest(conference=SLUG, papers=[PAPER], settings=settings)
    helper.join()
    assert resumed, "the digest never paused for review"
    assert [r.paper_id for r in digest.results] == ["1708.05894"]
    assert (isolated_settings / SLUG / "current.json").is_file()
    review = json.loads((isolated_settings / SLUG / "review.json").read_text())
    assert review["outcome"].startswith("approved") and review["note"] == "ok"


def test_timeout_leaves_the_digest_unpublished(review_on: Settings, isolated_settings: Path) -> None:
    from flows.digest import award_digest

    settings = review_on.with_values(**{"ops.review_timeout_s": 3})
    digest = award_digest(conference=SLUG, papers=[PAPER], settings=settings)
    assert "review timed out: not published" in digest.notices
    assert not (isolated_settings / SLUG / "current.json").exists()
    assert not (isolated_settings / SLUG / "releases").exists()
    review = json.loads((isolated_settings / SLUG / "review.json").read_text())
    assert review["outcome"] == "timed out: not published"
