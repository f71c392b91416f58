"""`backfill`: award digests for many conference-years, with a cap on how many run at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel, ConfigDict

from config.settings import Settings, get_settings
from flows.digest import award_digest
from tasks.harvest.catalogue import expand_specs
from tasks.models import PaperStatus, utc_now
from tasks.publish.release import is_published, read_current
from tasks.store import store_for


class BackfillOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conference: str
    outcome: str  # "published", "skipped: already published" or "failed: <error>"
    papers: int = 0
    done: int = 0
    unavailable: int = 0
    failed: int = 0

    @classmethod
    def published(cls, slug: str, statuses: list[PaperStatus]) -> BackfillOutcome:
        return cls(
            conference=slug,
            outcome="published",
            papers=len(statuses),
            done=statuses.count(PaperStatus.DONE),
            unavailable=statuses.count(PaperStatus.UNAVAILABLE),
            failed=statuses.count(PaperStatus.FAILED),
        )


class BackfillReport(BaseModel):
    """`backfills/<started>.json`: what one backfill run did per conference."""

    model_config = ConfigDict(extra="forbid")

    started_at: datetime
    outcomes: list[BackfillOutcome]


@task(name="digest-conference", task_run_name="digest {slug}")
def digest_conference(slug: str, force: bool, settings: Settings) -> BackfillOutcome:
    """Run one conference's digest (as a subflow) unless it is already published."""
    if not force and is_published(store_for(settings.store), slug):
        return BackfillOutcome(conference=slug, outcome="skipped: already published")
    digest = award_digest(conference=slug, force=force, settings=settings)
    return BackfillOutcome.published(slug, [r.status for r in digest.results])


@task(name="digest-conference-on-pool", task_run_name="digest {slug} on {deployment}")
def digest_conference_elsewhere(
    slug: str, force: bool, deployment: str, settings: Settings
) -> BackfillOutcome:
    """Run one conference as a flow run of `deployment`, on its work pool; wait for it to end."""
    from prefect.deployments import run_deployment

    if not force and is_published(store_for(settings.store), slug):
        return BackfillOutcome(conference=slug, outcome="skipped: already published")
    # Polled every second (Prefect's default is 5 s: up to 5 s idle after each conference ends).
    run: Any = run_deployment(
        deployment,
        parameters={"conference": slug, "force": force},
        timeout=None,
        as_subflow=True,
        poll_interval=1,
    )
    state = run.state
    if state is None or not state.is_completed():
        raise RuntimeError(f"flow run {run.name} ended {state.name if state else 'without a state'}")
    # The flow run's return value lives on the worker that ran it; the release it published is in
    # the store both share.
    current = read_current(store_for(settings.store), slug)
    if current is None:
        raise RuntimeError(f"flow run {run.name} completed but {slug} has no current release")
    return BackfillOutcome.published(slug, list(current.manifest.papers.values()))


@flow(name="backfill", flow_run_name="backfill {conferences}")
def backfill(
    conferences: list[str] | str,
    force: bool = False,
    all_known: bool = False,
    concurrency: int | None = None,
    settings: Settings | None = None,
) -> BackfillReport:
    """Digest every conference named (slugs or ranges like neurips:2023-2025); store a report.

    With ops.backfill_deployment each conference is a flow run of that deployment on its work
    pool, else a subflow here.

    Args:
        conferences: Slugs or ranges, e.g. "neurips:2023-2025, icml-2024".
        force: Recompute every stage of every conference, ignoring caches.
        all_known: Every conference with a manifest, whatever `conferences` names.
        concurrency: Conferences digested at once; empty: ops.backfill_concurrency.
        settings: Leave empty in the UI: the worker's settings (code passes its own).
    """
    started = utc_now()
    settings = settings or get_settings()
    if isinstance(conferences, str):  # the UI form: "neurips:2023-2025, icml-2024"
        conferences = conferences.replace(",", " ").split()
    slugs = expand_specs(conferences, settings.conferences_dir, all_known=all_known)
    at_once = concurrency or settings.ops.backfill_concurrency
    elsewhere = settings.ops.backfill_deployment
    get_run_logger().info(
        "backfill of %d conferences, %d at once%s: %s",
        len(slugs),
        at_once,
        f" as flow runs of {elsewhere}" if elsewhere else "",
        ", ".join(slugs),
    )
    runner: Any
    with ThreadPoolTaskRunner(max_workers=at_once) as runner:
        futures = {
            slug: runner.submit(
                digest_conference_elsewhere,
                {"slug": slug, "force": force, "deployment": elsewhere, "settings": settings},
            )
            if elsewhere
            else runner.submit(digest_conference, {"slug": slug, "force": force, "settings": settings})
            for slug in slugs
        }
        outcomes = _outcomes(futures)
    report = BackfillReport(started_at=started, outcomes=outcomes)
    key = f"backfills/{started:%Y%m%dT%H%M%SZ}-{uuid4().hex[:6]}.json"
    store_for(settings.store).put(key, report.model_dump_json(indent=2).encode())
    create_table_artifact(
        key="backfill",
        table=[o.model_dump(mode="json") for o in outcomes],
        description=f"Backfill of {len(slugs)} conferences",
    )
    return report


def _outcomes(futures: dict[str, Any]) -> list[BackfillOutcome]:
    outcomes: list[BackfillOutcome] = []
    for slug, future in futures.items():
        future.wait()
        if future.state.is_completed():
            outcomes.append(future.result())
        else:  # one conference failing never stops the others
            exc: Any = future.state.result(raise_on_failure=False)
            outcomes.append(BackfillOutcome(conference=slug, outcome=f"failed: {exc}"))
    return outcomes
