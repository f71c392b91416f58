"""Award manifests: `config/conferences/<slug>.yaml`, validated on load."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from tasks.harvest.errors import HarvestError, ManifestError, UnknownConferenceError
from tasks.models import CONFERENCE_SLUG_RE, AwardEntry, Conference
from tasks.safe_yaml import UnsafeYamlError, load_yaml


def known_slugs(conferences_dir: Path) -> list[str]:
    return sorted(p.stem for p in conferences_dir.glob("*.yaml"))


def load_conference(slug: str, conferences_dir: Path) -> Conference:
    """Load and validate the manifest of one conference; errors name the slug or the file."""
    if not CONFERENCE_SLUG_RE.match(slug):
        raise UnknownConferenceError(
            f"{slug!r} is not a conference slug (expected e.g. 'neurips-2025'); "
            f"known: {', '.join(known_slugs(conferences_dir)) or 'none'}"
        )
    path = conferences_dir / f"{slug}.yaml"
    if not path.is_file():
        raise UnknownConferenceError(
            f"unknown conference {slug!r}: no manifest {path}; "
            f"known: {', '.join(known_slugs(conferences_dir)) or 'none'}"
        )
    return load_manifest(path)


def load_manifest(path: Path) -> Conference:
    """Validate one manifest file; the slug inside must match the file name."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except UnsafeYamlError as exc:
        raise ManifestError(str(exc)) from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a mapping with slug, name, year and entries")
    try:
        conference = Conference.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(f"{path}: {_describe(exc, data)}") from exc
    if conference.slug != path.stem:
        raise ManifestError(f"{path}: slug {conference.slug!r} does not match the file name {path.stem!r}")
    return conference


def _describe(exc: ValidationError, data: dict) -> str:
    """Turn pydantic's errors into lines that name the entry (by index and title)."""
    lines = []
    raw_entries = data.get("entries")
    entries: list[object] = raw_entries if isinstance(raw_entries, list) else []
    for err in exc.errors():
        loc = err["loc"]
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int) and loc[1] < len(entries):
            raw = entries[loc[1]]
            title = raw.get("title") if isinstance(raw, dict) else None
            # Quote a title only when it is one: a value of any size must not be printed whole.
            shown = repr(title[:120]) if isinstance(title, str) else f"a {type(title).__name__}, not a title"
            where = f"entry {loc[1] + 1} ({shown})" + (
                f" field {'.'.join(str(p) for p in loc[2:])}" if len(loc) > 2 else ""
            )
        message = str(err["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def select_entries(conference: Conference, papers: list[str] | None) -> list[AwardEntry]:
    """The entries to process: all, or those whose paper id / arXiv / OpenReview id is listed."""
    if not papers:
        return list(conference.entries)
    wanted = {p.split(":", 1)[-1] for p in papers}
    chosen = [
        e
        for e in conference.entries
        if wanted & {e.paper_id, e.ids.arxiv or "", e.ids.openreview or ""} - {""}
    ]
    found = {e.paper_id for e in chosen} | {e.ids.arxiv for e in chosen} | {e.ids.openreview for e in chosen}
    missing = sorted(w for w in wanted if w not in found)
    if missing:
        raise HarvestError(f"{conference.slug}: no entry with id {', '.join(missing)}")
    return chosen
