"""review.html: one paper's full review as a page people can read, in the digest's template.

review.md is rendered by markdown-it (CommonMark with raw HTML off: every piece of data in it is
escaped Markdown, tasks/markdown.py, and a link is only ever an http(s) URL) inside the same
self-contained page as the digest: its styles and Content-Security-Policy, the comic inlined (the
phone variant on narrow screens) and linked to the full-size comic.png beside the page, a link back
to the digest, and the link-preview meta tags.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt

from tasks.models import Conference, PaperResult
from tasks.publish.comic_html import comic_html
from tasks.publish.digest import REVIEW_PAGE
from tasks.publish.page import escape, html_document
from tasks.publish.social import SocialCard

__all__ = ["REVIEW_PAGE", "render_review_html"]

DIGEST_FROM_REVIEW = "../../digest.html"  # review.html sits at papers/<paper id>/ in a release
FULL_SIZE = "comic.png"  # beside review.html in the release

_CSS = """
.back { margin: 0 0 1.2rem; }
li { margin: .25rem 0; }
ul { padding-left: 1.3rem; }
blockquote { margin: .3rem 0 .5rem; padding: .1rem .8rem; border-left: 3px solid var(--line);
  color: var(--muted); }
blockquote p { margin: .2rem 0; }
hr { border: 0; border-top: 1px solid var(--line); margin: 2rem 0 1rem; }
"""


_e = escape


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", "noopener noreferrer")  # every link in a review leaves the site
        result: str = self.renderToken(tokens, idx, options, env)
        return result

    md.add_render_rule("link_open", link_open)
    return md


def render_review_html(
    result: PaperResult,
    review_md: str,
    *,
    conference: Conference,
    comic: bytes | None = None,
    phone: bytes | None = None,
    page_url: str | None = None,
) -> str:
    """The review page of one paper: review.md as HTML, the comic after its header, a way back."""
    md = _markdown()
    header, sep, sections = review_md.partition("\n## ")
    back = f'<a href="{DIGEST_FROM_REVIEW}">← {_e(conference.name)}: all award papers</a>'
    body = [f'<p class="back meta">{back}</p>']
    body.append(md.render(header))
    if comic:
        full = FULL_SIZE if FULL_SIZE in result.artifacts else None
        body.append(comic_html(result, comic, phone, full=full, lazy=False))
    if sep:
        body.append(md.render("## " + sections))
    summary = result.summary
    card = SocialCard(
        title=result.entry.title,
        description=summary.tldr if summary and summary.tldr else f"A review of {result.entry.title}",
        image=FULL_SIZE if FULL_SIZE in result.artifacts else None,
        image_alt=result.comic_alt,
        url=page_url,
    )
    return html_document(f"{result.entry.title} — review", body, card=card, extra_css=_CSS)
