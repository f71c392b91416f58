"""Title search across the services that know papers: one small function per service.

Each answers the same question, "which records have this title?", in its own protocol: DBLP's
publication search, Semantic Scholar's title match, OpenReview's note search, the ACL Anthology's
bibliography, arXiv's `ti:` query. A service that answers with no hits is an answer; one that
cannot be reached or fails is not (ServiceError).
"""

from __future__ import annotations

from typing import NamedTuple

from tasks.harvest import arxiv, openreview, semantic_scholar
from tasks.harvest.http import ServiceClient, ServiceError


class TitleRecord(NamedTuple):
    service: str
    title: str
    authors: list[str]
    url: str = ""


def openreview_search(client: ServiceClient, api: str, title: str, limit: int = 5) -> list[TitleRecord]:
    """OpenReview API v2 `/notes/search` by terms: forum notes whose text matches, best first."""
    url = f"{api.rstrip('/')}/notes/search"
    params = {"term": title, "type": "terms", "content": "all", "group": "all", "source": "forum"}
    data = client.get_json("openreview", url, {**params, "limit": str(limit)}, repr(title))
    records = []
    for note in (data or {}).get("notes") or []:
        # Read leniently: one odd note in a search answer is not worth failing the question.
        content = note.get("content") or {}
        title = " ".join(str(openreview._value(content, "title") or "").split())
        authors = [str(a) for a in openreview._value(content, "authors") or []]
        if title:
            records.append(
                TitleRecord("openreview", title, authors, f"{openreview.SITE}/forum?id={note.get('forum')}")
            )
    return records


def semantic_scholar_match(client: ServiceClient, api: str, title: str) -> list[TitleRecord]:
    """Semantic Scholar's best title match; [] on its 404 "Title match not found"."""
    found = semantic_scholar.match_title(client, api, title)
    return [TitleRecord("semantic_scholar", found.title, found.authors)] if found else []


def arxiv_search(client: ServiceClient, api: str, title: str, limit: int = 5) -> list[TitleRecord]:
    """arXiv records whose title holds the title's words as a phrase (`ti:"..."`)."""
    try:
        found = arxiv.search(client, api, arxiv.title_query(title), limit)
    except arxiv.ArxivIdError as exc:
        raise ServiceError("arxiv", api, str(exc)) from exc
    return [TitleRecord("arxiv", c.title, c.authors, c.pdf_url or "") for c in found]
