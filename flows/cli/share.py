"""`paperpanels share SLUG`: print the thread of a conference's current release (thread.md)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from flows.cli.console import fail
from flows.cli.runtime import load_settings, published
from tasks.publish.share import THREAD_FILE, thread_posts


def share(
    conference: Annotated[str, typer.Argument(help="Conference slug, e.g. neurips-2025")],
    store: Annotated[str | None, typer.Option(help="Artifact store: directory or s3://bucket/prefix")] = None,
    posts: Annotated[
        bool, typer.Option("--posts", help="Only the posts' text, separated by blank lines")
    ] = False,
) -> None:
    """Print the share kit's thread of the published digest: one post per paper, each <= 280 characters."""
    settings = load_settings({"store.uri": store})
    artifacts, current = published(conference, settings)
    again = f"run `paperpanels digest {conference}`"
    if current is None:
        raise fail(f"{conference}: nothing is published in {settings.store.uri}; {again}")
    try:
        thread = artifacts.get(current.key(THREAD_FILE)).decode("utf-8")
    except KeyError:
        release = current.pointer.release
        raise fail(
            f"{conference}: release {release} has no {THREAD_FILE} (older than the share kit); {again}"
        ) from None
    sys.stdout.write("\n\n".join(thread_posts(thread)) + "\n" if posts else thread)


def register(app: typer.Typer) -> None:
    """Add the share command to the `paperpanels` app."""
    app.command("share")(share)
