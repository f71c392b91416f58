"""The site at the store root: every published conference, by venue and by year, searchable.

    index.html             every current release, newest year first: name, year, counts by award
                           kind, its cover, a link to its current digest; the search box
    venues/<venue>.html    the conferences of one venue (neurips-2025 -> venues/neurips.html)
    years/<year>.html      the conferences of one year
    search.json            the search index (tasks/publish/search.py)
    sitemap.xml            every current page (tasks/publish/sitemap.py)

Pages are self-contained like the digest (styles inline, the cover inlined, a strict CSP; the only
script is the index's search, allowed by its hash) and link with relative URLs, so the site reads
the same from a static host or opened from a folder. Like feed.xml, the site is an index of the
releases, never one run's view: every update rebuilds it from every conference's current release
(release.current_releases). The pages are written first, then index.html is switched with the
store's compare-and-swap against the index read before the releases were: two conferences
published at once both appear (the loser of the swap reads the releases again and rewrites).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from PIL import Image

from tasks.awards import award_heading, grouped_by_award
from tasks.models import Digest
from tasks.publish.feed import FEED_KEY
from tasks.publish.links import absolute
from tasks.publish.page import html_document
from tasks.publish.release import Published, current_releases
from tasks.publish.search import SEARCH_FILE, Searchable, script_csp, search_html, search_index
from tasks.publish.sitemap import SITEMAP_FILE, render_sitemap
from tasks.publish.social import SocialCard
from tasks.store import ArtifactStore, check_key, conference_key

log = logging.getLogger(__name__)

INDEX = "index.html"
SITE_NAME = "paperpanels: award papers"
SWAP_ATTEMPTS = 8
THUMB_PX = 480  # covers on the site's pages: twice the 15rem they are shown at
PAGES = ("digest.html", "review.html")  # the pages of a release the sitemap lists

_CSS = """
nav.site { margin: .6rem 0 1.4rem; } nav.site p { margin: .2rem 0; }
nav.site a { margin-right: .6rem; white-space: nowrap; }
.search label { display: block; font-weight: 600; margin-bottom: .3rem; }
.search input { width: 100%; font: inherit; padding: .5rem .7rem; border: 1px solid var(--line);
  border-radius: 6px; background: var(--card); color: var(--fg); }
.hits { padding-left: 1.3rem; } .hits li { margin: .5rem 0; }
.site-card { display: grid; grid-template-columns: minmax(0, 15rem) minmax(0, 1fr); gap: 1rem; }
.site-card img { display: block; width: 100%; height: auto; border-radius: 6px;
  border: 1px solid var(--line); }
.site-card h2 { font-size: 1.2rem; margin: 0 0 .3rem; padding: 0; border: 0; }
.site-card p { margin: .2rem 0; }
@media (max-width: 600px) { .site-card { grid-template-columns: minmax(0, 1fr); } }
"""


def _e(text: str) -> str:
    return html.escape(" ".join(str(text).split()), quote=True)


@dataclass(frozen=True)
class Listing:
    """One conference's current release as the site shows it."""

    published: Published
    digest: Digest
    cover: bytes | None  # a thumbnail of overview/cover.webp when it is the release's cover

    @property
    def prefix(self) -> str:
        return self.published.prefix

    @property
    def year(self) -> int:
        return self.digest.conference.year

    @property
    def venue(self) -> str:
        conf = self.digest.conference
        return conf.slug.removesuffix(f"-{conf.year}")

    @property
    def venue_name(self) -> str:
        conf = self.digest.conference
        return conf.name.removesuffix(str(conf.year)).strip() or self.venue.upper()


def _cover(store: ArtifactStore, published: Published, digest: Digest) -> bytes | None:
    """The conference's cover.webp, only when its cover.png is the one the release holds."""
    name = digest.overview.cover if digest.overview else None
    released = published.manifest.objects.get(published.key(name)) if name else None
    if released is None:
        return None
    slug = published.pointer.conference
    head = store.head(conference_key(slug, "overview/cover.png"))
    if head is None or head.sha256 != released.sha256:
        return None
    try:
        return _thumbnail(store.get(conference_key(slug, "overview/cover.webp")))
    except (KeyError, OSError, ValueError) as exc:  # a cover is a nicety: the card reads without it
        log.warning("%s: no cover on the site (%s)", slug, exc)
        return None


def _thumbnail(webp: bytes) -> bytes:
    """The cover at most THUMB_PX wide (the card shows it at most 15rem): a quarter of the bytes."""
    with Image.open(io.BytesIO(webp)) as image:
        image.thumbnail((THUMB_PX, THUMB_PX))
        out = io.BytesIO()
        image.save(out, format="WEBP", quality=80)
    return out.getvalue()


def listings(store: ArtifactStore) -> list[Listing]:
    """Every conference with a readable current release: newest year first, then by venue."""
    found = []
    for slug, published in current_releases(store).items():
        digest = published.digest(store)
        if digest is None:
            log.warning("%s: the current release's digest.json cannot be read: left off the site", slug)
            continue
        found.append(Listing(published, digest, _cover(store, published, digest)))
    return sorted(found, key=lambda item: (-item.year, item.venue_name.lower(), item.digest.conference.slug))


# --------------------------------------------------------------------------- pages


def counts_text(digest: Digest) -> str:
    """ "3 award papers: Best paper 1 · Runner-up 2", kinds in the digest's order."""
    kinds = " · ".join(
        f"{award_heading(kind)} {len(group)}" for kind, group in grouped_by_award(digest.results)
    )
    n = len(digest.results)
    return _count(n, "award paper") + (f": {kinds}" if kinds else "")


def _card(item: Listing, up: str) -> list[str]:
    conf, overview = item.digest.conference, item.digest.overview
    out = [f'<article class="site-card" id="{_e(conf.slug)}">']
    if item.cover:
        alt = (overview.cover_alt if overview else None) or f"Cover of the {conf.name} award papers"
        data = base64.b64encode(item.cover).decode("ascii")
        out.append(f'<img src="data:image/webp;base64,{data}" alt="{_e(alt)}">')
    else:
        out.append("<div></div>")
    when = item.published.pointer.generated_at
    out += [
        "<div>",
        f'<h2><a href="{_e(up + item.prefix)}/digest.html">{_e(conf.name)}</a></h2>',
        f'<p class="meta"><a href="{up}venues/{item.venue}.html">{_e(item.venue_name)}</a> · '
        f'<a href="{up}years/{item.year}.html">{item.year}</a> · published {when:%Y-%m-%d}</p>',
        f"<p>{_e(counts_text(item.digest))}</p>",
        "</div>",
        "</article>",
    ]
    return out


def _nav(found: list[Listing], up: str, feed: bool) -> list[str]:
    venues = {item.venue: item.venue_name for item in found}
    years = sorted({item.year for item in found}, reverse=True)
    out = ['<nav class="site" aria-label="Site">', f'<p><a href="{up}{INDEX}">All conferences</a>']
    if feed:
        out.append(f'<a href="{up}{FEED_KEY}">Atom feed</a>')
    out.append("</p><p>Venues: ")
    out += [f'<a href="{up}venues/{v}.html">{_e(name)}</a>' for v, name in sorted(venues.items())]
    out.append("</p><p>Years: ")
    out += [f'<a href="{up}years/{y}.html">{y}</a>' for y in years]
    return [*out, "</p></nav>"]


def _page(
    path: str, title: str, intro: str, items: list[Listing], found: list[Listing], base_url: str | None,
    *, feed: bool, search: bool = False,
) -> bytes:  # fmt: skip
    up = "../" * path.count("/")
    body = [f"<h1>{_e(title)}</h1>", f'<p class="meta">{_e(intro)}</p>', *_nav(found, up, feed)]
    if search:
        body += search_html()
    for item in items:
        body += _card(item, up)
    if not items:
        body.append("<p>Nothing is published yet.</p>")
    card = SocialCard(title, intro, kind="website", url=absolute(base_url, path) if base_url else None)
    for item in items:  # the preview shows the first cover of the page
        if (overview := item.digest.overview) is not None and overview.cover:
            card = replace(
                card, image=f"{up}{item.prefix}/{overview.cover}", image_alt=overview.cover_alt
            )  # escaped there
            break
    csp = script_csp() if search else ""
    return html_document(title, body, card=card, extra_css=_CSS, csp=csp).encode()


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _papers(items: Iterable[Listing]) -> str:
    return _count(sum(len(item.digest.results) for item in items), "award paper")


def build_site(found: list[Listing], base_url: str | None = None, *, feed: bool = True) -> dict[str, bytes]:
    """Every file of the site (path from the store root -> bytes); index.html among them."""
    venues: dict[str, list[Listing]] = {}
    years: dict[int, list[Listing]] = {}
    for item in found:
        venues.setdefault(item.venue, []).append(item)
        years.setdefault(item.year, []).append(item)
    intro = f"{_count(len(found), 'conference')}, {_papers(found)}: reviews and one-image comics."
    files = {INDEX: _page(INDEX, SITE_NAME, intro, found, found, base_url, feed=feed, search=True)}
    for venue, items in venues.items():
        path = f"venues/{venue}.html"
        title = f"{items[0].venue_name}: award papers by year"
        text = f"{_count(len(items), 'edition')}, {_papers(items)}."
        files[path] = _page(path, title, text, items, found, base_url, feed=feed)
    for year, items in years.items():
        path = f"years/{year}.html"
        text = f"{_count(len(items), 'conference')}, {_papers(items)}."
        files[path] = _page(path, f"Award papers of {year}", text, items, found, base_url, feed=feed)
    files[SEARCH_FILE] = search_index(Searchable(item.digest, item.prefix) for item in found)
    site_pages: list[tuple[str, datetime | None]] = [(path, None) for path in files if path.endswith(".html")]
    for item in found:
        when = item.published.pointer.generated_at
        keys = sorted(k for k in item.published.manifest.objects if k.rsplit("/", 1)[-1] in PAGES)
        site_pages += [(key, when) for key in keys]
    files[SITEMAP_FILE] = render_sitemap(site_pages, base_url)
    return files


# --------------------------------------------------------------------------- publishing


def _sha(body: bytes | None) -> str | None:
    return hashlib.sha256(body).hexdigest() if body is not None else None


def publish_site(store: ArtifactStore, base_url: str | None = None) -> bool:
    """Rebuild the site from the current releases; True when index.html was switched.

    The other pages are written first (unchanged bytes write nothing), index.html last with a
    compare-and-swap against the index read before the releases were; a lost swap starts again.
    """
    for attempt in range(SWAP_ATTEMPTS):
        if attempt:  # another publisher switched the index meanwhile: back off, jittered
            time.sleep(random.uniform(0, min(1.0, 0.02 * 2**attempt)))
        try:
            body: bytes | None = store.get(INDEX)
        except KeyError:
            body = None
        files = build_site(listings(store), base_url, feed=store.exists(FEED_KEY))
        index = files.pop(INDEX)
        for key, page in files.items():
            store.put(key, page)
        if index == body:
            return False
        if store.swap(INDEX, index, _sha(body)):
            return True
    log.warning("another publisher kept switching %s; this release may not be listed yet", INDEX)
    return False


def update_site(store: ArtifactStore, base_url: str | None = None) -> bool:
    """publish_site for a publisher whose release is current already: a site problem is logged,
    never raised (the next publish or up-to-date run rebuilds the site)."""
    try:
        return publish_site(store, base_url)
    except Exception as exc:
        log.warning("the site (%s) could not be updated: %s", INDEX, exc)
        return False


def ensure_site(store: ArtifactStore, published: Published, base_url: str | None = None) -> bool:
    """For a run that publishes nothing: index.html links this current release, rebuilt if not.

    One read of index.html when all is well; True when the site had to be rebuilt.
    """
    try:
        body = store.get(INDEX)
    except KeyError:
        body = b""
    if f'href="{published.prefix}/digest.html"'.encode() in body:
        return False
    return update_site(store, base_url)


def export_site(store: ArtifactStore, out: Path, base_url: str | None = None) -> tuple[int, int]:
    """The site and every object of the current releases it links, written into folder `out`.

    Returns (conferences, files written). What a static host serves: the folder as it is.
    """
    found = listings(store)
    feed = store.exists(FEED_KEY)
    keys = [
        key for item in found for key in [*item.published.manifest.objects, item.published.pointer.manifest]
    ]
    if feed:
        keys.append(FEED_KEY)
    files = 0
    for key in keys:
        _write(out, key, store.get(key))
        files += 1
    for path, page in build_site(found, base_url, feed=feed).items():
        _write(out, path, page)
        files += 1
    return len(found), files


def _write(out: Path, key: str, data: bytes) -> None:
    target = out / check_key(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
