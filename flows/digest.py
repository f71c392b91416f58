"""`award_digest`: one conference, from its award list to a published digest."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from config.settings import get_settings
from flows.paper import submit_paper
from tasks.harvest.manifest import load_conference, select_entries
from tasks.models import Digest, StageName
from tasks.publish.publisher import paper_result, publish_digest
from tasks.publish.store import store_from_settings


@flow(
    name="award-digest",
    flow_run_name="{conference} digest",
    task_runner=ThreadPoolTaskRunner(max_workers=4),  # type: ignore[arg-type]
    log_prints=True,
)
def award_digest(conference: str, papers: list[str] | None = None, force: bool = False) -> Digest:
    """Harvest the award list, process every paper concurrently, publish the digest last."""
    settings = get_settings()
    conf = load_conference(conference, settings.conferences_dir)
    entries = select_entries(conf, papers)
    get_run_logger().info("%s: %d papers, store %s", conf.name, len(entries), settings.store.uri)

    remote_comics = settings.ops.comic_deployment
    chains = {
        entry.paper_id: submit_paper(conf.slug, entry, force=force, comic=not remote_comics)
        for entry in entries
    }
    progress = create_progress_artifact(0.0, description=f"{conf.name}: papers finished")
    store = store_from_settings()
    states: dict[str, dict[StageName, State[Any]]] = {}
    for done, entry in enumerate(entries, start=1):
        futures = chains[entry.paper_id]
        for future in futures.values():
            future.wait()
        states[entry.paper_id] = {s: f.state for s, f in futures.items()}
        if not remote_comics:
            update_progress_artifact(progress, 100.0 * done / max(len(entries), 1))  # type: ignore[arg-type]
    if remote_comics:
        from flows.comic import comics_elsewhere

        comic_states = comics_elsewhere(remote_comics, conf.slug, states, force=force)
        for pid, state in comic_states.items():
            states[pid][StageName.COMIC] = state
        update_progress_artifact(progress, 100.0)  # type: ignore[arg-type]
    results = [paper_result(conf.slug, e, states[e.paper_id], store) for e in entries]
    if settings.ops.review:
        from flows.review import review_gate

        return review_gate(conf, results)
    return publish_digest(conf, results)
