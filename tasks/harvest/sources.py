"""Award sources behind one interface, tried in order: manifest, announcement feeds/pages, ids."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import yaml

from config.settings import HarvestSettings
from tasks.harvest.confirm import Confirmer
from tasks.harvest.errors import HarvestError, UnknownConferenceError
from tasks.harvest.feeds import FeedError, NoAwardsFound, award_posts, read_announcement
from tasks.harvest.http import ServiceClient
from tasks.harvest.manifest import load_conference, select_entries
from tasks.harvest.models import HarvestedAward
from tasks.harvest.resolve import UNKNOWN_TITLE, normalise_title
from tasks.models import AwardEntry, AwardKind, Conference, PaperIds

if TYPE_CHECKING:
    from tasks.llm import StructuredCaller

SOURCES = ("manifest", "feed", "ids")


class AwardSource(Protocol):
    name: str

    def harvest(self, slug: str) -> list[HarvestedAward]:
        """The awarded papers of a conference; HarvestError when this source has none."""
        ...


class ManifestSource:
    name = "manifest"

    def __init__(self, conferences_dir: Path, papers: list[str] | None = None) -> None:
        self.conferences_dir = conferences_dir
        self.papers = papers

    def harvest(self, slug: str) -> list[HarvestedAward]:
        conference = load_conference(slug, self.conferences_dir)
        where = f"manifest:{self.conferences_dir / f'{slug}.yaml'}"
        return [
            HarvestedAward(entry=e, source=where, source_text=e.title)
            for e in select_entries(conference, self.papers)
        ]


class FeedSource:
    """Award posts of the configured feeds / pages, read, then confirmed by title search.

    Confirmed and structurally strong records are entries; weak ones are entries with
    `needs_review` and the reason in `note`. With `confirm=False` (offline) structure alone decides.
    """

    name = "feed"

    def __init__(
        self, settings: HarvestSettings, model: StructuredCaller | None = None, *, confirm: bool = True
    ) -> None:
        self.settings = settings
        self.model = model  # a chat model: titles by LLM instead of the page's structure
        self.confirm = confirm

    def harvest(self, slug: str) -> list[HarvestedAward]:
        urls = self.settings.feeds.get(slug)
        if not urls:
            raise HarvestError(f"{slug}: no announcement feeds configured (PAPERPANELS_HARVEST__FEEDS)")
        found: list[HarvestedAward] = []
        problems: list[str] = []
        confirmer = Confirmer(self.settings) if self.confirm else None
        try:
            with ServiceClient("feeds", self.settings) as client:
                for url in urls:
                    try:
                        found += self._from_url(client, url, confirmer)
                    except HarvestError as exc:
                        problems.append(str(exc))
        finally:
            if confirmer is not None:
                confirmer.close()
        if not found:
            raise NoAwardsFound(f"{slug}: no award entries in {', '.join(urls)}; " + "; ".join(problems))
        return dedupe(found)

    def _from_url(self, client: ServiceClient, url: str, confirmer: Confirmer | None) -> list[HarvestedAward]:
        reply = client.get(url)
        if reply.status != 200:
            raise FeedError(f"{url}: HTTP {reply.status}")
        posts = award_posts(reply.text, url)
        if not posts:
            raise NoAwardsFound(f"{url}: no post titled best paper / outstanding paper / test of time")
        found: list[HarvestedAward] = []
        for link, html in posts:
            read = read_announcement(html, self.model, confirmer)
            found += [
                HarvestedAward(
                    entry=AwardEntry(
                        title=p.title,
                        award=p.award,
                        track=p.award_text or None,
                        authors=p.authors or None,
                        needs_review=p.needs_review,
                        note=f"to review: weak record ({p.strength:.2f}): {'; '.join(p.evidence)}"
                        if p.needs_review
                        else None,
                        sources=[link],
                    ),
                    source=link,
                    source_text=p.source_text,
                )
                for p in read.papers
            ]
        if not found:
            raise NoAwardsFound(f"{url}: award posts found but no paper titles in them")
        return found


class IdsSource:
    name = "ids"

    def __init__(self, papers: list[str]) -> None:
        self.papers = papers

    def harvest(self, slug: str) -> list[HarvestedAward]:
        return [HarvestedAward(entry=entry_from_id(p), source="ids", source_text=p) for p in self.papers]


def entry_from_id(spec: str) -> AwardEntry:
    """`arxiv:2505.06708` / `openreview:EoebmBe9fG` as an entry whose title resolution fills in."""
    kind, sep, value = spec.partition(":")
    if not sep or kind.lower() not in {"arxiv", "openreview", "doi"}:
        raise HarvestError(f"{spec!r}: give ids as arxiv:ID, openreview:ID or doi:ID")
    try:
        ids = PaperIds(**{kind.lower(): value})
    except ValueError as exc:
        raise HarvestError(f"{spec!r}: {exc}") from exc
    return AwardEntry(title=spec, award=AwardKind.OTHER, ids=ids, note=UNKNOWN_TITLE)


def dedupe(found: list[HarvestedAward]) -> list[HarvestedAward]:
    """One entry per normalised title; a paper listed twice keeps both sources."""
    by_title: dict[str, HarvestedAward] = {}
    for item in found:
        key = normalise_title(item.entry.title)
        if key in by_title:
            kept = by_title[key].entry
            kept.sources = list(dict.fromkeys([*kept.sources, *item.entry.sources]))
            continue
        by_title[key] = item
    return list(by_title.values())


def harvest_awards(
    slug: str,
    settings: HarvestSettings,
    conferences_dir: Path,
    *,
    source: str | None = None,
    papers: list[str] | None = None,
    model: StructuredCaller | None = None,
    confirm: bool = True,
) -> tuple[str, list[HarvestedAward], list[str]]:
    """(source used, entries, why earlier sources were skipped): the first source that has awards."""
    if source is not None and source not in SOURCES:
        raise HarvestError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    chain: list[AwardSource] = []
    if source in (None, "manifest"):
        chain.append(ManifestSource(conferences_dir, papers))
    if source in (None, "feed"):
        chain.append(FeedSource(settings, model, confirm=confirm))
    if papers and source in (None, "ids"):
        chain.append(IdsSource(papers))
    if not chain:
        raise HarvestError("--source ids needs at least one --paper")
    skipped: list[str] = []
    for item in chain:
        try:
            return item.name, item.harvest(slug), skipped
        except UnknownConferenceError as exc:
            skipped.append(f"{item.name}: {exc}")
        except HarvestError as exc:
            if source is not None or item is chain[-1]:
                raise
            skipped.append(f"{item.name}: {exc}")
    raise HarvestError(f"{slug}: no award source has entries: " + "; ".join(skipped))


def write_manifest(slug: str, entries: list[AwardEntry], conferences_dir: Path, sources: list[str]) -> Path:
    """Write entries as a manifest for review; a curated manifest is never overwritten."""
    target = conferences_dir / f"{slug}.yaml"
    name, url = slug.rsplit("-", 1)[0].upper() + " " + slug.rsplit("-", 1)[1], None
    if target.exists():
        current = load_conference(slug, conferences_dir)
        name, url = current.name, current.url
        target = conferences_dir / "harvested" / f"{slug}.yaml"
    conference = Conference(
        slug=slug, name=name, year=int(slug.rsplit("-", 1)[1]), url=url, sources=sources, entries=entries
    )
    data = conference.model_dump(mode="json", exclude_defaults=True)
    data["slug"], data["name"], data["year"] = slug, name, conference.year
    target.parent.mkdir(parents=True, exist_ok=True)
    header = f"# {slug}: harvested by `paperpanels harvest --write`; review every entry, then move it up.\n"
    target.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target
