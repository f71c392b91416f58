"""Confirm award candidates by title search: a record with a near-equal title is a confirmation.

Each candidate title is asked of DBLP, Semantic Scholar, OpenReview, the ACL Anthology and arXiv,
in that order (arXiv last: one request per 3 s), until one has it. The verdict is *confirmed* (a
record's title is near-equal, `CONFIRM_SIMILARITY`), *refuted* (services answered and none has it)
or *unknown* (none could be asked: offline). A service that fails is not asked again in the run.
`confirm_awards` applies the verdicts to a reading: a confirmed candidate is an entry, an
unconfirmed one stays or goes to review by its strength (tasks/harvest/announcements.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Literal

from pydantic import Field

from config.settings import HarvestSettings
from tasks.harvest import dblp, title_search
from tasks.harvest.announcements import FoundPaper, ReadAwards, ReaderParams, is_entry
from tasks.harvest.anthology import Anthology
from tasks.harvest.errors import HarvestError
from tasks.harvest.http import ServiceClient, clients
from tasks.harvest.resolve import title_similarity
from tasks.harvest.title_search import TitleRecord
from tasks.models import Model

CONFIRM_SIMILARITY = 0.9  # normalised-title similarity from which a record is the same paper
SERVICES = ("dblp", "semantic_scholar", "openreview", "acl_anthology", "arxiv")


class Verdict(Model):
    status: Literal["confirmed", "refuted", "unknown"]
    service: str | None = None
    record_title: str | None = None
    similarity: float = 0.0
    asked: list[str] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)


class Confirmer:
    """Title search across the services, each client built once from settings."""

    def __init__(self, settings: HarvestSettings, services: dict[str, ServiceClient] | None = None) -> None:
        self.settings = settings
        self.services = services or clients(settings)
        for name in ("dblp", "acl_anthology"):
            self.services.setdefault(name, ServiceClient(name, settings))
        self.anthology = Anthology(self.services["acl_anthology"], settings.acl_anthology_bib)
        self.down: dict[str, str] = {}  # service -> why it is not asked again
        self.asked: Counter[str] = Counter()
        self._verdicts: dict[str, Verdict] = {}  # a paper under two awards is asked once

    def close(self) -> None:
        for client in self.services.values():
            client.close()

    def __enter__(self) -> Confirmer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _searches(self) -> dict[str, Callable[[str], list[TitleRecord]]]:
        s, c = self.settings, self.services
        return {
            "dblp": lambda t: dblp.search_title(c["dblp"], s.dblp_api, t),
            "semantic_scholar": lambda t: title_search.semantic_scholar_match(
                c["semantic_scholar"], s.semantic_scholar_api, t
            ),
            "openreview": lambda t: title_search.openreview_search(c["openreview"], s.openreview_api, t),
            "acl_anthology": self.anthology.search_title,
            "arxiv": lambda t: title_search.arxiv_search(c["arxiv"], s.arxiv_api, t),
        }

    def confirm(self, title: str) -> Verdict:
        """The verdict of the services on one title (module doc)."""
        if title not in self._verdicts:
            self._verdicts[title] = self._confirm(title)
        return self._verdicts[title]

    def _confirm(self, title: str) -> Verdict:
        asked: list[str] = []
        for name, search in self._searches().items():
            if name in self.down:
                continue
            try:
                records = search(title)
            except HarvestError as exc:
                self.down[name] = str(exc)
                continue
            self.asked[name] += 1
            asked.append(name)
            best = max(records, key=lambda r: title_similarity(title, r.title), default=None)
            if best is not None and (sim := title_similarity(title, best.title)) >= CONFIRM_SIMILARITY:
                return Verdict(
                    status="confirmed",
                    service=name,
                    record_title=best.title,
                    similarity=round(sim, 3),
                    asked=asked,
                )
        if asked:
            return Verdict(
                status="refuted", asked=asked, notices=[f"no record titled so in {', '.join(asked)}"]
            )
        return Verdict(status="unknown", notices=[f"{k}: {v}" for k, v in self.down.items()])

    def summary(self, verdicts: list[Verdict]) -> str:
        """How a reading was confirmed, in one line."""
        counts = Counter(v.status for v in verdicts)
        if verdicts and counts["unknown"] == len(verdicts):
            return "offline: no title-search service answered; structure alone decided"
        by = ", ".join(f"{k} {n}" for k, n in Counter(v.service for v in verdicts if v.service).items())
        parts = [f"{counts['confirmed']} of {len(verdicts)} confirmed ({by or 'none'})"]
        if counts["refuted"]:
            parts.append(f"{counts['refuted']} found by no service")
        if self.down:
            parts.append("not reachable: " + ", ".join(sorted(self.down)))
        return "; ".join(parts)


def apply_verdict(paper: FoundPaper, verdict: Verdict, params: ReaderParams) -> FoundPaper:
    """The paper as the verdict leaves it: an entry or a candidate to review, with the reason."""
    entry = is_entry(paper.strength, verdict.status, params)
    evidence = list(paper.evidence)
    if verdict.status == "confirmed":
        evidence.append(f"title found by {verdict.service}")
    elif verdict.status == "refuted":
        evidence.append("no title-search service has this title")
    return paper.model_copy(
        update={
            "needs_review": not entry,
            "evidence": evidence,
            "confirmed_by": f"{verdict.service}: {verdict.record_title}" if verdict.service else None,
        }
    )


def confirm_awards(
    read: ReadAwards, confirmer: Confirmer | None, params: ReaderParams | None = None
) -> ReadAwards:
    """The reading with every candidate confirmed or not; without a confirmer, structure decides."""
    params = params or ReaderParams()
    if confirmer is None:
        return read.model_copy(update={"confirmation": "offline: structure alone decided"})
    verdicts = [confirmer.confirm(p.title) for p in read.papers]
    papers = [apply_verdict(p, v, params) for p, v in zip(read.papers, verdicts, strict=True)]
    return read.model_copy(update={"papers": papers, "confirmation": confirmer.summary(verdicts)})
