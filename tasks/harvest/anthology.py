"""ACL Anthology title search over its bibliography export (`anthology.bib.gz`).

The Anthology has no search API; what it publishes for programs is the whole bibliography as one
gzipped BibTeX file. It is fetched once per Anthology object (lazily, at the first title asked),
decompressed under a size cap, and indexed by title words, so that every later title is looked up
in memory.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from difflib import SequenceMatcher

from tasks.harvest.http import ServiceClient, ServiceError
from tasks.harvest.resolve import normalise_title
from tasks.harvest.title_search import TitleRecord

MAX_BIB_BYTES = 400_000_000  # the whole Anthology with abstracts is under 200 MB
_ENTRY_RE = re.compile(r"@\w+\s*\{[^,]*,(.*?)\n\}", re.S)
_FIELD_RE = re.compile(r'^\s*(title|author|url)\s*=\s*["{](.*?)["}]\s*,?\s*$', re.M | re.S)


def _latex(text: str) -> str:
    """BibTeX braces and simple accents away: "{BERT}: Pre-training" -> "BERT: Pre-training"."""
    text = re.sub(r"\\[`'^\"~=.uvHtcdbk]\{?(\w)\}?", r"\1", text)
    return " ".join(text.replace("{", "").replace("}", "").replace("\\&", "&").split())


def parse_bib(text: str) -> list[TitleRecord]:
    """The entries of a BibTeX file with a title: (title, authors, url)."""
    records = []
    for entry in _ENTRY_RE.finditer(text + "\n"):
        fields = {m.group(1): _latex(m.group(2)) for m in _FIELD_RE.finditer(entry.group(1))}
        if fields.get("title"):
            authors = [
                " ".join(reversed(a.split(",", 1))).strip() for a in fields.get("author", "").split(" and ")
            ]
            records.append(TitleRecord("acl_anthology", fields["title"], authors, fields.get("url", "")))
    return records


def _gunzip(data: bytes, url: str) -> str:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_BIB_BYTES)
    except zlib.error as exc:
        raise ServiceError("acl_anthology", url, f"not a gzip file: {exc}") from exc
    if inflater.unconsumed_tail:
        raise ServiceError("acl_anthology", url, f"bibliography larger than {MAX_BIB_BYTES} bytes")
    return out.decode("utf-8", "replace")


class Anthology:
    """The Anthology's titles, fetched at the first question and indexed by word."""

    def __init__(self, client: ServiceClient, url: str) -> None:
        self.client = client
        self.url = url
        self._records: list[TitleRecord] | None = None
        self._by_word: dict[str, list[int]] = defaultdict(list)

    def _load(self) -> list[TitleRecord]:
        if self._records is None:
            status, body = self.client.get_bytes(self.url, max_bytes=MAX_BIB_BYTES)
            if status != 200:
                raise ServiceError("acl_anthology", self.url, f"HTTP {status}", status)
            text = _gunzip(body, self.url) if body[:2] == b"\x1f\x8b" else body.decode("utf-8", "replace")
            self._records = parse_bib(text)
            for n, record in enumerate(self._records):
                for word in set(normalise_title(record.title).split()):
                    self._by_word[word].append(n)
        return self._records

    def search_title(self, title: str, limit: int = 5) -> list[TitleRecord]:
        """Entries sharing the title's rarest words, most similar first."""
        records = self._load()
        words = set(normalise_title(title).split())
        postings = sorted((self._by_word.get(w, []) for w in words), key=len)
        if not postings or not postings[0]:
            return []
        shared = set(postings[0]).intersection(*postings[1:3]) if len(postings) > 1 else set(postings[0])
        query = normalise_title(title)
        ranked = sorted(
            shared, key=lambda n: -SequenceMatcher(None, query, normalise_title(records[n].title)).ratio()
        )
        return [records[n] for n in ranked[:limit]]
