"""What makes a paper's sentence quotable on its own: complete, self-contained, not boilerplate.

A reader of an extractive summary sees single sentences cut out of the paper. Each check here names
what would make such a sentence fail a reader: figure or table residue instead of prose, an opening
that points back at text the reader does not have ("This", "To quantify this", "These results"),
or boilerplate (broader impact, acknowledgements, "In this section we"). The extractive summarizer
selects with them and bench/summary_eval.py counts them, so both mean the same thing by each.

Patterns run on the sentence as printed (case matters for openers) or on normalize_text() output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tasks.summarize.grounding import normalize_text
from tasks.summarize.paper_text import BOILERPLATE_SECTION_RE
from tasks.text import paper_names, split_sentences

if TYPE_CHECKING:
    from tasks.models import PaperSummary

# --------------------------------------------------------------------------- completeness

_STARTS_RE = re.compile(r"^[\"'“‘(\[]?[A-Z0-9]")
_ENDS_RE = re.compile(r"[.!?][\"'”’)\]]*$")
# Three numbers in a row with nothing but spaces between: an axis, a table row, a legend.
_NUMBER_RUN_RE = re.compile(r"(?:[-+−]?\d[\d.,]*%?\s+){2,}[-+−]?\d[\d.,]*%?")
_NUMBER_TOKEN_RE = re.compile(r"^[-+−(]?\d[\d.,]*%?[)]?[,;]?$")
# A caption label inside running text: the figure's own text leaked into the paragraph.
_CAPTION_INSIDE_RE = re.compile(r".\s(?:Figure|Fig\.|Table)\s+[A-Z]?\d+\s*[:|]")
_BULLET_RE = re.compile(r"^[•●▪◦‣∙·*–—-]\s")
_LETTER_RATIO = 0.6


def incomplete_reason(
    sentence: str, *, names: frozenset[str] = frozenset(), min_words: int = 6, max_words: int = 60
) -> str | None:
    """Why the sentence is not a complete sentence of prose (figure/table residue, a fragment), or None.

    names: lower-case names the paper gives itself ("papermage"), which may start a sentence.
    """
    text = " ".join(sentence.split())
    words = text.split()
    if not min_words <= len(words) <= max_words:
        return f"{len(words)} words"
    if _BULLET_RE.match(text):
        return "a list bullet"
    if not _STARTS_RE.match(text) and words[0].lower().strip("\"'“‘(") not in names:
        return "does not start a sentence"
    if text.endswith(("-", "\x02")) or not _ENDS_RE.search(text):
        return "does not end a sentence"
    visible = [c for c in text if not c.isspace()]
    if sum(c.isalpha() for c in visible) < _LETTER_RATIO * len(visible):
        return "mostly symbols or numbers"
    if _NUMBER_RUN_RE.search(text):
        return "a run of numbers (axis, legend or table cells)"
    if sum(bool(_NUMBER_TOKEN_RE.match(w)) for w in words) > 0.25 * len(words):
        return "mostly numbers"
    if text.count("(") > text.count(")") or text.count("[") > text.count("]"):
        return "an unclosed bracket (cut off)"
    if _CAPTION_INSIDE_RE.search(text):
        return "a caption inside the text"
    lowercase = sum(1 for w in words if w[:1].islower())
    if lowercase < 0.3 * len(words):
        # "Number of Samples k LiveCodeBench Pass@1": labels, not a sentence.
        return "labels, not a sentence"
    return None


# --------------------------------------------------------------------------- references back

# The paper itself is no unresolved reference: "This paper shows", "This work".
_SELF = r"(?:paper|work|study|article|thesis|report|letter|manuscript|dissertation|survey|note)\b"
_DANGLING_RE = re.compile(
    r"^(?:"
    rf"(?:This|These|That|Those|Such)\b(?!\s+{_SELF})"
    r"|(?:It|Its|They|Their|Them|He|She|His|Her|Both|Either|Neither)\b"
    r"(?!\s+(?:is|was)\s+(?:\w+\s+){1,2}(?:that|to)\b)"
    r"|(?:But|And|Or|So|Yet|Still|Though|Indeed|Again)\b"
    r"|The (?:former|latter|same|above|aforementioned|resulting)\b"
    r"|Here\b|Thus\b|Hence\b|Therefore\b|Consequently\b|Accordingly\b|Similarly\b|Likewise\b"
    r"|However\b|Nevertheless\b|Nonetheless\b|Instead\b|Conversely\b|Otherwise\b|In contrast\b"
    r"|For (?:instance|example)\b|On the other hand\b|As a result\b|As such\b"
    r"|As (?:shown|seen|mentioned|discussed|noted) (?:above|before|earlier)\b"
    r"|For (?:this|that|these) (?:reason|purpose)s?\b|Because of (?:this|that)\b|Despite (?:this|that)\b"
    rf"|(?:In|With|Under|At|By|From|Given|Unlike|Beyond) (?:this|that|these|those|such)\b(?!\s+{_SELF})"
    rf"|To (?:\w+ ){{0,3}}(?:this|that|these|those|it|them)\b(?!\s+{_SELF})"
    r")"
)
# Early in a sentence, an object that is only named before it: "We propose to do this by ...",
# "we show how these traditional approaches fail".
_EARLY_REFERENCE_RE = re.compile(
    r"^(?:\S+\s+){0,8}?(?P<ref>"
    r"(?:do|does|did|address|addresses|solve|solves|tackle|overcome|mitigate|handle|avoid|prevent|"
    r"alleviate|achieve|achieves) (?:this|that|these|those|it|them)\b"
    r"|(?:this|these|those|such) (?:\w+ )?(?:problems?|issues?|challenges?|limitations?|gaps?|questions?|"
    r"ideas?|effects?|phenomen(?:on|a)|observations?|results?|findings?|approach(?:es)?|methods?|"
    r"models?|networks?|techniques?|properties|points|cases|settings|goals?|tasks?|gains?)\b"
    # A pronoun subject after a short opening phrase: "Today, it is used in production".
    r"|(?<=, )(?:it|they|this|these)\b(?= \w)"
    r")"
)
# Additive openers read fine after the sentence before, and weaker alone: kept, ranked lower. The
# strong ones ("Moreover", "Finally") announce a second point: no TL;DR starts with one.
_ADDITIVE_RE = re.compile(r"^(?:Specifically|In particular|Overall|Notably|Importantly)\b")
_STRONG_ADDITIVE_RE = re.compile(
    r"^(?:Moreover|Furthermore|Additionally|In addition|Also|Besides|Further|Finally|Second(?:ly)?|"
    r"Third(?:ly)?|Next|Then|Lastly)\b"
)


def dangling_opener(sentence: str) -> str | None:
    """The opening words that point back at an earlier sentence ("This", "To quantify this"), or None."""
    text = sentence.lstrip("\"'“‘(")
    match = _DANGLING_RE.match(text)
    if match is None:
        early = _EARLY_REFERENCE_RE.match(text)
        return early.group("ref") if early else None
    # Name the reference with the word after a bare demonstrative: "These results", "Such models".
    words = text.split()
    if match.group() in ("This", "These", "That", "Those", "Such") and len(words) > 1:
        return " ".join(words[:2])
    return match.group()


def additive_opener(sentence: str, *, strong: bool = False) -> bool:
    """An opening that adds to the sentence before ("Moreover", "Specifically"); strong: only those
    that announce a further point ("Moreover", "Finally"), not those that make one precise."""
    text = sentence.lstrip("\"'“‘(")
    return _STRONG_ADDITIVE_RE.match(text) is not None or (
        not strong and _ADDITIVE_RE.match(text) is not None
    )


# --------------------------------------------------------------------------- boilerplate

_BOILERPLATE_RE = re.compile(
    r"^in this (?:section|appendix|chapter|subsection)\b"
    r"|^(?:the )?(?:rest|remainder|structure) of (?:this|the) (?:paper|work|article|thesis|report)\b"
    r"|\b(?:paper|article|thesis|report) is (?:organized|structured) as follows\b"
    r"|^section \d+(?:\.\d+)* (?:describes|presents|introduces|discusses|concludes|reviews|covers)\b"
    r"|^(?:we|the authors) (?:would like to )?thank\b|^we are grateful\b|\bwe gratefully acknowledge\b"
    r"|\bthis (?:work|research|project) (?:was|is|has been) (?:partially |partly |in part )?"
    r"(?:supported|funded|sponsored)\b"
    r"|\b(?:code|data|datasets?|models?|software|implementation)s?\b[^.]{0,40}\b(?:is|are) "
    r"(?:publicly |freely |openly )?(?:available|released|hosted)\b"
    r"|\bare available (?:at|from|on)\b|\bcan be (?:found|downloaded|accessed) (?:at|from)\b"
    r"|\blicen[cs]ed under\b|\bcorrespondence to\b|\bequal contribution\b|\bwork done (?:while|during)\b"
    r"|\binteractive version of\b|\bpreprint\b|\bunder review\b|\bpublished as\b|\bcamera[- ]ready\b"
    r"|\bauthors are (?:listed|ordered)\b|^(?:keywords|index terms)\b"
    r"|\bbefore we conclude\b|\bwe (?:now )?briefly (?:describe|discuss|review|summarize|outline)\b"
    r"|\b(?:can be found|(?:is|are) (?:shown|given|provided|reported|listed|presented|detailed|illustrated))"
    r" in (?:the )?(?:figure|fig|table|appendix|section|sec|supplementary|supplement)\b"
    r"|^in (?:section|sec|appendix|chapter) \d|^see (?:figure|fig|table|appendix|section)\b"
    r"|\bbroader impacts?\b|\bsocietal impacts?\b|\bethical (?:concerns|considerations|implications)\b"
)
# A link in a sentence makes it about where to get something; a site named in passing
# ("features in www.semanticscholar.org") does not.
_URL_RE = re.compile(r"https?://|\b(?:github|gitlab)\.(?:com|io)\b|\bhuggingface\.co/|\bgit\.io/", re.I)


def boilerplate_reason(normalized: str, section_heading: str = "") -> str | None:
    """Why a sentence (normalize_text() output) is boilerplate for a summary, or None.

    section_heading is its section's heading as printed; every sentence of a broader-impact, ethics,
    reproducibility, acknowledgements, funding or checklist section is boilerplate.
    """
    heading = normalize_text(section_heading).lstrip("0123456789. ")
    if heading and BOILERPLATE_SECTION_RE.match(heading):
        return f"in the section '{section_heading}'"
    if _URL_RE.search(normalized):
        return "a link"
    match = _BOILERPLATE_RE.search(normalized)
    return f"boilerplate ('{match.group().strip()}')" if match else None


# --------------------------------------------------------------------------- what a sentence says

_WE = r"\bwe (?:also |further |then |first |here |now )?"
METHOD_RE = re.compile(
    _WE + r"(?:propose|introduce|present|develop|design|describe|build|construct|formulate|devise|"
    r"create|contribute|release|study|investigate|explore|train|model|reduce|call)(?:s|d|ed)?\b"
    r"|\b(?:this|the present|our) (?:paper|work|study|article|thesis|report)\b"
    r"|\bour (?:method|approach|model|system|framework|algorithm|technique|toolkit|library|dataset|"
    r"benchmark)s?\b"
    r"|\b(?:novel|new) (?:method|approach|model|framework|benchmark|dataset|system|toolkit|library|"
    r"algorithm|family|objective|loss|architecture)\b"
    r"|\b(?:contributions?|is designed|we call|named)\b|\b(?:key|main|central|core|basic) idea\b"
)
_MEASURES = (
    r"error|errors|cost|costs|time|memory|overfitting|latency|compute|size|parameters|loss|variance|"
    r"accuracy|performance|speed|throughput|by \d|from \d|\d+(?:\.\d+)?\s?%"
)
FINDING_RE = re.compile(
    r"\boutperform|\bsurpass|\bexceed|\bbeats?\b|\bsuperior|\bimprov(?:e|es|ed|ement|ements|ing)\b"
    r"|\bachiev|\bstate[- ]of[- ]the[- ]art\b"
    # "We reduce X to Y" is a method; "reduces the error by 20%" a result.
    rf"|\b(?:reduc|increas|decreas)\w*\b(?=[^.]{{0,40}}\b(?:{_MEASURES}))"
    r"|\bbetter\b|\bfaster\b|\bhigher\b|\blower\b|\bcompetitive\b|\bmatch(?:es|ed|ing)?\b"
    r"|\bsignificant(?:ly)?\b|\bsubstantial(?:ly)?\b|\bconsistent(?:ly)?\b|\beffective(?:ness|ly)?\b"
    r"|\b(?:we|results?|experiments?|evaluations?|analys[ie]s|studies) (?:also )?(?:show|shows|showed|"
    r"demonstrate|demonstrates|establish|establishes|reveal|reveals|prove|proves|confirm|confirms|"
    r"indicate|indicates|suggest|suggests) (?:that|how|the|a|an|strong|clear)\b"
    r"|\bwe (?:also )?(?:find|found|observe|observed|see)\b"
    r"|\b(?:is|are) the first\b|\bfor the first time\b|\bgeneraliz(?:e|es|ed|ation)\b|\bfail(?:s|ed)? to\b"
    r"|\d(?:\.\d+)?\s?(?:%|x\b|×|-fold|\s?points?\b|\s?fps\b|\s?bleu\b|\s?f1\b|[mbk]\b)"
    r"|\b(?:more|less|fewer) than \d|\bsuperiority\b|\bhighest\b|\bbest\b"
    r"|\bhas (?:been )?(?:powered|used|adopted|deployed)\b|\bin production\b"
    r"|\b(?:is|are|has been|have been) (?:being )?(?:used|deployed) (?:to|in|by)\b"
)
# "in order to improve", "to reduce the cost": a purpose, not an outcome.
_PURPOSE_RE = re.compile(
    r"\b(?:in order )?to (?:further )?(?:improve|reduce|increase|achieve|outperform|match)\b"
)
CONSEQUENCE_RE = re.compile(
    r"\benabl(?:e|es|ed|ing)\b|\ballow(?:s|ed|ing)?\b|\bmak(?:e|es|ing) it possible\b|\bcan (?:be|now)\b"
    r"|\bopens?\b|\bpave|\bimplications?\b|\bimportant\b|\buseful\b|\bpractical\b|\bpractice\b"
    r"|\bbenefit|\bimpact\b|\bhelps?\b|\bsuggests?\b|\bmeans that\b|\bapplications?\b|\bapplicable\b"
    r"|\bcrucial\b|\bessential\b|\bcritical\b|\bwithout\b|\bscal(?:e|es|able|ability)\b|\bdeployed?\b"
    r"|\bin production\b|\bwidely\b|\breal[- ]world\b|\bsimpler\b|\bcheaper\b|\bpowered\b"
    r"|\bused (?:by|in|to)\b"
    r"|\bunderstand|\bexplain|\bquestion\b|\brethink|\bvalidate"
)
MOTIVATION_RE = re.compile(
    r"^(?:despite|although|while|recent(?:ly)?|in recent years|over the (?:past|last)|"
    r"(?:large|deep|modern|current|existing|standard|conventional|most|many|some)\b)"
)


def says_method(normalized: str) -> bool:
    return METHOD_RE.search(normalized) is not None


def says_finding(normalized: str) -> bool:
    """A result: an outcome verb or a measured number, not a purpose, motivation or background."""
    if MOTIVATION_RE.match(normalized):
        return False
    return any(
        not _PURPOSE_RE.search(normalized[max(0, m.start() - 20) : m.end()])
        for m in FINDING_RE.finditer(normalized)
    )


def says_consequence(normalized: str) -> bool:
    return CONSEQUENCE_RE.search(normalized) is not None


# --------------------------------------------------------------------------- a summary, checked


@dataclass
class SummaryReport:
    """How a summary's quotes read: what bench/summary_eval.py prints and the corpus tests assert."""

    sentences: int = 0  # sentences quoted, over every claim's evidence
    incomplete: list[str] = field(default_factory=list)  # "sentence: reason"
    dangling: list[str] = field(default_factory=list)  # a quote that opens pointing back
    boilerplate: list[str] = field(default_factory=list)
    tldr_finding: bool = False  # the TL;DR states a result
    tldr_whole: bool = False  # the TL;DR is one whole sentence, not cut short

    @property
    def complete(self) -> int:
        return self.sentences - len(self.incomplete)

    @property
    def ok(self) -> bool:
        return (
            not (self.incomplete or self.dangling or self.boilerplate)
            and self.tldr_finding
            and self.tldr_whole
        )


def check_summary(summary: PaperSummary, title: str = "") -> SummaryReport:
    """Check every quoted sentence of a summary (complete, self-contained, no boilerplate) and its TL;DR.

    A quote of two sentences may open with a reference back in its second sentence: the first one
    comes with it. A claim's location names its section ("8 Broader Impact, paragraph 1"), whose
    heading decides boilerplate by section.
    """
    names = paper_names(title)
    report = SummaryReport()
    for claim in summary.claims():
        for evidence in claim.evidence:
            quoted = split_sentences(evidence.quote, names)
            heading = (evidence.location or "").split(", paragraph", 1)[0]
            if quoted and dangling_opener(quoted[0]):
                report.dangling.append(quoted[0])
            for sentence in quoted:
                report.sentences += 1
                if reason := incomplete_reason(sentence, names=names, max_words=80):
                    report.incomplete.append(f"{sentence}: {reason}")
                if reason := boilerplate_reason(normalize_text(sentence), heading):
                    report.boilerplate.append(f"{sentence}: {reason}")
    tldr = " ".join(summary.tldr.split())
    report.tldr_finding = says_finding(normalize_text(tldr)) and dangling_opener(tldr) is None
    report.tldr_whole = (
        not tldr.endswith("…")
        and len(split_sentences(tldr, names)) == 1
        and incomplete_reason(tldr, names=names, max_words=80) is None
    )
    return report
