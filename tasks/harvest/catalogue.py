"""The catalogue of known conferences: expanding backfill specs into conference slugs."""

from __future__ import annotations

import re
from pathlib import Path

from tasks.harvest.errors import HarvestError
from tasks.harvest.manifest import known_slugs

RANGE_RE = re.compile(r"^(?P<venue>[a-z][a-z0-9-]*):(?P<start>\d{4})(?:-(?P<end>\d{4}))?$")


def expand_specs(specs: list[str], conferences_dir: Path, *, all_known: bool = False) -> list[str]:
    """Slugs for `neurips-2024`, `neurips:2023-2025` or `icml:2024` specs (or every known one).

    A range must be covered: a year without a manifest is an error naming the missing slugs,
    so a typo never silently shrinks a backfill.
    """
    known = known_slugs(conferences_dir)
    if all_known:
        if specs:
            raise HarvestError("give conference specs or --all, not both")
        return known
    if not specs:
        raise HarvestError("no conferences given: name slugs, a range like neurips:2023-2025, or --all")
    slugs: list[str] = []
    for spec in specs:
        match = RANGE_RE.match(spec)
        if match:
            start = int(match["start"])
            end = int(match["end"] or start)
            if end < start:
                raise HarvestError(f"range {spec!r} ends before it starts")
            wanted = [f"{match['venue']}-{year}" for year in range(start, end + 1)]
            missing = [s for s in wanted if s not in known]
            if missing:
                raise HarvestError(
                    f"range {spec!r}: no manifest for {', '.join(missing)}; known: {', '.join(known)}"
                )
            slugs.extend(wanted)
        elif spec in known:
            slugs.append(spec)
        else:
            raise HarvestError(f"unknown conference {spec!r}; known: {', '.join(known)}")
    return list(dict.fromkeys(slugs))
