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
from tasks.publish.release import is_published
from tasks.store import store_for


class BackfillOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conference: str
    outcome: str  # "published", "skipped: already published" or "failed: <error>"
    papers: int = 0
    done: int = 0
    unavailable: int = 0
    failed: int = 0


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
    return BackfillOutcome(
        conference=slug,
        outcome="published",
        papers=len(digest.results),
        done=digest.count(PaperStatus.DONE),
        unavailable=digest.count(PaperStatus.UNAVAILABLE),
        failed=digest.count(PaperStatus.FAILED),
    )


@flow(
    name="backfill",
    flow_run_name="backfill {conferences}",
    task_runner=ThreadPoolTaskRunner(max_workers=2),  # type: ignore[arg-type]
)
def backfill(
    conferences: list[str] | str,
    force: bool = False,
    all_known: bool = False,
    settings: Settings | None = None,
) -> BackfillReport:
    """Digest every conference named (slugs or ranges like neurips:2023-2025); store a report."""
    started = utc_now()
    settings = settings or get_settings()
    if isinstance(conferences, str):  # the UI form: "neurips:2023-2025, icml-2024"
        conferences = conferences.replace(",", " ").split()
    slugs = expand_specs(conferences, settings.conferences_dir, all_known=all_known)
    get_run_logger().info("backfill of %d conferences: %s", len(slugs), ", ".join(slugs))
    futures = {slug: digest_conference.submit(slug, force, settings) for slug in slugs}
    outcomes: list[BackfillOutcome] = []
    for slug, future in futures.items():
        future.wait()
        if future.state.is_completed():
            outcomes.append(future.result())
        else:  # one conference failing never stops the others
            exc: Any = future.state.result(raise_on_failure=False)
            outcomes.append(BackfillOutcome(conference=slug, outcome=f"failed: {exc}"))
    report = BackfillReport(started_at=started, outcomes=outcomes)
    key = f"backfills/{started:%Y%m%dT%H%M%SZ}-{uuid4().hex[:6]}.json"
    store_for(settings.store).put(key, report.model_dump_json(indent=2).encode())
    create_table_artifact(
        key="backfill",
        table=[o.model_dump(mode="json") for o in outcomes],
        description=f"Backfill of {len(slugs)} conferences",
    )
    return report
