"""watch-awards: one digest start per new conference, whatever the number of polls or watchers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fixture_conference import SLUG

pytestmark = [pytest.mark.prefect]


@pytest.fixture
def started(
    prefect_harness: None, conference_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, str]]:
    """Record digest starts instead of creating deployment runs."""
    import flows.watch

    calls: list[tuple[str, str]] = []
    lock = threading.Lock()

    def fake_start(deployment: str, slug: str) -> str:
        with lock:
            calls.append((deployment, slug))
        return f"run-{len(calls)}"

    monkeypatch.setattr(flows.watch, "start_digest", fake_start)
    return calls


def test_new_award_lists_are_the_unpublished_manifests(conference_env: dict[str, Path]) -> None:
    from config.settings import get_settings
    from flows.watch import find_new_award_lists
    from tasks.store import store_for

    assert find_new_award_lists(get_settings()) == [SLUG]
    store_for(get_settings().store).put(f"{SLUG}/current.json", b"{}")
    assert find_new_award_lists(get_settings()) == []


def test_second_poll_starts_nothing(started: list[tuple[str, str]]) -> None:
    from flows.watch import DIGEST_DEPLOYMENT, watch_awards

    first = watch_awards()
    assert first[SLUG].startswith("started")
    assert watch_awards() == {SLUG: "already claimed"}
    assert started == [(DIGEST_DEPLOYMENT, SLUG)]


def test_two_watchers_at_once_start_one_run(started: list[tuple[str, str]]) -> None:
    from flows.watch import watch_awards

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda _: watch_awards(), range(2)))
    assert sorted(o[SLUG].split()[0] for o in outcomes) == ["already", "started"]
    assert len(started) == 1


def test_source_down_fails_the_poll_loudly(
    started: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.watch

    def down(settings: object) -> list[str]:
        raise ConnectionError("feed.example.org: connection refused")

    monkeypatch.setattr(flows.watch, "find_new_award_lists", down)
    monkeypatch.setattr(flows.watch, "check_sources", flows.watch.check_sources.with_options(retries=0))
    state = flows.watch.watch_awards(return_state=True)
    assert state.is_failed()
    with pytest.raises(flows.watch.AwardSourceDown, match="connection refused"):
        state.result()
    assert started == []
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.objects import StateType

    with get_client(sync_client=True) as client:
        runs = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        (check,) = client.read_task_runs(flow_run_filter=runs)
    assert check.name.startswith("find-new-award-lists") and check.state_type == StateType.FAILED
    # the source recovers: the next poll (the next scheduled run) works as usual
    monkeypatch.setattr(flows.watch, "find_new_award_lists", lambda settings: [SLUG])
    assert flows.watch.watch_awards()[SLUG].startswith("started")
