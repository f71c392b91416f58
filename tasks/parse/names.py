"""The shape of a person's name on a title page, and the words that say a line is something else.

Rules about names, not lists of them: capitalised words with particles, initials and hyphens; no
institution, address or title-page vocabulary; capitals throughout only with other evidence (see
looks_like_name). The vocabularies below are the publishing genre's own words (institutions, front
matter labels, honorifics), never names or strings taken from a particular paper.
"""

from __future__ import annotations

import re
import unicodedata

# Institution and address words: a piece containing one is an affiliation, not a person.
AFFILIATION_RE = re.compile(
    r"\b(?:universit\w*|univ\.|institut\w*|college|school|department|dept\.?|laborator\w*|labs?|research|"
    r"cent(?:er|re)s?|centro|inc\.?|corp(?:oration)?\.?|ltd\.?|llc|gmbh|s\.?a\.?|company|hospital|"
    r"clinic|academy|faculty|foundation|division|program(?:me)?|group|team|consortium|ministry|"
    r"biology|chemistry|physics|mathematics|statistics|psychology|neuroscience|informatics|economics|"
    r"council|agency|museum|polytechnic|technion|hochschule|universidad|universidade|université|"
    r"universität|università|école|escuela|facultad|graduate|sciences?|engineering|medicine|"
    r"street|road|avenue|st\.|ave\.|blvd\.?|box|campus|"
    r"usa|u\.s\.a\.|uk|u\.k\.|china|japan|korea|germany|france|italy|spain|canada|india|australia|"
    r"brazil|israel|switzerland|netherlands|sweden|ireland|singapore|taiwan|united|republic|"
    r"google|microsoft|amazon|deepmind|openai|ibm|nvidia|adobe|baidu|alibaba|tencent|huawei)\b",
    re.I,
)
# The same for names in Chinese, Japanese and Korean script, where word boundaries do not apply.
_CJK_AFFILIATION_RE = re.compile(
    r"大学|大學|学院|學院|研究|实验室|實驗室|中心|公司|医院|醫院|大学院|대학|연구|센터|병원"
)
_CJK_RE = re.compile(r"^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff·・ ]+$")
# Society grades printed after names in IEEE Transactions ("Jane Roe, Senior Member, IEEE"): no names.
GRADE_RE = re.compile(
    r"^(?:(?:senior|life|student|graduate|associate|honorary)\s+)?(?:member|fellow)$|"
    r"^(?:ieee|acm|siam|aaai|osa|spie|aps|asme|iet|ifac)$",
    re.I,
)
# A team or collaboration signing as the author ("The ATLAS Collaboration", "Gemini Team").
TEAM_RE = re.compile(
    r"^(?:the\s+)?(?:[A-Z][\w\-]*\s+){1,4}(?:team|collaboration|consortium|group|project|initiative)$", re.I
)
# "Editor: Yoshua Bengio", "Keywords: ...", "Received: ...": a label, not an author.
LABEL_RE = re.compile(r"^\s*[A-Z][\w ]{1,24}:\s")
# Words of title pages and front matter that are never part of a person's name.
NOT_NAME_WORDS = {
    "abstract", "thesis", "dissertation", "submitted", "degree", "requirements", "committee",
    "fulfillment", "partial", "editor", "editors", "reviewers", "keywords", "preprint", "draft",
    "copyright", "summary", "introduction", "contents", "preface", "acknowledgements", "by", "article",
    "letter", "received", "accepted", "published", "correspondence", "review", "research", "access",
    "original", "report", "volume", "issue", "doi", "journal", "proceedings", "conference", "online",
    "cite", "this", "the", "of", "for", "with", "from", "is", "are", "we", "our", "its",
}  # fmt: skip
PARTICLES = {
    "van", "von", "der", "den", "de", "da", "del", "della", "di", "du", "la", "le", "bin", "binti", "al",
    "el", "y", "dos", "das", "do", "ter", "ten", "zu", "af", "st",
}  # fmt: skip
# Honorifics and degrees printed beside names ("Dr. Saeed Murtaza", "Jane Roe, PhD"): not the name.
_HONORIFIC_RE = re.compile(
    r"^(?:(?:dr|prof|professor|mr|mrs|ms|mx|sir)\.?\s+)+|,?\s+(?:ph\.?d|m\.?d|jr)\.?$", re.I
)
_NAME_DROP_RE = re.compile(r"[^\w\s.'’\-‐‑]|[\d_]")
_INITIAL_RE = re.compile(r"^(?:[A-Z]\.)+(?:-[A-Z]\.)?$|^[A-Z]$")
# Footnote and affiliation symbols glued to a name ("ANDREW CHARLES*", "Chica *"): a mark.
MARK_CHARS = "*∗†‡§¶‖#✉⁎⋆★"


def clean_name(text: str) -> str:
    """A person's name without marks, digits, honorifics or stray punctuation (∗ † ‡ § ¶ ? 1 2 ...)."""
    text = text.replace("’", "'").replace("\u2010", "-").replace("\u2011", "-")
    text = _NAME_DROP_RE.sub(" ", text)
    text = re.sub(r"^\s*and\s+", "", text, flags=re.I)
    text = re.sub(r"\s+", " ", text).strip(" .,-'")
    return _HONORIFIC_RE.sub("", text).strip(" .,-'")


def _caps_word(word: str) -> bool:
    """A word in capitals throughout (initials aside): small caps or an all-caps name."""
    letters = word.replace(".", "").replace("-", "").replace("'", "")
    return len(letters) > 1 and letters.isupper()


def looks_like_name(name: str, *, caps_ok: bool = False) -> bool:
    """Two to six capitalised words (particles aside), no affiliation or title-page vocabulary.

    Capitals throughout ("A THESIS", "MASTER OF SCIENCE", "KEY WORDS") are a title page's boilerplate
    unless caps_ok says the line has other evidence of names (separators between several names, marks
    glued to them, an affiliation after them, the PDF's own metadata).
    """
    if _CJK_RE.match(name):
        # Han, kana and Hangul names: two to six characters, spaced or not.
        return 2 <= len(name.replace(" ", "")) <= 6 and not _CJK_AFFILIATION_RE.search(name)
    words = name.split()
    if not 2 <= len(words) <= 6 or len(name) > 60 or AFFILIATION_RE.search(name):
        return False
    if any(w.lower().strip(".") in NOT_NAME_WORDS for w in words):
        return False
    if not caps_ok and all(_caps_word(w) for w in words if w.lower() not in PARTICLES):
        return False
    if sum(1 for w in words if w.lower() not in PARTICLES and not _INITIAL_RE.match(w)) == 0:
        return False  # initials alone ("J. R. R.") are half a name
    return all(w[:1].isupper() or w.lower() in PARTICLES or w[:1] in "'-" for w in words)


def fragment(name: str) -> bool:
    """One capitalised word: half of a name broken across two lines, or a mononym ("Mausam")."""
    return (
        len(name.split()) == 1
        and name[:1].isupper()
        and len(name) > 1
        and not AFFILIATION_RE.search(name)
        and name.lower() not in NOT_NAME_WORDS
    )


def normal_case(name: str) -> str:
    """Names set in capitals or with capital surnames in normal case ("Ross G. DOUGLAS" -> "Ross G. Douglas").

    Only words in capitals throughout change; "McAnelly", "van Zuylen" and initials stay as printed.
    """
    return " ".join(_title_word(w) if _caps_word(w) else w for w in name.split())


def _title_word(word: str) -> str:
    # "LARS-GÖRAN" -> "Lars-Göran", "O'CONNELL" -> "O'Connell"
    return re.sub(r"[^\W\d_]+", lambda m: m.group()[:1] + m.group()[1:].lower(), word)


def name_key(name: str) -> str:
    """A name compared loosely: accents, case, dots and hyphens ignored ("Lars-Göran" ~ "lars goran")."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[.\-‐‑'’]", " ", text).casefold().split())
