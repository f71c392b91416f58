"""sitemap.xml at the store root: every current page of the site (sitemaps.org protocol 0.9).

The site's own pages (index, venues, years) and every current release's digest.html and review.html
pages. With `publish.base_url` each <loc> is absolute, as the protocol asks; without it each is the
page's path from the store root, which a crawler cannot use until the site is given an address
(docs/operations.md says so).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime

from tasks.publish.links import absolute

SITEMAP_FILE = "sitemap.xml"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def render_sitemap(pages: Iterable[tuple[str, datetime | None]], base_url: str | None) -> bytes:
    """The sitemap of (path from the store root, last change or None) pages, in the order given."""
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    for path, changed in pages:
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = absolute(base_url, path)
        if changed is not None:
            when = changed.astimezone(UTC) if changed.tzinfo else changed.replace(tzinfo=UTC)
            ET.SubElement(url, "lastmod").text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
