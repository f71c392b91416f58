"""`watch_awards`: from the award announcement to a published digest, a person in the loop only if needed.

Each run (on the watch-awards schedule):
1. curated manifests (config/conferences) without a published release get their digest started;
2. for every edition whose announcement window is open (config/calendar.yaml), the sources are
   polled (conditional GETs), the edition's award post is found and read (heuristic, or the LLM
   with structured output when one is configured), every paper is resolved (arXiv / OpenReview /
   Semantic Scholar, with a confidence), and the award list is written to the store as a harvested
   manifest: once per content (the same list seen again changes nothing; an updated one is a new
   harvest that says what changed);
3. a new harvest whose every paper resolved with confidence starts its digest at once (claimed
   put-if-absent, one run per harvest); otherwise the run pauses for review with the uncertain
   entries in a typed form (approve / fix ids / exclude) and starts the digest on approval;
4. people are told (ops.notify_block) when a review waits; the digest tells them when it is published.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.context import TaskRunContext, get_run_context
from prefect.input import RunInput
from pydantic import Field, ValidationError, field_validator

from config.redact import install_log_redaction
from config.settings import Settings, get_settings
from flows.notify import notify
from tasks.harvest import watching
from tasks.harvest.announce import HarvestOutcome
from tasks.harvest.calendar import Edition, load_calendar
from tasks.harvest.manifest import known_slugs
from tasks.models import Conference, PaperIds, PaperStatus
from tasks.publish.release import is_published
from tasks.stages.announcement import with_deadline
from tasks.store import conference_key, store_for

# Started with just {"conference": slug}: a parameter the form deployment's list of known
# conferences (fixed when it was served) could reject for a manifest added since, or a harvested one.
WATCHED_DIGEST_DEPLOYMENT = "watched-digest/watched-digest"


class AwardSourceDown(Exception):
    """The announcement source of award lists could not be read."""


class HarvestReview(RunInput):
    """The reviewer's answer about an uncertain award list, as a form when the run is resumed."""

    approve: bool = Field(description="Start the digest with the list as corrected here")
    exclude: list[str] = Field(default_factory=list, description="Paper ids to leave out")
    ids: dict[str, str] = Field(
        default_factory=dict, description="Paper id -> the right paper, as arxiv:ID / openreview:ID / doi:ID"
    )
    note: str = Field("", description="Why, for the record")

    @field_validator("ids")
    @classmethod
    def _ids(cls, v: dict[str, str]) -> dict[str, str]:
        for paper, ref in v.items():
            review_ids(ref, paper)
        return v


def review_ids(ref: str, paper: str = "") -> PaperIds:
    """`arxiv:2406.01234`, `openreview:abc123` or `doi:10.1/x` as PaperIds; a clear error otherwise."""
    kind, sep, value = ref.strip().partition(":")
    kind = kind.lower()
    if not sep or kind not in PaperIds.model_fields or not value:
        raise ValueError(f"{paper or ref}: {ref!r} is not arxiv:ID, openreview:ID or doi:ID")
    try:
        return PaperIds(**{kind: value})
    except ValidationError as exc:
        reason = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{paper or ref}: {ref!r}: {reason}") from None


# --------------------------------------------------------------------------- curated manifests


def find_new_award_lists(settings: Settings) -> list[str]:
    """Conferences with a curated manifest and no published release (`<slug>/current.json` absent)."""
    if not settings.conferences_dir.is_dir():  # a wrong path would otherwise find nothing, forever
        raise FileNotFoundError(f"the conferences folder {settings.conferences_dir} does not exist")
    store = store_for(settings.store)
    return [slug for slug in known_slugs(settings.conferences_dir) if not is_published(store, slug)]


@task(name="find-new-award-lists", retries=2, retry_delay_seconds=[5, 30])
def check_sources(settings: Settings) -> list[str]:
    """Which curated award lists have not been published yet."""
    try:
        return find_new_award_lists(settings)
    except Exception as exc:  # any failure of the source is reported as the source being down
        raise AwardSourceDown(f"award source unavailable: {type(exc).__name__}: {exc}") from exc


def start_digest(deployment: str, slug: str, key: str) -> str:
    """Create the digest run for slug on the server (not as a subflow); returns its id.

    The idempotency key makes a second call for the same claim return the same run.
    """
    from prefect.deployments import run_deployment

    run = run_deployment(
        deployment, parameters={"conference": slug}, timeout=0, as_subflow=False, idempotency_key=key
    )
    return str(run.id)  # type: ignore[union-attr]


def claim_key(slug: str, harvest: str = "") -> str:
    """The claim of a conference's digest start: one per curated conference, one per harvest."""
    return f"{slug}/claims/{harvest[:16]}.json" if harvest else conference_key(slug, "claim.json")


# A claim with no run after this long: its claimant stopped between claiming and starting.
CLAIM_STALE_S = 300


def claim_settled(store: Any, key: str) -> bool:
    """A claim exists and has its run, or is recent enough that its claimant may still start it."""
    try:
        held = json.loads(store.get(key))
        age = (watching.utc(None) - datetime.fromisoformat(held["at"])).total_seconds()
    except KeyError:
        return False
    except ValueError:
        return True  # unreadable: leave it to a person rather than start twice
    return bool(held.get("run")) or age < CLAIM_STALE_S


@task(name="claim-and-start", task_run_name="start {slug}")
def claim_and_start(slug: str, deployment: str, settings: Settings, harvest: str = "") -> str:
    """Claim the conference (or this harvest of it) put-if-absent; only the claimant starts its digest.

    The claim records the run it started. A claim left without a run (the claimant stopped in
    between) is taken over after CLAIM_STALE_S; the server's idempotency key (store + claim) still
    makes that one run. Without a deployment the claimant is told "claimed" and runs the digest.
    """
    store = store_for(settings.store)
    key = claim_key(slug, harvest)
    ctx = TaskRunContext.get()
    now = watching.utc(None)
    claim: dict[str, Any] = {
        "conference": slug,
        "harvest": harvest,
        "at": now.isoformat(),
        "by": str(ctx.task_run.id) if ctx else "",
    }
    if not store.create(key, json.dumps(claim).encode()):
        try:
            held = json.loads(store.get(key))
            age = (now - datetime.fromisoformat(held["at"])).total_seconds()
        except (KeyError, ValueError):
            return "already claimed"
        if held.get("run") or not deployment or age < CLAIM_STALE_S:
            return f"already claimed{' (run ' + held['run'] + ')' if held.get('run') else ''}"
        get_run_logger().warning("%s: claim %s has no run after %d s: starting it", slug, key, age)
        claim = held
    if not deployment:
        return "claimed"
    idempotency = f"paperpanels:{hashlib.sha256(store.identity.encode()).hexdigest()[:12]}:{key}"
    run_id = start_digest(deployment, slug, idempotency)
    store.put(key, json.dumps({**claim, "run": run_id, "deployment": deployment}).encode())
    get_run_logger().info("%s: started %s run %s", slug, deployment, run_id)
    return f"started {run_id}"


# --------------------------------------------------------------------------- review


def review_harvest(slug: str, uncertain: list[str], settings: Settings) -> HarvestReview | None:
    """Pause for a person to check the uncertain entries; None when nobody answered in time."""
    from prefect.exceptions import FlowPauseTimeout
    from prefect.flow_runs import pause_flow_run

    store = store_for(settings.store)
    conference = watching.load_harvested(store, slug)
    assert conference is not None
    lines = [
        f"- `{e.id}`: {e.title} ({e.award.value}){' — ' + e.note if e.note else ''}"
        for e in conference.entries
        if e.id in uncertain
    ]
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        key=f"{slug}-harvest-review",
        markdown=f"## {conference.name}: {len(lines)} uncertain of {len(conference.entries)}\n\n"
        + "\n".join(lines),
        description="Award list waiting for review",
    )
    ctx = get_run_context()
    run_id = str(ctx.flow_run.id)  # type: ignore[union-attr]
    _set_status(store, slug, f"waiting for review (run {run_id})")
    notify(
        settings,
        f"{conference.name}: award list waits for review",
        f"{len(lines)} of {len(conference.entries)} papers could not be identified with confidence. "
        f"Resume flow run {run_id} in the Prefect UI to approve, fix ids or exclude.\n" + "\n".join(lines),
    )
    timeout = settings.ops.review_timeout_s
    try:
        answer: HarvestReview = pause_flow_run(
            wait_for_input=HarvestReview, timeout=timeout, poll_interval=min(10, max(1, timeout // 20))
        )
    except FlowPauseTimeout:
        get_run_logger().error("%s: no review within %d s", slug, timeout)
        return None
    return answer


def apply_review(slug: str, answer: HarvestReview, settings: Settings) -> Conference:
    """The harvested manifest with the reviewer's exclusions and id fixes; saved back to the store."""
    store = store_for(settings.store)
    conference = watching.load_harvested(store, slug)
    assert conference is not None
    entries = []
    for entry in conference.entries:
        if entry.id in answer.exclude:
            continue
        if entry.id in answer.ids:
            entry = entry.model_copy(
                update={
                    "ids": review_ids(answer.ids[entry.id]),
                    "needs_review": False,
                    "note": "id fixed at review",
                }
            )
        elif entry.needs_review:
            entry = entry.model_copy(
                update={"needs_review": False, "note": f"approved at review: {entry.note}"}
            )
        entries.append(entry)
    reviewed = conference.model_copy(update={"entries": entries})
    watching.save_harvested(store, reviewed, f"reviewed: {answer.note or 'approved'}")
    return reviewed


# --------------------------------------------------------------------------- the flow


@flow(name="watch-awards", flow_run_name="watch awards")
def watch_awards(
    deployment: str = WATCHED_DIGEST_DEPLOYMENT,
    as_of: date | None = None,
    here: bool = False,
) -> dict[str, str]:
    """Start digests for new award lists: curated ones, and announcements found on their sources.

    Args:
        deployment: The deployment that digests a new award list (flow/deployment name).
        as_of: Pick the editions as if it were this day (a past window: an announcement the watch
            missed); polls and records keep the real time.
        here: Run the digests in this flow run instead of as deployment runs (no server needed); a
            harvest with uncertain papers is then left for review instead of started.
    """
    logger = get_run_logger()
    settings = get_settings()
    install_log_redaction(settings.redactor())
    when = watching.utc(None)
    outcome: dict[str, str] = {}
    new = check_sources(settings, return_state=True)
    if not new.is_completed():
        logger.error("award source down, nothing started; the next scheduled poll will try again")
        raise AwardSourceDown(str(new.message))
    curated: list[str] = new.result()
    for slug in curated:
        outcome[slug] = _start(slug, deployment, settings, "", here)

    calendar = load_calendar(settings.harvest.calendar_file)
    # Curated editions are handled above, whatever the announcement says. The others are polled
    # all at once, each under its own deadline: a slow or hostile venue delays no other.
    due = [
        e
        for e in calendar.editions_due(as_of or when.date())
        if not (settings.conferences_dir / f"{e.slug}.yaml").exists()
    ]
    polls = [with_deadline(settings).submit(edition, settings, when) for edition in due]
    for edition, future in zip(due, polls, strict=True):
        future.wait()
        outcome[edition.slug] = _after_poll(edition, future.state, deployment, settings, here)
    logger.info("watch: %s", outcome or "nothing new")
    return outcome


def _after_poll(edition: Edition, state: Any, deployment: str, settings: Settings, here: bool) -> str:
    """What became of an edition's poll: nothing new, a problem, or its digest started (claimed once)."""
    if not state.is_completed():
        return f"problem: {state.message}"
    result: HarvestOutcome = state.result()
    store = store_for(settings.store)
    record = watching.load_record(store, edition.slug)
    if record is None:
        return result.status.value
    if claim_settled(store, claim_key(edition.slug, record.hash)):
        return f"{result.status.value}: {record.status}"
    # A harvest not started yet: new now, or found by a run that stopped before starting it.
    conference = watching.load_harvested(store, edition.slug)
    uncertain = [e.id for e in conference.entries if e.needs_review] if conference else []
    if here and uncertain:
        where = store.location(watching.manifest_key(edition.slug))
        status = (
            f"waits for review: {len(uncertain)} uncertain papers; fix {where}, save it as "
            f"config/conferences/{edition.slug}.yaml and run `paperpanels digest {edition.slug}`"
        )
        _set_status(store, edition.slug, status)
        return status
    started = _start(edition.slug, deployment, settings, record.hash, here)
    _set_status(store, edition.slug, started)
    return started + (f" (waits for review of {len(uncertain)})" if uncertain else "")


def _start(slug: str, deployment: str, settings: Settings, harvest: str, here: bool) -> str:
    """Claim, then start the digest: as a deployment run, or (here) as a subflow of this run."""
    claimed: str = claim_and_start(slug, "" if here else deployment, settings, harvest=harvest)
    if not here or claimed != "claimed":
        return claimed
    store = store_for(settings.store)
    key = claim_key(slug, harvest)
    held = json.loads(store.get(key))
    store.put(key, json.dumps({**held, "run": "here"}).encode())
    digest = watched_digest(slug)
    if digest is None:
        return "not published"
    counts = ", ".join(f"{digest.count(s)} {s.value}" for s in PaperStatus if digest.count(s))
    return f"published here ({counts})"


@flow(name="watched-digest", flow_run_name="{conference} digest (watch)")
def watched_digest(conference: str, force: bool = False) -> Any:
    """The digest of an edition the watch harvested, after review when some papers are uncertain.

    A curated manifest (config/conferences) is digested as it is. A harvested one with uncertain
    entries pauses here for a person (typed form: approve / fix ids / exclude) and is digested on
    approval; a rejected or unanswered review publishes nothing.

    Args:
        conference: The conference-year slug of the award list (curated or harvested).
        force: Recompute every stage, ignoring caches and the up-to-date check.
    """
    from flows.digest import award_digest

    settings = get_settings()
    store = store_for(settings.store)
    curated = (settings.conferences_dir / f"{conference}.yaml").exists()
    harvested = None if curated else watching.load_harvested(store, conference)
    if harvested is not None:
        uncertain = [e.id for e in harvested.entries if e.needs_review and e.id]
        if uncertain:
            answer = review_harvest(conference, uncertain, settings)
            if answer is None or not answer.approve:
                outcome = "review timed out" if answer is None else f"review rejected: {answer.note}"
                _set_status(store, conference, f"not published: {outcome}")
                get_run_logger().error("%s: %s: digest NOT published", conference, outcome)
                return None
            apply_review(conference, answer, settings)
            _set_status(store, conference, f"reviewed: {answer.note or 'approved'}")
    return award_digest(conference=conference, force=force, settings=settings)


def _set_status(store: Any, slug: str, status: str) -> None:
    record = watching.load_record(store, slug)
    if record is not None:
        watching.save_record(store, record.model_copy(update={"status": status}))
