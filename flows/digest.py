"""`award_digest`: one conference, from its award list to a published digest."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from config.settings import get_settings
from flows.paper import submit_paper
from tasks.harvest.manifest import load_conference, select_entries
from tasks.models import Digest
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

    chains = {entry.paper_id: submit_paper(conf.slug, entry, force=force) for entry in entries}
    store = store_from_settings()
    results = []
    for entry in entries:
        futures = chains[entry.paper_id]
        for future in futures.values():
            future.wait()
        results.append(paper_result(conf.slug, entry, {s: f.state for s, f in futures.items()}, store))
    return publish_digest(conf, results)
