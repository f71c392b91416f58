"""feed.xml at the store root: an Atom feed of the published digests, one entry per conference.

Updated after each release is made current, with the store's compare-and-swap (`swap`): read the
feed, put this conference's entry in (its current release), write it only if nobody changed the
feed meanwhile, else read again and retry. Two publishers of different conferences never lose each
other's entry; a reader sees the old feed or the new one. An unchanged entry writes nothing.
Links are relative to the feed (the store does not know the address it is served from), or
absolute under `publish.base_url` when it is set.

The feed is an index of the releases, never the record of one run: when it is missing, damaged
(not Atom we can read) or lacks a conference that has a current release, the missing entries are
rebuilt from every conference's current release in the store (release.current_releases, which a
site index can be rebuilt from the same way). An up-to-date run checks its own entry too
(`ensure_listed`), so a damaged feed heals without anyone republishing.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from tasks.models import Digest, PublishManifest
from tasks.publish.links import absolute
from tasks.publish.overview_render import award_counts
from tasks.publish.release import Published, current_releases, release_prefix
from tasks.store import ArtifactStore, conference_key

log = logging.getLogger(__name__)

FEED_KEY = "feed.xml"
ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:paperpanels:digests"
MAX_ENTRIES = 500
SWAP_ATTEMPTS = 8
SUMMARY_CHARS = 600

ET.register_namespace("", ATOM)


def _q(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _when(moment: datetime) -> str:
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(slug: str) -> str:
    return f"urn:paperpanels:digest:{slug}"


def summary(digest: Digest) -> str:
    """One paragraph: the counts and the themes of the overview."""
    overview = digest.overview
    if overview is None:
        return f"{len(digest.results)} award papers."
    text = award_counts(overview, ", ")
    if overview.themes:
        text += ". Shared themes: " + "; ".join(
            f"{t.label} ({len(t.papers)} papers)" for t in overview.themes
        )
    text += "."
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _entry(digest: Digest, manifest: PublishManifest, base_url: str | None = None) -> ET.Element:
    slug = digest.conference.slug
    prefix = absolute(base_url, release_prefix(slug, manifest.release or ""))
    entry = ET.Element(_q("entry"))
    ET.SubElement(entry, _q("id")).text = entry_id(slug)
    ET.SubElement(entry, _q("title")).text = f"{digest.conference.name} — award papers"
    ET.SubElement(entry, _q("updated")).text = _when(manifest.generated_at)
    ET.SubElement(entry, _q("link"), rel="alternate", type="text/html", href=f"{prefix}/digest.html")
    ET.SubElement(entry, _q("link"), rel="related", type="text/markdown", href=f"{prefix}/thread.md")
    overview = digest.overview
    if overview is not None and overview.cover:
        ET.SubElement(entry, _q("link"), rel="enclosure", type="image/png", href=f"{prefix}/{overview.cover}")
    ET.SubElement(entry, _q("category"), term=slug)
    ET.SubElement(entry, _q("summary"), type="text").text = summary(digest)
    return entry


def _feed(entries: list[ET.Element], base_url: str | None = None) -> bytes:
    feed = ET.Element(_q("feed"))
    ET.SubElement(feed, _q("id")).text = FEED_ID
    ET.SubElement(feed, _q("title")).text = "paperpanels: award-paper digests"
    updated = max((e.findtext(_q("updated")) or "" for e in entries), default="1970-01-01T00:00:00Z")
    ET.SubElement(feed, _q("updated")).text = updated
    author = ET.SubElement(feed, _q("author"))
    ET.SubElement(author, _q("name")).text = "paperpanels"
    ET.SubElement(
        feed, _q("link"), rel="self", type="application/atom+xml", href=absolute(base_url, FEED_KEY)
    )
    ET.SubElement(feed, _q("generator")).text = "paperpanels"
    feed.extend(entries)
    ET.indent(feed, space="  ")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entries(body: bytes | None) -> list[ET.Element] | None:
    """The feed's entries; None when there is no feed or it cannot be read as ours (damaged)."""
    if body is None:
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        log.warning("%s is not valid XML (%s): it is rebuilt from the current releases", FEED_KEY, exc)
        return None
    if root.tag != _q("feed"):
        log.warning("%s is not an Atom feed (%s): rebuilt from the current releases", FEED_KEY, root.tag)
        return None
    return root.findall(_q("entry"))


def _slug_of(entry: ET.Element) -> str:
    return (entry.findtext(_q("id")) or "").removeprefix(entry_id(""))


def _rebuilt(
    store: ArtifactStore, entries: list[ET.Element] | None, skip: str, base_url: str | None = None
) -> list[ET.Element]:
    """The entries, with every conference that has a current release and no entry rebuilt from it.

    Cheap when nothing is missing: one listing of the store's folders, and a HEAD of current.json
    for each folder the feed does not name (other folders: backfill reports, watch records).
    """
    found = [e for e in entries or [] if _addressed(e, base_url)]  # a changed base URL: rebuilt
    have = {_slug_of(e) for e in found}
    lacking = [
        name for name in store.folders("") if name not in have and name != skip and _has_pointer(store, name)
    ]
    if not lacking:
        return found
    releases: dict[str, Published] = current_releases(store)
    for slug in lacking:
        published = releases.get(slug)
        digest = published.digest(store) if published is not None else None
        if published is None or digest is None:
            continue
        found.append(_entry(digest, published.manifest, base_url))
        log.warning("%s: its entry was missing from %s: rebuilt from its current release", slug, FEED_KEY)
    return found


def _addressed(entry: ET.Element, base_url: str | None) -> bool:
    """The entry links under base_url (absolute), or relatively when there is none."""
    href = next((link.get("href") or "" for link in entry.findall(_q("link"))), "")
    return href.startswith(f"{base_url}/") if base_url else "://" not in href


def _has_pointer(store: ArtifactStore, name: str) -> bool:
    try:
        return store.exists(conference_key(name, "current.json"))
    except ValueError:  # not a conference's folder name
        return False


def _same(a: ET.Element, b: ET.Element) -> bool:
    return ET.tostring(a) == ET.tostring(b)


def update_feed(
    store: ArtifactStore, digest: Digest, manifest: PublishManifest, base_url: str | None = None
) -> bool:
    """Put the conference's current release into feed.xml; True when the feed was written.

    Entries the feed lacks (a damaged or missing feed, a conference left out) are rebuilt from the
    current releases in the store on the way.
    """
    new = _entry(digest, manifest, base_url)
    new_id = entry_id(digest.conference.slug)
    for attempt in range(SWAP_ATTEMPTS):
        if attempt:  # another publisher won the last swap: back off, jittered, so writers stop colliding
            time.sleep(random.uniform(0, min(1.0, 0.02 * 2**attempt)))
        try:
            body: bytes | None = store.get(FEED_KEY)
        except KeyError:
            body = None
        read = _entries(body)
        entries = _rebuilt(store, read, skip=digest.conference.slug, base_url=base_url)
        old = next((e for e in entries if e.findtext(_q("id")) == new_id), None)
        complete = (
            read is not None and len(entries) == len(read) and all(_addressed(e, base_url) for e in read)
        )
        if complete and old is not None and _same(_entry_copy(old), new):
            return False
        others = [e for e in entries if e.findtext(_q("id")) != new_id]
        ordered = sorted([new, *others], key=lambda e: e.findtext(_q("updated")) or "", reverse=True)
        expected = hashlib.sha256(body).hexdigest() if body is not None else None
        if store.swap(FEED_KEY, _feed(ordered[:MAX_ENTRIES], base_url), expected):
            return True
    log.warning(
        "%s: another publisher kept changing %s; this release is not in it yet",
        digest.conference.slug,
        FEED_KEY,
    )
    return False


def ensure_listed(store: ArtifactStore, published: Published, base_url: str | None = None) -> bool:
    """For a run that publishes nothing: the feed lists this current release, repaired if it does not.

    One read of feed.xml when all is well; True when the feed had to be written.
    """
    digest = published.digest(store)
    if digest is None:
        return False
    try:
        return update_feed(store, digest, published.manifest, base_url)
    except Exception as exc:  # the release is published and current: a feed problem must not fail the run
        log.warning("%s could not be checked or repaired: %s", FEED_KEY, exc)
        return False


def _entry_copy(element: ET.Element) -> ET.Element:
    """An entry read back from the feed, without the whitespace the indenting added."""
    copy = ET.fromstring(ET.tostring(element))
    for node in copy.iter():
        if len(node):
            node.text = None
        node.tail = None
    return copy
