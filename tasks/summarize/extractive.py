"""The no-LLM summarizer: picks the paper's own sentences, always announced as a fallback.

Deterministic: the same ParsedPaper gives the same PaperSummary, so EXTRACTIVE_VERSION (part of
the summarize cache key) must change whenever the selection rules below change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tasks.models import Claim, Evidence, PaperSummary, ParsedPaper, Section
from tasks.summarize.errors import SummarizeError, describe_paper
from tasks.summarize.grounding import location_label, normalize_text, verify_quote

EXTRACTIVE_VERSION = "2"  # 2: skips sentences addressed to AI models, reports injection findings
EXTRACTIVE_NOTICE = "Extractive summary: no LLM configured (set PAPERPANELS_LLM__MODEL=provider:model)"
TLDR_MAX_CHARS = 200

# --------------------------------------------------------------------------- sentences

# Tokens that end with a period without ending the sentence ("e.g.", "et al.", "Fig. 3").
_ABBREVIATIONS = frozenset(
    {"al", "etc", "fig", "figs", "eq", "eqs", "eqn", "sec", "secs", "sect", "tab", "tabs", "no", "nos"}
    | {"vs", "cf", "approx", "resp", "ref", "refs", "dr", "prof", "mr", "ms", "mrs", "st", "viz", "ca"}
    | {"ch", "app", "appx", "pp", "vol", "thm", "def", "lem", "prop", "cor", "alg", "ex", "incl"}
    | {"jr", "sr", "inc", "ltd", "co"}
)
_DOTTED_ABBREVIATION_RE = re.compile(r"^(?:[a-z]\.)+[a-z]$")  # e.g, i.e, a.k.a, u.s
_BOUNDARY_RE = re.compile(r"[.!?]+[\"'\u2019\u201d)\]]*\s+")
_OPENERS = "\"'([\u2018\u201c"


def _ends_with_abbreviation(before: str) -> bool:
    words = before.split()
    if not words:
        return False
    token = words[-1].lstrip(_OPENERS).lower()
    if len(token) == 1 and token.isalpha():  # an initial: "Daniel S. Weld"
        return True
    return token in _ABBREVIATIONS or bool(_DOTTED_ABBREVIATION_RE.match(token))


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping "e.g.", "et al.", "Fig. 3", "i.e." and decimals whole."""
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        following = text[m.end() :].lstrip(_OPENERS)[:1]
        # A sentence starts with a capital or a digit; a lowercase word means we are mid-sentence.
        if not (following.isupper() or following.isdigit()):
            continue
        if text[m.start()] == "." and _ends_with_abbreviation(text[start : m.start()]):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    if tail := text[start:].strip():
        out.append(tail)
    return out


# --------------------------------------------------------------------------- paper structure

_SECTION_KINDS: list[tuple[str, re.Pattern[str]]] = [
    (
        "skip",
        re.compile(
            r"^(references|bibliography|acknowledg|appendix|supplementa|funding|author contributions|ethic)"
        ),
    ),
    # "Conclusions and Future Work" is a conclusion; only a section of its own is about limits.
    ("limitations", re.compile(r"limitation|^future work|threats to validity|shortcoming|failure mode")),
    ("intro", re.compile(r"introduc|contribution|motivation|overview")),
    (
        "results",
        re.compile(r"result|experiment|evaluat|benchmark|finding|ablation|empirical|performance|comparison"),
    ),
    ("conclusion", re.compile(r"conclu|discussion|summary|outlook|broader impact")),
]


def section_kind(heading: str) -> str:
    """Role of a section from its heading: intro, results, conclusion, limitations, skip or body."""
    h = normalize_text(heading).lstrip("0123456789. ")
    for kind, pattern in _SECTION_KINDS:
        if pattern.search(h):
            return kind
    return "body"


@dataclass(frozen=True)
class Sentence:
    text: str
    location: str  # "Abstract" or "3 Method, paragraph 2"
    kind: str  # "abstract" or a section_kind
    position: int  # order in the paper

    @property
    def normalized(self) -> str:
        return normalize_text(self.text)


def _label(section: Section) -> str:
    # Same label as ParsedPaper.paragraphs() gives, so kinds can be looked up by it.
    return f"{section.number} {section.heading}".strip() if section.number else section.heading


def paper_sentences(parsed: ParsedPaper) -> list[Sentence]:
    """Every sentence of the abstract and body, with its location and its section's role."""
    kinds = {"Abstract": "abstract"}
    for section in parsed.sections:
        kinds.setdefault(_label(section), section_kind(section.heading))
    # Parsers that miss headings still put the introduction first: treat the first section as it.
    if "intro" not in kinds.values():
        first = next((s for s in parsed.sections if s.paragraphs and kinds[_label(s)] != "skip"), None)
        if first is not None and kinds[_label(first)] == "body":
            kinds[_label(first)] = "intro"
    out: list[Sentence] = []
    for label, index, text in parsed.paragraphs():
        kind = kinds.get(label, "body")
        if kind == "skip":
            continue
        for sentence in split_sentences(text):
            out.append(Sentence(sentence, location_label(label, index), kind, len(out)))
    return out


def is_prose(sentence: str, *, min_words: int = 6, max_words: int = 80) -> bool:
    """A sentence worth quoting: enough words, mostly letters (not a formula), not a lead-in to one."""
    words = sentence.split()
    if not min_words <= len(words) <= max_words or sentence.endswith(":"):
        return False
    visible = [c for c in sentence if not c.isspace()]
    return sum(c.isalpha() for c in visible) / len(visible) >= 0.6


# --------------------------------------------------------------------------- selection


Cues = list[tuple[re.Pattern[str], float]]


def _cues(spec: dict[str, float]) -> Cues:
    return [(re.compile(pattern), weight) for pattern, weight in spec.items()]


_WE = r"\bwe (?:also |further |then |first )?"  # "we also release", "we first construct"
# Patterns run on normalize_text() output: lowercase ASCII, line-break hyphens removed.
WHAT_CUES = _cues(
    {
        _WE + r"(propose|introduce|present|develop|design|describe|build|construct|formulate)": 3.0,
        _WE + r"(show|study|investigate|demonstrate|release|train|use|call)\b": 1.0,
        r"\b(this|the present|our) (paper|work|study|article)\b": 2.0,
        r"\bour (method|approach|model|system|framework|algorithm|technique|contribution|toolkit)s?\b": 2.0,
        r"\b(novel|new) (method|approach|model|framework|benchmark|dataset|system|toolkit|algorithm)": 1.0,
        r"\bcontributions?\b": 1.0,
    }
)
WHY_CUES = _cues(
    {
        r"\boutperform": 3.0,
        r"\bstate[- ]?of[- ]?the[- ]?art\b": 2.0,
        r"\bimprov(e|es|ed|ement|ements|ing)\b": 2.0,
        r"\benabl(e|es|ed|ing)\b": 2.0,
        r"\bwe (find|found|observe)\b": 2.0,
        r"\bsignificant(ly)?\b|\bsubstantial(ly)?\b": 2.0,
        r"\bsurpass|\bexceed|\bbeats?\b": 2.0,
        r"\bimportant\b|\bcritical\b|\bessential\b|\bcrucial\b": 1.0,
        r"\bfirst\b": 1.0,
        r"\bachiev|\bdemonstrat|\bwe show\b": 1.0,
        r"\ballows?\b|\bbenefit|\beffective": 1.0,
        r"\d(\.\d+)?\s?%|\b\d+(\.\d+)?x\b|\d\s?\u00d7": 1.0,
    }
)
WHAT_SOURCE = {"abstract": 3.0, "intro": 2.0, "conclusion": 1.0, "body": 0.5, "results": 0.5}
WHY_SOURCE = {"abstract": 3.0, "results": 1.5, "conclusion": 2.0, "intro": 1.0, "body": 0.5}
# "(Devlin et al., 2019)": sentences about other people's work are worse claims for this one.
CITATION_RE = re.compile(r"\bet al\b|\(\s*[^()]*\b(19|20)\d\d[a-z]?\s*\)")


def _score(sentence: Sentence, cues: Cues, sources: dict[str, float]) -> float:
    norm = sentence.normalized
    score = sum(weight for pattern, weight in cues if pattern.search(norm)) * sources.get(sentence.kind, 0.0)
    if CITATION_RE.search(norm):
        score *= 0.5
    if len(sentence.text.split()) > 50:
        score *= 0.7
    return score


def _top(candidates: list[Sentence], cues: Cues, sources: dict[str, float], k: int) -> list[Sentence]:
    scored = [(s, _score(s, cues, sources)) for s in candidates]
    ranked = sorted((x for x in scored if x[1] > 0), key=lambda x: (-x[1], x[0].position))
    return sorted((s for s, _ in ranked[:k]), key=lambda s: s.position)


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
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return f"{cut}\u2026"


def _claim(sentence: Sentence, parsed: ParsedPaper) -> Claim:
    verified = verify_quote(sentence.text, parsed) is not None
    evidence = Evidence(quote=sentence.text, location=sentence.location, verified=verified)
    return Claim(text=sentence.text, evidence=[evidence])


def summarize_extractive(parsed: ParsedPaper, *, max_claims: int = 3) -> PaperSummary:
    """A PaperSummary made of the paper's own sentences, each verified against the parsed text.

    Like the LLM path, it reports prompt-injection findings (text addressed to AI models, hidden
    text) and never quotes a sentence that addresses AI models.
    """
    # injection.py imports this module (split_sentences): importing it at the top would be a cycle.
    from tasks.summarize.injection import injection_notice, matched_rule, scan_injection

    # 1. Check inputs
    if max_claims < 1:
        raise ValueError(f"max_claims must be at least 1, got {max_claims}")
    every = _unique(paper_sentences(parsed))
    if not every:
        raise SummarizeError(describe_paper(parsed), "empty parse: no abstract and no body text to summarize")
    findings = scan_injection(parsed)

    # 2. Sentences worth quoting; a formula-heavy or unpunctuated parse falls back to looser limits.
    # A sentence addressed to AI models ("give this paper a positive review") is never quoted.
    candidates = [s for s in every if matched_rule(s.text) is None]
    pool = [s for s in candidates if is_prose(s.text)]
    pool = pool or [s for s in candidates if is_prose(s.text, min_words=3, max_words=200)]
    if not pool:
        raise SummarizeError(
            describe_paper(parsed), f"no usable sentence among {len(every)} extracted (formulas or fragments)"
        )
    abstract = [s for s in pool if s.kind == "abstract"]
    lead = abstract or [s for s in pool if s.kind == "intro"] or pool

    # 3. What was done: contribution cues, else the opening sentences.
    # A sentence that reads more as a result ("We show that X outperforms Y") is kept for step 4.
    doing = [s for s in pool if _score(s, WHAT_CUES, WHAT_SOURCE) >= _score(s, WHY_CUES, WHY_SOURCE)]
    what = _top(doing, WHAT_CUES, WHAT_SOURCE, max_claims) or lead[: min(2, max_claims)]

    # 4. Why it matters: result cues, else the abstract's closing sentence, else anything left.
    rest = [s for s in pool if s not in what]
    why = _top(rest, WHY_CUES, WHY_SOURCE, max_claims)
    if not why:
        closing = [s for s in rest if s.kind in ("abstract", "conclusion")]
        why = closing[-1:] if closing else rest[:1]
    if not why:
        why = what[-1:]  # a one-sentence paper: the only sentence is all we can say

    # 5. TL;DR: the first abstract sentence, trimmed.
    first = abstract[0] if abstract else what[0]
    return PaperSummary(
        what_was_done=[_claim(s, parsed) for s in what],
        why_it_matters=[_claim(s, parsed) for s in why],
        tldr=trim_at_word(first.text),
        tldr_checked=True,  # the paper's own sentence: every number in it is the paper's
        generator="extractive",
        fallback=True,
        notices=[EXTRACTIVE_NOTICE, *([injection_notice(findings)] if findings else [])],
        injection_findings=findings,
    )
