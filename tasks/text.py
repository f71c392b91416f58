"""Text helpers every stage and the publisher share: one sentence splitter, one normal form.

A sentence ends at ".", "!" or "?" (and any closing quotes or brackets after it) followed by a space
and a capital, a digit or an opening quote or bracket, unless the stop closes an abbreviation
("e.g.", "et al.", "Fig. 3", "w.r.t."), an initial ("Daniel S. Weld") or sits inside parentheses
("(see Sec. 3. Then ...)"). Measured on the real papers by bench/sentences.py against pysbd, syntok,
sentencex and blingfire.
"""

from __future__ import annotations

import re
import unicodedata

# Tokens that end with a period without ending the sentence ("e.g.", "et al.", "Fig. 3").
ABBREVIATIONS = frozenset(
    {"al", "etc", "fig", "figs", "eq", "eqs", "eqn", "sec", "secs", "sect", "tab", "tabs", "no", "nos"}
    | {"vs", "cf", "approx", "resp", "ref", "refs", "dr", "prof", "mr", "ms", "mrs", "st", "viz", "ca"}
    | {"ch", "app", "appx", "pp", "vol", "thm", "def", "lem", "prop", "cor", "alg", "ex", "incl"}
    | {"jr", "sr", "inc", "ltd", "co", "wrt"}
)
_DOTTED_RE = re.compile(r"^(?:[a-z]\.)+[a-z]$")  # e.g, i.e, a.k.a, u.s, w.r.t
_INITIAL_RE = re.compile(r"^[A-Z]\.$")
_BEFORE_NAMES = frozenset({"by", "and", "with", "from", "&", "et", "und", "y", "cf.", "to"})
# Capitalised words a lone letter labels ("Appendix B.", "Table A."): that letter ends no name.
_LABELLED = frozenset(
    {"appendix", "table", "figure", "fig.", "section", "sec.", "part", "chapter", "step", "phase", "type"}
    | {"class", "group", "case", "model", "method", "setting", "condition", "option", "experiment", "task"}
)
_CITATION_RE = re.compile(r"\[\d")  # "... survival.” [125]": the reference belongs to what it follows
_LOWER_ONLY = frozenset({"ca"})  # "ca. 1900" (circa), but "extracellular Ca." (calcium) ends a sentence
_BULLETS = "\u2022\u2013\u2014\u25aa\u25cf-*"
_LONGEST_ASIDE = 300  # characters: an opening bracket further back than this was never closed
_ENUMERATOR_RE = re.compile(r"^\(?(?:\d{1,2}|[ivx]{1,4}|[a-z])\)?$")
# A full stop and what may close after it, then a space; or a CJK full stop, with or without one.
_BOUNDARY_RE = re.compile(r"[.!?]+[\"'\u2019\u201d)\]]*\s+|[\u3002\uff01\uff1f][\u201d\u300d\u300f]?\s*")
_OPENERS = "\"'([\u2018\u201c"
_DEPTH = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def _ends_with_abbreviation(before: str) -> bool:
    words = before.split()
    if not words:
        return False
    token = words[-1].lstrip(_OPENERS)
    if _initial(token, words[-2] if len(words) > 1 else ""):
        return True
    if len(words) == 1 and _ENUMERATOR_RE.match(token):  # "1." or "(iv)." opening a list item
        return True
    lower = token.lower()
    if lower in _LOWER_ONLY and token != lower:
        return False
    return lower in ABBREVIATIONS or bool(_DOTTED_RE.match(lower))


def _initial(token: str, previous: str) -> bool:
    """A capital letter after a name, another initial or a word that introduces names ("Daniel S.
    Weld", "J. R. R. Tolkien", "by M. Banko"); a lone letter after any other word is a variable or a
    label ("the size n.", "variables X.", "Appendix B.") and ends its sentence."""
    if len(token) != 1 or not token.isupper():
        return False
    previous = previous.lstrip(_OPENERS).rstrip(",;")
    if not previous or _INITIAL_RE.match(previous) or previous.lower() in _BEFORE_NAMES:
        return True
    if previous[-1:].isdigit():  # "reach 80.0 F. Smith said so": a name after a figure
        return True
    return previous[:1].isupper() and previous.lower() not in _LABELLED


def _caseless(ch: str) -> bool:
    return bool(ch) and unicodedata.category(ch) == "Lo"


def _inside_brackets(text: str, start: int, end: int) -> bool:
    """Whether an aside opened in this sentence is still open at `end` (one opened further back than
    _LONGEST_ASIDE characters lost its closing bracket: it no longer holds the sentence together)."""
    opened: list[int] = []
    for i in range(start, end):
        change = _DEPTH.get(text[i], 0)
        if change > 0:
            opened.append(i)
        elif change < 0 and opened:
            opened.pop()
    return bool(opened) and end - opened[-1] <= _LONGEST_ASIDE


def split_sentences(text: str, names: frozenset[str] = frozenset()) -> list[str]:
    """The sentences of a paragraph, whitespace collapsed, in order.

    names: lower-case names that start sentences too ("papermage offers ...").
    """
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for m in _BOUNDARY_RE.finditer(text):
        rest = text[m.end() :].lstrip(_OPENERS)
        following = rest[:1]
        cjk = text[m.start()] in "\u3002\uff01\uff1f"
        # A sentence starts with a capital, a digit or a letter of a script without case (Chinese,
        # Japanese...); a lower-case word means we are mid-sentence.
        starts = following.isupper() or following.isdigit() or _caseless(following) or following in _BULLETS
        if not (cjk or starts or rest.split(" ", 1)[0] in names):
            continue
        if not rest:
            continue
        if text[m.start()] == "." and _ends_with_abbreviation(text[start : m.start()]):
            continue
        if _inside_brackets(text, start, m.end()) or _CITATION_RE.match(text, m.end()):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    if tail := text[start:].strip():
        out.append(tail)
    return out


def trim_at_word(text: str, limit: int) -> str:
    """Text cut to at most limit characters at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return f"{cut}\u2026"


def location_label(label: str, index: int) -> str:
    """Human location of a paragraph: "Abstract" or "3 Method, paragraph 2"."""
    return label if label == "Abstract" else f"{label}, paragraph {index + 1}"


def paper_names(title: str) -> frozenset[str]:
    """What a paper calls its own system, from its title ("PaperMage: ..." -> "papermage"): the words
    printed with capitals inside them, which papers often write in lower case at a sentence start."""
    return frozenset(
        w.lower() for w in re.findall(r"[A-Za-z][\w-]*", title) if any(c.isupper() for c in w[1:])
    )


def normal_form(text: str) -> str:
    """NFKC, typographic quotes and dashes as ASCII, whitespace collapsed, lower case: for matching."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_ASCII)
    return " ".join(text.split()).lower()


_ASCII = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)
