"""Captions that end where a thought ends: whole sentences, or a clause, never half a parenthesis.

A claim is tidied (citations, bullets and "In this paper," openers go), split into sentences
without breaking at "e.g.", "et al." or "3.1", and boilerplate sentences (broader impact, "In
this section", acknowledgements) are dropped. The caption is the longest run of whole sentences
that fits; a first sentence that is too long is cut after a clause (at a comma, semicolon, colon
or dash outside parentheses and numbers) and ends with an ellipsis. When no cut reads as a thought,
there is no caption: the writer takes a shorter claim instead.
"""

from __future__ import annotations

import re

from tasks.text import split_sentences

CAPTION_CHARS = 170  # four lines in a panel; at 15 CSS px a phone shows about 45 characters a line
MIN_CLAUSE = 45  # a clause shorter than this says too little to stand for its sentence
ELLIPSIS = "…"

# Word lists read best as words.
FUNCTION_WORDS = frozenset(
    (  # noqa: SIM905
        "a an the of to in on for with and or but nor by from as at that which who whose whom is are was "
        "were be been being its their our his her this these those than into via over under between such "
        "both either each per so if while when whereas although because since not no"
    ).split()
)
# A clause that opens with one of these is a dependent clause: it does not stand alone.
SUBORDINATE_OPENERS = re.compile(
    r"^(?:although|though|while|whereas|if|when|because|since|as|despite|unless|until|to|for|by|unlike|"
    r"whether|given|once|after|before|inspired|motivated|based|compared|driven|guided|using|leveraging|"
    r"building|following|with|without|in order)\b",
    re.I,
)
# After a comma, a new clause starts with one of these; any other word may be the next item of a list.
CLAUSE_STARTS = re.compile(
    r"^(?:which|who|where|while|whereas|but|thus|so|yet|allowing|leading|showing|demonstrating|making|"
    r"enabling|yielding|achieving|including|resulting|reaching|improving|outperforming|such as|as well as|"
    r"and (?:we|it|they|this|show|shows|achieve|achieves|develop|develops|release|releases|demonstrate|"
    r"demonstrates|improve|improves|find|finds|outperform|outperforms|propose|proposes|present|presents))\b",
    re.I,
)
# Where a sentence may be cut without a comma: before a phrase that only adds how or with what.
PHRASE_CUTS = re.compile(r" (?=(?:which|based on|by \w+ing|using|via|through|while|whereas) )")
BOILERPLATE = [
    re.compile(p, re.I)
    for p in (
        r"\bbroader impacts?\b",
        r"\bsocietal impacts?\b",
        r"^in this section\b",
        r"^in the (?:next|following|previous) sections?\b",
        r"\backnowledge?ments?\b",
        r"^we (?:would like to )?thank\b",
        r"\b(?:is|was) (?:supported|funded) (?:in part )?by\b",
        r"\bthe (?:rest|remainder) of (?:this|the) (?:paper|article)\b",
        r"\bis (?:organi[sz]ed|structured) as follows\b",
        r"^(?:see|refer to) (?:the )?(?:appendix|section|table|figure|supplementary)\b",
        r"\b(?:code|data|models?) (?:is|are|will be) (?:publicly |freely )?(?:available|released)\b",
        r"^(?:table|figure|fig\.)\s*\d",
        r"^before we conclude\b",
        r"\bcontributions? (?:of this (?:work|paper) )?(?:is|are) (?:two|three|four|five)-?fold\b",
        r"^our (?:main )?contributions are\b",
        r"\bet al\.",  # a sentence about other people's papers
        r"\blimitations? (?:of|and) (?:this|our) (?:work|study)\b",
    )
]
CITATION_RES = [
    re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]"),  # [12], [3, 7], [4-6]
    # (Smith et al., 2020), (Smith and Lee, 2019; Wu, 2021a), Smith et al. (2020)
    re.compile(
        r"\s*\((?:e\.g\.,?\s*|see\s+)?(?:[A-Z][\w'’-]+(?:\s+et\s+al\.)?(?:\s*(?:,|and|&)\s*[A-Z][\w'’-]+)*"
        r",?\s*\d{4}[a-z]?(?:;\s*)?)+\)"
    ),
    re.compile(
        r"\s*\((?:see\s+)?(?:Fig\.|Figs\.|Figure|Table|Sec\.|Section|§|Appendix|Eq\.|Alg\.)\s*[\w.]+\)"
    ),
    re.compile(r"\s*\(§\s*[\d.]+\)"),
]
OPENERS = re.compile(
    r"^(?:[•·▪◦*-]\s*)?(?:(?:in this (?:work|paper|study|article)|overall|specifically|additionally|"
    r"furthermore|"
    r"in addition|moreover|notably|indeed|finally|first|second|third|to this end|in summary|in short|"
    r"(?:as shown )?in (?:table|figure|fig\.) \d+|nevertheless|however|in particular|importantly)"
    r",?\s+)?",
    re.I,
)
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_TERMINAL = (".", "!", "?", '."', ".”", "!”", "?”", ".)", ".’", ELLIPSIS)


ACRONYM_RE = re.compile(r"\s*\((?:[A-Z][A-Za-z0-9-]{1,10}|[A-Z]{2,}s)\)")  # "(NLP)", "(MvMM)", "(LLMs)"


def tidy(text: str) -> str:
    """Whitespace collapsed; citations, acronym definitions and discourse openers removed."""
    text = " ".join(text.replace("\u00ad", "").split())
    for pattern in (*CITATION_RES, ACRONYM_RE):
        text = pattern.sub("", text)
    opened = OPENERS.sub("", text, count=1)
    if opened != text and opened[:1].islower():
        opened = opened[0].upper() + opened[1:]
    text = re.sub(r"\s+([,.;:])", r"\1", opened)
    return text.strip()


def _depth_changes(ch: str) -> int:
    return 1 if ch in "([{" else -1 if ch in ")]}" else 0


def is_boilerplate(sentence: str) -> bool:
    """A sentence about the paper's housekeeping, not its content."""
    return any(p.search(sentence) for p in BOILERPLATE)


def balanced(text: str) -> bool:
    """Every bracket closed and straight double quotes paired."""
    depth = 0
    for ch in text:
        depth += _depth_changes(ch)
        if depth < 0:
            return False
    return depth == 0 and text.count('"') % 2 == 0 and text.count("“") == text.count("”")


def _last_word(text: str) -> str:
    words = re.findall(r"[\w'’-]+", text)
    return words[-1].lower() if words else ""


def ends_at_boundary(caption: str) -> bool:
    """True when the caption ends a sentence, or a whole clause marked with an ellipsis."""
    text = caption.rstrip()
    if not text or not balanced(text):
        return False
    if text.endswith(ELLIPSIS):
        head = text[: -len(ELLIPSIS)].rstrip()
        return bool(head) and head[-1] not in ",;:-–—(" and _last_word(head) not in FUNCTION_WORDS
    return text.endswith(_TERMINAL)


def _sentence_end(sentence: str) -> str | None:
    """The sentence with a full stop if it lacks one, or None when it was cut mid-word or mid-phrase."""
    s = sentence.rstrip()
    if s.endswith(_TERMINAL):
        return s
    if s.endswith(("-", ",", ";", ":", "(")) or _last_word(s) in FUNCTION_WORDS or not balanced(s):
        return None  # text extraction cut it off ("that lever-"): not a thought
    return s + "."


def _top_level_commas(text: str) -> int:
    depth, count = 0, 0
    for ch in text:
        depth = max(0, depth + _depth_changes(ch))
        count += ch == "," and depth == 0
    return count


def clause_cut(sentence: str, limit: int = CAPTION_CHARS) -> str | None:
    """The longest leading clause that fits in `limit`, with an ellipsis; None when none reads whole."""
    if SUBORDINATE_OPENERS.match(sentence):
        return None  # "Although A, B": A alone says the opposite of the sentence
    best = None
    depth = 0
    phrase_cuts = {m.start() for m in PHRASE_CUTS.finditer(sentence)}
    for i, ch in enumerate(sentence):
        depth = max(0, depth + _depth_changes(ch))
        if i + len(ELLIPSIS) > limit:
            break
        if depth or (ch not in ",;:—–" and i not in phrase_cuts):
            continue
        head, rest = sentence[:i].rstrip(), sentence[i + 1 :].lstrip()
        if ch == ",":
            if head[-1:].isdigit() and rest[:1].isdigit():
                continue  # "1,000"
            if not CLAUSE_STARTS.match(rest) or _top_level_commas(head) >= 2:
                continue  # the next item of a list: the list would end half-way
        if len(head) < MIN_CLAUSE or _last_word(head) in FUNCTION_WORDS or not balanced(head):
            continue
        if re.search(r"\b(?:i\.e\.|e\.g\.)[^,;:)]*$", head):
            continue  # "two applications, i.e. SAS": the example is cut half-way
        best = head
    return best.rstrip(" ,;:—–") + ELLIPSIS if best else None


def caption_from(text: str, limit: int = CAPTION_CHARS) -> str | None:
    """A caption of at most `limit` characters that ends at a boundary, or None (see module doc)."""
    sentences = [s for s in split_sentences(tidy(text)) if not is_boilerplate(s)]
    out = ""
    for sentence in sentences:
        whole = _sentence_end(sentence)
        if whole is None:
            break
        joined = f"{out} {whole}".strip()
        if len(joined) > limit:
            break
        out = joined
    if out:
        return out
    if not sentences:
        return None
    return clause_cut(sentences[0].rstrip(".!? "), limit)


def numbers_in(text: str) -> set[str]:
    """The numbers written in a text ("3.1", "2,000"), as written, trailing separators dropped."""
    return {n.rstrip(".,") for n in _NUMBER_RE.findall(text)}


def shorten_title(title: str, limit: int = 120) -> str:
    """A title that fits the banner: cut after a colon's head, else at a word, with an ellipsis."""
    title = " ".join(title.split()).rstrip(".")
    if len(title) <= limit:
        return title
    head = title.split(":", 1)[0].strip()
    if 8 <= len(head) <= limit:
        return head
    cut = title[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—(")
    return cut + ELLIPSIS
