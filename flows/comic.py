"""`draw_comics`: the comic stage as its own flow, deployable to a GPU work pool."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from prefect import flow, get_run_logger
from prefect.concurrency.sync import concurrency
from prefect.task_runners import ThreadPoolTaskRunner

from config.settings import Settings, get_settings
from flows.paper import fresh
from tasks.backends import Backends, backends_for
from tasks.harvest.manifest import load_conference, select_entries
from tasks.models import (
    Conference,
    FigureIndex,
    StageName,
    StageOutcome,
    StageState,
    StageStatus,
    StoredObject,
)
from tasks.stages import PaperWork, draw_comic
from tasks.store import paper_key, store_for

COMIC_FILES = ("comic.png", "comic.webp", "comic.json")
# Drawn by newer comic stages; a worker on an older version leaves them out and that is not a failure.
OPTIONAL_FILES = ("comic-mobile.webp",)


@flow(
    name="draw-comics",
    flow_run_name="{conference} comics",
    task_runner=ThreadPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
)
def draw_comics(conference: str, papers: list[str] | None = None, force: bool = False) -> dict[str, str]:
    """Draw the comics of the given papers (all of the conference by default) from their stored summaries.

    Args:
        conference: The conference-year slug whose summaries are stored.
        papers: Only these papers (arxiv:ID or the manifest's paper id); empty: every paper.
        force: Draw again even where a comic is stored.
    """
    settings = get_settings()
    conf = load_conference(conference, settings.conferences_dir)
    run = backends_for(settings)
    for notice in run.notices:
        get_run_logger().warning("%s", notice)
    # Two papers in flight on a GPU (pages back to back: one's CPU work overlaps the other's
    # denoising): the run holds the `gpu` slot itself, so its tasks do not queue on the tag limit.
    window = run.renderer.pages_in_flight
    task = fresh(draw_comic, force, settings.ops, tags=["gpu"] if window == 1 else [])
    gpu_slot = concurrency("gpu", occupy=1) if window > 1 else nullcontext()
    with gpu_slot:
        outcome = _draw_all(conf, papers, run, task, window, force)
    get_run_logger().info("comics of %s: %s", conf.slug, outcome)
    if any(v.startswith("failed") for v in outcome.values()):
        raise RuntimeError(f"some comics failed: {outcome}")
    return outcome


def _draw_all(
    conf: Conference, papers: list[str] | None, run: Backends, task: Any, window: int, force: bool
) -> dict[str, str]:
    """Submit each paper's comic task, at most `window` in flight; their outcomes by paper id."""
    store = run.store
    futures: dict[str, Any] = {}
    outcome: dict[str, str] = {}
    for entry in select_entries(conf, papers):
        head = store.head(paper_key(conf.slug, entry.paper_id, "summary.json"))
        if head is None:
            outcome[entry.paper_id] = "skipped: no summary.json"
            continue
        # The PDF and the parsed paper, when stored: the comic shows the paper's figures from them.
        pdf = store.head(paper_key(conf.slug, entry.paper_id, "paper.pdf"))
        parsed = store.head(paper_key(conf.slug, entry.paper_id, "parsed.json"))
        in_flight = [f for f in futures.values() if not f.state.is_final()]
        if len(in_flight) >= window:
            in_flight[0].wait()
        work = PaperWork(conf.slug, entry, force=force, pdf=pdf, parsed=parsed, summary=head)
        futures[entry.paper_id] = task.submit(work, run)
    for pid, future in futures.items():
        future.wait()
        outcome[pid] = "done" if future.state.is_completed() else f"failed: {future.state.message}"
    return outcome


def comics_elsewhere(
    deployment: str,
    conference: str,
    outcomes: dict[str, dict[StageName, StageOutcome]],
    *,
    force: bool,
    settings: Settings,
) -> dict[str, StageOutcome]:
    """Run `draw-comics` as a deployment (e.g. on a GPU pool); comic outcomes come back from the store."""
    from prefect.deployments import run_deployment

    done = (StageState.DONE, StageState.CACHED)
    ready = [
        pid
        for pid, st in outcomes.items()
        if StageName.SUMMARIZE in st and st[StageName.SUMMARIZE].status.state in done
    ]
    comic: dict[str, StageOutcome] = {
        pid: StageOutcome.skipped("not drawn: an earlier stage did not finish")
        for pid in outcomes
        if pid not in ready
    }
    if not ready:
        return comic
    # Polled every second (Prefect's default is 5 s: up to 5 s more before the digest publishes).
    parameters = {"conference": conference, "papers": ready, "force": force}
    run = run_deployment(deployment, parameters=parameters, poll_interval=1)
    ended = getattr(run, "state_name", "?")
    get_run_logger().info("comics: run %s of %s ended %s", getattr(run, "id", "?"), deployment, ended)
    store = store_for(settings.store)
    for pid in ready:
        heads = {name: store.head(paper_key(conference, pid, name)) for name in COMIC_FILES}
        if all(heads.values()):
            outputs: dict[str, StoredObject] = {k: v for k, v in heads.items() if v is not None}
            optional = {name: store.head(paper_key(conference, pid, name)) for name in OPTIONAL_FILES}
            outputs.update({k: v for k, v in optional.items() if v is not None})
            outputs.update(_figure_heads(store, conference, pid))
            comic[pid] = StageOutcome(status=StageStatus(state=StageState.DONE), outputs=outputs)
        else:
            message = f"comic not found after {deployment} ended {ended}"
            comic[pid] = StageOutcome(status=StageStatus(state=StageState.FAILED, error=message))
    return comic


def _figure_heads(store: Any, conference: str, pid: str) -> dict[str, StoredObject]:
    """figures.json and the figures it lists, as stored by the comic stage (none when absent)."""
    head = store.head(paper_key(conference, pid, "figures.json"))
    if head is None:
        return {}
    found: dict[str, StoredObject] = {"figures.json": head}
    for figure in FigureIndex.model_validate_json(store.get(head.key)).figures:
        if (fig := store.head(paper_key(conference, pid, figure.file))) is not None:
            found[figure.file] = fig
    return found
