"""`watch_awards`: poll for new award lists and start one award-digest run per new conference."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.context import get_run_context

from config.settings import Settings, get_settings
from tasks.harvest.manifest import known_slugs
from tasks.publish.release import is_published
from tasks.store import conference_key, store_for

DIGEST_DEPLOYMENT = "award-digest-form/award-digest"


class AwardSourceDown(Exception):
    """The announcement source of award lists could not be read."""


def find_new_award_lists(settings: Settings) -> list[str]:
    """Conferences with a manifest and no published release (`<slug>/current.json` absent)."""
    store = store_for(settings.store)
    return [slug for slug in known_slugs(settings.conferences_dir) if not is_published(store, slug)]


@task(name="find-new-award-lists", retries=2, retry_delay_seconds=[5, 30])
def check_sources(settings: Settings) -> list[str]:
    """Ask the announcement sources which conferences have an award list we have not published."""
    try:
        return find_new_award_lists(settings)
    except Exception as exc:  # any failure of the source is reported as the source being down
        raise AwardSourceDown(f"award source unavailable: {type(exc).__name__}: {exc}") from exc


def start_digest(deployment: str, slug: str) -> str:
    """Create the award-digest run for slug on the server (not as a subflow); returns its id."""
    from prefect.deployments import run_deployment

    run = run_deployment(
        deployment,
        parameters={"conference": slug},
        timeout=0,
        as_subflow=False,
        idempotency_key=f"watch-awards:{slug}",
    )
    return str(run.id)  # type: ignore[union-attr]


@task(name="claim-and-start", task_run_name="start {slug}")
def claim_and_start(slug: str, deployment: str, settings: Settings) -> str:
    """Claim the conference in the store (put-if-absent); only the claimant starts its digest."""
    store = store_for(settings.store)
    ctx = get_run_context()
    claim = {"conference": slug, "at": datetime.now(UTC).isoformat(), "by": str(ctx.task_run.id)}  # type: ignore[union-attr]
    if not store.create(conference_key(slug, "claim.json"), json.dumps(claim).encode()):
        return "already claimed"
    run_id = start_digest(deployment, slug)
    get_run_logger().info("%s: started %s run %s", slug, deployment, run_id)
    return f"started {run_id}"


@flow(name="watch-awards", flow_run_name="watch awards")
def watch_awards(deployment: str = DIGEST_DEPLOYMENT) -> dict[str, str]:
    """Start an award-digest run, exactly once, for each conference with a new award list."""
    logger = get_run_logger()
    settings = get_settings()
    new = check_sources(settings, return_state=True)
    if not new.is_completed():
        logger.error("award source down, nothing started; the next scheduled poll will try again")
        raise AwardSourceDown(str(new.message))
    slugs: list[str] = new.result()
    outcome = {slug: claim_and_start(slug, deployment, settings) for slug in slugs}
    logger.info("watch: %s", outcome or "nothing new")
    return outcome
