"""OpenReview API v2 client: one note by id (content fields are `{"value": ...}`)."""

from __future__ import annotations

from typing import Any

from tasks.harvest.http import ServiceClient
from tasks.harvest.models import Candidate
from tasks.models import PaperIds

SITE = "https://openreview.net"


def _value(content: dict[str, Any], name: str) -> Any:
    field = content.get(name)
    return field.get("value") if isinstance(field, dict) else field


def _absolute(path: str | None) -> str | None:
    if not path:
        return None
    return path if path.startswith("http") else f"{SITE}{path}"


def note_to_candidate(note: dict[str, Any]) -> Candidate:
    """A v2 note as a Candidate; code / supplementary fields go into text for link discovery."""
    content = note.get("content") or {}
    authors = _value(content, "authors") or []
    extra = [
        f"{name}: {_value(content, name)}"
        for name in ("code", "supplementary_material", "project_page", "dataset")
        if _value(content, name)
    ]
    abstract = _value(content, "abstract") or ""
    return Candidate(
        service="openreview",
        title=" ".join(str(_value(content, "title") or "").split()),
        authors=[str(a) for a in authors],
        ids=PaperIds(openreview=note.get("forum") or note["id"]),
        venue=_value(content, "venue"),
        pdf_url=_absolute(_value(content, "pdf")),
        text="\n".join([*extra, abstract]).strip(),
    )


def fetch_note(client: ServiceClient, api: str, note_id: str) -> Candidate | None:
    """The note with this id (or forum id); None when OpenReview has no such note."""
    url = f"{api.rstrip('/')}/notes"
    data = client.get_json("openreview", url, {"id": note_id}, f"id {note_id}")
    notes = (data or {}).get("notes") or []
    return note_to_candidate(notes[0]) if notes else None
