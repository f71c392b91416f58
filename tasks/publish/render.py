"""The cheap step: what a paper shows, rendered from its stored stage results and its award entry.

Expensive results (parse, summary, comic) are cached on their own inputs; everything that also
depends on the award entry (title, authors, award, links) is rendered here, at publish time, in
milliseconds: the paper's own links found in its PDF, the full review (review.md), the summary and
comic metadata shown in the digest. Editing a manifest entry re-renders this and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial

from tasks.comic.script.text_version import comic_text
from tasks.links import with_pdf_links
from tasks.models import (
    ComicMeta,
    ComicText,
    FigureIndex,
    FullReview,
    LicenceCheck,
    PaperCard,
    PaperResult,
    PaperSummary,
    ParsedPaper,
)
from tasks.publish.cards import card_for
from tasks.publish.review import review_markdown
from tasks.store import ArtifactStore

log = logging.getLogger(__name__)

REVIEW = "review.md"


@dataclass
class Rendered:
    result: PaperResult
    review_md: bytes | None  # None: the paper has no summary to review
    parsed: ParsedPaper | None = None
    images: dict[str, bytes] = field(default_factory=dict)  # the comic images its pages embed, by name


def render_papers(
    results: Sequence[PaperResult], store: ArtifactStore, licences: Mapping[str, LicenceCheck] | None = None
) -> Iterator[Rendered]:
    """render_paper of each result with its comic images, in order, the papers of `requests_at_once`
    read at a time (each is five or so reads, S3 GETs), in batches that keep a large conference's
    parsed papers out of memory at once."""
    render, at_once = partial(_with_images, store=store, licences=licences), store.requests_at_once
    with ThreadPoolExecutor(at_once, thread_name_prefix="render") as pool:
        for start in range(0, len(results), 4 * at_once):
            yield from pool.map(render, results[start : start + 4 * at_once])


IMAGES = ("comic.webp", "comic-mobile.webp")  # the comic, and its phone variant for narrow screens


def _with_images(
    result: PaperResult, store: ArtifactStore, licences: Mapping[str, LicenceCheck] | None
) -> Rendered:
    images = {name: store.get(key) for name, key in result.artifacts.items() if name in IMAGES}
    return replace(render_paper(result, store, licences), images=images)


def render_paper(
    result: PaperResult, store: ArtifactStore, licences: Mapping[str, LicenceCheck] | None = None
) -> Rendered:
    """The result with what its artifacts say filled in, and its review.md, from the current entry.

    licences: each code repository's licence as the conference-overview step found it; a repository
    not in it is shown as not checked. Reads stored results only: no PDF, no network.
    """
    artifacts = result.artifacts
    if "summary.json" not in artifacts:
        return Rendered(result, None)
    summary = PaperSummary.model_validate_json(store.get(artifacts["summary.json"]))
    notices = list(summary.notices)
    entry, parsed_title, review_md, parsed, card = result.entry, None, None, None, None
    if "parsed.json" in artifacts:
        parsed = ParsedPaper.model_validate_json(store.get(artifacts["parsed.json"]))
        parsed_title = parsed.title
        entry = with_pdf_links(entry, parsed.urls)
        full = (
            FullReview.model_validate_json(store.get(artifacts["review.json"]))
            if "review.json" in artifacts
            else None
        )
        if "repro.json" in artifacts:
            paper_card = PaperCard.model_validate_json(store.get(artifacts["repro.json"]))
            card = card_for(paper_card, entry, licences or {})
        else:  # a paper published before the card was a stage of its own keeps the card it had
            card = result.repro
        review_md = review_markdown(parsed, summary, entry=entry, review=full, repro=card).encode()
    comic_alt, comic_usage, text = None, None, None
    if "comic.json" in artifacts:
        meta = ComicMeta.model_validate_json(store.get(artifacts["comic.json"]))
        comic_alt, comic_usage = meta.script.alt_text or meta.script.title, meta.usage
        text = meta.text or _text_of_older(meta, artifacts, store)
        notices += meta.notices
    shown = result.model_copy(
        update={
            "entry": entry,
            "summary": summary,
            "parsed_title": parsed_title,
            "comic_alt": comic_alt,
            "comic_usage": comic_usage,
            "comic_text": text,
            "notices": list(dict.fromkeys([*result.notices, *notices])),
            "repro": card,
        }
    )
    return Rendered(shown, review_md, parsed)


def _text_of_older(meta: ComicMeta, artifacts: Mapping[str, str], store: ArtifactStore) -> ComicText:
    """The text version of a comic.json stored before it held one: from its script and figures.json."""
    index = (
        FigureIndex.model_validate_json(store.get(artifacts["figures.json"]))
        if "figures.json" in artifacts
        else None
    )
    return comic_text(meta.script, index.figures if index else ())
