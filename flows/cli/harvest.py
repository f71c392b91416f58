"""`paperpanels harvest | resolve`: award lists and resolved papers, as a table or JSON."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Annotated, Any

import typer

from flows.cli.console import EXIT_BAD_INPUT, EXIT_ERROR, fail, out, say, table, warn
from flows.cli.runtime import load_settings
from tasks.harvest.errors import HarvestError
from tasks.harvest.feeds import model_reader
from tasks.harvest.http import REQUESTS
from tasks.harvest.resolve import resolve_entries
from tasks.harvest.sources import entry_from_id, harvest_awards, write_manifest
from tasks.models import AwardEntry, AwardKind

if TYPE_CHECKING:
    from config.settings import Settings
    from tasks.harvest.models import Resolution

ID_RE = re.compile(r"^(arxiv|openreview|doi):", re.IGNORECASE)
BARE_ARXIV_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+/\d{7})(v\d+)?$")


def _ids(resolution: Resolution) -> str:
    ids = resolution.entry.ids
    parts = [f"arxiv:{ids.arxiv}{resolution.arxiv_version or ''}" if ids.arxiv else ""]
    parts += [f"openreview:{ids.openreview}" if ids.openreview else "", f"doi:{ids.doi}" if ids.doi else ""]
    return "\n".join(p for p in parts if p) or "-"


def _record(resolution: Resolution, source_text: str | None = None) -> dict[str, Any]:
    data = resolution.model_dump(mode="json", exclude_none=True)
    if source_text is not None:
        data["source_text"] = source_text
    return data


def _table(resolutions: list[Resolution], title: str) -> Any:
    rows = []
    for r in resolutions:
        links = "\n".join(f"{link.kind}: {link.url} ({link.found_in})" for link in r.links[:4]) or "-"
        notices = "".join(f"\n! {n}" for n in r.notices)
        rows.append(
            (r.entry.title, r.entry.award.value, _ids(r), f"{r.status} {r.confidence:.2f}{notices}", links)
        )
    columns = ("title", "award", "ids", "status / confidence", "links")
    return table(title, columns, rows, show_lines=True)


def harvest_command(
    conference: Annotated[str, typer.Argument(help="Conference slug, e.g. neurips-2025")],
    source: Annotated[
        str | None,
        typer.Option(help="Only this source: manifest, feed or ids (default: first that has awards)"),
    ] = None,
    paper: Annotated[
        list[str] | None, typer.Option("--paper", help="arxiv:ID / openreview:ID, repeatable")
    ] = None,
    resolve: Annotated[
        bool, typer.Option("--resolve", help="Check manifest entries against arXiv/OpenReview/S2")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write", help="Write the list back as a manifest for review")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Harvest a conference's award list and resolve each paper to ids, confidence and links."""
    settings = _settings()
    before = dict(REQUESTS)
    try:
        used, harvested, skipped = harvest_awards(
            conference,
            settings.harvest,
            settings.conferences_dir,
            source=source,
            papers=paper,
            model=_chat_model(settings, conference),
        )
    except HarvestError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from exc
    # A curated manifest is trusted offline; anything else has to be looked up.
    online = resolve or used != "manifest"
    resolutions = resolve_entries([h.entry for h in harvested], settings.harvest, online=online)
    requests = {k: v - before.get(k, 0) for k, v in REQUESTS.items() if v - before.get(k, 0)}
    for line in skipped:
        warn("skipped", line)
    if write:
        try:
            path = write_manifest(
                conference,
                [r.entry for r in resolutions],
                settings.conferences_dir,
                sources=list(dict.fromkeys(h.source for h in harvested)),
            )
        except (HarvestError, ValueError) as exc:
            raise fail(f"cannot write the manifest: {exc}", EXIT_BAD_INPUT) from exc
        say(f"wrote {path} (review it before use)", to_err=True)
    if as_json:
        papers = [_record(r, h.source_text) for r, h in zip(resolutions, harvested, strict=True)]
        payload = {"conference": conference, "source": used, "online": online, "requests": requests}
        out.print_json(json.dumps({**payload, "skipped": skipped, "papers": papers}))
        return
    out.print(_table(resolutions, f"{conference}: {len(resolutions)} papers from {used}"))
    say(f"requests: {requests or 'none (offline)'}")


def resolve(
    query: Annotated[str, typer.Argument(help="A title, or arxiv:ID / openreview:ID / doi:ID")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Resolve one paper by title or id and print the record with its candidates and links."""
    settings = _settings()
    spec = f"arxiv:{query}" if BARE_ARXIV_RE.match(query.strip()) else query.strip()
    try:
        if ID_RE.match(spec):
            entry = entry_from_id(spec)
        elif spec:
            entry = AwardEntry(title=spec, award=AwardKind.OTHER)
        else:
            raise HarvestError("give a title or an id")
    except HarvestError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from exc
    (result,) = resolve_entries([entry], settings.harvest, online=True)
    if as_json:
        out.print_json(json.dumps(_record(result)))
    else:
        out.print(_table([result], query))
        for c in result.candidates:
            say(f"candidate {c.service}: {c.title!r} score {c.score:.2f}")
    if result.status == "not_found":
        raise fail(f"no paper found for {query!r}: " + "; ".join(result.notices), EXIT_BAD_INPUT)
    if result.status == "error":
        raise fail("; ".join(result.notices), EXIT_ERROR)


def _settings() -> Any:
    return load_settings(check_store=False)


def _chat_model(settings: Settings, conference: str) -> Any:
    """The configured chat model for reading announcements, or None (the HTML heuristic)."""
    model, problem = model_reader(settings.llm, f"award announcement of {conference}")
    if problem:  # the heuristic still works; a broken LLM config must not block harvesting
        warn("LLM unavailable, using the HTML heuristic:", problem)
    return model


def register(app: typer.Typer) -> None:
    """Add `harvest` and `resolve` to the paperpanels app."""
    app.command("harvest")(harvest_command)
    app.command("resolve")(resolve)
