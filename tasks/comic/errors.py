"""The comic stage's exception, in its own module so the renderers can raise it without cycles."""

from __future__ import annotations


class ComicError(Exception):
    """A comic could not be drawn (unknown or unavailable renderer, bad model, bad input)."""
