"""The link preview of a published page: OpenGraph and Twitter card meta tags.

A shared link to digest.html or a review.html shows its title, a one-line description and the comic.
Without `publish.base_url` the image URL is relative to the page (the store does not know the
address it is served from): crawlers that resolve it against the page's URL (OpenGraph readers such
as Slack, Facebook, LinkedIn) show the comic, the others show the title and description. With it,
the card names the page's own absolute address (og:url and a canonical link) and the image under it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urljoin

DESCRIPTION_CHARS = 200  # what previews show before cutting the text themselves
SITE_NAME = "paperpanels"


def _attr(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=True)


def shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """Text of at most `limit` characters, cut at a word with an ellipsis when longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.—-")
    return cut + "…"


@dataclass(frozen=True)
class SocialCard:
    """What a link preview shows of one page."""

    title: str
    description: str
    image: str | None = None  # the comic, relative to the page (or an absolute http(s) URL)
    image_alt: str | None = None
    kind: str = "article"  # og:type: "website" for the digest, "article" for a review
    url: str | None = None  # the page's absolute address (publish.base_url set): images resolve against it

    def meta_tags(self) -> list[str]:
        """`<meta>` lines for the page head: OpenGraph (property=) and Twitter (name=)."""
        description = shorten(self.description)
        tags = [
            ("property", "og:type", self.kind),
            ("property", "og:site_name", SITE_NAME),
            ("property", "og:title", self.title),
            ("property", "og:description", description),
            ("name", "description", description),
            ("name", "twitter:card", "summary_large_image" if self.image else "summary"),
            ("name", "twitter:title", self.title),
            ("name", "twitter:description", description),
        ]
        if self.url:
            tags.append(("property", "og:url", self.url))
        if self.image:
            alt = shorten(self.image_alt or self.title, 420)
            image = urljoin(self.url, self.image) if self.url else self.image
            tags += [
                ("property", "og:image", image),
                ("property", "og:image:alt", alt),
                ("name", "twitter:image", image),
                ("name", "twitter:image:alt", alt),
            ]
        lines = [f'<meta {kind}="{name}" content="{_attr(value)}">' for kind, name, value in tags]
        return lines + ([f'<link rel="canonical" href="{_attr(self.url)}">'] if self.url else [])
