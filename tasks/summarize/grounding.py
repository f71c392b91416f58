"""Evidence check: does a quoted sentence really occur in the parsed paper, and where.

Shared by the extractive summarizer and the LLM summarizer. Matching is exact after
normalisation by default; a fuzzy threshold below 1.0 accepts near-verbatim quotes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

from tasks.models import Claim, Evidence, PaperSummary, ParsedPaper
from tasks.text import location_label

# A quote shorter than this (after normalisation) proves nothing: "we" occurs in every paper.
MIN_QUOTE_CHARS = 12

_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2043": "-",
        "\u00ad": None,  # soft hyphen: invisible in the PDF, present in its text layer
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
# "repre- sentation": a word broken across lines; only between letters, so "10- 20" stays.
_LINE_HYPHEN_RE = re.compile(r"(?<=[^\W\d_])-\s+(?=[^\W\d_])")
_SPACE_RE = re.compile(r"\s+")
# PDF extraction moves spaces and hyphens ("S PECTER", "documentlevel", "stateof-the-art"), so the
# comparison key ignores both; the letters, digits and punctuation must still match verbatim.
_LAYOUT_RE = re.compile(r"[\s-]+")
_WORD_RE = re.compile(r"\w+")
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTE_EDGES_RE = re.compile(r"^[\s\"']*(?:\.\.\.)?\s*|\s*(?:\.\.\.)?[\s\"']*$")


def normalize_text(s: str) -> str:
    """Canonical form for comparing text: NFKC, ASCII quotes/dashes, de-hyphenated, collapsed, case-folded."""
    s = unicodedata.normalize("NFKC", s)  # ligatures (U+FB01 -> "fi"), full-width forms, ellipsis
    s = s.translate(_CHAR_MAP)
    s = _LINE_HYPHEN_RE.sub("", s)
    s = _SPACE_RE.sub(" ", s).strip()
    return s.casefold()


def _compact(normalized: str) -> str:
    return _LAYOUT_RE.sub("", normalized)


@dataclass(frozen=True)
class _Passage:
    location: str
    normalized: str
    compact: str


def _passages(parsed: ParsedPaper) -> list[_Passage]:
    """Every searchable passage: the abstract, body paragraphs, then figure and table captions."""
    found = [(location_label(label, i), text) for label, i, text in parsed.paragraphs()]
    for caption in parsed.captions:
        found.append((_caption_location(caption.kind, caption.label), caption.text))
    out = []
    for location, text in found:
        normalized = normalize_text(text)
        out.append(_Passage(location, normalized, _compact(normalized)))
    return out


def _caption_location(kind: str, label: str | None) -> str:
    if not label:
        return f"{kind.title()} caption"
    if label.lower().startswith(kind[:3]):
        return f"{label} caption"
    return f"{kind.title()} {label} caption"


def _fuzzy_ratio(quote: str, passage: str, threshold: float) -> float:
    """Best similarity of the quote to any window of as many words in the passage."""
    q_words = _WORD_RE.findall(quote)
    p_words = _WORD_RE.findall(passage)
    if not q_words or not p_words:
        return 0.0
    # Cheap rejection first: a near-verbatim quote shares most of its words with the passage.
    shared = len(set(q_words) & set(p_words)) / len(set(q_words))
    if shared < threshold * 0.7:
        return 0.0
    q_text = " ".join(q_words)
    n = len(q_words)
    best = 0.0
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(q_text)
    for start in range(max(1, len(p_words) - n + 1)):
        matcher.set_seq1(" ".join(p_words[start : start + n]))
        if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
            continue
        best = max(best, matcher.ratio())
        if best >= 1.0:
            break
    return best


def _locate(quote: str, passages: list[_Passage], threshold: float) -> str | None:
    # Models wrap quotes in quotation marks and trail off with "...": neither is the paper's text.
    normalized = _QUOTE_EDGES_RE.sub("", normalize_text(quote))
    compact = _compact(normalized)
    if len(compact) < MIN_QUOTE_CHARS:
        return None
    for passage in passages:
        if compact in passage.compact:
            return passage.location
    if threshold >= 1.0:
        return None
    best_location, best_ratio = None, 0.0
    for passage in passages:
        ratio = _fuzzy_ratio(normalized.replace("-", ""), passage.normalized.replace("-", ""), threshold)
        if ratio > best_ratio:
            best_location, best_ratio = passage.location, ratio
    return best_location if best_ratio >= threshold else None


def verify_quote(quote: str, parsed: ParsedPaper, *, threshold: float = 1.0) -> str | None:
    """Location label where the quote occurs in the paper after normalisation, else None.

    threshold 1.0 (the default) means verbatim after normalisation; below 1.0, the best window of
    the same word count whose difflib ratio reaches the threshold counts as a match.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    return _locate(quote, _passages(parsed), threshold)


def quote_locator(parsed: ParsedPaper, *, threshold: float = 1.0) -> Callable[[str], str | None]:
    """verify_quote for many quotes of one paper: the paper's text is normalised once."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    passages = _passages(parsed)
    return lambda quote: _locate(quote, passages, threshold)


def verify_summary(summary: PaperSummary, parsed: ParsedPaper, *, threshold: float = 1.0) -> PaperSummary:
    """Copy of the summary with every Evidence's verified flag and location set from the paper text."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    passages = _passages(parsed)

    def check(claim: Claim) -> Claim:
        evidence = []
        for ev in claim.evidence:
            found = _locate(ev.quote, passages, threshold)
            # An unverified quote keeps the location it claimed, so a reader can look for themselves.
            evidence.append(
                Evidence(quote=ev.quote, location=found or ev.location, verified=found is not None)
            )
        return claim.model_copy(update={"evidence": evidence})

    return summary.model_copy(
        update={
            "what_was_done": [check(c) for c in summary.what_was_done],
            "why_it_matters": [check(c) for c in summary.why_it_matters],
        }
    )


def unsupported_numbers(text: str, numbers: set[float]) -> list[str]:
    """Numbers written in text that do not occur anywhere in the paper (numbers = paper_numbers())."""
    return sorted({t for t in _NUMBER_RE.findall(text) if float(t.replace(",", "")) not in numbers})


def paper_numbers(parsed: ParsedPaper) -> set[float]:
    """Every number in the paper's title, abstract, body and captions, as floats."""
    texts = [parsed.title, parsed.abstract, *(p for s in parsed.sections for p in s.paragraphs)]
    texts += [c.text for c in parsed.captions]
    return {v for t in texts for v in _numbers(t)}


def _numbers(text: str) -> list[float]:
    out = []
    for token in _NUMBER_RE.findall(normalize_text(text)):
        try:
            out.append(float(token.replace(",", "")))
        except ValueError:
            continue
    return out
