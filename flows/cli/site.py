"""`paperpanels site [--out DIR]`: the site of every published conference, from the store.

Without --out the site's pages are rebuilt in the store itself (what every release does; a repair).
With --out the pages and every object of the current releases they link are written into a folder
for any static host (docs/operations.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli.console import fail, say
from flows.cli.runtime import load_settings
from tasks.publish.site import INDEX, export_site, listings, publish_site
from tasks.store import StoreError, store_for


def site(
    out: Annotated[
        Path | None,
        typer.Option(help="Write the site into this folder (for a static host) instead of the store"),
    ] = None,
    store: Annotated[str | None, typer.Option(help="Artifact store: directory or s3://bucket/prefix")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="Public address of the site (publish.base_url), for absolute links")
    ] = None,
) -> None:
    """Build the site: index.html, a page per venue and per year, search, sitemap.xml."""
    settings = load_settings({"store.uri": store, "publish.base_url": base_url})
    artifacts = store_for(settings.store)
    base = settings.publish.base_url
    try:
        if out is not None:
            if out.exists() and not out.is_dir():
                raise fail(f"--out {out}: not a folder")
            conferences, files = export_site(artifacts, out, base)
            if not conferences:
                raise fail(
                    f"nothing is published in {settings.store.uri}: run `paperpanels digest SLUG` first"
                )
            say(f"{conferences} conferences, {files} files written: {out / INDEX}")
            return
        found = listings(artifacts)
        if not found:
            raise fail(f"nothing is published in {settings.store.uri}: run `paperpanels digest SLUG` first")
        switched = publish_site(artifacts, base)
        state = "updated" if switched else "already up to date"
        say(f"{len(found)} conferences, {INDEX} {state}: {artifacts.location(INDEX)}")
    except (StoreError, OSError) as exc:
        raise fail(f"the site could not be written: {exc}", code=1) from None


def register(app: typer.Typer) -> None:
    """Add the site command to the `paperpanels` app."""
    app.command("site")(site)
