"""Semantic Scholar Graph API client: `paper/search/match` by title, external ids."""

from __future__ import annotations

from typing import Any

from tasks.harvest.http import ServiceClient
from tasks.harvest.models import Candidate
from tasks.models import PaperIds

FIELDS = "title,authors,externalIds,venue,year,url,openAccessPdf"


def paper_to_candidate(paper: dict[str, Any]) -> Candidate:
    """One Graph API paper as a Candidate; ids it cannot validate are dropped, not fatal."""
    external = paper.get("externalIds") or {}
    ids: dict[str, str] = {}
    for key, name in (("ArXiv", "arxiv"), ("DOI", "doi")):
        if external.get(key):
            ids[name] = str(external[key])
    try:
        paper_ids = PaperIds(**ids)
    except ValueError:
        paper_ids = PaperIds()
    pdf = (paper.get("openAccessPdf") or {}).get("url") or None
    return Candidate(
        service="semantic_scholar",
        title=str(paper.get("title") or ""),
        authors=[a["name"] for a in paper.get("authors") or [] if a.get("name")],
        ids=paper_ids,
        venue=paper.get("venue") or None,
        pdf_url=pdf,
    )


def match_title(client: ServiceClient, api: str, title: str) -> Candidate | None:
    """The best title match; None on S2's 404 "Title match not found"."""
    url = f"{api.rstrip('/')}/paper/search/match"
    found = client.get_json("semantic_scholar", url, {"query": title, "fields": FIELDS}, repr(title))
    data = (found or {}).get("data") or []
    return paper_to_candidate(data[0]) if data else None
