"""What a line of an award page reads as: a paper title, a list of names, an award, or prose.

Each test looks at the shape of the text only (length, capitalisation, separators, function words,
sentence marks); the reader combines it with how the line is set and where it sits.
"""

from __future__ import annotations

import re


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that name an award or a rank among the awarded; a heading with one sets the award below it.
AWARD_RE = re.compile(
    r"\b(awards?|awarded|prizes?|best|outstanding|honou?rable|mentions?|runners?[- ]?ups?|finalists?|"
    r"nominees?|nominated|test[- ]of[- ]time|distinguished|winners?|winning|recognitions?|spotlights?|"
    r"(?:1st|2nd|3rd|first|second|third) place)\b",
    re.IGNORECASE,
)
# The words of an award that say which one; "Awards" or "Award Winners" alone name none.
SPECIFIC_AWARD_RE = re.compile(
    r"\b(best|outstanding|honou?rable|mentions?|runners?[- ]?ups?|finalists?|nominees?|nominated|"
    r"test[- ]of[- ]time|distinguished|spotlights?|(?:1st|2nd|3rd|first|second|third) place|"
    r"(?!(?:the|our|this|paper|papers|conference|workshop|and|of)\b)[A-Za-z][a-z]+"
    r"(?= (?:paper |poster |demo |student )?(?:awards?|prizes?)\b))\b",
    re.IGNORECASE,
)
# Headings about how awards are given, or that close the list: never an award, never entries.
NOT_AN_AWARD_RE = re.compile(
    r"\b(selection|process|committees?|criteria|call for|nominations|eligib\w*|procedure|guidelines|"
    r"jury|congratulations|thanks|acknowledg\w*)\b",
    re.IGNORECASE,
)
# Field labels of a record's other lines ("Session: ...", "Justification: ..."): never a title.
LABEL_WORD_RE = re.compile(
    r"^\s*(session|justification|location|room|time|date|when|where|authors?|abstract|presenters?|"
    r"speakers?|chair|venue|track|keywords?|video|slides|poster|links?|code|pdf|doi|note|notes)\s*:",
    re.IGNORECASE,
)
AUTHORS_PREFIX_RE = re.compile(r"^\s*(?:(?:authors?|by|with)\s*:?\s+)+", re.IGNORECASE)
CONNECTOR_RE = re.compile(
    r"\s+(?:for (?:their|his|her|the) (?:paper|poster|work|article|contribution|demo)s?|"
    r"for|with the paper|with)\s*[:,]?\s*$",
    re.IGNORECASE,
)
ET_AL_RE = re.compile(r"\bet\.? al\.?", re.IGNORECASE)
NAME_SPLIT_RE = re.compile(r"\s*(?:,|;|&|\band\b|·|\|)\s*")
PROSE_START_RE = re.compile(
    r"^(we|our|congratulations|thanks|thank you|please|note that|this year|these papers|the following|"
    r"see|here|all|each|every|in total|overall)\b",
    re.IGNORECASE,
)
DATE_TIME_RE = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b\d{1,2}(?:am|pm)\b", re.IGNORECASE
)
AFFILIATION_RE = re.compile(
    r"\b(universit\w*|institut\w*|college|school|laborator\w*|labs?|research|centre|center|inc|corp|corporation|"
    r"ltd|gmbh|academy|hospital|foundation)\b",
    re.IGNORECASE,
)
URL_RE = re.compile(r"https?://|www\.|\S+@\S+\.\w+")
SENTENCE_BREAK_RE = re.compile(r"[a-z]{2}[.!?][\"”’)]?\s+[A-Z]")
PARTICLES = _set("von van der den de di da del della dos das du la le bin ibn al el ten ter zu mac st y e")
# Lower-case words a title has and a person's name has not (besides the particles above).
FUNCTION_WORDS = _set(
    "a an the of for with in on to from via is are was be as at into without towards toward "
    "through using beyond under over vs versus not can do does how what why when which who we "
    "our it its their or this that these more less than about after before between across "
    "against within you your my"
)
# Capitalised in a Title-Case title, never a name: a capitalised one of these is a title word.
TITLE_CASE_WORDS = _set(
    "the of for with in on to from via is are towards using how what why when can do does not "
    "beyond through without"
)
_QUOTES = "\"'“”‘’«»*_`"


def clean(text: str) -> str:
    """Whitespace collapsed; wrapping quotes, Markdown marks and a trailing full stop removed."""
    text = " ".join(text.split()).strip(_QUOTES + " ")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip(_QUOTES + " ")
    return text


def split_names(text: str) -> list[str]:
    """The names of an author line: prefix ("Authors:", "by"), affiliations, marks and "et al." dropped."""
    text = AUTHORS_PREFIX_RE.sub("", " ".join(text.split()).strip(_QUOTES + " "))
    text = CONNECTOR_RE.sub("", text)
    text = ET_AL_RE.sub("", re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text))
    text = re.sub(r"[*†‡§¶#\d]+(?=\s|,|$)", "", text)
    parts = [p.strip(" ._*-–—:") for p in NAME_SPLIT_RE.split(text)]
    return [p for p in parts if p]


def is_name(part: str) -> bool:
    """One person's name: 1-6 words, capitalised or initials or particles, no title words."""
    tokens = part.replace("\u00a0", " ").split()
    if not 1 <= len(tokens) <= 6 or any(ch.isdigit() or ch in ":/?!" for ch in part):
        return False
    capital = counted = 0
    for token in tokens:
        bare = token.strip(".,'’\"-")
        if not bare:
            continue
        low = bare.lower()
        if low in PARTICLES:
            continue
        counted += 1
        if low in TITLE_CASE_WORDS or (bare.islower() and low in FUNCTION_WORDS):
            return False
        if bare[0].isupper():
            capital += 1
    return capital >= 1 and capital >= counted - 1


def _name_marks(part: str) -> bool:
    """An initial ("J.") or a particle ("van", "de"): marks of a person's name, not of a title."""
    return any(re.fullmatch(r"[A-Z]\.(?:[A-Z]\.)*", t) or t in PARTICLES for t in part.split())


def names_likeness(text: str) -> float:
    """0..1: how surely the text is a list of people (an author line)."""
    if not text.strip() or URL_RE.search(text):
        return 0.0
    prefixed = bool(AUTHORS_PREFIX_RE.match(text)) or bool(ET_AL_RE.search(text))
    split = split_names(text)
    parts = [p for p in split if not AFFILIATION_RE.search(p)]  # "Name, University of X"
    if not parts or not is_name(parts[0]):  # an author line starts with a name
        return 0.0
    share = sum(is_name(p) for p in parts) / len(parts)
    if len(parts) < len(split) and share == 1.0 and is_name(split[0]):
        return 0.8  # people with their affiliations
    if len(parts) == 1:
        # One name alone reads like a short Title-Case title too; initials and particles tell.
        words = len(parts[0].split())
        if prefixed or _name_marks(parts[0]):
            return 0.9 if words <= 5 else 0.5
        return {1: 0.3, 2: 0.5, 3: 0.5, 4: 0.35}.get(words, 0.2)
    multi = sum(len(p.split()) >= 2 for p in parts)
    if multi * 2 < len(parts) or (len(parts) == 2 and multi < 2):
        share *= 0.3  # "Enthusiastic and Grounded, Avoidant and Cautious: ...": single words, not people
    # Every part a name, nearly all of several words: an author line. "X and Y: Z" titles split
    # into a part or two that pass and one that does not.
    return min(1.0, share**2 * multi / len(parts) + (0.2 if prefixed else 0.0))


def award_words(text: str) -> bool:
    return bool(AWARD_RE.search(text)) and not NOT_AN_AWARD_RE.search(text)


def is_award_phrase(text: str) -> bool:
    """A short phrase naming an award ("Best Paper Award - Winner"), not a title that uses the word."""
    words = clean(text).split()
    if not words or len(words) > 10 or not award_words(text):
        return False
    hits = len(AWARD_RE.findall(text)) + len(re.findall(r"\b(papers?|posters?|demos?)\b", text, re.I))
    return hits / len(words) >= 0.25


def title_likeness(text: str, names: float | None = None) -> float:
    """0..1: how much the text reads as a paper title (length, sentence marks, names, labels).

    `names`: the names-likeness when the caller knows better (a column headed "Title").
    """
    full_stop = " ".join(text.split()).rstrip(_QUOTES + " ").endswith(".")
    text = clean(text)
    words = text.split()
    n = len(words)
    if n == 0 or URL_RE.search(text) or LABEL_WORD_RE.match(text):
        return 0.0
    score = 0.15 if n == 1 else 0.55 if n == 2 else 1.0 if n <= 28 else 0.6 if n <= 40 else 0.0
    letters = sum(ch.isalpha() for ch in text)
    if letters < 0.5 * len(text.replace(" ", "")):
        score *= 0.2
    if sum(any(ch.isdigit() for ch in w) for w in words) > 0.3 * n:
        score *= 0.3
    breaks = len(SENTENCE_BREAK_RE.findall(text))
    if breaks >= 2 or (breaks == 1 and n > 30):
        score *= 0.2
    if full_stop and n > 20:  # a long line ending in a full stop is a sentence
        score *= 0.5
    if PROSE_START_RE.match(text) and (n > 25 or full_stop or text.endswith("!")):
        score *= 0.3
    if text.endswith(":"):  # a line that introduces what follows
        score *= 0.2
    if DATE_TIME_RE.search(text):
        score *= 0.3
    if is_award_phrase(text):
        score *= 0.2
    return round(score * (1.0 - 0.8 * (names_likeness(text) if names is None else names)), 3)


def singular(heading: str) -> str:
    """ "Best Paper Awards" -> "Best Paper Award": one entry's award, in the page's words."""
    words = clean(heading).rstrip(":").split()
    if words and words[-1].lower() in {"awards", "papers", "mentions", "posters", "prizes", "nominees"}:
        words[-1] = words[-1][:-1]
    return " ".join(words)
