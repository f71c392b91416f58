"""Errors of the harvest stage; each message names the conference, paper or URL concerned."""

from __future__ import annotations


class HarvestError(Exception):
    """A conference's award list or a paper could not be harvested."""


class UnknownConferenceError(HarvestError):
    """No manifest for the slug."""


class ManifestError(HarvestError):
    """A manifest file exists but is not valid."""


class PdfUnavailable(HarvestError):
    """No PDF could be had for a paper: no local file, downloads off, or every source refused.

    An expected outcome (reported in the digest), not a crash: never retried by the task.
    """


class TransientDownloadError(HarvestError):
    """A download failed in a way worth retrying (timeout, 429, 5xx)."""
