"""One edition's sources polled and read under one deadline; a new award list harvested.

The watch (flows/watch.py) runs `harvest` for each due edition as a task of its own
(tasks/stages/announcement.py), all at once, so a slow or hostile venue never delays another.
Inside, `harvest.poll_deadline_s` bounds the whole edition: every request gets what is left of it
(and at most `harvest.timeout_s`), a source or a post met after it passed is left for the next
poll, and nothing is recorded as read that was not read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from config.settings import Settings
from tasks.harvest import watching
from tasks.harvest.announcements import AnnouncedPaper
from tasks.harvest.calendar import Edition
from tasks.harvest.errors import HarvestError
from tasks.harvest.feeds import model_reader
from tasks.harvest.http import ServiceClient
from tasks.harvest.resolve import resolve_entries
from tasks.logs import run_logger
from tasks.models import Conference, UsageTotals
from tasks.store import ArtifactStore, store_for

# Less time than this left: a request could not finish, so none is started.
MIN_REQUEST_S = 0.5


@dataclass
class Clock:
    """What is left of one edition's poll deadline."""

    deadline_s: float
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        return self.deadline_s - (time.monotonic() - self.started)

    def over(self) -> bool:
        return self.left() < MIN_REQUEST_S

    def passed(self, what: str) -> str:
        return (
            f"{what}: left for the next poll: this one passed its deadline of {self.deadline_s:g} s "
            "(PAPERPANELS_HARVEST__POLL_DEADLINE_S)"
        )


class HarvestStatus(StrEnum):
    NEW = "new"  # a new or changed award list, harvested into the store
    UNCHANGED = "unchanged"  # the same award list as last time
    WAITING = "waiting"  # no award list announced yet
    PROBLEM = "problem"  # the poll was cut at its deadline: nothing recorded, the next poll reads it


@dataclass(frozen=True)
class HarvestOutcome:
    """What one edition's poll found."""

    status: HarvestStatus
    notes: list[str] = field(default_factory=list)
    hash: str | None = None  # the award list's hash (new, unchanged)
    papers: int = 0  # new: the harvested entries
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)  # entry ids that need a person's review


@dataclass
class Polled:
    """The edition's sources after one poll: the posts found, the notes, the changed bodies."""

    found: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changed: list[watching.Poll] = field(default_factory=list)
    cut: bool = False  # the deadline passed: some source or post is left for the next poll


def poll_sources(
    edition: Edition, settings: Settings, store: ArtifactStore, now: datetime, clock: Clock
) -> Polled:
    """Conditional GETs of the edition's sources, each within what is left of the deadline."""
    h, out = settings.harvest, Polled()
    with ServiceClient("announcements", h) as client:
        for source in edition.sources:
            if clock.over():
                out.notes.append(clock.passed(source.url))
                out.cut = True
                continue
            polled = watching.poll(
                client,
                store,
                source.url,
                now=now,
                min_interval_s=h.watch_min_interval_s,
                deadline_s=clock.left(),
            )
            if polled.failed:
                run_logger("paperpanels.watch").warning("%s: %s", edition.slug, polled.problem)
            if polled.problem:
                out.notes.append(polled.problem)
            if not polled.changed:
                continue
            out.changed.append(polled)
            try:
                posts, skipped = watching.find_announcement(polled.text, source.url, edition, source.kind)
            except HarvestError as exc:
                out.notes.append(str(exc))
                watching.save_poll(store, polled)  # read, and not a feed: no need to parse it again
                continue
            out.notes += skipped
            out.found += posts
    return out


def read_posts(
    edition: Edition, polled: Polled, settings: Settings, clock: Clock
) -> tuple[list[AnnouncedPaper], str, UsageTotals | None]:
    """The award lists of the posts found (the model's reading or the heuristic), the first source,
    and what the model's reading cost (None without one)."""
    logger = run_logger("paperpanels.watch")
    papers: list[AnnouncedPaper] = []
    source_url = ""
    model = _chat_model(settings, edition.slug)
    for url, html in polled.found:
        if clock.over():
            polled.notes.append(clock.passed(url))
            polled.cut = True
            continue
        awards = watching.extract(html, model)
        if awards.reader != "heuristic" or awards.dropped:
            warn = awards.dropped or awards.reader.startswith("heuristic")
            logger.log(
                logging.WARNING if warn else logging.INFO,
                "%s: %s read by %s; not in the text, dropped: %s",
                edition.slug, url, awards.reader, awards.dropped or "none",
            )  # fmt: skip
            polled.notes.append(f"{url}: read by {awards.reader}, dropped {len(awards.dropped)}")
        if awards.papers:
            papers += awards.papers
            source_url = source_url or url
    return papers, source_url, model.usage() if model is not None else None


def harvest(edition: Edition, settings: Settings, now: datetime) -> HarvestOutcome:
    """Poll the edition's sources; a new award list becomes a harvested manifest in the store."""
    logger = run_logger("paperpanels.watch")
    store = store_for(settings.store)
    clock = Clock(settings.harvest.poll_deadline_s)
    polled = poll_sources(edition, settings, store, now, clock)
    papers, source_url, usage = read_posts(edition, polled, settings, clock)
    for note in polled.notes:
        logger.info("%s: %s", edition.slug, note)
    if polled.cut:  # nothing is saved as read: the next poll reads what this one could not
        logger.warning("%s: poll cut at its deadline of %g s", edition.slug, clock.deadline_s)
        return HarvestOutcome(HarvestStatus.PROBLEM, polled.notes)
    record = watching.load_record(store, edition.slug)
    digest_hash = watching.announcement_hash(papers) if papers else None
    if digest_hash is None or (record is not None and record.hash == digest_hash):
        for read in polled.changed:
            watching.save_poll(store, read)
        if digest_hash is None:
            return HarvestOutcome(
                HarvestStatus.WAITING if record is None else HarvestStatus.UNCHANGED, polled.notes
            )
        return HarvestOutcome(HarvestStatus.UNCHANGED, polled.notes, hash=digest_hash)
    result = record_harvest(edition, settings, store, now, (papers, source_url, usage))
    for read in polled.changed:  # only now: a run that stopped before this point reads the post again
        watching.save_poll(store, read)
    return replace(result, notes=polled.notes)


def record_harvest(
    edition: Edition,
    settings: Settings,
    store: ArtifactStore,
    now: datetime,
    read: tuple[list[AnnouncedPaper], str, UsageTotals | None],
) -> HarvestOutcome:
    """A new award list: resolved, saved as the harvested manifest, its record and history updated."""
    papers, source_url, usage = read
    h = settings.harvest
    record = watching.load_record(store, edition.slug)
    digest_hash = watching.announcement_hash(papers)
    previous = watching.load_harvested(store, edition.slug)
    entries = watching.entries_of(papers, source_url, previous)
    entries = watching.apply_resolutions(entries, resolve_entries(entries, h, online=True), h.min_confidence)
    conference = Conference(
        slug=edition.slug,
        name=f"{edition.name} {edition.year}",
        year=edition.year,
        sources=[source_url],
        entries=entries,
        usage=usage,
    )
    change = watching.change_of(previous, entries, digest_hash, now)
    watching.save_harvested(store, conference, f"{len(entries)} papers from {source_url}")
    history = [*(record.history if record else []), change]
    watching.save_record(
        store,
        watching.HarvestRecord(
            slug=edition.slug,
            hash=digest_hash,
            source=source_url,
            seen_at=now,
            papers=len(entries),
            history=history,
        ),
    )
    uncertain = [e.paper_id for e in entries if e.needs_review]
    run_logger("paperpanels.watch").info(
        "%s: harvested %d papers from %s (+%d -%d), %d uncertain",
        edition.slug, len(entries), source_url, len(change.added), len(change.removed), len(uncertain),
    )  # fmt: skip
    return HarvestOutcome(
        HarvestStatus.NEW,
        hash=digest_hash,
        papers=len(entries),
        added=list(change.added),
        removed=list(change.removed),
        uncertain=uncertain,
    )


def _chat_model(settings: Settings, slug: str) -> Any:
    """The configured chat model for reading announcements, or None (the structural heuristic)."""
    model, problem = model_reader(settings.llm, f"award announcement of {slug}")
    if problem:  # the heuristic still works; a broken LLM setup must not stop the watch
        run_logger("paperpanels.watch").warning(
            "LLM unavailable for announcements, using the heuristic: %s", problem
        )
    return model
