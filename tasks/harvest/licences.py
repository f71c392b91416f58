"""The licence of a paper's code repository, from the GitHub API when the network is allowed.

`choose_licences(settings, known)` returns the lookup in force: the GitHub API (one GET
`/repos/{owner}/{repo}` per repository, through the harvest stage's polite client), or one that
answers "not checked" and says why (downloads off = offline; checks turned off). A definite answer
known from before (a licence, none, or no such repository) is reused without a request: the GitHub
API allows 60 unauthenticated requests an hour. A failed request is "not checked", with the
reason, and is asked again by the next release; it never fails a publish.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from urllib.parse import urlparse

from config.settings import Settings
from tasks.harvest.http import ServiceClient, ServiceError
from tasks.models import LicenceCheck

log = logging.getLogger(__name__)

LicenceLookup = Callable[[str], LicenceCheck]
DEFINITE = ("found", "none", "not found")


def not_checked(reason: str) -> LicenceLookup:
    """A lookup that asks nobody: every repository is "not checked", for this reason."""

    def check(repository: str) -> LicenceCheck:
        return LicenceCheck(repository=repository, status="not checked", detail=reason)

    return check


def _github_repo(url: str) -> tuple[str, str] | None:
    parsed = urlparse(url)
    parts = [p for p in parsed.path.split("/") if p]
    if (parsed.hostname or "").lower().removeprefix("www.") != "github.com" or len(parts) < 2:
        return None
    return parts[0], parts[1].removesuffix(".git")


class GitHubLicences:
    """Asks the GitHub API for each repository's licence, at most once per repository and process."""

    def __init__(self, settings: Settings, known: dict[str, LicenceCheck] | None = None) -> None:
        self.settings = settings.harvest
        self.api = settings.harvest.github_api.rstrip("/")
        self._known = dict(known or {})
        self._lock = threading.Lock()
        self._client: object | None = None

    def __call__(self, repository: str) -> LicenceCheck:
        with self._lock:
            if repository in self._known:
                return self._known[repository]
        found = self._ask(repository)
        with self._lock:
            self._known[repository] = found
        return found

    def _ask(self, repository: str) -> LicenceCheck:
        repo = _github_repo(repository)
        if repo is None:
            return LicenceCheck(
                repository=repository, status="not checked", detail="only GitHub repositories are checked"
            )
        url = f"{self.api}/repos/{repo[0]}/{repo[1]}"
        try:
            with ServiceClient("github", self.settings, retries=1, cached_statuses=(200, 404)) as client:
                reply = client.get(url)
        except ServiceError as exc:
            log.warning("licence of %s not checked: %s", repository, exc)
            return LicenceCheck(repository=repository, status="not checked", detail=f"GitHub API: {exc}")
        if reply.status == 404:
            return LicenceCheck(
                repository=repository, status="not found", detail="GitHub API: no such repository"
            )
        if reply.status != 200:
            why = "rate limit reached" if reply.status in (403, 429) else f"HTTP {reply.status}"
            log.warning("licence of %s not checked: GitHub API %s", repository, why)
            return LicenceCheck(repository=repository, status="not checked", detail=f"GitHub API: {why}")
        try:
            licence = reply.json().get("license")
        except (ValueError, AttributeError):
            return LicenceCheck(repository=repository, status="not checked", detail="GitHub API: not JSON")
        if not licence:
            return LicenceCheck(
                repository=repository, status="none", detail="GitHub API: the repository states no licence"
            )
        spdx = licence.get("spdx_id")
        name = spdx if spdx and spdx != "NOASSERTION" else licence.get("name") or "unrecognised licence file"
        return LicenceCheck(repository=repository, status="found", licence=str(name), detail="GitHub API")


def choose_licences(settings: Settings | None, known: dict[str, LicenceCheck] | None = None) -> LicenceLookup:
    """The licence lookup in force for one conference: the GitHub API (definite answers already
    known are not asked again), or "not checked" and why."""
    if settings is None:
        return not_checked("no licence lookup in this run")
    if not settings.harvest.check_licences:
        return not_checked("licence checks are off (PAPERPANELS_HARVEST__CHECK_LICENCES=false)")
    if not settings.harvest.download:
        return not_checked("offline: downloads are off (PAPERPANELS_HARVEST__DOWNLOAD=false)")
    return GitHubLicences(settings, known)
