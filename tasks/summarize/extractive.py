"""The no-LLM summarizer: picks the paper's own sentences, always announced as a fallback.

It reads as a reader would: only complete sentences (no figure or table residue), none that opens
by pointing back at text the reader does not have unless that sentence comes with it, nothing from
boilerplate (broader impact, ethics, acknowledgements, "In this section we"). "What was done?" is
the method and the main finding, "Why it matters?" the consequence, and the TL;DR the one sentence
of the main finding. Every claim is a quote of the paper and is marked as such (Claim.quoted).

Deterministic: the same ParsedPaper gives the same PaperSummary, so EXTRACTIVE_VERSION (part of
the summarize cache key) must change whenever the selection rules below change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from tasks.models import Claim, Evidence, PaperSummary, ParsedPaper
from tasks.summarize.cues import (
    CITATION_RE,
    FINDING_CUES,
    FINDING_SOURCE,
    WHAT_CUES,
    WHAT_SOURCE,
    WHY_ALL_CUES,
    WHY_KINDS,
    WHY_SOURCE,
    Cues,
)
from tasks.summarize.errors import SummarizeError, describe_paper
from tasks.summarize.grounding import normalize_text, quote_locator
from tasks.summarize.injection import injection_notice, matched_rule, scan_injection
from tasks.summarize.paper_text import Sentence, is_prose, paper_sentences
from tasks.summarize.sentences import (
    additive_opener,
    boilerplate_reason,
    dangling_opener,
    incomplete_reason,
    says_consequence,
    says_finding,
    says_method,
)
from tasks.text import paper_names
from tasks.text import trim_at_word as text_trim_at_word

# 2: skips sentences addressed to AI models, reports injection findings
# 3: complete, self-contained, non-boilerplate sentences; method + finding, TL;DR = finding; quoted claims
EXTRACTIVE_VERSION = "3"
EXTRACTIVE_NOTICE = "Extractive summary: no LLM configured (set PAPERPANELS_LLM__MODEL=provider:model)"
TLDR_MAX_CHARS = 280

_OUTLOOK_RE = re.compile(
    r"\bfuture (work|research|directions?|studies)\b|\bin the future\b|\bwe (plan|intend|hope) to\b"
    r"|\bleft (for|to) future\b|\bremains? (an )?open\b"
)
_STOPWORDS = frozenset(
    {"that", "this", "these", "those", "with", "from", "which", "their", "there", "they", "have", "been"}
    | {"were", "what", "when", "where", "while", "than", "then", "also", "into", "onto", "over", "under"}
    | {"about", "such", "each", "only", "more", "most", "many", "much", "some", "very", "both", "other"}
    | {"using", "used", "show", "shows", "work", "paper", "approach", "method", "methods", "model"}
    | {"models", "results"}
)
_LONG_WORDS = 45
_SIMILAR = 0.6  # word overlap above which two sentences say the same thing twice


# --------------------------------------------------------------------------- passages


@dataclass(frozen=True)
class Passage:
    """What a claim quotes: one sentence, or a sentence that points back with the one before it."""

    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @cached_property
    def normalized(self) -> str:
        return normalize_text(self.text)

    @property
    def last(self) -> Sentence:
        return self.sentences[-1]

    @property
    def location(self) -> str:
        return self.sentences[0].location

    @property
    def position(self) -> int:
        return self.last.position


def rejection(sentence: Sentence, names: frozenset[str] = frozenset()) -> str | None:
    """Why a sentence cannot stand in a summary on its own merits, or None (dangling openers aside)."""
    if matched_rule(sentence.text) is not None:
        return "addressed to AI models"
    if reason := incomplete_reason(sentence.text, names=names):
        return f"incomplete: {reason}"
    if sentence.text.rstrip("\"'”’)").endswith("?"):
        return "a question, not a claim"
    return boilerplate_reason(sentence.normalized, sentence.heading)


def passages(sentences: list[Sentence], names: frozenset[str] = frozenset()) -> list[Passage]:
    """Every quotable passage, in order: complete, not boilerplate; an opening like "This" or "To
    quantify this" only with the sentence before it in its paragraph, and only if that one is fine."""
    ok = {s.position: rejection(s, names) is None for s in sentences}
    by_position = {s.position: s for s in sentences}
    out = []
    for s in sentences:
        if not ok[s.position]:
            continue
        if dangling_opener(s.text) is None:
            out.append(Passage((s,)))
            continue
        before = by_position.get(s.position - 1)
        if (
            before is not None
            and before.paragraph == s.paragraph
            and ok[before.position]
            and dangling_opener(before.text) is None
            and len(before.text.split()) + len(s.text.split()) <= 70
        ):
            out.append(Passage((before, s)))
    return out


def _score(passage: Passage, cues: Cues, sources: dict[str, float]) -> float:
    norm = passage.normalized
    score = sum(weight for pattern, weight in cues if pattern.search(norm)) * sources.get(
        passage.last.kind, 0.0
    )
    if CITATION_RE.search(norm):
        score *= 0.5
    if len(passage.text.split()) > _LONG_WORDS:
        score *= 0.7
    if len(passage.sentences) > 1 or additive_opener(passage.text):
        score *= 0.8  # reads less well alone than a sentence that needs nothing before it
    return score


def _words(text: str) -> set[str]:
    """The content words of a text: what two sentences must share to say the same thing."""
    return {w for w in re.findall(r"[a-z0-9]+", normalize_text(text)) if len(w) > 3 and w not in _STOPWORDS}


def _similar(a: Passage, b: Passage) -> bool:
    wa, wb = _words(a.text), _words(b.text)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) > _SIMILAR


def _best(
    pool: list[Passage],
    cues: Cues,
    sources: dict[str, float],
    k: int,
    avoid: list[Passage],
) -> list[Passage]:
    """The k best-scoring passages (score > 0) not saying what the avoided ones say, best first."""
    ranked = sorted(((p, _score(p, cues, sources)) for p in pool), key=lambda x: (-x[1], x[0].position))
    chosen: list[Passage] = []
    for passage, score in ranked:
        if score <= 0 or len(chosen) == k:
            break
        if not any(_similar(passage, other) for other in [*avoid, *chosen]):
            chosen.append(passage)
    return chosen


def _background(sentences: list[Sentence]) -> set[int]:
    """Positions of the sentences of the abstract and the introduction that come before the paper
    says what it does or finds: the field's state and motivation, not its finding or consequence."""
    out: set[int] = set()
    for kind in ("abstract", "intro"):
        part = [s for s in sentences if s.kind == kind]
        first = next(
            (s.position for s in part if says_method(s.normalized) or says_finding(s.normalized)), None
        )
        if first is not None:
            out |= {s.position for s in part if s.position < first}
    return out


def _ranked(pool: list[Passage], cues: Cues, sources: dict[str, float]) -> list[Passage]:
    """Passages with a score above 0, best first (ties: earlier first)."""
    scored = [(p, _score(p, cues, sources)) for p in pool]
    return [p for p, score in sorted(scored, key=lambda x: (-x[1], x[0].position)) if score > 0]


def _restates_method(passage: Passage) -> bool:
    """The method said again ("We presented X, a model for ..."), with no result or consequence."""
    norm = passage.normalized
    return says_method(norm) and not says_finding(norm) and not says_consequence(norm)


def _outlook(passage: Passage) -> bool:
    """Future work and plans: what the paper did not do."""
    return _OUTLOOK_RE.search(passage.normalized) is not None


def _tldr(findings: list[Passage]) -> Passage | None:
    """The main finding as one sentence that stands alone, as short as a TL;DR allows."""
    singles = [
        p
        for p in findings
        if len(p.sentences) == 1 and not additive_opener(p.text, strong=True) and says_finding(p.normalized)
    ]
    if not singles:
        return None
    best = singles[0]
    if len(best.text) <= TLDR_MAX_CHARS:
        return best
    # Too long to read as a TL;DR: a shorter statement of a finding nearly as strong, the shortest
    # winning among those that are close.
    scores = {p: _score(p, FINDING_CUES, FINDING_SOURCE) for p in singles}
    fitting = [p for p in singles if len(p.text) <= TLDR_MAX_CHARS and 3 * scores[p] >= scores[best]]
    if not fitting:
        return best
    return max(fitting, key=lambda p: (scores[p] / (1 + len(p.text) / 300), -p.position))


def _unique(sentences: list[Sentence]) -> list[Sentence]:
    seen: set[str] = set()
    out = []
    for s in sentences:
        if s.normalized not in seen:
            seen.add(s.normalized)
            out.append(s)
    return out


def trim_at_word(text: str, limit: int = TLDR_MAX_CHARS) -> str:
    """Text cut to at most limit characters at a word boundary, with an ellipsis when cut."""
    return text_trim_at_word(text, limit)


def _claim(passage: Passage, locate: Callable[[str], str | None]) -> Claim:
    quote = passage.text
    evidence = Evidence(quote=quote, location=passage.location, verified=locate(quote) is not None)
    return Claim(text=quote, evidence=[evidence], quoted=True)


def summarize_extractive(parsed: ParsedPaper, *, max_claims: int = 3) -> PaperSummary:
    """A PaperSummary made of the paper's own sentences, each verified against the parsed text.

    Like the LLM path, it reports prompt-injection findings (text addressed to AI models, hidden
    text) and never quotes a sentence that addresses AI models.
    """
    # 1. Check inputs
    if max_claims < 1:
        raise ValueError(f"max_claims must be at least 1, got {max_claims}")
    every = _unique(paper_sentences(parsed))
    if not every:
        raise SummarizeError(describe_paper(parsed), "empty parse: no abstract and no body text to summarize")
    findings = scan_injection(parsed)

    # 2. Passages a reader accepts; a parse with none (formulas, fragments) falls back to looser limits.
    pool = _pool(parsed, every)
    lead = (
        [p for p in pool if p.last.kind == "abstract"] or [p for p in pool if p.last.kind == "intro"] or pool
    )

    # 3. The main finding: result cues and measured numbers, outside the background the abstract and
    # introduction open with; as one sentence that stands alone when there is one (the TL;DR).
    background = _background(every)
    findings_ranked = _ranked(
        [p for p in pool if says_finding(p.normalized) and p.position not in background],
        FINDING_CUES,
        FINDING_SOURCE,
    )
    main = _tldr(findings_ranked) or (findings_ranked[0] if findings_ranked else None)

    # 4. What was done: the method (contribution cues), then the main finding.
    found = [main] if main is not None and max_claims > 1 else []
    what = _method(pool, main, lead, found, max_claims) + found

    # 5. Why it matters: the consequence (and, weaker, further findings), as the abstract, the
    # introduction or the conclusion say it; never the field's background or future work.
    why = _why(pool, what, background, max_claims)

    # 6. TL;DR: the main finding in one sentence; a paper without one gets its method.
    first = main or what[0]
    locate = quote_locator(parsed)
    return PaperSummary(
        what_was_done=[_claim(p, locate) for p in what],
        why_it_matters=[_claim(p, locate) for p in why],
        tldr=trim_at_word(first.text),
        tldr_checked=True,  # the paper's own sentence: every number in it is the paper's
        generator="extractive",
        fallback=True,
        notices=[EXTRACTIVE_NOTICE, *([injection_notice(findings)] if findings else [])],
        injection_findings=findings,
    )


def _pool(parsed: ParsedPaper, every: list[Sentence]) -> list[Passage]:
    """The passages a reader accepts; with none (formulas, fragments), single sentences under looser
    limits."""
    pool = passages(every, paper_names(parsed.title))
    if not pool:
        loose = [s for s in every if matched_rule(s.text) is None]
        pool = [Passage((s,)) for s in loose if is_prose(s.text)]
        pool = pool or [Passage((s,)) for s in loose if is_prose(s.text, min_words=3, max_words=200)]
    if not pool:
        raise SummarizeError(
            describe_paper(parsed), f"no usable sentence among {len(every)} extracted (formulas or fragments)"
        )
    return pool


def _method(
    pool: list[Passage], main: Passage | None, lead: list[Passage], found: list[Passage], max_claims: int
) -> list[Passage]:
    """One or two statements of the method, in the paper's order, not saying what `found` says."""
    candidates = [
        p
        for p in pool
        if p is not main and (says_method(p.normalized) or p.last.kind in ("abstract", "intro"))
    ]
    methods = _best(candidates, WHAT_CUES, WHAT_SOURCE, max(1, min(2, max_claims - len(found))), found)
    if len(methods) > 1 and _score(methods[1], WHAT_CUES, WHAT_SOURCE) < 0.6 * _score(
        methods[0], WHAT_CUES, WHAT_SOURCE
    ):
        methods = methods[:1]
    methods = methods or [p for p in lead if p is not main][:1] or lead[:1]
    return sorted(methods, key=lambda p: p.position)


def _why(pool: list[Passage], what: list[Passage], background: set[int], max_claims: int) -> list[Passage]:
    """Why it matters, in the paper's order, never one of `what` (but in a one-sentence paper)."""
    rest = [p for p in pool if p not in what and p.position not in background and not _outlook(p)]
    # A second statement of the method ("We propose a search method ...") is no consequence.
    said = [p for p in rest if p.last.kind in WHY_KINDS and not _restates_method(p)] or rest
    why = _best(said, WHY_ALL_CUES, WHY_SOURCE, min(2, max_claims), what)
    if not why:
        closing = [p for p in rest if p.last.kind in ("abstract", "conclusion")]
        why = closing[-1:] if closing else rest[:1]
    if not why:
        why = what[-1:]  # a one-sentence paper: the only sentence is all we can say
    return sorted(why, key=lambda p: p.position)
