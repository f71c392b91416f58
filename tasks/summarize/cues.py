"""The extractive summarizer's cues: the words that mark a method, a finding or a consequence, weighted,
and how much each part of the paper counts for each.

Part of the selection rules: a change here changes summaries, so it bumps EXTRACTIVE_VERSION
(tasks/summarize/extractive.py). The review's fallback (extractive_review.py) reads them too.
"""

from __future__ import annotations

import re

Cues = list[tuple[re.Pattern[str], float]]


def _cues(spec: dict[str, float]) -> Cues:
    return [(re.compile(pattern), weight) for pattern, weight in spec.items()]


_WE = r"\bwe (?:also |further |then |first |here )?"  # "we also release", "we first construct"
# Patterns run on normalize_text() output: lowercase ASCII, line-break hyphens removed.
WHAT_CUES = _cues(
    {
        _WE + r"(propose|introduce|present|develop|design|describe|build|construct|formulate)": 3.0,
        _WE + r"(show|study|investigate|demonstrate|release|train|use|call|explore|model|reduce)\b": 1.0,
        r"\b(this|the present|our) (paper|work|study|article|thesis|report)\b": 2.0,
        r"\bin this (paper|work|thesis), we\b": 1.0,
        r"\bour (method|approach|model|system|framework|algorithm|technique|contribution|toolkit|"
        r"library)s?\b": 2.0,
        r"\b(novel|new) (method|approach|model|framework|benchmark|dataset|system|toolkit|algorithm|"
        r"family)": 1.0,
        r"\b(key|main|central|core|basic) idea\b": 2.0,
        r"\bcontributions?\b": 1.0,
    }
)
# Results: what review.md lists under "Results", and the finding of the summary.
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
# Weighted as sentences.FINDING_RE reads them: says_finding() decides whether a sentence is a result
# at all, these how strongly it says one.
FINDING_CUES = _cues(
    {
        r"\boutperform|\bsurpass|\bexceed|\bbeats?\b|\bsuperior": 3.0,
        r"\b(we|results?|experiments?|evaluations?|analys[ie]s|studies) (also )?(show|shows|showed|"
        r"demonstrate|demonstrates|establish|establishes|reveal|reveals|prove|proves|confirm|confirms|"
        r"indicate|indicates|suggest|suggests) (that|how|the|a|an|strong|clear)\b"
        r"|\bwe (also )?(find|found|observe|observed|see)\b": 2.5,
        r"\bstate[- ]?of[- ]?the[- ]?art\b|\bhighest\b|\bbest\b|\bsuperiority\b": 2.0,
        r"\bimprov(e|es|ed|ement|ements|ing)\b|\bachiev": 2.0,
        r"\b(reduc|increas|decreas)\w*\b(?=[^.]{0,40}\b(error|cost|time|memory|overfitting|latency|"
        r"compute|size|parameters|loss|variance|accuracy|performance|speed|throughput|by \d|from \d))": 1.5,
        r"\bsignificant(ly)?\b|\bsubstantial(ly)?\b|\bconsistent(ly)?\b|\beffective(ness|ly)?\b": 1.5,
        r"\b(is|are) the first\b|\bfor the first time\b|\bgeneraliz|\bfail(s|ed)? to\b": 1.5,
        r"\d(\.\d+)?\s?(%|x\b|\u00d7|-fold| ?points?\b| ?fps\b| ?bleu\b| ?f1\b|[mbk]\b)"
        r"|\b(more|less|fewer) than \d": 1.5,
        r"\bhas (been )?(powered|used|adopted|deployed)\b|\bin production\b"
        r"|\b(is|are|has been|have been) (being )?(used|deployed) (to|in|by)\b": 1.5,
        r"\bbetter\b|\bfaster\b|\bhigher\b|\blower\b|\bcompetitive\b|\bmatch(es|ed|ing)?\b": 1.0,
    }
)
CONSEQUENCE_CUES = _cues(
    {
        r"\benabl(e|es|ed|ing)\b|\ballow(s|ed|ing)?\b|\bmak(e|es|ing) it possible\b": 2.5,
        r"\bimplications?\b|\bpave|\bopens?\b|\bsuggests?\b|\b(this|which) means\b|\bmeans that\b": 2.0,
        r"\bcan (be|now|easily)\b|\bwithout\b|\bapplicab|\bapplications?\b|\bin practice\b": 1.5,
        r"\bimportant\b|\buseful\b|\bpractical\b|\bbenefit|\bimpact\b|\bhelps?\b": 1.5,
        r"\bcrucial\b|\bessential\b|\bscal(e|es|able|ability)\b|\bdeploy|\bin production\b": 1.0,
        r"\breal[- ]world\b|\bsimpler\b|\bcheaper\b|\bpowered\b|\bused (by|in|to)\b|\bwidely\b": 1.0,
        r"\bunderstand|\bexplain|\brethink|\bvalidate|\bfuture\b": 1.0,
    }
)
WHAT_SOURCE = {"abstract": 3.0, "intro": 2.0, "conclusion": 1.5, "body": 0.6, "results": 0.4, "related": 0.2}
FINDING_SOURCE = {
    "abstract": 3.0,
    "conclusion": 2.5,
    "intro": 1.8,
    "results": 1.6,
    "body": 0.5,
    "related": 0.1,
}
WHY_SOURCE = {"abstract": 3.0, "conclusion": 2.5, "intro": 0.8, "results": 0.5, "body": 0.4, "related": 0.2}
# Where "Why it matters?" is said: the abstract, the introduction and the conclusion.
WHY_KINDS = ("abstract", "intro", "conclusion")
# "(Devlin et al., 2019)", "[12]", "[Mni+15]": sentences about other people's work are worse claims.
CITATION_RE = re.compile(
    r"\bet al\b|\(\s*[^()]*\b(19|20)\d\d[a-z]?\s*\)|\[\d+(?:[,\u2013-]\s*\d+)*\]|\[[a-z][a-z+]*\d\d[a-z]?\]"
)
# Why it matters: the consequence first; a further finding says it too, less directly.
WHY_ALL_CUES = CONSEQUENCE_CUES + [(pattern, 0.5 * weight) for pattern, weight in FINDING_CUES]
