"""The year in one page, computed from stored results: counts, themes, the cover, the licences.

Pure functions over a digest-to-be (tasks/stages/overview.py runs them once per conference, before
publishing, and stores what they return; the publisher only reads it). Themes come from the papers'
verified claims (tasks/summarize/themes*.py); unchanged input reuses the themes found before, so a
re-run asks no model. A chat model that fails is announced in the overview and the key-phrase themes
are shown instead, never silently. The cover is one panel of each comic (tasks/comic/page/cover.py);
licences are asked of GitHub once per repository while the answer is definite (tasks/harvest/licences.py).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

from tasks.awards import award_counts, award_heading, grouped_by_award
from tasks.comic.page.cover import (
    COVER_FILE,
    MAX_PANELS,
    CoverPanel,
    compose_cover,
    cover_alt,
    cut_panel,
    short_name,
)
from tasks.comic.page.cover import encode as encode_cover
from tasks.harvest.licences import choose_licences
from tasks.llm import LLMCallError
from tasks.llm.accounting import combined
from tasks.models import (
    ComicMeta,
    Digest,
    LicenceCheck,
    Overview,
    PaperResult,
    PaperStatus,
    ParsedPaper,
    StoredObject,
    sha256_bytes,
)
from tasks.store import ArtifactStore, ContentChanged, conference_key
from tasks.summarize.theme_choice import choose_theme_finder
from tasks.summarize.themes import (
    KeyPhraseThemes,
    ThemeFinder,
    ThemesFound,
    ThemeSource,
    input_sha256,
    theme_source,
)

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)


def counts(results: list[PaperResult]) -> tuple[dict[str, int], dict[str, int]]:
    """Papers by award kind (in the digest's order) and by track (first seen first)."""
    by_award = {award_heading(kind): len(group) for kind, group in grouped_by_award(results)}
    tracks = Counter(r.entry.track.strip() for r in results if r.entry.track and r.entry.track.strip())
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
    *,
    ahead: Overview | None = None,
) -> Overview:
    """The digest's overview without its cover: counts, and themes found (or reused: from the last
    release's overview, or from those found ahead in this run) from the verified claims of its done
    papers (each result with its summary filled in)."""
    by_award, by_track = counts(digest.results)
    sources = [
        source
        for r in digest.results
        if r.status is PaperStatus.DONE and (source := theme_source(r, parsed.get(r.paper_id)))
    ]
    finder = choose_theme_finder(settings)
    sha = input_sha256(sources, finder.identity)
    base = Overview(
        papers=len(digest.results), by_award=by_award, by_track=by_track,
        generator=finder.identity, input_sha256=sha, summarized=len(sources),
    )  # fmt: skip
    for known in (ahead, previous):
        if serves(known, base):
            kept = {k: getattr(known, k) for k in ("themes", "alone", "notices", "usage")}
            return _counting(base.model_copy(update=kept), None if known is ahead else ahead)
    found, generator, fallback, notices = _themes(finder, sources, digest.conference.name)
    if fallback:
        sha = input_sha256(sources, generator)  # the next run asks the model again
    if len(sources) < 2:
        notices.append("Themes need at least two papers with verified summaries")
    in_theme = {p.paper_id for t in found.themes for p in t.papers}
    overview = base.model_copy(
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
    return _counting(overview, ahead)


def serves(known: Overview | None, overview: Overview) -> TypeGuard[Overview]:
    """Whether themes found before (`known`) are the ones `overview` needs: same input, same finder."""
    return known is not None and (known.input_sha256, known.generator) == (
        overview.input_sha256,
        overview.generator,
    )


def _counting(overview: Overview, unused: Overview | None) -> Overview:
    """The overview with the calls of themes asked for ahead and not used (papers shown that were not
    expected: a comic failed) in its usage: they were paid for, and the digest's totals say all."""
    if unused is None or unused.usage is None or not unused.usage.calls:
        return overview
    notice = "themes asked for ahead were for other papers than those shown: that call is counted too"
    return overview.model_copy(update={"usage": combined(unused.usage, overview.usage, notice=notice)})


ComicOf = Callable[[PaperResult], tuple[bytes, ComicMeta] | None]


def cover_panels(digest: Digest, comic_of: ComicOf) -> tuple[list[CoverPanel], int, list[str]]:
    """(panels for the cover, papers with a comic left off it, notices) in the digest's order.

    comic_of: a done paper's comic.png and comic.json, None when it has none."""
    panels: list[CoverPanel] = []
    more = 0
    notices: list[str] = []
    for _, results in grouped_by_award(digest.results):
        for r in results:
            if r.status is not PaperStatus.DONE:
                continue
            try:
                comic = comic_of(r)
                if comic is None:
                    continue
                if len(panels) >= MAX_PANELS:
                    more += 1
                    continue
                image = cut_panel(comic[0], comic[1])
            except (KeyError, ValueError, OSError, IndexError) as exc:
                log.warning("%s: no cover panel: %s", r.paper_id, exc)
                notices.append(
                    f"{short_name(r.entry.title)}: its comic could not be cut for the cover ({exc})"
                )
                continue
            panels.append(CoverPanel(short_name(r.entry.title), image))
    return panels, more, notices


def with_cover(digest: Digest, overview: Overview, comic_of: ComicOf) -> tuple[Overview, bytes, bytes]:
    """The overview naming its cover, and the cover as PNG and WebP."""
    panels, more, notices = cover_panels(digest, comic_of)
    name = digest.conference.name
    subtitle = award_counts(overview.papers, overview.by_award)
    png, webp = encode_cover(compose_cover(f"{name} — award papers", subtitle, panels, more=more))
    overview = overview.model_copy(
        update={
            "cover": COVER_FILE,
            "cover_alt": cover_alt(name, [p.label for p in panels], more),
            "notices": [*overview.notices, *notices],
        }
    )
    return overview, png, webp


def licences(
    repositories: list[str], settings: Settings | None, known: dict[str, LicenceCheck]
) -> dict[str, LicenceCheck]:
    """Each repository's licence: a definite answer found before is not asked again."""
    lookup = choose_licences(settings, known)
    return {repo: lookup(repo) for repo in repositories}


# --------------------------------------------------------------------------- as stored

OVERVIEW_FILES = ("overview.json", "cover.png", "cover.webp", "licences.json")


def overview_key(slug: str, name: str) -> str:
    """Where the conference-overview step stores one of its files."""
    return conference_key(slug, f"overview/{name}")


@dataclass(frozen=True)
class StoredOverview:
    """What the conference-overview step stored, as the publisher reads it."""

    overview: Overview
    cover_png: bytes
    cover_webp: bytes
    licences: dict[str, LicenceCheck] = field(default_factory=dict)


def licences_json(found: dict[str, LicenceCheck]) -> bytes:
    body = {repo: check.model_dump(mode="json") for repo, check in found.items()}
    return json.dumps(body, indent=2, sort_keys=True).encode()


def read_licences(data: bytes) -> dict[str, LicenceCheck]:
    return {repo: LicenceCheck.model_validate(v) for repo, v in json.loads(data).items()}


def read_stored(store: ArtifactStore, outputs: Mapping[str, StoredObject]) -> StoredOverview:
    """The overview as the step stored it (outputs: its StageResult's), each file checked against its
    SHA-256: a file changed since is an error, never published."""
    data = {}
    for name in OVERVIEW_FILES:
        obj = outputs[name]
        body = store.get(obj.key)
        if (found := sha256_bytes(body)) != obj.sha256:
            raise ContentChanged(obj.key, obj.sha256, found)
        data[name] = body
    return StoredOverview(
        overview=Overview.model_validate_json(data["overview.json"]),
        cover_png=data["cover.png"],
        cover_webp=data["cover.webp"],
        licences=read_licences(data["licences.json"]),
    )
