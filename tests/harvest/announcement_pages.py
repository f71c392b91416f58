"""The real award announcements of ../shared/fixtures/announcements, rendered as their sites serve them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markdown

FRONT_MATTER_RE = re.compile(r"^---\n.*?\n---\s*\n", re.S)


def page_html(fixtures: Path, name: str) -> str:
    """One announcement's Markdown source rendered to HTML (front matter dropped), as a full page."""
    body = FRONT_MATTER_RE.sub("", (fixtures / "announcements" / "docs" / name).read_text(encoding="utf-8"))
    title = name.removesuffix(".md").replace("-", " ").title()
    rendered = markdown.markdown(body, extensions=["extra"])
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{rendered}</body></html>"


def truth(fixtures: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixtures / "announcements" / "truth.json").read_text(encoding="utf-8"))
    return data


INVENTED_TITLE = "A Paper This Announcement Never Names"


def llm_reader(fixtures: Path) -> Callable[[str, str], dict[str, Any]]:
    """The replay LLM's answer for the AnnouncedAwards schema: the award list of the fixture
    announcement in the request, as truth.json records it (each with the line it was read from).

    Mode "invent" adds a title the announcement does not contain (a model's slip).
    """
    from tasks.harvest.announcements import award_kind
    from tasks.harvest.resolve import normalise_title

    docs = truth(fixtures)

    def answer(text: str, mode: str) -> dict[str, Any]:
        flat = f" {normalise_title(text)} "
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        papers = []
        for doc in docs.values():
            for item in doc["awards"]:
                title = item.get("title_clean") or item["title"]
                if f" {normalise_title(title)} " not in flat:
                    continue
                source = next((x for x in lines if normalise_title(title) in normalise_title(x)), title)
                papers.append(
                    {
                        "title": title,
                        "award": award_kind(item["award"]).value,
                        "award_text": item["award"],
                        "section": item.get("section") or "",
                        "authors": item.get("authors") or None,
                        "source_text": source,
                    }
                )
        if mode == "invent":
            papers.append({"title": INVENTED_TITLE, "award": "best paper", "source_text": INVENTED_TITLE})
        return {"papers": papers}

    return answer
