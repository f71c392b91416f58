"""Joining PDF lines into running text: de-hyphenation against the paper's own vocabulary, URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tasks.parse.layout import SOFT_HYPHEN

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z][A-Za-z'’]*)*")
_LAST_WORD_RE = re.compile(r"([A-Za-z]+)[-\x02]$")
_FIRST_WORD_RE = re.compile(r"^([A-Za-z]+)")
_URL_RE = re.compile(
    r"(?:https?://|www\.|(?<![\w.@/])(?:github\.com|huggingface\.co|gitlab\.com|bitbucket\.org)/)"
    r"[^\s<>\"'{}|\\^`\]\[]+",
    re.I,
)
_URL_TRAILING = ".,;:!?)]}'\"’”>*"
# A URL cut at a line end on one of these characters continues on the next line.
_URL_CONTINUES = "/-_.=?&#~"


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
        if out[-1] in (SOFT_HYPHEN, "-") and (m := _LAST_WORD_RE.search(out)) and text[:1].isalpha():
            first = _FIRST_WORD_RE.match(text)
            tail = first.group(1) if first else ""
            keep = vocab.keeps_hyphen(m.group(1), tail) if tail else True
            out = out[:-1] + ("-" if keep else "") + text
        elif out[-1] in _URL_CONTINUES and _ends_in_url(out) and not _URL_RE.match(text):
            out += text
        else:
            out += " " + text
    return out.replace(SOFT_HYPHEN, "-").strip()


def _ends_in_url(text: str) -> bool:
    last = text.rsplit(" ", 1)[-1]
    return bool(_URL_RE.match(last))


def find_urls(texts: Iterable[str]) -> list[str]:
    """http(s), www. and bare code-host URLs in order of appearance, trailing punctuation removed."""
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
                    seen.setdefault(url, None)
    return list(seen)


def _strip_trailing(url: str) -> str:
    """Drop sentence punctuation after a URL; a closing parenthesis stays if the URL opened one."""
    while url:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        if url[-1] not in _URL_TRAILING:
            break
        url = url[:-1]
    return url
