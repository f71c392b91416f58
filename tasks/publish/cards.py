"""A paper's reproducibility card as published: the paper's own card (repro.json, the repro-card
stage), the award entry's curated code links placed where the paper prints them, and each
repository's licence as the conference step found it (or "not checked")."""

from __future__ import annotations

from collections.abc import Mapping

from tasks.links import url_key
from tasks.models import AwardEntry, Found, LicenceCheck, PaperCard, ReproCard

MAX_CODE = 8  # a card, not an index


def card_for(paper: PaperCard, entry: AwardEntry, licences: Mapping[str, LicenceCheck]) -> ReproCard:
    """The published card: curated links first, then the paper's own repositories, with licences."""
    code: dict[str, Found] = {}
    for url in entry.links.code:
        placed = paper.places.get(url_key(url))
        found = placed.model_copy(update={"value": url, "url": url}) if placed else None
        code.setdefault(url_key(url), found or Found(value=url, url=url, quote=url, where="award list"))
    for found in paper.card.code:
        code.setdefault(url_key(found.value), found)
    shown = list(code.values())[:MAX_CODE]
    checks = [
        licences.get(f.value)
        or LicenceCheck(repository=f.value, status="not checked", detail="no licence lookup in this run")
        for f in shown
    ]
    return paper.card.model_copy(update={"code": shown, "licences": checks})
