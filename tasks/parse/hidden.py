"""Cut text a reader cannot see out of a parse that did not see it was hidden (GROBID's)."""

from __future__ import annotations

import re
from collections.abc import Callable

from tasks.models import Author, HiddenText, ParsedPaper, Reference, Section

# Keys shorter than this (in letters and digits) would cut common words out of visible text.
_MIN_HIDDEN_KEY = 12
_HIDDEN_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
# What a cut also takes after the hidden text: the space and punctuation that ended it.
_CUT_TAIL_RE = re.compile(r"[\s.!?,;:]*")


def without_hidden_text(parsed: ParsedPaper, hidden: list[HiddenText]) -> ParsedPaper:
    """A copy of a GROBID-parsed paper with every passage of hidden text cut out of every text field.

    Texts are compared on lowercase letters and digits only (GROBID and pdfium space, hyphenate
    and punctuate differently), one hidden sentence at a time, so a hidden sentence is cut and the
    visible rest of its paragraph kept. Hidden fragments under _MIN_HIDDEN_KEY letters stay: a
    hidden "Accept" must not cut every "accept" out of the paper (they are reported all the same).
    """
    keys = _hidden_keys(hidden)
    if not keys:
        return parsed

    def cut(text: str) -> str:
        return _cut(text, keys)

    abstract, sections, moved = _cut_body(parsed, cut)
    captions = [
        c.model_copy(update={"text": cut(c.text), "label": cut(c.label) if c.label else c.label})
        for c in parsed.captions
    ]
    captions = [c for c in captions if c.text]
    visible = [*abstract, *(p for s in sections for p in s.paragraphs), *(c.text for c in captions)]
    return parsed.model_copy(
        update={
            "title": cut(parsed.title),
            "authors": [a for a in (_cut_author(a, cut) for a in parsed.authors) if a.name],
            "abstract": "\n\n".join(abstract),
            "sections": sections,
            "captions": captions,
            "references": [_cut_reference(r, cut) for r in parsed.references],
            # Citations follow their paragraph's new index, or go with it.
            "citations": [
                c.model_copy(update={"paragraph": moved[(c.section, c.paragraph)]})
                for c in parsed.citations
                if (c.section, c.paragraph) in moved
            ],
            "keywords": [k for k in map(cut, parsed.keywords) if k],
            "urls": _visible_urls(parsed.urls, hidden, visible),
        }
    )


def _hidden_keys(hidden: list[HiddenText]) -> list[str]:
    """The hidden sentences long enough to cut, in _alnum() form, longest first."""
    keys = {
        key
        for h in hidden
        for sentence in _HIDDEN_SENTENCE_RE.split(h.text)
        if len(key := _alnum(sentence)[0]) >= _MIN_HIDDEN_KEY
    }
    return sorted(keys, key=len, reverse=True)


def _cut_body(
    parsed: ParsedPaper, cut: Callable[[str], str]
) -> tuple[list[str], list[Section], dict[tuple[int, int], int]]:
    """The abstract's paragraphs and the sections, cut; paragraphs that were all hidden go. Also where
    each kept paragraph moved: (section, paragraph) -> its new index (section -1: the abstract)."""
    moved: dict[tuple[int, int], int] = {}
    abstract: list[str] = []
    for i, part in enumerate(parsed.abstract.split("\n\n") if parsed.abstract else []):
        if kept := cut(part):
            moved[(-1, i)] = len(abstract)
            abstract.append(kept)
    sections = []
    for s_index, section in enumerate(parsed.sections):
        paragraphs: list[str] = []
        for p_index, paragraph in enumerate(section.paragraphs):
            if kept := cut(paragraph):
                moved[(s_index, p_index)] = len(paragraphs)
                paragraphs.append(kept)
        sections.append(Section(heading=cut(section.heading), number=section.number, paragraphs=paragraphs))
    return abstract, sections, moved


def _cut_author(author: Author, cut: Callable[[str], str]) -> Author:
    return author.model_copy(
        update={
            "name": cut(author.name),
            "affiliations": [x for x in map(cut, author.affiliations) if x],
            "email": cut(author.email) if author.email else author.email,
        }
    )


def _alnum(text: str) -> tuple[str, list[int]]:
    """Text reduced to lowercase letters and digits, and where each kept character sits in text."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isalnum():
            low = ch.lower()
            chars.append(low if len(low) == 1 else ch)
            where.append(i)
    return "".join(chars), where


def _cut(text: str, keys: list[str]) -> str:
    """Text with every occurrence of a key (an _alnum() form) cut out, with its closing punctuation."""
    norm, where = _alnum(text)
    spans: list[tuple[int, int]] = []
    for key in keys:
        start = norm.find(key)
        while start != -1:
            end = where[start + len(key) - 1] + 1
            tail = _CUT_TAIL_RE.match(text, end)
            spans.append((where[start], tail.end() if tail else end))
            start = norm.find(key, start + len(key))
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start >= pos:
            out.append(text[pos:start])
        pos = max(pos, end)
    out.append(text[pos:])
    return " ".join("".join(out).split())


def _cut_reference(ref: Reference, cut: Callable[[str], str]) -> Reference:
    return ref.model_copy(
        update={
            "raw": cut(ref.raw),
            "title": cut(ref.title) if ref.title else ref.title,
            "venue": cut(ref.venue) if ref.venue else ref.venue,
            "authors": [a for a in map(cut, ref.authors) if a],
        }
    )


def _visible_urls(urls: list[str], hidden: list[HiddenText], visible: list[str]) -> list[str]:
    """The URLs less those that only hidden text gives."""
    hidden_norm = " ".join(_alnum(h.text)[0] for h in hidden)
    visible_norm = " ".join(_alnum(t)[0] for t in visible)
    out = []
    for url in urls:
        key = _alnum(url)[0]
        if key and key in hidden_norm and key not in visible_norm:
            continue
        out.append(url)
    return out
