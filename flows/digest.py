"""`award_digest`: one conference, from its award list to a published release of its digest."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import opaque

from config.settings import Settings, get_settings
from flows.notify import notify
from flows.paper import Outcomes, PaperChains, Progress
from tasks.harvest.errors import UnknownConferenceError
from tasks.harvest.manifest import load_conference, select_entries
from tasks.harvest.watching import load_harvested
from tasks.models import Conference, Digest, PaperStatus, StageName
from tasks.publish.publisher import paper_result
from tasks.publish.release import read_current
from tasks.publish.task import link_to, publish_digest
from tasks.store import ArtifactStore, store_for


@flow(
    name="award-digest",
    flow_run_name="{conference} digest",
    task_runner=ThreadPoolTaskRunner(max_workers=4),  # type: ignore[arg-type]
    log_prints=True,
)
def award_digest(
    conference: str,
    papers: list[str] | None = None,
    force: bool = False,
    settings: Settings | None = None,
) -> Digest:
    """Harvest the award list, run every paper's stages, publish the digest as one release.

    settings: this run's settings as a value (the CLI's options, the UI form's overrides); read from
    the environment and config file when not given. They are handed down to every task.
    """
    settings = settings or get_settings()
    store = store_for(settings.store)
    conf = conference_for(conference, settings, store)
    entries = select_entries(conf, papers)
    logger = get_run_logger()
    logger.info("%s: %d papers, store %s", conf.name, len(entries), store.uri)

    remote_comics = settings.ops.comic_deployment
    progress_id = create_progress_artifact(0.0, description=f"{conf.name}: papers finished")
    progress = Progress(
        len(entries),
        lambda fraction: update_progress_artifact(progress_id, 100.0 * fraction),  # type: ignore[arg-type]
    )

    def paper_done(pid: str, outcomes: Outcomes) -> None:
        if not remote_comics:
            progress.step()

    chains = PaperChains(
        conf.slug,
        entries,
        settings=settings,
        store=store,
        force=force,
        comic=not remote_comics,
        window=2 * settings.concurrency,
        on_paper_done=paper_done,
    )
    outcomes = chains.run()
    if remote_comics:
        from flows.comic import comics_elsewhere

        comics = comics_elsewhere(remote_comics, conf.slug, outcomes, force=force, settings=settings)
        for pid, outcome in comics.items():
            outcomes[pid][StageName.COMIC] = outcome
        update_progress_artifact(progress_id, 100.0)  # type: ignore[arg-type]
    results = [paper_result(e, outcomes[e.paper_id], store) for e in entries]
    if settings.ops.review:
        from flows.review import review_gate

        return review_gate(conf, results, force=force, settings=settings)
    # opaque: long lists (entries, results) that Prefect need not walk looking for futures.
    digest: Any = publish_digest(  # type: ignore[call-overload]
        opaque(conf), opaque(results), settings, force=force
    )
    announce(digest, settings, store)
    return digest


def conference_for(slug: str, settings: Settings, store: ArtifactStore) -> Conference:
    """The curated manifest of a conference, else the one the watch harvested into the store."""
    try:
        return load_conference(slug, settings.conferences_dir)
    except UnknownConferenceError:
        harvested = load_harvested(store, slug)
        if harvested is None:
            raise
        return harvested


def announce(digest: Digest, settings: Settings, store: ArtifactStore) -> None:
    """Tell people (ops.notify_block) that a digest was published, with the link to read it."""
    if not settings.ops.notify_block:
        return
    current = read_current(store, digest.conference.slug)
    if current is None:
        return
    link = link_to(store, current.key("digest.html"))
    counts = ", ".join(f"{digest.count(s)} {s.value}" for s in PaperStatus if digest.count(s))
    notify(
        settings,
        f"{digest.conference.name}: digest published",
        f"{len(digest.results)} papers ({counts}). Read it: {link}",
    )
