"""The `publish-digest` task: a release of the digest, and what the Prefect UI shows of it."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from config.settings import Settings
from tasks.models import Conference, Digest, PaperResult, PublishManifest, StoredObject
from tasks.overview import StoredOverview, read_stored
from tasks.publish.digest import render_markdown
from tasks.publish.publisher import STAGE_ORDER, publish
from tasks.publish.release import describe
from tasks.store import ArtifactStore, StoreError, store_for

ARTIFACT_PAPERS = 200
ARTIFACT_ROWS = 1000


@task(
    name="publish-digest",
    retries=2,
    retry_delay_seconds=[5, 20],
    cache_policy=NO_CACHE,
    task_run_name="publish {conference.slug}",
)
def publish_digest(
    conference: Conference,
    results: list[PaperResult],
    settings: Settings,
    force: bool = False,
    excluded: list[str] | None = None,
    inputs: str | None = None,
    overview: dict[str, StoredObject] | None = None,
) -> Digest:
    """Publish the conference digest as a new release and show it in the Prefect UI.

    overview: the outputs of the conference-overview step (None: it did not run or failed; the
    release then has no themes, cover or licence checks, and says so)."""
    store = store_for(settings.store)
    logger = get_run_logger()
    stored = _overview(store, overview, conference)
    digest, manifest = publish(
        conference,
        results,
        store,
        force=force,
        excluded=frozenset(excluded or []),
        inputs=inputs,
        overview=stored,
        lease_s=float(settings.store.release_lease_s),
        base_url=settings.publish.base_url,
    )
    for notice in digest.notices:
        logger.warning("NOTICE: %s", notice)
    _show(digest, manifest, store)
    logger.info("%s: %s", conference.slug, describe(manifest))
    return digest


def _show(digest: Digest, manifest: PublishManifest, store: ArtifactStore) -> None:
    """The Prefect UI's view of the release: the digest, a status table, links to its files."""
    conference = digest.conference
    # The Prefect server refuses events over ~1 MB: a 10,000-paper digest is shown in part there.
    shown = digest.model_copy(update={"results": digest.results[:ARTIFACT_PAPERS]})
    more = len(digest.results) - len(shown.results)
    markdown = render_markdown(shown)
    if more:
        markdown += f"\n*… and {more} more papers: see digest.md in the release.*\n"
    create_markdown_artifact(
        key=f"{conference.slug}-digest", markdown=markdown, description=f"{conference.name} digest"
    )
    create_table_artifact(
        key=f"{conference.slug}-papers",
        table=[
            {
                "paper": r.paper_id,
                "status": r.status.value,
                **{stage.value: r.stages[stage].state.value for stage in STAGE_ORDER if stage in r.stages},
                "error": (r.error or "")[:300],
            }
            for r in digest.results[:ARTIFACT_ROWS]
        ],
        description=f"{conference.name}: stage status per paper"
        + (
            f" (first {ARTIFACT_ROWS} of {len(digest.results)})"
            if len(digest.results) > ARTIFACT_ROWS
            else ""
        ),
    )
    prefix = f"{conference.slug}/releases/{manifest.release}"
    for name in ("digest.html", "digest.md", "manifest.json"):
        create_link_artifact(
            key=f"{conference.slug}-{name.replace('.', '-')}",
            link=link_to(store, f"{prefix}/{name}"),
            link_text=f"{prefix}/{name}",
            description=f"{conference.name}: published {name}",
        )


def _overview(
    store: ArtifactStore, outputs: dict[str, StoredObject] | None, conference: Conference
) -> StoredOverview | None:
    if outputs is None:
        get_run_logger().warning("%s: published without an overview (no themes, no cover)", conference.slug)
        return None
    try:
        return read_stored(store, outputs)
    except (KeyError, ValueError, StoreError) as exc:  # a file changed since: ContentChanged
        get_run_logger().warning("%s: the stored overview cannot be read (%s): published without it",
                                 conference.slug, exc)  # fmt: skip
        return None


def link_to(store: ArtifactStore, key: str) -> str:
    """A link a reader can open: a pre-signed URL for S3 (private buckets), a file:// URL locally."""
    presign = getattr(store, "presigned_url", None)
    if presign is not None:
        url: str = presign(key)
        return url
    return Path(store.location(key)).as_uri()
