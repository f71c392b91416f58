"""Resolve award entries to arXiv / OpenReview ids and links, with a confidence; never guess."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import Literal

from config.settings import HarvestSettings
from tasks.harvest import arxiv, openreview, semantic_scholar
from tasks.harvest.errors import HarvestError
from tasks.harvest.http import ServiceClient, clients
from tasks.harvest.models import Candidate, FoundLink, Resolution
from tasks.links import as_links, find_links, manifest_links, rank
from tasks.models import AwardEntry, PaperIds

UNKNOWN_TITLE = "title unknown"  # AwardEntry.note of an entry given only as an id
NEAR_EQUAL = 0.05  # two different papers scoring this close: a human decides
MANIFEST_CONFIDENCE = {"high": 1.0, "medium": 0.7, "low": 0.4}


def normalise_title(title: str) -> str:
    """Lower-case ASCII words only: punctuation, accents and LaTeX braces do not count."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def title_similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, normalise_title(a), normalise_title(b)).ratio()


def _surname(name: str) -> str:
    parts = normalise_title(name).split()
    return parts[-1] if parts else ""


def author_overlap(a: list[str] | None, b: list[str]) -> float | None:
    """Share of the shorter author list whose surnames appear in the other; None if either is unknown."""
    if not a or not b:
        return None
    left, right = {_surname(n) for n in a}, {_surname(n) for n in b}
    return len(left & right) / min(len(left), len(right))


def score(entry: AwardEntry, candidate: Candidate) -> Candidate:
    """candidate with title similarity, author overlap and their combined score filled in."""
    if entry.note == UNKNOWN_TITLE:
        # Only an id was given: the record fetched by that id is the paper by definition.
        return candidate.model_copy(update={"title_similarity": 1.0, "score": 1.0})
    sim = title_similarity(entry.title, candidate.title)
    overlap = author_overlap(entry.authors, candidate.authors)
    combined = sim if overlap is None else 0.7 * sim + 0.3 * overlap
    return candidate.model_copy(
        update={"title_similarity": round(sim, 3), "author_overlap": overlap, "score": round(combined, 3)}
    )


def label(confidence: float) -> Literal["high", "medium", "low"]:
    return "high" if confidence >= 0.9 else "medium" if confidence >= 0.75 else "low"


def offline_resolution(entry: AwardEntry) -> Resolution:
    """A manifest entry as it stands: ids and links curated, no API called."""
    has_id = bool(entry.ids.arxiv or entry.ids.openreview or entry.ids.doi)
    confidence = MANIFEST_CONFIDENCE.get(entry.confidence or "", 1.0) if has_id else 0.0
    status: Literal["resolved", "needs_review"] = (
        "resolved" if has_id and not entry.needs_review else "needs_review"
    )
    notices = [] if has_id else ["no id in the manifest: run with --resolve to look it up"]
    return Resolution(
        entry=entry,
        status=status,
        confidence=confidence,
        links=rank(manifest_links(entry.links)),
        notices=notices,
    )


class Resolver:
    """Resolves entries against arXiv, OpenReview and Semantic Scholar (in that order)."""

    def __init__(self, settings: HarvestSettings, services: dict[str, ServiceClient] | None = None) -> None:
        self.settings = settings
        self.services = services or clients(settings)
        self._arxiv: dict[str, Candidate] = {}

    def close(self) -> None:
        for client in self.services.values():
            client.close()

    def prefetch_arxiv(self, entries: Iterable[AwardEntry]) -> list[str]:
        """Fetch every known arXiv id in one id_list request (arXiv allows one request per 3 s)."""
        ids = [e.ids.arxiv for e in entries if e.ids.arxiv]
        if not ids:
            return []
        try:
            self._arxiv.update(arxiv.fetch_ids(self.services["arxiv"], self.settings.arxiv_api, ids))
        except HarvestError as exc:
            return [f"arXiv batch lookup failed, looking ids up one by one: {exc}"]
        return []

    def _by_arxiv_id(self, arxiv_id: str) -> Candidate | None:
        bare = re.sub(r"v\d+$", "", arxiv_id)
        if bare not in self._arxiv:
            self._arxiv.update(arxiv.fetch_ids(self.services["arxiv"], self.settings.arxiv_api, [bare]))
        return self._arxiv.get(bare)

    def candidates(self, entry: AwardEntry, notices: list[str]) -> list[Candidate]:
        """Records for the entry: by its ids first, by title when ids are missing or unknown."""
        found: list[Candidate] = []
        if entry.ids.arxiv:
            record = self._by_arxiv_id(entry.ids.arxiv)
            if record is None:
                notices.append(f"arXiv has no paper {entry.ids.arxiv}")
            else:
                found.append(record)
        if entry.ids.openreview:
            note = openreview.fetch_note(
                self.services["openreview"], self.settings.openreview_api, entry.ids.openreview
            )
            if note is None:
                notices.append(f"OpenReview has no note {entry.ids.openreview}")
            else:
                found.append(note)
        if not found and entry.note != UNKNOWN_TITLE:
            found += arxiv.search(
                self.services["arxiv"], self.settings.arxiv_api, arxiv.title_query(entry.title), 5
            )
            match = semantic_scholar.match_title(
                self.services["semantic_scholar"], self.settings.semantic_scholar_api, entry.title
            )
            if match is None:
                notices.append(f"Semantic Scholar: no title match for {entry.title!r}")
            else:
                found.append(match)
        return [score(entry, c) for c in found]

    def resolve(self, entry: AwardEntry, pdf_urls: list[str] | None = None) -> Resolution:
        """One entry resolved, flagged for review, or not found; API errors are recorded, not raised."""
        notices: list[str] = []
        try:
            found = sorted(self.candidates(entry, notices), key=lambda c: -c.score)
        except HarvestError as exc:
            return Resolution(entry=entry, status="error", offline=False, notices=[*notices, str(exc)])
        if not found:
            return Resolution(entry=entry, status="not_found", offline=False, notices=notices)
        best = found[0]
        rivals = [c for c in found[1:] if _other_paper(best, c) and best.score - c.score < NEAR_EQUAL]
        if rivals:
            notices.append(
                f"{len(rivals) + 1} candidates score within {NEAR_EQUAL}: "
                f"{best.title!r} vs {rivals[0].title!r}"
            )
        status: Literal["resolved", "needs_review"] = "resolved"
        if best.score < self.settings.min_confidence or rivals or entry.needs_review:
            status = "needs_review"
            if best.score < self.settings.min_confidence:
                notices.append(f"best match scores {best.score:.2f} < {self.settings.min_confidence}")
        agreeing = [
            best,
            *(c for c in found[1:] if not _other_paper(best, c) and c.score >= self.settings.min_confidence),
        ]
        links = manifest_links(entry.links)
        for c in agreeing:
            if c.service == "arxiv":
                comment = arxiv.comment_of(c)
                links += find_links(comment, "arxiv comment", entry.title)
                links += find_links(c.text.removeprefix(comment), "arxiv abstract", entry.title)
            elif c.service == "openreview":
                links += find_links(c.text, "openreview", entry.title)
        links += [link for url in pdf_urls or [] for link in find_links(url, "pdf", entry.title)]
        ranked = rank(links)
        updated = entry if status != "resolved" else _merge(entry, agreeing, ranked)
        return Resolution(
            entry=updated,
            status=status,
            confidence=best.score,
            candidates=found,
            links=ranked,
            arxiv_version=next((c.arxiv_version for c in agreeing if c.arxiv_version), None),
            offline=False,
            notices=notices,
        )


def _other_paper(a: Candidate, b: Candidate) -> bool:
    """True when two candidates cannot be the same paper (different ids, or different titles)."""
    for field in ("arxiv", "openreview", "doi"):
        x, y = getattr(a.ids, field), getattr(b.ids, field)
        if x and y:
            return bool(x.lower() != y.lower())
    return title_similarity(a.title, b.title) < 0.9


def _merge(entry: AwardEntry, agreeing: list[Candidate], links: list[FoundLink]) -> AwardEntry:
    """The entry with ids, authors and links filled in from records that agree; curated values win."""
    ids = entry.ids.model_dump()
    for c in agreeing:
        for field, value in c.ids.model_dump().items():
            ids[field] = ids[field] or value
    best = agreeing[0]
    unknown = entry.note == UNKNOWN_TITLE
    confidence = max(c.score for c in agreeing)
    return entry.model_copy(
        update={
            "title": best.title if unknown else entry.title,
            "authors": entry.authors or best.authors or None,
            "ids": PaperIds(**ids),
            "links": as_links(links, entry.links.paper),
            "confidence": label(confidence),
            "note": None if unknown else entry.note,
        }
    )


def resolve_entries(
    entries: list[AwardEntry], settings: HarvestSettings, *, online: bool
) -> list[Resolution]:
    """Every entry resolved: offline from the manifest, or online against the APIs."""
    if not online:
        return [offline_resolution(e) for e in entries]
    resolver = Resolver(settings)
    try:
        batch_notices = resolver.prefetch_arxiv(entries)
        results = [resolver.resolve(e) for e in entries]
    finally:
        resolver.close()
    for result in results:
        result.notices[:0] = batch_notices
    return results
