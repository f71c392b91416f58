"""Watching award announcements: poll politely, find the edition's post, harvest it once per content.

- Polls are conditional GETs (If-None-Match / If-Modified-Since from the last answer), at most one
  per source per `min_interval_s`; the state of each source lives in the store (watch/sources/).
- A feed's award post counts only if it names the edition's year (a post about last year's awards
  is skipped, with the reason); an awards page is the edition's when its URL or text names the year.
- A harvest is identified by the content of its award list (titles + awards): the same list seen
  again is the same harvest, an updated page is a new harvest that says what was added or removed.
- The award list becomes a manifest in the store, `conferences/harvested/<slug>.yaml`, with pinned
  paper ids (a title slug, kept across updates so that fixing an id later moves no artifact);
  a curated manifest in config/conferences always wins over it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import yaml
from pydantic import Field

from tasks.harvest.announcements import AnnouncedAwards, AnnouncedPaper, ReadAwards, heuristic_awards
from tasks.harvest.calendar import Edition
from tasks.harvest.errors import HarvestError
from tasks.harvest.feeds import AWARD_POST_RE, FeedError, feed_items, is_html, llm_awards
from tasks.harvest.http import ServiceClient, ServiceError
from tasks.harvest.models import Resolution
from tasks.harvest.resolve import normalise_title
from tasks.models import AwardEntry, AwardKind, Conference, Model, slugify
from tasks.safe_yaml import load_yaml
from tasks.store import ArtifactStore

if TYPE_CHECKING:
    from tasks.llm import StructuredCaller

HARVESTED = "conferences/harvested"
# The digest shows one award per paper: the most distinguished of those it received.
KIND_RANK = [
    AwardKind.BEST_PAPER,
    AwardKind.OUTSTANDING_PAPER,
    AwardKind.RUNNER_UP,
    AwardKind.BEST_STUDENT_PAPER,
    AwardKind.BEST_RESOURCE_PAPER,
    AwardKind.BEST_THEME_PAPER,
    AwardKind.BEST_SOCIAL_IMPACT_PAPER,
    AwardKind.HONORABLE_MENTION,
    AwardKind.BEST_STUDENT_PAPER_HONORABLE_MENTION,
    AwardKind.TEST_OF_TIME,
    AwardKind.TEST_OF_TIME_RUNNER_UP,
    AwardKind.TEST_OF_TIME_HONORABLE_MENTION,
    AwardKind.OTHER,
]
# Awards for a talk's recording, not for a paper: listed in the announcement, not reviewed.
NOT_A_PAPER_AWARD_RE = re.compile(r"\bvideo", re.IGNORECASE)


class SourceState(Model):
    url: str
    etag: str | None = None
    last_modified: str | None = None
    checked_at: datetime | None = None
    body_sha256: str | None = None


class HarvestChange(Model):
    hash: str
    at: datetime
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class HarvestRecord(Model):
    """`conferences/harvested/<slug>.json`: what the watch found for an edition, and what it did."""

    slug: str
    hash: str
    source: str
    seen_at: datetime
    papers: int
    status: str = "harvested"  # "started <run id>", "waiting for review (run <id>)", ...
    history: list[HarvestChange] = Field(default_factory=list)


@dataclass
class Poll:
    url: str
    changed: bool
    text: str = ""
    problem: str | None = None
    state: SourceState | None = None  # for a changed body: to save once its content is harvested
    failed: bool = False  # the source could not be read (down, too slow, too big): worth a warning


def save_poll(store: ArtifactStore, polled: Poll) -> None:
    """Remember a changed body as seen: only after it was read, so a run that stops reads it again."""
    if polled.state is not None:
        store.put(_state_key(polled.url), polled.state.model_dump_json(indent=2).encode())


@dataclass
class Found:
    """An edition's award announcement: where it is, its award list, and what was skipped on the way."""

    url: str
    awards: AnnouncedAwards
    skipped: list[str] = field(default_factory=list)


def _state_key(url: str) -> str:
    return f"watch/sources/{hashlib.sha256(url.encode()).hexdigest()[:24]}.json"


def poll(
    client: ServiceClient,
    store: ArtifactStore,
    url: str,
    *,
    now: datetime,
    min_interval_s: float,
    deadline_s: float | None = None,
) -> Poll:
    """One conditional GET of a source; unchanged (304, same bytes) or too soon: changed=False.

    A changed body is not remembered here: `save_poll` does that once the caller has read it.
    deadline_s: what is left of the poll's deadline (the request gets no more).
    """
    key = _state_key(url)
    try:
        state = SourceState.model_validate_json(store.get(key))
    except (KeyError, ValueError):
        state = SourceState(url=url)
    if state.checked_at is not None and (now - state.checked_at).total_seconds() < min_interval_s:
        return Poll(
            url, changed=False, problem=f"polled {int((now - state.checked_at).total_seconds())} s ago"
        )
    try:
        reply = client.get_conditional(
            url, etag=state.etag, last_modified=state.last_modified, deadline_s=deadline_s
        )
    except ServiceError as exc:
        return Poll(url, changed=False, problem=str(exc), failed=True)
    status, text = reply.status, reply.text
    body_sha = hashlib.sha256(text.encode()).hexdigest() if status == 200 else state.body_sha256
    updated = state.model_copy(
        update={
            "checked_at": now,
            "etag": reply.header("etag") or state.etag,
            "last_modified": reply.header("last-modified") or state.last_modified,
            "body_sha256": body_sha,
        }
    )
    if status == 304 or (status == 200 and body_sha == state.body_sha256):
        store.put(key, updated.model_dump_json(indent=2).encode())
        return Poll(url, changed=False)
    if status != 200:
        store.put(key, updated.model_dump_json(indent=2).encode())
        return Poll(url, changed=False, problem=f"{url}: HTTP {status}", failed=True)
    return Poll(url, changed=True, text=text, state=updated)


def _names_year(text: str, year: int) -> bool:
    return bool(re.search(rf"(?<!\d){year}(?!\d)|'{year % 100:02d}\b", text))


def _other_years(text: str, year: int) -> list[str]:
    return sorted({y for y in re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", text) if int(y) != year})


def find_announcement(
    body: str, url: str, edition: Edition, kind: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """(link, HTML) of the edition's award posts in a feed or page, and why anything was skipped."""
    skipped: list[str] = []
    if kind == "page" or is_html(body):
        if not is_html(body) and not body.lstrip().startswith("<"):
            raise FeedError(f"{url}: not an HTML page (starts {body.strip()[:40]!r})")
        if _names_year(url, edition.year) or _names_year(body, edition.year):
            return [(url, body)], skipped
        return [], [f"{url}: the page does not name {edition.year}"]
    posts: list[tuple[str, str]] = []
    for title, link, html in feed_items(body, url):
        if not AWARD_POST_RE.search(title) and not re.search(r"\bawards?\b", title, re.IGNORECASE):
            continue
        if not _names_year(title, edition.year):
            others = _other_years(title, edition.year)
            if others or not _names_year(html, edition.year):
                skipped.append(f"{title!r}: about {', '.join(others) or 'another year'}, not {edition.year}")
                continue
        posts.append((link, html))
    if not posts:
        skipped.append(f"{url}: no award post for {edition.name} {edition.year} yet")
    return posts, skipped


def extract(html: str, model: StructuredCaller | None) -> ReadAwards:
    """The award list of a post: the chat model's reading when one is given, else the heuristic.

    A model that fails (down, malformed answer, refusal) falls back to the heuristic, and says so
    in `reader`.
    """
    if model is not None:
        try:
            return llm_awards(html, model)
        except Exception as exc:  # any failure of the model: the heuristic reads the same page
            found = heuristic_awards(html)
            reason = f"{type(exc).__name__}: {str(exc)[:200]}"
            return ReadAwards(papers=found.papers, reader=f"heuristic (LLM failed: {reason})")
    return ReadAwards(papers=heuristic_awards(html).papers)


def announcement_hash(papers: list[AnnouncedPaper]) -> str:
    """What identifies an award list: its (title, award) pairs, however the page around them changed."""
    pairs = sorted({(normalise_title(p.title), p.award_text.lower() or p.award.value) for p in papers})
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()


def paper_awards(papers: list[AnnouncedPaper]) -> dict[str, list[AnnouncedPaper]]:
    """The announcement's papers, one key per paper (normalised title), awards for a recording left out."""
    grouped: dict[str, list[AnnouncedPaper]] = {}
    for p in papers:
        if NOT_A_PAPER_AWARD_RE.search(p.award_text) or NOT_A_PAPER_AWARD_RE.search(p.section):
            continue
        grouped.setdefault(normalise_title(p.title), []).append(p)
    return grouped


def entries_of(papers: list[AnnouncedPaper], source: str, previous: Conference | None) -> list[AwardEntry]:
    """One manifest entry per paper: its most distinguished award, the announcement's words as track."""
    pinned = {normalise_title(e.title): e.id for e in previous.entries} if previous else {}
    taken: set[str] = set()
    entries = []
    for key, items in paper_awards(papers).items():
        best = min(items, key=lambda p: KIND_RANK.index(p.award))
        pid = pinned.get(key) or slugify(best.title)
        while pid in taken:
            pid = f"{pid[:55]}-{len(taken)}"
        taken.add(pid)
        words = list(dict.fromkeys(p.award_text for p in items if p.award_text))
        entries.append(
            AwardEntry(
                id=pid,
                title=best.title,
                award=best.award,
                track="; ".join(words) or None,
                authors=best.authors or None,
                sources=[source],
            )
        )
    return entries


def apply_resolutions(
    entries: list[AwardEntry], resolutions: list[Resolution], min_confidence: float
) -> list[AwardEntry]:
    """Entries with ids and links from their resolution; uncertain ones stay marked for review."""
    resolved = []
    for entry, r in zip(entries, resolutions, strict=True):
        certain = r.status == "resolved" and r.confidence >= min_confidence
        base = r.entry if r.status == "resolved" else entry
        note = None if certain else "; ".join(r.notices) or f"resolution {r.status} ({r.confidence:.2f})"
        resolved.append(
            base.model_copy(
                update={"id": entry.id, "needs_review": not certain, "note": note, "sources": entry.sources}
            )
        )
    return resolved


def manifest_key(slug: str) -> str:
    return f"{HARVESTED}/{slug}.yaml"


def record_key(slug: str) -> str:
    return f"{HARVESTED}/{slug}.json"


def load_record(store: ArtifactStore, slug: str) -> HarvestRecord | None:
    try:
        return HarvestRecord.model_validate_json(store.get(record_key(slug)))
    except (KeyError, ValueError):
        return None


def save_record(store: ArtifactStore, record: HarvestRecord) -> None:
    store.put(record_key(record.slug), record.model_dump_json(indent=2).encode())


def load_harvested(store: ArtifactStore, slug: str) -> Conference | None:
    """The harvested manifest of an edition in the store, or None."""
    where = store.location(manifest_key(slug))
    try:
        data = load_yaml(store.get(manifest_key(slug)), where)
    except KeyError:
        return None
    except yaml.YAMLError as exc:
        raise HarvestError(f"{where}: not a usable harvested manifest: {exc}") from None
    try:
        return Conference.model_validate(data)
    except ValueError as exc:
        raise HarvestError(f"{where}: invalid harvested manifest: {exc}") from exc


def save_harvested(store: ArtifactStore, conference: Conference, note: str) -> None:
    header = f"# {conference.slug}: harvested by the watch-awards flow ({note}); a curated manifest wins.\n"
    body = yaml.safe_dump(
        conference.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True
    )
    store.put(manifest_key(conference.slug), (header + body).encode())


def change_of(
    previous: Conference | None, entries: list[AwardEntry], new_hash: str, now: datetime
) -> HarvestChange:
    before = {normalise_title(e.title): e.title for e in previous.entries} if previous else {}
    after = {normalise_title(e.title): e.title for e in entries}
    return HarvestChange(
        hash=new_hash,
        at=now,
        added=[after[k] for k in after.keys() - before.keys()],
        removed=[before[k] for k in before.keys() - after.keys()],
    )


def utc(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)
