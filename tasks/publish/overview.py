"""The year in one page: what an award list says as a whole, computed when a release is planned.

`add_overview` gives the published digest its Overview (themes shared by several papers, counts by
award kind and track, the cover) and the release its extra files: cover.png and thread.md. Themes
come from the papers' verified claims (tasks/publish/themes.py); unchanged input reuses the themes
of the previous release, so a re-publish asks no model and changes nothing. A chat model that fails
is announced in the overview and the key-phrase themes are shown instead, never silently.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tasks.llm import LLMCallError
from tasks.models import ComicMeta, Digest, Overview, PaperStatus, ParsedPaper, StoredObject
from tasks.publish.cover import (
    COVER_FILE,
    MAX_PANELS,
    CoverPanel,
    compose_cover,
    cover_alt,
    cut_panel,
    short_name,
)
from tasks.publish.cover import encode as encode_cover
from tasks.publish.digest import award_heading, grouped
from tasks.publish.overview_render import award_counts
from tasks.publish.share import THREAD_FILE, render_thread
from tasks.publish.themes import (
    KeyPhraseThemes,
    ThemeFinder,
    ThemesFound,
    ThemeSource,
    choose_theme_finder,
    input_sha256,
    theme_source,
)
from tasks.store import ArtifactStore

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Extras:
    """What the overview adds to a release: files beside digest.* and the cover to inline."""

    files: dict[str, bytes] = field(default_factory=dict)
    cover_webp: bytes | None = None


def counts(digest: Digest) -> tuple[dict[str, int], dict[str, int]]:
    """Papers by award kind (in the digest's order) and by track (first seen first)."""
    by_award = {award_heading(kind): len(results) for kind, results in grouped(digest)}
    tracks = Counter(r.entry.track.strip() for r in digest.results if r.entry.track and r.entry.track.strip())
    return by_award, dict(tracks)


def _themes(
    finder: ThemeFinder, sources: list[ThemeSource], conference: str
) -> tuple[ThemesFound, str, bool, list[str]]:
    """The themes, who found them, whether that is a fallback, and the notices saying so."""
    try:
        return finder.find(sources, conference=conference), finder.identity, False, []
    except LLMCallError as exc:
        # The overview says so at its top; the reviews themselves are unaffected.
        log.warning(
            "%s: the chat model could not name the themes (%s): key-phrase themes shown", conference, exc
        )
        fallback = KeyPhraseThemes()
        notice = f"The chat model could not name the themes ({exc}); key-phrase themes are shown instead"
        return fallback.find(sources, conference=conference), fallback.identity, True, [notice]


def build_overview(
    digest: Digest,
    parsed: dict[str, ParsedPaper | None],
    previous: Overview | None,
    settings: Settings | None,
) -> Overview:
    """The digest's overview without its cover: counts, and themes found (or reused) from the
    verified claims of its done papers."""
    by_award, by_track = counts(digest)
    sources = [
        source
        for r in digest.results
        if r.status is PaperStatus.DONE and (source := theme_source(r, parsed.get(r.paper_id)))
    ]
    finder = choose_theme_finder(settings)
    sha = input_sha256(sources, finder.identity)
    base = Overview(
        papers=len(digest.results),
        by_award=by_award,
        by_track=by_track,
        generator=finder.identity,
        input_sha256=sha,
        summarized=len(sources),
    )
    if previous is not None and previous.input_sha256 == sha and previous.generator == finder.identity:
        return base.model_copy(
            update={
                "themes": previous.themes,
                "alone": previous.alone,
                "notices": previous.notices,
                "usage": previous.usage,
            }
        )
    found, generator, fallback, notices = _themes(finder, sources, digest.conference.name)
    if fallback:
        sha = input_sha256(sources, generator)  # the next release asks the model again
    if len(sources) < 2:
        notices.append("Themes need at least two papers with verified summaries")
    in_theme = {p.paper_id for t in found.themes for p in t.papers}
    return base.model_copy(
        update={
            "themes": found.themes,
            "alone": [s.title for s in sources if s.paper_id not in in_theme],
            "generator": generator,
            "input_sha256": sha,
            "fallback": fallback,
            "notices": [*notices, *found.notices],
            "usage": found.usage,
        }
    )


def _cover_panels(
    digest: Digest, store: ArtifactStore, objects: dict[str, StoredObject]
) -> tuple[list[CoverPanel], int, list[str]]:
    """(panels for the cover, papers with a comic left off it, notices) in the digest's order."""
    panels: list[CoverPanel] = []
    more = 0
    notices: list[str] = []
    for _, results in grouped(digest):
        for r in results:
            png, meta = (
                objects.get(f"papers/{r.paper_id}/comic.png"),
                objects.get(f"papers/{r.paper_id}/comic.json"),
            )
            if r.status is not PaperStatus.DONE or png is None or meta is None:
                continue
            if len(panels) >= MAX_PANELS:
                more += 1
                continue
            try:
                comic = ComicMeta.model_validate_json(store.get(meta.key))
                image = cut_panel(store.get(png.key), comic)
            except (KeyError, ValueError, OSError, IndexError) as exc:
                log.warning("%s: no cover panel: %s", r.paper_id, exc)
                notices.append(
                    f"{short_name(r.entry.title)}: its comic could not be cut for the cover ({exc})"
                )
                continue
            panels.append(CoverPanel(short_name(r.entry.title), image))
    return panels, more, notices


def add_overview(
    digest: Digest,
    store: ArtifactStore,
    objects: dict[str, StoredObject],
    parsed: dict[str, ParsedPaper | None],
    previous: Digest | None,
    settings: Settings | None = None,
) -> tuple[Digest, Extras]:
    """The digest with its overview, and the release's cover.png and thread.md.

    objects: the release's planned paper objects (release path -> stored object), where the comics
    are read from; parsed: each paper's parsed paper (section titles for the key phrases).
    """
    overview = build_overview(digest, parsed, previous.overview if previous else None, settings)
    panels, more, notices = _cover_panels(digest, store, objects)
    name = digest.conference.name
    subtitle = award_counts(overview)
    png, webp = encode_cover(compose_cover(f"{name} — award papers", subtitle, panels, more=more))
    overview = overview.model_copy(
        update={
            "cover": COVER_FILE,
            "cover_alt": cover_alt(name, [p.label for p in panels], more),
            "notices": [*overview.notices, *notices],
        }
    )
    published = digest.model_copy(update={"overview": overview})
    extras = Extras(files={COVER_FILE: png, THREAD_FILE: render_thread(published).encode()}, cover_webp=webp)
    return published, extras
