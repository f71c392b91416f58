"""The comic in a published page (digest.html, review.html): the image, full size a tap away, and
the comic as text.

The image carries a short alt text (at most ALT_CHARS characters); the long description is the
text version, panel by panel (tasks/comic/script/text_version.py), right after the figure in a
closed <details> that needs no script (the pages' CSP allows none): the visible "Read this comic as
text" link leads into it, which opens it in browsers that reveal a linked fragment, and its summary
opens it in any. Browsers give an image no description from inside a closed <details>, so the
image's aria-describedby names a hidden copy beside it: hidden content named directly is read.
"""

from __future__ import annotations

import base64

from tasks.comic.script.checks import ALT_CHARS
from tasks.models import ComicText, ComicTextPanel, PaperResult
from tasks.publish.page import escape
from tasks.publish.social import shorten

PHONE_MAX_CSS_PX = 600  # at most this wide, a page shows comic-mobile.webp
TEXT_LINK = "Read this comic as text"


def comic_alt(result: PaperResult) -> str:
    """The comic's alt text: the script's short description, else the title; at most ALT_CHARS."""
    return shorten(result.comic_alt or f"Comic about {result.entry.title}", ALT_CHARS)


def text_id(result: PaperResult) -> str:
    """The id of the comic's text version in a page (paper ids are safe in ids and fragments)."""
    return f"comic-text-{result.paper_id}"


def comic_html(result: PaperResult, webp: bytes, phone: bytes | None, *, full: str | None, lazy: bool) -> str:
    """The comic inlined (the CSP allows data: images only), the phone variant on narrow screens,
    inside a link to the full-size comic.png (`full`, relative to the page), then its text version."""
    text, anchor = result.comic_text, text_id(result)
    described = f' aria-describedby="{escape(anchor)}-description"' if text else ""
    loading = ' loading="lazy"' if lazy else ""
    data = base64.b64encode(webp).decode("ascii")
    alt = escape(comic_alt(result))
    picture = f'<img src="data:image/webp;base64,{data}" alt="{alt}"{loading}{described}>'
    if phone:
        narrow = base64.b64encode(phone).decode("ascii")
        source = (
            f'<source media="(max-width: {PHONE_MAX_CSS_PX}px)" srcset="data:image/webp;base64,{narrow}">'
        )
        picture = f"<picture>{source}{picture}</picture>"
    notes = []
    if full is not None:
        picture = f'<a href="{escape(full)}" title="Open the comic full size">{picture}</a>'
        notes.append("Tap or click the comic to open it full size.")
    if text:
        notes.append(f'<a href="#{escape(anchor)}">{TEXT_LINK}</a>')
    caption = f"<figcaption>{' '.join(notes)}</figcaption>" if notes else ""
    return f'<figure class="comic">{picture}{caption}</figure>' + (text_html(text, anchor) if text else "")


def _sentence(text: str) -> str:
    text = escape(text)
    return text if text.endswith((".", "!", "?", "…", "”")) else f"{text}."


def _panel_html(panel: ComicTextPanel, number: int, count: int) -> str:
    lines = [f"<p><strong>Panel {number} of {count}.</strong> {escape(panel.caption)}</p>"]
    lines += [f"<p>{escape(line.speaker)} says: “{escape(line.text)}”</p>" for line in panel.dialogue]
    lines.append(f'<p class="shows">Shows: {_sentence(panel.shows)}</p>')
    if (figure := panel.figure) is not None:
        lines.append(
            f'<p class="shows">Presents {escape(figure.label)} of the paper, captioned: '
            f"“{escape(figure.caption)}”</p>"
        )
    return f"<li>{''.join(lines)}</li>"


def text_html(text: ComicText, anchor: str) -> str:
    """The comic as text in a closed <details> whose content has the id `anchor` (a link to it opens
    it), and the same text hidden, as `<anchor>-description`, for the image's aria-describedby."""
    count = len(text.panels)
    panels = "".join(_panel_html(panel, number, count) for number, panel in enumerate(text.panels, 1))
    body = f"<p>“{escape(text.title)}”, a comic in {count} panels.</p><ol>{panels}</ol>"
    return (
        f'<details class="comic-text"><summary>The comic as text ({count} panels)</summary>'
        f'<div id="{escape(anchor)}">{body}</div></details>'
        f'<div id="{escape(anchor)}-description" hidden>{body}</div>'
    )
