"""Build `config/conferences/<slug>.yaml` from the compiled award lists in `awards.json`.

Usage, from the repository root:

    .venv/bin/python scripts/build_manifests.py           # write or update every manifest
    .venv/bin/python scripts/build_manifests.py --check   # exit 1 and list the files that would change
    .venv/bin/python scripts/build_manifests.py --awards ../shared/awards/awards.json --out config/conferences

Re-running changes nothing: the output is deterministic and a manifest that already exists is
reconciled, not overwritten. Entries are matched by normalised title; what the manifest already
says wins (links, note, track spelling, authors, pinned id, an explicit `needs_review: false` after
a review), awards.json only fills what is missing (ids, sources, confidence, `links.paper`, new
entries, appended in awards.json order). Ids are artifact keys, so when an added id would change an
existing entry's paper id, the old one is pinned with `id:`.

A field that does not validate (a malformed id, an id or title given twice, an empty author list)
is dropped, never guessed: the entry gets `needs_review: true`, a note saying what was dropped and
why, and a warning on stderr. An unknown award kind is an error naming the conference and title.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tasks.models import AwardEntry, AwardKind, Conference, PaperIds
from tasks.safe_yaml import load_yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_AWARDS = ROOT.parent / "shared" / "awards" / "awards.json"
DEFAULT_OUT = ROOT / "config" / "conferences"

VENUE_NAMES = {"neurips": "NeurIPS", "icml": "ICML", "iclr": "ICLR", "cvpr": "CVPR", "acl": "ACL"}
VENUE_URLS = {
    "neurips": "https://neurips.cc/Conferences/{year}",
    "icml": "https://icml.cc/Conferences/{year}",
    "iclr": "https://iclr.cc/Conferences/{year}",
    "cvpr": "https://cvpr.thecvf.com/Conferences/{year}",
    "acl": "https://{year}.aclweb.org/",
}
TRACKS = {
    "main": "Main",
    "datasets and benchmarks": "Datasets & Benchmarks",
    "position paper track": "Position papers",
}
ID_KINDS = ("arxiv", "openreview", "doi")
ENTRY_KEYS = (
    *("id", "title", "award", "track", "authors", "ids", "links"),
    *("confidence", "needs_review", "sources", "note"),
)
LINK_KEYS = ("paper", "code", "datasets", "models", "project_page")
CURATED_WINS = ("id", "title", "award", "track", "authors", "confidence", "note")

# Notes that record sources disagreeing (author order, a title spelled two ways) or a field resting
# on one unofficial source: both are what a reviewer should look at before the entry is trusted.
REVIEW_NOTE_RE = re.compile(
    r"conflict|\bdiffer(s|ed|ing)?\b|\bdifferent (author|title|order|spelling|id)|disagree|two ways"
    r"|spelled|unclear|not cross-checked|not verified|variant|incorrect|\bonly\b|\blists?\b.*\bbefore\b",
    re.IGNORECASE,
)
HEADER = """\
# {name} award papers. Generated from shared/awards/awards.json by scripts/build_manifests.py;
# re-run it after changing awards.json. Hand edits to curated fields are kept: values already here
# win, the generator only fills what is missing. Set `needs_review: false` once an entry is checked.
"""


STRAIGHT_QUOTES = str.maketrans("‘’“”", "''\"\"")


class BuildError(Exception):
    """awards.json or an existing manifest cannot be turned into a valid manifest."""


def normalise_title(title: str) -> str:
    """Key for matching titles: NFKC, casefold, straight quotes, collapsed whitespace."""
    text = unicodedata.normalize("NFKC", title)
    text = text.translate(STRAIGHT_QUOTES)
    return " ".join(text.casefold().split())


def conference_name(slug: str) -> tuple[str, int]:
    venue, _, year = slug.rpartition("-")
    if not venue or not year.isdigit():
        raise BuildError(f"{slug}: not a conference slug like 'neurips-2025'")
    return f"{VENUE_NAMES.get(venue, venue.upper())} {year}", int(year)


class _Entry:
    """One entry being built from awards.json, with what was dropped on the way."""

    def __init__(self, slug: str, paper: dict[str, Any]) -> None:
        self.slug = slug
        title = paper.get("title")
        if not isinstance(title, str) or not title.strip():
            raise BuildError(f"{slug}: an entry has no title: {paper!r}")
        self.title = title.strip()
        self.data: dict[str, Any] = {"title": self.title}
        self.dropped: list[str] = []
        self.warnings: list[str] = []
        self._fill(paper)

    def drop(self, what: str, why: str) -> None:
        self.dropped.append(f"Dropped {what}: {why}.")
        self.warnings.append(f"{self.slug}: {self.title!r}: dropped {what}: {why}")

    def _fill(self, paper: dict[str, Any]) -> None:
        award = paper.get("award")
        if award not in {kind.value for kind in AwardKind}:
            known = ", ".join(kind.value for kind in AwardKind)
            raise BuildError(f"{self.slug}: {self.title!r}: unknown award kind {award!r} (known: {known})")
        self.data["award"] = award
        track = paper.get("track")
        if track is not None:
            if track not in TRACKS:
                self.warnings.append(f"{self.slug}: {self.title!r}: unknown track {track!r} kept as is")
            self.data["track"] = TRACKS.get(track, track)
        authors = paper.get("authors")
        if authors is not None:
            names = [a.strip() for a in authors if isinstance(a, str)] if isinstance(authors, list) else []
            if names and all(names) and len(names) == len(authors):
                self.data["authors"] = names
            else:
                self.drop(f"authors {authors!r}", "an author list must name at least one author")
        ids: dict[str, str] = {}
        for kind in ID_KINDS:
            value = paper.get(kind)
            if value is None:
                continue
            try:
                ids[kind] = getattr(PaperIds.model_validate({kind: value}), kind)
            except ValidationError as exc:
                self.drop(f"{kind} id {value!r}", exc.errors()[0]["msg"].removeprefix("Value error, "))
        if ids:
            self.data["ids"] = ids
        url = paper.get("paper_url")
        if url is not None:
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                self.data["links"] = {"paper": url}
            else:
                self.drop(f"paper_url {url!r}", "not an http(s) URL")
        confidence = paper.get("confidence")
        if confidence is not None:
            if confidence in ("high", "medium", "low"):
                self.data["confidence"] = confidence
            else:
                self.drop(f"confidence {confidence!r}", "expected high, medium or low")
        self.data["sources"] = [s for s in paper.get("confirmed_by") or [] if isinstance(s, str)]
        self.note = paper.get("note") if isinstance(paper.get("note"), str) else None

    def drop_id(self, kind: str, why: str) -> None:
        self.drop(f"{kind} id {self.data['ids'][kind]!r}", why)
        del self.data["ids"][kind]
        if not self.data["ids"]:
            del self.data["ids"]

    def finish(self) -> dict[str, Any]:
        """The entry as a manifest mapping, with needs_review and the note decided."""
        note = " ".join(filter(None, [self.note, *self.dropped])) or None
        review = (
            self.data.get("confidence") == "low"
            or bool(note and REVIEW_NOTE_RE.search(note))
            or "authors" not in self.data
            or "ids" not in self.data
            or bool(self.dropped)
        )
        return _ordered({**self.data, "needs_review": True if review else None, "note": note})


def _ordered(entry: dict[str, Any]) -> dict[str, Any]:
    """Canonical key order; None values left out; unknown keys kept at the end for validation."""
    keys = [*ENTRY_KEYS, *(k for k in entry if k not in ENTRY_KEYS)]
    return {k: entry[k] for k in keys if entry.get(k) is not None}


def _id_key(kind: str, value: str) -> str:
    return re.sub(r"v\d+$", "", value) if kind == "arxiv" else value.casefold()


def entries_from_awards(slug: str, papers: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Manifest entries for one conference of awards.json, and the warnings raised building them."""
    built: list[_Entry] = []
    seen_titles: dict[str, _Entry] = {}
    seen_ids: dict[tuple[str, str], _Entry] = {}
    for paper in papers:
        entry = _Entry(slug, paper)
        key = normalise_title(entry.title)
        if key in seen_titles:
            first = seen_titles[key]
            first.drop(f"a second listing ({paper.get('award')!r})", "awards.json lists this title twice")
            continue
        seen_titles[key] = entry
        for kind, value in list(entry.data.get("ids", {}).items()):
            other = seen_ids.get((kind, _id_key(kind, value)))
            if other is not None:
                entry.drop_id(kind, f"also given for {other.title!r}")
                other.dropped.append(f"Its {kind} id {value!r} is also given for {entry.title!r}.")
            else:
                seen_ids[(kind, _id_key(kind, value))] = entry
        built.append(entry)
    return [e.finish() for e in built], [w for e in built for w in e.warnings]


def _merge_entry(slug: str, curated: dict[str, Any], new: dict[str, Any], warnings: list[str]) -> dict:
    """Curated values win; the generated entry fills gaps; a paper id that would move is pinned."""
    title = curated.get("title")
    try:
        old_id = AwardEntry.model_validate(curated).paper_id
    except ValidationError as exc:
        raise BuildError(f"{slug}: existing entry {title!r} does not validate: {exc}") from exc
    merged = {k: curated[k] if k in curated else new.get(k) for k in CURATED_WINS}
    for key in ("award", "authors", "confidence"):
        if key in curated and key in new and curated[key] != new[key]:
            warnings.append(f"{slug}: {title!r}: kept the manifest's {key}, awards.json says {new[key]!r}")
    ids = {**new.get("ids", {}), **curated.get("ids", {})}
    for kind, value in new.get("ids", {}).items():
        if ids[kind] != value:
            warnings.append(f"{slug}: {title!r}: kept the manifest's {kind} id, awards.json says {value!r}")
    merged["ids"] = {k: ids[k] for k in ID_KINDS if k in ids} or None
    links = {**new.get("links", {}), **curated.get("links", {})}
    merged["links"] = {k: links[k] for k in (*LINK_KEYS, *links) if k in links} or None
    merged["sources"] = list(dict.fromkeys([*curated.get("sources", []), *new.get("sources", [])])) or None
    if "needs_review" in curated:
        merged["needs_review"] = curated["needs_review"]
    elif new.get("needs_review"):
        # The flag is new here: carry awards.json's reason along with the curated note.
        merged["needs_review"] = True
        reason = new.get("note")
        note = merged.get("note")
        if reason and reason not in (note or ""):
            merged["note"] = f"{note.rstrip('.')}. awards.json: {reason}" if note else reason
    merged.update({k: v for k, v in curated.items() if k not in merged})
    try:
        new_id = AwardEntry.model_validate(_ordered(merged)).paper_id
    except ValidationError as exc:
        raise BuildError(f"{slug}: entry {title!r} does not validate after merging: {exc}") from exc
    if new_id != old_id:
        merged["id"] = old_id
    return _ordered(merged)


def build_conference(
    slug: str, record: dict[str, Any], existing: dict[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """The manifest mapping for one conference, reconciled with the existing manifest if any."""
    name, year = conference_name(slug)
    generated, warnings = entries_from_awards(slug, record.get("papers", []))
    existing = existing or {}
    if existing and existing.get("slug") != slug:
        raise BuildError(f"{slug}: the existing manifest has slug {existing.get('slug')!r}")
    by_title = {normalise_title(e["title"]): e for e in generated}
    entries = []
    for curated in existing.get("entries") or []:
        new = by_title.pop(normalise_title(str(curated.get("title", ""))), None)
        if new is None:
            warnings.append(f"{slug}: {curated.get('title')!r} is not in awards.json; kept as curated")
            entries.append(curated)
        else:
            entries.append(_merge_entry(slug, curated, new, warnings))
    entries.extend(by_title.values())  # dicts keep awards.json order
    url = existing.get("url", VENUE_URLS.get(slug.rpartition("-")[0], "").format(year=year) or None)
    conference = {
        "slug": slug,
        "name": existing.get("name", name),
        "year": existing.get("year", year),
        "url": url,
        "sources": list(dict.fromkeys([*existing.get("sources", []), *record.get("sources", [])])) or None,
        "entries": entries,
    }
    conference = {k: v for k, v in conference.items() if v is not None}
    try:
        Conference.model_validate(conference)
    except ValidationError as exc:
        raise BuildError(f"{slug}: the manifest does not validate: {exc}") from exc
    return conference, warnings


SEQ_TAG, MAP_TAG = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _Flow(list):
    """A list written in flow style: `[a, b]`."""


class _FlowMap(dict):
    """A mapping written in flow style: `{arxiv: '2505.06708'}`."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent block sequences under their key, as the hand-written manifests do.
        return super().increase_indent(flow, False)

    def write_plain(self, text: str, split: bool = True) -> None:
        # Never fold a name inside `[a, b]`: wrap between items only.
        super().write_plain(text, split and not self.flow_level)


_Dumper.add_representer(_Flow, lambda dumper, v: dumper.represent_sequence(SEQ_TAG, v, flow_style=True))
_Dumper.add_representer(_FlowMap, lambda dumper, v: dumper.represent_mapping(MAP_TAG, v, flow_style=True))


def render(conference: dict[str, Any]) -> str:
    """The manifest text: header comment, then the mapping; short lists in flow style."""
    entries = []
    for entry in conference["entries"]:
        entry = dict(entry)
        if isinstance(entry.get("authors"), list):
            entry["authors"] = _Flow(entry["authors"])
        if isinstance(entry.get("ids"), dict):
            entry["ids"] = _FlowMap(entry["ids"])
        if isinstance(entry.get("links"), dict):
            entry["links"] = {k: _Flow(v) if isinstance(v, list) else v for k, v in entry["links"].items()}
        entries.append(entry)
    body = yaml.dump(
        {**conference, "entries": entries},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return HEADER.format(name=conference["name"]) + body


def build_all(awards_path: Path, out_dir: Path) -> tuple[dict[Path, str], list[str]]:
    """Rendered text of every manifest in awards.json, and all warnings."""
    try:
        awards = json.loads(awards_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BuildError(f"{awards_path}: cannot read awards: {exc}") from exc
    if not isinstance(awards, dict):
        raise BuildError(f"{awards_path}: expected a mapping of conference slug to award list")
    outputs: dict[Path, str] = {}
    warnings: list[str] = []
    for slug in sorted(awards):
        path = out_dir / f"{slug}.yaml"
        existing = load_yaml(path.read_text(encoding="utf-8"), str(path)) if path.is_file() else None
        if existing is not None and not isinstance(existing, dict):
            raise BuildError(f"{path}: expected a mapping")
        conference, conf_warnings = build_conference(slug, awards[slug], existing)
        outputs[path] = render(conference)
        warnings.extend(conf_warnings)
    return outputs, warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=Path, default=DEFAULT_AWARDS, help="awards.json to read")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of <slug>.yaml manifests")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    args = parser.parse_args(argv)
    try:
        outputs, warnings = build_all(args.awards, args.out)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    changed = [p for p, text in outputs.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for path in changed:
            print(f"would change: {path}")
        return 1 if changed else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for path in changed:
        path.write_text(outputs[path], encoding="utf-8")
    for path, text in outputs.items():
        conference = load_yaml(text, str(path))
        flagged = sum(1 for e in conference["entries"] if e.get("needs_review"))
        state = "written" if path in changed else "unchanged"
        print(f"{path.stem}: {len(conference['entries'])} entries, {flagged} need review ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
