"""The cheap step: what a paper shows, rendered from its stored stage results and its award entry.

Expensive results (parse, summary, comic) are cached on their own inputs; everything that also
depends on the award entry (title, authors, award, links) is rendered here, at publish time, in
milliseconds: the paper's own links found in its PDF, the full review (review.md), the summary and
comic metadata shown in the digest. Editing a manifest entry re-renders this and nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from tasks.harvest.links import with_pdf_links
from tasks.models import ComicMeta, FullReview, LicenceCheck, PaperResult, PaperSummary, ParsedPaper
from tasks.publish.repro import pdf_page_lines, repro_card
from tasks.publish.review import review_markdown
from tasks.store import ArtifactStore

log = logging.getLogger(__name__)

REVIEW = "review.md"


@dataclass
class Rendered:
    result: PaperResult
    review_md: bytes | None  # None: the paper has no summary to review
    parsed: ParsedPaper | None = None


def render_paper(
    result: PaperResult, store: ArtifactStore, licences: Callable[[str], LicenceCheck] | None = None
) -> Rendered:
    """The result with what its artifacts say filled in, and its review.md, from the current entry.

    licences: asks for a code repository's licence (tasks/publish/licences.py); None: not checked.
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
        card = repro_card(parsed, entry, pages=_pages(store, result), check_licence=licences)
        review_md = review_markdown(parsed, summary, entry=entry, review=full, repro=card).encode()
    comic_alt, comic_usage = None, None
    if "comic.json" in artifacts:
        meta = ComicMeta.model_validate_json(store.get(artifacts["comic.json"]))
        comic_alt, comic_usage = meta.script.alt_text or meta.script.title, meta.usage
        notices += meta.notices
    shown = result.model_copy(
        update={
            "entry": entry,
            "summary": summary,
            "parsed_title": parsed_title,
            "comic_alt": comic_alt,
            "comic_usage": comic_usage,
            "notices": list(dict.fromkeys([*result.notices, *notices])),
            "repro": card,
        }
    )
    return Rendered(shown, review_md, parsed)


def _pages(store: ArtifactStore, result: PaperResult) -> list[list[str]] | None:
    """The PDF's page lines for the reproducibility card (footnotes hold most repository links)."""
    key = result.artifacts.get("paper.pdf")
    if key is None:
        return None
    sha = result.checksums.get("paper.pdf") or store.sha256(key)
    try:
        return pdf_page_lines(store.get(key), sha or key)
    except (KeyError, OSError, ValueError, RuntimeError) as exc:  # pdfium's errors are RuntimeErrors
        # The card then says the page text was not read; the review is published all the same.
        log.warning("%s: the PDF's page text could not be read for the card: %s", result.paper_id, exc)
        return None
