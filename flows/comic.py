"""`draw_comics`: the comic stage as its own flow, deployable to a GPU work pool."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.states import Completed, Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from config.settings import get_settings
from flows.paper import fresh
from tasks.harvest.manifest import load_conference, select_entries
from tasks.models import StageName, StoredObject
from tasks.publish.store import paper_key, store_from_settings
from tasks.stages import draw_comic

COMIC_FILES = ("comic.png", "comic.webp", "comic.json")


@flow(
    name="draw-comics",
    flow_run_name="{conference} comics",
    task_runner=ThreadPoolTaskRunner(max_workers=1),  # type: ignore[arg-type]
)
def draw_comics(conference: str, papers: list[str] | None = None, force: bool = False) -> dict[str, str]:
    """Draw the comics of the given papers (all of the conference by default) from their stored summaries."""
    settings = get_settings()
    conf = load_conference(conference, settings.conferences_dir)
    store = store_from_settings()
    task = fresh(draw_comic, force, tags=["gpu"])
    futures = {}
    outcome: dict[str, str] = {}
    for entry in select_entries(conf, papers):
        head = store.head(paper_key(conf.slug, entry.paper_id, "summary.json"))
        if head is None:
            outcome[entry.paper_id] = "skipped: no summary.json"
            continue
        futures[entry.paper_id] = task.submit(conf.slug, entry, {"summary.json": head})
    for pid, future in futures.items():
        future.wait()
        outcome[pid] = "done" if future.state.is_completed() else f"failed: {future.state.message}"
    get_run_logger().info("comics of %s: %s", conf.slug, outcome)
    if any(v.startswith("failed") for v in outcome.values()):
        raise RuntimeError(f"some comics failed: {outcome}")
    return outcome


def comics_elsewhere(
    deployment: str, conference: str, states: dict[str, dict[StageName, State[Any]]], *, force: bool
) -> dict[str, State[Any]]:
    """Run `draw-comics` as a deployment (e.g. on a GPU pool); comic states come back from the store."""
    from prefect.deployments import run_deployment

    ready = [pid for pid, st in states.items() if st[StageName.SUMMARIZE].is_completed()]
    comic_states: dict[str, State[Any]] = {
        pid: Failed(message="not drawn: an earlier stage did not finish")
        for pid in states
        if pid not in ready
    }
    if not ready:
        return comic_states
    run = run_deployment(deployment, parameters={"conference": conference, "papers": ready, "force": force})
    get_run_logger().info("comics: run %s of %s ended %s", run.id, deployment, run.state_name)  # type: ignore[union-attr]
    store = store_from_settings()
    for pid in ready:
        heads = {name: store.head(paper_key(conference, pid, name)) for name in COMIC_FILES}
        if all(heads.values()):
            data: dict[str, StoredObject] = {k: v for k, v in heads.items() if v is not None}
            comic_states[pid] = Completed(data=data)
        else:
            ended = getattr(run, "state_name", "?")
            comic_states[pid] = Failed(message=f"comic not found after {deployment} ended {ended}")
    return comic_states
