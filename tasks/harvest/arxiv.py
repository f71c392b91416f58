"""arXiv API client: `export.arxiv.org/api/query` by id_list or by title search (Atom responses)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tasks.harvest.errors import HarvestError
from tasks.harvest.http import ServiceClient, ServiceError
from tasks.harvest.models import Candidate
from tasks.models import PaperIds

NS = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}
ABS_RE = re.compile(r"arxiv\.org/abs/(?P<id>.+?)(?P<version>v\d+)?$")
ERROR_PREFIX = "https://arxiv.org/api/errors"


class ArxivIdError(HarvestError):
    """arXiv rejected an id as malformed (its HTTP 400 error feed)."""


def _text(node: ET.Element, path: str) -> str:
    found = node.find(path, NS)
    return " ".join((found.text or "").split()) if found is not None else ""


def parse_feed(xml_text: str, url: str) -> list[Candidate]:
    """The entries of an arXiv Atom feed; the API's error entries raise ArxivIdError."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise ServiceError("arxiv", url, f"response is not Atom XML: {exc}") from exc
    records: list[Candidate] = []
    for entry in root.findall("a:entry", NS):
        entry_id = _text(entry, "a:id")
        if entry_id.startswith(ERROR_PREFIX):
            raise ArxivIdError(f"arxiv: {_text(entry, 'a:summary')} ({url})")
        match = ABS_RE.search(entry_id)
        if not match:
            continue
        comment = _text(entry, "arxiv:comment")
        records.append(
            Candidate(
                service="arxiv",
                title=_text(entry, "a:title"),
                authors=[_text(a, "a:name") for a in entry.findall("a:author", NS)],
                ids=PaperIds(arxiv=match["id"], doi=_text(entry, "arxiv:doi") or None),
                arxiv_version=match["version"],
                venue=_text(entry, "arxiv:journal_ref") or None,
                pdf_url=f"https://arxiv.org/pdf/{match['id']}{match['version'] or ''}",
                text=f"{comment}\n{_text(entry, 'a:summary')}".strip(),
            )
        )
    return records


def comment_of(candidate: Candidate) -> str:
    """The arXiv comment: the first line of Candidate.text as parse_feed stores it."""
    return candidate.text.split("\n", 1)[0] if "\n" in candidate.text else ""


def fetch_ids(client: ServiceClient, api: str, ids: list[str]) -> dict[str, Candidate]:
    """Records for arXiv ids (versions stripped), one request per 100 ids; absent ids are left out."""
    bare = list(dict.fromkeys(re.sub(r"v\d+$", "", i) for i in ids))
    found: dict[str, Candidate] = {}
    for start in range(0, len(bare), 100):
        chunk = bare[start : start + 100]
        params = {"id_list": ",".join(chunk), "start": "0", "max_results": "100"}
        reply = client.get(api, params)
        if reply.status == 400:
            parse_feed(reply.text, api)  # raises ArxivIdError with arXiv's own message
            raise ArxivIdError(f"arxiv: HTTP 400 for id_list={params['id_list']}")
        if reply.status != 200:
            raise ServiceError("arxiv", api, f"HTTP {reply.status}", reply.status)
        for record in parse_feed(reply.text, api):
            if record.ids.arxiv:
                found[record.ids.arxiv] = record
    return found


def title_query(title: str) -> str:
    """A `ti:` phrase query; arXiv's search chokes on quotes and colons inside the phrase."""
    words = re.sub(r"[^\w\s-]", " ", title).split()
    return f'ti:"{" ".join(words)}"'


def search(client: ServiceClient, api: str, query: str, max_results: int = 10) -> list[Candidate]:
    """Records matching an arXiv search_query, most relevant first."""
    params = {"search_query": query, "start": "0", "max_results": str(max_results)}
    reply = client.get(api, params)
    if reply.status != 200:
        raise ServiceError("arxiv", api, f"HTTP {reply.status} for search {query!r}", reply.status)
    return parse_feed(reply.text, api)
