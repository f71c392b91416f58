"""From stage states to PaperResults, and the digest publication (manifest.json last)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.states import State

from tasks.harvest.errors import PdfUnavailable
from tasks.harvest.links import as_links, find_links
from tasks.models import (
    AwardEntry,
    ComicMeta,
    Conference,
    Digest,
    PaperResult,
    PaperStatus,
    PaperSummary,
    PdfRef,
    PublishManifest,
    StageName,
    StageState,
    StageStatus,
    StoredObject,
)
from tasks.publish.digest import render_html, render_json, render_markdown
from tasks.publish.store import ArtifactStore, conference_key, store_from_settings

STAGE_ORDER = (StageName.ACQUIRE, StageName.PARSE, StageName.SUMMARIZE, StageName.COMIC)


def _stage_status(state: State) -> tuple[StageStatus, Any]:
    """Map a Prefect state to our stage status and its result (or exception)."""
    if state.is_completed():
        cached = state.name == "Cached"
        return StageStatus(state=StageState.CACHED if cached else StageState.DONE), state.result()
    if state.is_failed() or state.is_crashed():
        exc = state.result(raise_on_failure=False)
        if isinstance(exc, PdfUnavailable):
            return StageStatus(state=StageState.UNAVAILABLE, error=str(exc)), None
        message = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else state.message
        return StageStatus(state=StageState.FAILED, error=message or "failed"), None
    return StageStatus(state=StageState.SKIPPED, error=None), None


def _names_the_paper(url: str, title: str) -> bool:
    """True when the repository/dataset name is the paper's short name or made of its title words."""
    name = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1].lower()
    words = {w for w in re.split(r"[^a-z0-9]+", name) if w}
    title_words = {w for w in re.split(r"[^a-z0-9]+", title.lower()) if w}
    short_name = title.split(":", 1)[0].strip().lower() if ":" in title else None
    return bool(words) and (name == short_name or words <= title_words)


def _with_pdf_links(entry: AwardEntry, urls: list[str]) -> AwardEntry:
    """Add the paper's own code/data/model/project links found in its PDF where the list has none.

    Only links named like the paper count: a PDF also cites other people's repositories.
    """
    found = [
        link
        for link in find_links("\n".join(urls), "pdf", entry.title)
        if _names_the_paper(link.url, entry.title)
    ]
    if not found:
        return entry
    pdf = as_links(found)
    links = entry.links
    update = {
        "code": links.code or pdf.code,
        "datasets": links.datasets or pdf.datasets,
        "models": links.models or pdf.models,
        "project_page": links.project_page or pdf.project_page,
    }
    return entry.model_copy(update={"links": links.model_copy(update=update)})


def paper_result(
    conference: str, entry: AwardEntry, states: Mapping[StageName, State], store: ArtifactStore
) -> PaperResult:
    """One paper's outcome from its stage states; loads the summary and comic metadata it needs."""
    result = PaperResult(paper_id=entry.paper_id, entry=entry, status=PaperStatus.DONE)
    for stage in STAGE_ORDER:
        status, value = _stage_status(states[stage])
        result.stages[stage] = status
        if isinstance(value, StoredObject):
            result.artifacts[value.key.rsplit("/", 1)[-1]] = value.key
        elif isinstance(value, dict):
            result.artifacts.update({name: obj.key for name, obj in value.items()})
        elif isinstance(value, PdfRef):
            result.artifacts["paper.pdf"] = value.key
    states_seen = {s.state for s in result.stages.values()}
    if StageState.UNAVAILABLE in states_seen:
        result.status = PaperStatus.UNAVAILABLE
    elif StageState.FAILED in states_seen or StageState.SKIPPED in states_seen:
        result.status = PaperStatus.FAILED
    # A cached result whose artifact was deleted from the store must not be published as present.
    missing = [name for name, key in result.artifacts.items() if not store.exists(key)]
    if missing:
        result.status = PaperStatus.FAILED
        result.notices.append(
            f"artifacts missing from the store ({', '.join(sorted(missing))}): re-run with --force"
        )
        for name in missing:
            del result.artifacts[name]
    if "parsed.json" in result.artifacts:
        parsed = json.loads(store.get(result.artifacts["parsed.json"]))
        result.parsed_title = parsed.get("title")
        result.entry = _with_pdf_links(entry, parsed.get("urls") or [])
    if "summary.json" in result.artifacts:
        result.summary = PaperSummary.model_validate_json(store.get(result.artifacts["summary.json"]))
        result.notices.extend(result.summary.notices)
    if "comic.json" in result.artifacts:
        meta = ComicMeta.model_validate_json(store.get(result.artifacts["comic.json"]))
        result.comic_alt = meta.script.alt_text or meta.script.title
        result.notices.extend(meta.notices)
    return result


def _published_form(digest: Digest) -> Digest:
    """What the published files show: whether a stage ran or came from cache is run detail."""
    results = [
        r.model_copy(
            update={
                "stages": {
                    name: st.model_copy(update={"state": StageState.DONE})
                    if st.state == StageState.CACHED
                    else st
                    for name, st in r.stages.items()
                }
            }
        )
        for r in digest.results
    ]
    return digest.model_copy(update={"results": results})


def _keep_previous_if_same(digest: Digest, store: ArtifactStore) -> Digest:
    """The previous generated_at when the content is unchanged, so a re-run rewrites nothing."""
    key = conference_key(digest.conference.slug, "digest.json")
    if not store.exists(key):
        return digest
    try:
        previous = Digest.model_validate_json(store.get(key))
    except ValueError:
        return digest
    candidate = digest.model_copy(update={"generated_at": previous.generated_at})
    return candidate if _published_form(candidate) == _published_form(previous) else digest


def _merge_previous(
    conference: Conference, results: list[PaperResult], store: ArtifactStore
) -> list[PaperResult]:
    """A run over some papers keeps the published results of the others, in manifest order."""
    key = conference_key(conference.slug, "digest.json")
    done = {r.paper_id for r in results}
    if len(done) == len(conference.entries) or not store.exists(key):
        return results
    try:
        previous = {r.paper_id: r for r in Digest.model_validate_json(store.get(key)).results}
    except ValueError:
        return results
    by_id = {r.paper_id: r for r in results}
    merged = []
    for entry in conference.entries:
        pid = entry.paper_id
        if pid in by_id:
            merged.append(by_id[pid])
        elif pid in previous:
            merged.append(previous[pid])
    return merged


def publish(
    conference: Conference, results: list[PaperResult], store: ArtifactStore
) -> tuple[Digest, PublishManifest]:
    """Write digest.md/.html/.json, then manifest.json last (readers trust only what it lists)."""
    results = _merge_previous(conference, results, store)
    notices = sorted({n for r in results for n in r.notices})
    digest = _keep_previous_if_same(Digest(conference=conference, results=results, notices=notices), store)
    published = _published_form(digest)
    comics = {
        r.paper_id: store.get(r.artifacts["comic.webp"]) for r in results if "comic.webp" in r.artifacts
    }
    slug = conference.slug
    objects: dict[str, StoredObject] = {}
    for name, body in (
        ("digest.json", render_json(published)),
        ("digest.md", render_markdown(published)),
        ("digest.html", render_html(published, comics)),
    ):
        obj = store.put(conference_key(slug, name), body.encode())
        objects[obj.key] = obj.model_copy(update={"written": False})  # the manifest lists, not logs
    for r in results:
        for key in r.artifacts.values():
            head = store.head(key)
            if head is not None:
                objects[key] = head
    manifest = PublishManifest(
        conference=slug,
        generated_at=digest.generated_at,
        objects=dict(sorted(objects.items())),
        papers={r.paper_id: r.status for r in results},
    )
    store.put(conference_key(slug, "manifest.json"), manifest.model_dump_json(indent=2).encode())
    return digest, manifest


@task(
    name="publish-digest", retries=2, retry_delay_seconds=[5, 20], task_run_name="publish {conference.slug}"
)
def publish_digest(conference: Conference, results: list[PaperResult]) -> Digest:
    """Publish the conference digest and show it in the Prefect UI."""
    store = store_from_settings()
    digest, manifest = publish(conference, results, store)
    logger = get_run_logger()
    for notice in digest.notices:
        logger.warning("FALLBACK IN USE: %s", notice)
    create_markdown_artifact(
        key=f"{conference.slug}-digest",
        markdown=render_markdown(digest),
        description=f"{conference.name} digest",
    )
    create_table_artifact(
        key=f"{conference.slug}-papers",
        table=[
            {
                "paper": r.paper_id,
                "status": r.status.value,
                **{stage.value: r.stages[stage].state.value for stage in STAGE_ORDER if stage in r.stages},
                "error": r.error or "",
            }
            for r in digest.results
        ],
        description=f"{conference.name}: stage status per paper",
    )
    for name in ("digest.html", "digest.md", "manifest.json"):
        create_link_artifact(
            key=f"{conference.slug}-{name.replace('.', '-')}",
            link=link_to(store, conference_key(conference.slug, name)),
            link_text=f"{conference.slug}/{name}",
            description=f"{conference.name}: published {name}",
        )
    logger.info("published %d objects to %s", len(manifest.objects), store.location(conference.slug))
    return digest


def link_to(store: ArtifactStore, key: str) -> str:
    """A link a reader can open: a pre-signed URL for S3 (private buckets), a file:// URL locally."""
    presign = getattr(store, "presigned_url", None)
    if presign is not None:
        url: str = presign(key)
        return url
    return Path(store.location(key)).as_uri()
