"""Joining PDF lines into running text: de-hyphenation against the paper's own vocabulary, URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tasks.parse.layout import SOFT_HYPHEN

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*")
_LAST_WORD_RE = re.compile(r"([A-Za-z]+)[-\x02]$")
_FIRST_WORD_RE = re.compile(r"^([A-Za-z]+)")
_URL_RE = re.compile(
    r"(?:https?://|www\.|(?<![\w.@/])(?:github\.com|huggingface\.co|gitlab\.com|bitbucket\.org)/"
    # Project pages written without a scheme: "nvlabs.github.io/sana".
    r"|(?<![\w.@/-])[a-z0-9][\w-]*\.(?:github|gitlab)\.io\b)"
    r"[^\s<>\"'{}|\\^`\]\[]*",
    re.I,
)
_URL_TRAILING = ".,;:!?)]}'\"’”>*"
# A URL cut at a line end on one of these characters continues on the next line.
_URL_CONTINUES = "/-_.=?&#~" + SOFT_HYPHEN
# A URL never ends on these: what follows on the next line is the rest of it.
_URL_OPEN_END = "-_=?&#~" + SOFT_HYPHEN
# What a URL's rest has and a word does not ("sub-words" is a word; "allenai/specter" is not).
_URL_PIECE_RE = re.compile(r"[/_=?#%~&]|\d|\.\w")
_CODE_HOST_RE = re.compile(r"(?:github\.com|gitlab\.com|bitbucket\.org)/[^/\s]+/?$", re.I)
_EXTENSION_RE = re.compile(r"^(?:html?|pdf|php|md|txt|io|org|com|net|edu|ai|dev)\b", re.I)


class Vocabulary:
    """Words of one paper, to decide whether a hyphen at a line end belongs to the word."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.words: set[str] = set()
        self.hyphenated: set[str] = set()
        broken = False
        for line in lines:
            # Word pieces around a line-end hyphen are fragments ("ingre-", "dient"): not words.
            text = line.rstrip()
            if broken:
                text = text.split(" ", 1)[1] if " " in text else ""
            broken = text.endswith((SOFT_HYPHEN, "-"))
            if broken:
                text = text.rsplit(" ", 1)[0] if " " in text else ""
            for match in _WORD_RE.finditer(text):
                word = match.group().lower()
                if "-" in word:
                    self.hyphenated.add(word)
                    self.words.update(word.split("-"))
                else:
                    self.words.add(word)

    def keeps_hyphen(self, head: str, tail: str) -> bool:
        """True if head-tail is a hyphenated compound rather than one word broken by the line end."""
        joined, compound = (head + tail).lower(), f"{head}-{tail}".lower()
        if compound in self.hyphenated:
            return True
        if joined in self.words:
            return False
        # Compounds of two known words ("task-specific") keep the hyphen; word fragments do not.
        if head.isupper() and tail.isupper() and len(head) > 1 and len(tail) > 1:
            # Small caps and ALL-CAPS titles ("RE-" / "THINKING") say nothing by their case.
            return head.lower() in self.words and tail.lower() in self.words and min(len(head), len(tail)) > 2
        if head[:1].isupper() and tail[:1].isupper():
            return True
        return head.lower() in self.words and tail.lower() in self.words and len(head) > 2 and len(tail) > 2


def join_lines(lines: list[str], vocab: Vocabulary) -> str:
    """Join a block's lines into one string, undoing line-end hyphenation."""
    out = ""
    for text in lines:
        text = text.strip()
        if not text:
            continue
        if not out:
            out = text
            continue
        if out[-1] in _URL_CONTINUES and (url := _last_url(out)) and url_goes_on(url, text):
            # A URL broken at the line end: the rest is on this line, hyphen and all.
            out = out[:-1] + ("-" if out[-1] == SOFT_HYPHEN else out[-1]) + text
        elif out[-1] in (SOFT_HYPHEN, "-") and (m := _LAST_WORD_RE.search(out)) and text[:1].isalpha():
            first = _FIRST_WORD_RE.match(text)
            tail = first.group(1) if first else ""
            keep = vocab.keeps_hyphen(m.group(1), tail) if tail else True
            out = out[:-1] + ("-" if keep else "") + text
        else:
            out += " " + text
    return out.replace(SOFT_HYPHEN, "-").strip()


def _last_url(text: str) -> str | None:
    last = text.rsplit(" ", 1)[-1]
    return last if _URL_RE.match(last) else None


def url_goes_on(url: str, next_line: str) -> bool:
    """Whether a URL that ends a line continues at the start of the next one.

    LaTeX breaks URLs after "/", "." and "-". After "/" a plain word is prose ("see
    https://arxiv.org/" / "the ...") unless a code host still lacks its repository name; a piece
    with URL characters ("allenai/specter", "Event6D.html") goes on; "-", "_", "=", "?" never end one.
    """
    token = next_line.split(" ", 1)[0]
    if not token or _URL_RE.match(token) or not (token[0].isalnum() or token[0] in "/_~#?%"):
        return False
    end = url[-1]
    if end in _URL_OPEN_END:
        return True
    if end == "/":
        return bool(_URL_PIECE_RE.search(token.rstrip(".,;:)"))) or bool(_CODE_HOST_RE.search(url))
    if end == ".":
        # "www.semanticscholar." / "org", "…/index." / "html"; a capital after "." starts a sentence.
        host_open = "/" not in url.split("://", 1)[-1]
        return (host_open and token[0].islower()) or bool(_EXTENSION_RE.match(token))
    return False


def find_urls(texts: Iterable[str], links: Iterable[str] = ()) -> list[str]:
    """http(s), www. and bare code-host URLs in order of appearance, trailing punctuation removed.

    links are the PDF's own link targets (its URI annotations): a URL the text shows cut short, or
    run into the next word, is replaced by the one link target it is the start of.
    """
    targets = [link for link in links if link.lower().startswith(("http://", "https://"))]
    seen: dict[str, None] = {}
    for text in texts:
        for match in _URL_RE.finditer(text):
            # Footnote URLs on consecutive lines can run together: "…/rtw/https://github.com/…".
            for piece in re.split(r"(?<=.)(?=https?://)", match.group()):
                url = _strip_trailing(piece)
                if not url.lower().startswith("http"):
                    url = "https://" + url
                host = url.split("://", 1)[1].split("/", 1)[0]
                if "." in host and len(url) >= 12:
                    seen.setdefault(_by_link(url, targets), None)
    return list(seen)


def _url_key(url: str) -> str:
    """A URL compared loosely: no scheme, no "www.", host case folded, no trailing slash."""
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    host = host.lower().removeprefix("www.")
    return f"{host}/{path}".rstrip("/")


def _by_link(url: str, targets: list[str]) -> str:
    """The link target a URL in the text stands for.

    Itself when it is one; a longer target when the text shows it cut short (mid-word, or ending on
    "/", "-", "." where a line broke), if one target fits (or the others only extend it). A printed
    URL that a longer link merely extends ("…/specter" beside "…/specter/tree/main") stays as printed.
    """
    if not targets:
        return url
    key = _url_key(url)
    keys = {_url_key(t): t for t in targets}
    if key in keys:
        return url
    cut = url[-1] in "/-._"
    longer = [k for k in keys if k.startswith(key) and (cut or k[len(key)] not in "/?#")]
    if not longer:
        return url
    # Several targets fit: the shortest, if the others only extend it ("…/specter/tree/main").
    shortest = min(longer, key=len)
    return keys[shortest] if all(k.startswith(shortest) for k in longer) else url


def _strip_trailing(url: str) -> str:
    """Drop sentence punctuation after a URL; a closing parenthesis stays if the URL opened one."""
    while url:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        if url[-1] not in _URL_TRAILING:
            break
        url = url[:-1]
    return url
