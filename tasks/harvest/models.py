"""Models of award harvesting and paper resolution: used by tasks/harvest and its CLI only."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tasks.links import FoundLink
from tasks.models import AwardEntry, Model, PaperIds


class HarvestedAward(Model):
    """An award entry as a source found it, with the text it was read from."""

    entry: AwardEntry
    source: str  # "manifest:<path>", a feed/page URL, or "ids"
    source_text: str = ""


class Candidate(Model):
    """One record an API returned for an entry, scored against it."""

    service: Literal["arxiv", "openreview", "semantic_scholar", "manifest"]
    title: str
    authors: list[str] = Field(default_factory=list)
    ids: PaperIds = Field(default_factory=PaperIds)
    arxiv_version: str | None = None  # e.g. "v3": the latest version the API reported
    venue: str | None = None
    pdf_url: str | None = None
    text: str = ""  # abstract, comment and fields where links are looked for
    title_similarity: float = 0.0
    author_overlap: float | None = None  # None: authors unknown on one side
    score: float = 0.0


class Resolution(Model):
    """An award entry resolved to ids and links, or flagged for review with its candidates."""

    entry: AwardEntry
    status: Literal["resolved", "needs_review", "not_found", "error"]
    confidence: float = 0.0
    candidates: list[Candidate] = Field(default_factory=list)
    links: list[FoundLink] = Field(default_factory=list)
    arxiv_version: str | None = None
    offline: bool = True  # True: resolved from the manifest alone, no API called
    notices: list[str] = Field(default_factory=list)
