"""DBLP publication search (`/search/publ/api?q=...&format=json`): titles and authors by title."""

from __future__ import annotations

from typing import Any

from tasks.harvest.http import ServiceClient, ServiceError
from tasks.harvest.title_search import TitleRecord


def _authors(info: dict[str, Any]) -> list[str]:
    # One author comes as an object, several as a list (DBLP's JSON mirrors its XML).
    raw = (info.get("authors") or {}).get("author") or []
    items = raw if isinstance(raw, list) else [raw]
    return [str(a.get("text") if isinstance(a, dict) else a) for a in items if a]


def search_title(client: ServiceClient, api: str, title: str, hits: int = 5) -> list[TitleRecord]:
    """Publications whose title matches the query words, best first; [] when DBLP has none."""
    reply = client.get(api, {"q": title, "format": "json", "h": str(hits)})
    if reply.status != 200:
        raise ServiceError("dblp", api, f"HTTP {reply.status} for {title!r}", reply.status)
    try:
        found = reply.json()["result"]["hits"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ServiceError("dblp", api, f"not a DBLP search result: {exc}") from exc
    records = []
    for hit in found.get("hit") or []:
        info = hit.get("info") or {}
        # DBLP ends every title with a full stop.
        name = str(info.get("title") or "").rstrip(".")
        if name:
            records.append(
                TitleRecord("dblp", name, _authors(info), str(info.get("ee") or info.get("url") or ""))
            )
    return records
