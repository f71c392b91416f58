"""The extractive review: the paper's own sentences that report results and state limitations.

What review.md shows without an LLM, chosen here, in the summarize stage, and stored as review.json
(a FullReview of quoted claims), so that publishing renders it and reads no paper text itself.
"""

from __future__ import annotations

import re

from tasks.models import Claim, Evidence, FullReview, ParsedPaper
from tasks.summarize.cues import CITATION_RE, WHY_CUES
from tasks.summarize.paper_text import Sentence, is_prose, paper_sentences

REVIEW_NOTICE = "Extractive review: sentences quoted from the paper; no LLM configured"
MAX_RESULTS = 6
MAX_LIMITATIONS = 5

_DIGIT_RE = re.compile(r"\d")
_LIMIT_CUES = re.compile(
    r"\blimitation|\bhowever\b|\bfuture work\b|\bdrawback|\bshortcoming|\bfails?\b|\bcannot\b|\bnot yet\b"
)
# Outside a limitations or discussion section, "however" is everywhere: only strong cues count.
_STRONG_LIMIT_CUES = re.compile(r"\blimitation|\bfuture work\b|\bdrawback|\bshortcoming")


def results(sentences: list[Sentence]) -> list[Sentence]:
    """Sentences reporting results: result cues, best with numbers, from results/experiments sections."""

    def score(s: Sentence) -> int:
        points = 2 * any(p.search(s.normalized) for p, _ in WHY_CUES) + bool(_DIGIT_RE.search(s.text))
        # A "Results" heading beats "Experiments" (setup); a cited sentence is about someone else.
        points += "result" in s.location.lower()
        return points - bool(CITATION_RE.search(s.normalized))

    pool = [s for s in sentences if s.kind == "results"]
    if not pool:
        pool = [s for s in sentences if s.kind != "abstract" and _DIGIT_RE.search(s.text)]
    ranked = sorted(((s, score(s)) for s in pool), key=lambda x: (-x[1], x[0].position))
    return sorted((s for s, points in ranked[:MAX_RESULTS] if points >= 2), key=lambda s: s.position)


def limitations(sentences: list[Sentence]) -> list[Sentence]:
    """A limitations section's sentences, else cue sentences from discussion, else strong cues anywhere."""
    found = [s for s in sentences if s.kind == "limitations"]
    if not found:
        found = [s for s in sentences if s.kind == "conclusion" and _LIMIT_CUES.search(s.normalized)]
    if not found:
        found = [s for s in sentences if _STRONG_LIMIT_CUES.search(s.normalized)]
    return found[:MAX_LIMITATIONS]


def _quoted(sentence: Sentence) -> Claim:
    return Claim(
        text=sentence.text,
        evidence=[Evidence(quote=sentence.text, location=sentence.location, verified=True)],
        quoted=True,
    )


def extractive_review(parsed: ParsedPaper) -> FullReview:
    """The review's Results and Limitations, quoted from the paper with where they stand."""
    sentences = [s for s in paper_sentences(parsed) if is_prose(s.text)]
    return FullReview(
        overview="",
        key_results=[_quoted(s) for s in results(sentences)],
        limitations=[_quoted(s) for s in limitations(sentences)],
        generator="extractive",
        notices=[REVIEW_NOTICE],
    )
