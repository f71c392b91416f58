"""`award_digest`: one conference, from its award list to a published release of its digest."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import PrefectFuture
from prefect.utilities.annotations import opaque

from config.redact import install_log_redaction
from config.settings import Settings, get_settings
from flows.notify import notify
from flows.paper import Outcomes, PaperChains, Progress
from flows.publishing import publish_conference
from flows.runtime.heap import settle_heap
from flows.runtime.runners import StageRunners, for_papers
from tasks.backends import Backends, backends_for
from tasks.freshness import Verdict, check_current, run_inputs
from tasks.harvest.errors import UnknownConferenceError
from tasks.harvest.manifest import load_conference, select_entries
from tasks.harvest.watching import load_harvested
from tasks.models import AwardEntry, Conference, Digest, PaperStatus, StageName
from tasks.publish.feed import ensure_listed
from tasks.publish.publisher import paper_result
from tasks.publish.release import read_current
from tasks.publish.site import ensure_site
from tasks.publish.task import link_to
from tasks.stages import forget_ahead, themes_ahead
from tasks.store import ArtifactStore, store_for


@flow(
    name="award-digest",
    flow_run_name="{conference} digest",
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
    install_log_redaction(settings.redactor())  # a deployment run has no CLI to do it
    store = store_for(settings.store)
    conf = conference_for(conference, settings, store)
    entries = select_entries(conf, papers)
    logger = get_run_logger()
    logger.info("%s: %d papers, store %s", conf.name, len(entries), store.uri)
    # Like make: a release built from these very inputs, complete in the store, is not rebuilt.
    inputs: str | None = run_inputs(entries, settings)
    if not force:
        verdict = check_current(entries, settings, store, conf.slug, inputs)
        if verdict.current:
            return up_to_date(conf, verdict, store, settings.publish.base_url)
        logger.info("%s: running: %s", conf.slug, verdict.reason)

    # The stages run where settings.ops.task_runner says, sized by settings.concurrency and the
    # services' limits: the same for a CLI run, a deployment's form, a backfill or the watch.
    settings = for_papers(settings, len(entries))
    # Every backend is chosen once, here; each fallback is said once (flows/paper.py), not per paper.
    run = backends_for(settings)
    settle_heap()  # what the imports built lives as long as the process: out of the collector's way
    outcomes = run_papers(conf, entries, run, force=force)
    # What is published names no secret and no local folder, whatever an error message said.
    redact = settings.redactor()
    results = [redact.model(paper_result(e, outcomes[e.paper_id], store)) for e in entries]
    stand_ins = sorted(pid for pid, stages in outcomes.items() if any(o.stand_in for o in stages.values()))
    if stand_ins:
        # This release is not what the settings ask for: the next run must not call it up to date.
        logger.warning(
            "%s: a fallback stood in for a failed service for %s; the next run tries again",
            conf.slug,
            ", ".join(stand_ins[:5]),
        )
        inputs = None
    if settings.ops.review:
        from flows.review import review_gate

        return review_gate(conf, results, force=force, run=run)
    digest = publish_conference(conf, results, run, force=force, inputs=inputs)
    announce(digest, settings, store)
    return digest


def run_papers(
    conf: Conference, entries: list[AwardEntry], run: Backends, *, force: bool
) -> dict[str, Outcomes]:
    """Every paper's stages on the run's runners (comics on the comic deployment when one is set),
    with the run's progress as an artifact; each paper's stage outcomes."""
    settings = run.settings
    remote_comics = settings.ops.comic_deployment
    progress_id = create_progress_artifact(0.0, description=f"{conf.name}: papers finished")
    progress = Progress(
        len(entries),
        lambda fraction: update_progress_artifact(progress_id, 100.0 * fraction),  # type: ignore[arg-type]
    )

    def paper_done(pid: str, outcomes: Outcomes) -> None:
        if not remote_comics:
            progress.step()

    ahead: list[PrefectFuture[str]] = []
    forget_ahead(run.store, conf.slug)  # an earlier run's, stopped before its overview

    def summaries_settled(outcomes: dict[str, Outcomes]) -> None:
        # The themes need the summaries only: found now, beside the comics (tasks/stages/overview.py).
        ahead.append(themes_ahead.submit(opaque(conf), opaque(outcomes), run))  # type: ignore[call-overload]

    with StageRunners(settings) as runners:
        get_run_logger().info("stages run on %s", runners.describe())
        chains = PaperChains(
            conf.slug,
            entries,
            run=run,
            force=force,
            comic=not remote_comics,
            window=runners.papers_in_flight(run),
            on_paper_done=paper_done,
            on_summaries=summaries_settled,
            runners=runners,
        )
        outcomes = chains.run()
    if remote_comics:
        from flows.comic import comics_elsewhere

        comics = comics_elsewhere(remote_comics, conf.slug, outcomes, force=force, settings=settings)
        for pid, outcome in comics.items():
            outcomes[pid][StageName.COMIC] = outcome
        update_progress_artifact(progress_id, 100.0)  # type: ignore[arg-type]
    for themes in ahead:  # before the overview, which reuses them (a failure: it finds its own)
        themes.wait()
    return outcomes


def up_to_date(
    conf: Conference, verdict: Verdict, store: ArtifactStore, base_url: str | None = None
) -> Digest:
    """The published digest, unchanged; the decision is logged and shown as an artifact of the run."""
    from prefect.artifacts import create_markdown_artifact

    get_run_logger().info(
        "%s: up to date: %s; nothing to run (force=True runs anyway)", conf.slug, verdict.reason
    )
    create_markdown_artifact(
        key=f"{conf.slug}-up-to-date",
        markdown=f"**{conf.name}: up to date.** {verdict.reason}; no stage ran. Run with `force` to rebuild.",
        description=f"{conf.name}: nothing to run",
    )
    if verdict.published is not None:
        ensure_listed(store, verdict.published, base_url)  # a damaged feed.xml heals here too
        ensure_site(store, verdict.published, base_url)  # and a site index that lacks it
    digest = verdict.published.digest(store) if verdict.published else None
    if digest is None:  # the release's digest.json was listed a moment ago
        raise RuntimeError(f"{conf.slug}: the current release's digest cannot be read")
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
