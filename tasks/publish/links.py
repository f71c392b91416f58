"""Absolute links for what leaves the site (link previews, the feed, thread.md, sitemap.xml).

With `publish.base_url` set, a page names its own address and its preview image by absolute URL;
without it they stay relative to the page (the store does not know where it is served from). A
release's pages are rendered before the release has its id (the id hashes their bytes), so they
name it by RELEASE_TOKEN, which tasks/publish/release.py replaces by the id as the files are
written: the content hash stays that of the rendered pages, and the published bytes name the
release they are in.
"""

from __future__ import annotations

RELEASE_TOKEN = "@@paperpanels-release@@"


def absolute(base_url: str | None, key: str) -> str:
    """The store key as a URL under base_url, or the key itself (relative to the store root)."""
    return f"{base_url.rstrip('/')}/{key}" if base_url else key


def release_url(base_url: str | None, slug: str, path: str) -> str | None:
    """The absolute URL of `path` in the release being written, or None without a base URL."""
    if not base_url:
        return None
    return absolute(base_url, f"{slug}/releases/{RELEASE_TOKEN}/{path}")
