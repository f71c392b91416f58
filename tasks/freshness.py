"""Is the published release of a conference current? Answered like `make`, without starting Prefect.

A release records `inputs`: one hash over everything a run's output depends on:
- the award entries the run covered (titles, authors, awards, links, ids);
- the settings that shape output (everything but how a run is operated: ops, concurrency, where
  the store and the manifests live, credentials);
- the code and configuration that compute the stages (the source of `tasks/` and the files of
  `config/`: parser, summarizer and renderer versions, prompts, comic presets): a change to any
  of them is a changed stage identity;
- each paper's own PDF in the papers folder (SHA-256, streamed), or its absence.

A run is skipped as "up to date" only when that hash equals the current release's, every object
the release lists is in the store with the bytes it lists (one listing: an object is hashed only
when its size, mtime or ETag differs from what was recorded when it was written), no paper failed,
and no unavailable paper could be had now by a download (downloads on: the host may answer this
time). A release with an object missing or changed is not up to date: the run publishes it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from config.settings import Settings
from tasks.harvest.errors import PdfUnavailable
from tasks.harvest.pdf import find_local_pdf, local_pdf_fingerprint
from tasks.models import AwardEntry, PaperStatus
from tasks.publish.release import read_current, release_problems
from tasks.store import ArtifactStore

if TYPE_CHECKING:
    from tasks.publish.release import Published

ROOT = Path(__file__).resolve().parents[2]
# What the hash of the code covers: the stages and their configuration (not flows/: orchestration).
CODE_DIRS = ("tasks", "config")
CODE_SUFFIXES = (".py", ".yaml", ".yml", ".toml", ".json", ".txt", ".ttf", ".otf")
# Settings that say how a run is operated, not what it produces.
OPERATIONAL = ("ops", "concurrency", "conferences_dir", "papers_dir")
STORE_OPERATIONAL = ("presign_expiry_s", "gc_grace_s", "release_lease_s")


@lru_cache(maxsize=1)
def code_fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the stage code and configuration files (paths and bytes), in a stable order."""
    h = hashlib.sha256()
    for top in CODE_DIRS:
        for path in sorted((root / top).rglob("*")):
            if path.suffix in CODE_SUFFIXES and path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def output_settings(settings: Settings) -> dict[str, object]:
    """The settings that shape a digest, as JSON-able data (secrets masked, never written out)."""
    data = settings.model_dump(mode="json", exclude=set(OPERATIONAL))
    store = data.get("store", {})
    for name in STORE_OPERATIONAL:
        store.pop(name, None)
    harvest = data.get("harvest", {})
    harvest.pop("papers_dir", None)  # the folder's PDFs are hashed one by one instead
    return data


def _local_pdf(entry: AwardEntry, papers_dir: Path | None) -> str:
    if papers_dir is None:
        return "-"
    try:
        path = find_local_pdf(entry, papers_dir)
    except PdfUnavailable as exc:
        return f"refused: {exc}"
    if path is None:
        return "-"
    return local_pdf_fingerprint(path, max_bytes=1 << 62)


def run_inputs(entries: Iterable[AwardEntry], settings: Settings) -> str:
    """The hash a release records and a later run compares: see the module docstring."""
    papers_dir = settings.harvest.papers_dir
    h = hashlib.sha256()
    h.update(b"paperpanels run inputs v1\n")
    h.update(json.dumps(output_settings(settings), sort_keys=True).encode() + b"\n")
    h.update(code_fingerprint().encode() + b"\n")
    for entry in entries:
        h.update(entry.model_dump_json().encode() + b"\n")
        h.update(_local_pdf(entry, papers_dir).encode() + b"\n")
    return h.hexdigest()


@dataclass(frozen=True)
class Verdict:
    """Whether a run would change the published release, and why (for the console and the logs)."""

    current: bool
    reason: str
    published: Published | None = None  # the current release that was judged

    @property
    def release(self) -> str | None:
        return self.published.pointer.release if self.published else None


def check_current(
    entries: list[AwardEntry], settings: Settings, store: ArtifactStore, slug: str, inputs: str | None = None
) -> Verdict:
    """Up to date: same inputs as the current release, its objects present, nothing left to retry.

    `inputs`: run_inputs(entries, settings) when the caller has it already (it hashes local PDFs).
    """
    current = read_current(store, slug)
    if current is None:
        return Verdict(False, "nothing is published yet")
    manifest = current.manifest
    if manifest.inputs is None:
        return Verdict(False, "the current release does not record its inputs", current)
    if manifest.inputs != (inputs or run_inputs(entries, settings)):
        return Verdict(False, "an input changed (award list, settings, code or a paper's PDF)", current)
    failed = [pid for pid, status in manifest.papers.items() if status is PaperStatus.FAILED]
    if failed:
        return Verdict(False, f"{len(failed)} paper(s) failed last time: {', '.join(failed[:3])}", current)
    unavailable = [pid for pid, status in manifest.papers.items() if status is PaperStatus.UNAVAILABLE]
    if unavailable and settings.harvest.download:
        return Verdict(False, f"{len(unavailable)} paper(s) unavailable; a download may work now", current)
    # One listing of the release instead of a request per object; hashes only where it differs.
    damage = release_problems(store, current)
    if damage:
        why = f"{len(damage)} published object(s) missing or changed, e.g. {damage[0]}"
        return Verdict(False, why, current)
    return Verdict(True, f"release {current.pointer.release} is current", current)
