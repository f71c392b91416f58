"""From stage outcomes to PaperResults, and the digest release.

Plain functions over plain values: the flow hands in each stage's outcome (tasks.models.StageOutcome),
this module decides what each paper shows and writes a release (tasks/publish/release.py). Two rules
keep a digest true and complete:
- a paper that a published release shows as done stays done until it leaves the award list or a
  `--force` run says otherwise (the digest then says why), and
- nothing is shown that the store does not hold with the recorded SHA-256.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from tasks.comic.page.cover import COVER_FILE
from tasks.models import (
    AwardEntry,
    Conference,
    Digest,
    PaperResult,
    PaperStatus,
    PublishManifest,
    StageName,
    StageOutcome,
    StageState,
    StageStatus,
    StoredObject,
    sha256_bytes,
)
from tasks.overview import StoredOverview, counts
from tasks.publish.digest import render_html, render_json, render_markdown
from tasks.publish.feed import update_feed
from tasks.publish.links import release_url
from tasks.publish.release import (
    LEASE_S,
    Published,
    ReleaseConflict,
    ReleasePlan,
    publish_release,
    read_pointer,
)
from tasks.publish.render import REVIEW, Rendered, render_papers
from tasks.publish.review_page import REVIEW_PAGE, render_review_html
from tasks.publish.share import THREAD_FILE, render_thread
from tasks.publish.site import update_site
from tasks.store import ArtifactStore, ContentChanged

log = logging.getLogger(__name__)

STAGE_ORDER = (StageName.ACQUIRE, StageName.PARSE, StageName.REPRO, StageName.SUMMARIZE, StageName.COMIC)
PUBLISH_ATTEMPTS = 3


def _intact(store: ArtifactStore, obj: StoredObject) -> bool:
    head = store.head(obj.key)
    return head is not None and head.sha256 == obj.sha256


def paper_result(
    entry: AwardEntry, outcomes: Mapping[StageName, StageOutcome], store: ArtifactStore
) -> PaperResult:
    """One paper's result from its stage outcomes: status, and the stored objects it can show."""
    result = PaperResult(paper_id=entry.paper_id, entry=entry, status=PaperStatus.DONE)
    objects: dict[str, StoredObject] = {}
    for stage in STAGE_ORDER:
        outcome = outcomes.get(stage) or StageOutcome.skipped("an earlier stage did not finish")
        result.stages[stage] = outcome.status
        objects.update(outcome.outputs)
    states = {s.state for s in result.stages.values()}
    if StageState.UNAVAILABLE in states:
        result.status = PaperStatus.UNAVAILABLE
    elif StageState.FAILED in states or StageState.SKIPPED in states:
        result.status = PaperStatus.FAILED
    # Belt and braces: caches are checked against the store before a stage is skipped, but an
    # object deleted since must never be published as present.
    missing = sorted(name for name, obj in objects.items() if not _intact(store, obj))
    if missing:
        result = _failed(result, missing, "missing or changed in the store")
        result.notices.append(f"artifacts missing or changed in the store ({', '.join(missing)})")
        for name in missing:
            del objects[name]
    result.artifacts = {name: obj.key for name, obj in objects.items()}
    result.checksums = {name: obj.sha256 for name, obj in objects.items()}
    return result


def _stage_of(artifact: str) -> StageName:
    if artifact == "paper.pdf":
        return StageName.ACQUIRE
    if artifact in ("parsed.json", "tei.xml"):
        return StageName.PARSE
    if artifact == "repro.json":
        return StageName.REPRO
    if artifact in ("summary.json", "review.json", "review.md"):
        return StageName.SUMMARIZE
    return StageName.COMIC


def _failed(result: PaperResult, artifacts: list[str], why: str) -> PaperResult:
    """The result failed, its error naming the artifacts and why (on the stage that made them)."""
    stages = dict(result.stages)
    for name in artifacts:
        stage = _stage_of(name)
        before = stages.get(stage)
        if before is None or not before.error:
            stages[stage] = StageStatus(state=StageState.FAILED, error=f"{name} {why}")
    return result.model_copy(update={"status": PaperStatus.FAILED, "stages": stages})


# --------------------------------------------------------------------------- what a release shows


def _when(published: Published) -> str:
    return f"{published.pointer.generated_at:%Y-%m-%d %H:%M} UTC"


def _problem(result: PaperResult) -> str:
    return f"{result.status.value}: {result.error or 'no error recorded'}"


def merge_with_release(
    conference: Conference,
    results: list[PaperResult],
    previous: Published | None,
    previous_digest: Digest | None,
    *,
    force: bool = False,
    excluded: frozenset[str] = frozenset(),
) -> tuple[list[PaperResult], list[str]]:
    """The results a new release shows, in manifest order, and the digest-level notices.

    A paper done in the current release and not done in this run keeps its published review
    (unless force); papers this run did not touch keep theirs; papers no longer in the award list
    leave, and the digest says so.
    """
    current = {r.paper_id: r for r in results}
    before: dict[str, PaperResult] = {}
    if previous is not None and previous_digest is not None:
        before = {r.paper_id: _absolute(r, previous) for r in previous_digest.results}
    merged: list[PaperResult] = []
    for entry in conference.entries:
        if entry.paper_id in excluded:
            continue
        shown = _shown(entry, current.get(entry.paper_id), before.get(entry.paper_id), previous, force=force)
        if shown is not None:
            merged.append(shown)
    return merged, _departures(conference, before, excluded)


def _shown(
    entry: AwardEntry,
    now: PaperResult | None,
    then: PaperResult | None,
    previous: Published | None,
    *,
    force: bool,
) -> PaperResult | None:
    """What the new release shows of one paper: this run's result (`now`) or the published one (`then`)."""
    if now is None:
        return then.model_copy(update={"entry": entry, "notices": []}) if then is not None else None
    if now.status is PaperStatus.DONE or then is None or then.status is not PaperStatus.DONE:
        return now
    assert previous is not None
    if force:
        note = (
            f"published as done in the release of {_when(previous)}; "
            f"this --force run replaced it ({_problem(now)})"
        )
        return now.model_copy(update={"notices": [*now.notices, note]})
    log.warning(
        "%s: kept from the release of %s; this run: %s", entry.paper_id, _when(previous), _problem(now)
    )
    note = f"shown as published on {_when(previous)}: this run could not redo it ({_problem(now)})"
    return then.model_copy(update={"entry": entry, "notices": [*then.notices, note]})


def _departures(
    conference: Conference, before: dict[str, PaperResult], excluded: frozenset[str]
) -> list[str]:
    """The digest's notices for papers of the previous release that leave it."""
    notices = []
    gone = [r.entry.title for pid, r in before.items() if pid not in {e.paper_id for e in conference.entries}]
    if gone:
        notices.append(
            f"{len(gone)} paper(s) of the previous release are no longer in the award list and were "
            "removed: " + "; ".join(gone)
        )
    dropped = sorted(before.keys() & excluded)
    if dropped:
        notices.append(f"{len(dropped)} paper(s) excluded at review: {', '.join(dropped)}")
    return notices


def _absolute(result: PaperResult, published: Published) -> PaperResult:
    """A published result (artifact paths relative to its release) with full store keys."""
    return result.model_copy(
        update={"artifacts": {name: published.key(path) for name, path in result.artifacts.items()}}
    )


def _without(results: list[PaperResult], damaged: Mapping[str, str]) -> list[PaperResult]:
    """The results with every artifact found changed while it was published left out, its paper failed."""
    if not damaged:
        return results
    kept = []
    for r in results:
        bad = {name: key for name, key in r.artifacts.items() if key in damaged}
        if bad:
            r = _failed(r, sorted(bad), "changed in the store while it was published: not published")
            r = r.model_copy(
                update={
                    "artifacts": {n: k for n, k in r.artifacts.items() if n not in bad},
                    "checksums": {n: c for n, c in r.checksums.items() if n not in bad},
                }
            )
        kept.append(r)
    return kept


def _release_path(result: PaperResult, name: str) -> str:
    return f"papers/{result.paper_id}/{name}"


@dataclass
class _Contents:
    """What a release holds beside its digest: files written into it, stored objects copied into it,
    and the comic images (wide and phone) its pages embed, by paper id."""

    files: dict[str, bytes] = field(default_factory=dict)
    objects: dict[str, StoredObject] = field(default_factory=dict)
    comics: dict[str, bytes] = field(default_factory=dict)
    phones: dict[str, bytes] = field(default_factory=dict)
    base_url: str | None = None  # publish.base_url: the review pages' own absolute address

    def add(self, item: Rendered, store: ArtifactStore, conference: Conference) -> PaperResult:
        """One rendered paper's artifacts, its review and review page; returns its result as released."""
        r = item.result
        artifacts: dict[str, str] = {}
        checksums = dict(r.checksums)
        for name, key in r.artifacts.items():
            if name in (REVIEW, REVIEW_PAGE):
                continue  # rendered again, from the current entry
            path = _release_path(r, name)
            self.objects[path] = StoredObject(
                key=key, sha256=checksums.get(name) or _sha_of(store, key), size=0, written=False
            )
            artifacts[name] = path
        if "comic.webp" in item.images:  # read with the paper's other results (render_papers)
            self.comics[r.paper_id] = item.images["comic.webp"]
        if "comic-mobile.webp" in item.images:  # the phone variant, shown on narrow screens
            self.phones[r.paper_id] = item.images["comic-mobile.webp"]
        if item.review_md is not None:  # review.md, and the same review as a page in the digest's template
            page = render_review_html(
                r,
                item.review_md.decode(),
                conference=conference,
                comic=self.comics.get(r.paper_id),
                phone=self.phones.get(r.paper_id),
                page_url=release_url(self.base_url, conference.slug, _release_path(r, REVIEW_PAGE)),
            ).encode()
            for name, data in ((REVIEW, item.review_md), (REVIEW_PAGE, page)):
                artifacts[name] = _release_path(r, name)
                self.files[artifacts[name]] = data
                checksums[name] = sha256_bytes(data)
        stages = {
            name: st.model_copy(update={"state": StageState.DONE}) if st.state is StageState.CACHED else st
            for name, st in r.stages.items()
        }
        return r.model_copy(update={"artifacts": artifacts, "checksums": checksums, "stages": stages})


def plan_release(
    digest: Digest,
    store: ArtifactStore,
    previous_digest: Digest | None,
    overview: StoredOverview | None = None,
    base_url: str | None = None,
) -> tuple[Digest, ReleasePlan]:
    """The published digest and everything its release holds; keeps the previous date if unchanged.

    Each paper is rendered from its stored results and current award entry, its artifacts planned as
    copies into the release, then the digest files are rendered. overview: the conference-overview
    step's themes, cover and licences (None: without them); base_url: publish.base_url.
    """
    slug = digest.conference.slug
    contents = _Contents(base_url=base_url)
    licences = overview.licences if overview is not None else {}
    results = [
        contents.add(item, store, digest.conference)
        for item in render_papers(digest.results, store, licences)
    ]
    files, comics, phones = contents.files, contents.comics, contents.phones
    paper_notices = sorted({n for r in results for n in r.notices})
    published = digest.model_copy(update={"results": results, "notices": [*digest.notices, *paper_notices]})
    cover_webp = None
    if overview is not None:
        # The counts are this release's own (another publisher may have merged papers in since the
        # overview step ran); themes, cover and licences are the step's.
        by_award, by_track = counts(results)
        shown = overview.overview.model_copy(
            update={"papers": len(results), "by_award": by_award, "by_track": by_track}
        )
        published = published.model_copy(update={"overview": shown})
        files[COVER_FILE] = overview.cover_png
        cover_webp = overview.cover_webp
    files[THREAD_FILE] = render_thread(published, release_url(base_url, slug, "")).encode()
    if previous_digest is not None:
        same_date = published.model_copy(update={"generated_at": previous_digest.generated_at})
        if same_date == previous_digest:
            published = same_date
    files.update(
        {
            "digest.json": render_json(published).encode(),
            "digest.md": render_markdown(published).encode(),
            "digest.html": render_html(
                published,
                comics,
                phones,
                cover=cover_webp,
                page_url=release_url(base_url, slug, "digest.html"),
            ).encode(),
        }
    )
    plan = ReleasePlan(
        slug=slug,
        generated_at=published.generated_at,
        files=files,
        objects=contents.objects,
        papers={r.paper_id: r.status for r in published.results},
    )
    return published, plan


def _sha_of(store: ArtifactStore, key: str) -> str:
    head = store.head(key)
    if head is None:
        raise KeyError(f"{key!r} is not in the store {store.uri}: it cannot be published")
    return head.sha256


def publish(
    conference: Conference,
    results: list[PaperResult],
    store: ArtifactStore,
    *,
    force: bool = False,
    excluded: frozenset[str] = frozenset(),
    now: datetime | None = None,
    inputs: str | None = None,
    overview: StoredOverview | None = None,
    lease_s: float = LEASE_S,
    base_url: str | None = None,
) -> tuple[Digest, PublishManifest]:
    """Write a release of the digest and make it current; returns the digest and the manifest.

    The digest is the published one (artifact paths relative to the release) with this run's
    stage states (cached or done). Another publisher switching the pointer meanwhile (the first
    release too) is merged with, then retried: both runs' papers end up current. An artifact that
    changed in the store while it was copied fails its paper alone (the others publish). overview:
    what the conference-overview step stored; lease_s: the release's lease (store.release_lease_s).
    The store's feed.xml is updated once the release is current.
    """
    damaged: dict[str, str] = {}  # store key -> why it cannot be published
    for attempt in range(1, PUBLISH_ATTEMPTS + 1):
        previous, seen = read_pointer(store, conference.slug)
        previous_digest = previous.digest(store) if previous else None
        shown, notices = merge_with_release(
            conference, results, previous, previous_digest, force=force, excluded=excluded
        )
        digest = Digest(conference=conference, results=_without(shown, damaged), notices=notices)
        if now is not None:
            digest.generated_at = now
        published, plan = plan_release(digest, store, previous_digest, overview, base_url)
        plan.inputs = inputs
        try:
            manifest = publish_release(store, plan, previous, expected=seen, lease_s=lease_s)
        except ContentChanged as exc:
            if attempt == PUBLISH_ATTEMPTS:
                raise
            log.warning("%s: %s; its paper is published as failed", conference.slug, exc)
            damaged[exc.key] = str(exc)
            continue
        except ReleaseConflict as exc:
            if attempt == PUBLISH_ATTEMPTS:
                raise
            log.warning("%s: %s; merging with it and trying again", conference.slug, exc)
            continue
        update_feed(store, published, manifest, base_url)
        update_site(store, base_url)
        # The caller sees the release as published, with this run's detail (which stages were cached).
        run_states = {r.paper_id: r.stages for r in shown}
        seen_results = [
            r.model_copy(update={"stages": run_states.get(r.paper_id, r.stages)}) for r in published.results
        ]
        return published.model_copy(update={"results": seen_results}), manifest
    raise AssertionError("unreachable")
