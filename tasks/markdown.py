"""Data shown in Markdown as text, never as markup: escaping and links, shared by every renderer.

Titles, author names, quotes and notices come from papers and award pages: people we do not know
write them. In Markdown a `[here](javascript:...)`, a remote image `![x](https://...)`, emphasis,
raw HTML or an HTML comment in such text would become live markup; every one of those characters
is backslash-escaped here (CommonMark lets any ASCII punctuation be escaped), and links are only
ever made from http(s) URLs.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# Every character that can open or close Markdown/HTML syntax in the middle of a line. "#", "+",
# "-", "." and digits only matter at the start of a line, and no renderer here starts one with data.
_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]()<>!|~&])")


def md_text(text: str) -> str:
    """Text as one Markdown line that renders literally: whitespace collapsed, syntax escaped."""
    return _SPECIAL_RE.sub(r"\\\1", " ".join(text.split()))


def web_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL, else None: javascript:, data: or file: never link."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # Spaces, parentheses and angle brackets would end a markdown link early; encoded, it stays one URL.
    return quote(url, safe=":/?#[]@!$&'*+,;=%~")


def md_link(label: str, url: str | None) -> str | None:
    """`[label](url)` for an http(s) URL, else None (the caller shows the label as text or nothing)."""
    safe = web_url(url)
    return f"[{md_text(label)}]({safe})" if safe else None
