"""The real award announcements of ../shared/fixtures/announcements, as their sites serve them.

Twenty-one pages of fifteen venues (see the fixtures' README): sixteen have a `served/` copy (the
HTML the site serves, includes and data loops expanded): that file is served as it is. The first
five are Markdown sources only: they are rendered here (front matter dropped, its `title:` as the
page title, as Jekyll does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Any

import markdown

from tasks.harvest.announcements import FoundPaper, award_kind
from tasks.harvest.resolve import normalise_title

FRONT_MATTER_RE = re.compile(r"^---\n(.*?)\n---\s*\n", re.S)
TITLE_RE = re.compile(r"^title:\s*[\"']?(.*?)[\"']?\s*$", re.M)


def page_html(fixtures: Path, name: str) -> str:
    """One announcement as its site serves it: the `served/` copy, else the Markdown rendered."""
    folder = fixtures / "announcements"
    served = folder / "served" / f"{name.rsplit('.', 1)[0]}.html"
    if served.is_file():
        return served.read_text(encoding="utf-8")
    source = (folder / "docs" / name).read_text(encoding="utf-8")
    front = FRONT_MATTER_RE.match(source)
    title = TITLE_RE.search(front.group(1)) if front else None
    body = FRONT_MATTER_RE.sub("", source)
    rendered = markdown.markdown(body, extensions=["extra"])
    head = f"<title>{title.group(1)}</title>" if title else ""
    return f"<!DOCTYPE html><html><head>{head}</head><body>{rendered}</body></html>"


@cache
def _truth(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def truth(fixtures: Path) -> dict[str, Any]:
    """truth.json: per page, every (paper, award) pair it names."""
    return _truth(fixtures / "announcements" / "truth.json")


def pages(fixtures: Path) -> list[str]:
    """Every page of the fixtures, in truth.json's order."""
    return list(truth(fixtures))


def venue(fixtures: Path, name: str) -> str:
    """The venue of a page (its series: "IEEE VIS 2020" and "IEEE VIS 2023" are one venue)."""
    doc = truth(fixtures)[name]
    return re.sub(r"\s*\(.*\)|\s*@.*|\s+workshop.*", "", str(doc["venue"]), flags=re.I).strip()


def expected_titles(fixtures: Path, name: str) -> list[str]:
    return [a.get("title_clean") or a["title"] for a in truth(fixtures)[name]["awards"]]


# Venues whose papers the ACL Anthology publishes (the rest: DBLP, S2, arXiv, OpenReview only).
ANTHOLOGY_VENUES = {"ACL", "EMNLP", "NAACL", "EACL"}


def known_papers(fixtures: Path, coverage: float = 1.0) -> list[Any]:
    """The real titles of truth.json as the title-search services of tests/harvest/replay.py know them.

    `coverage` < 1 keeps that share of the papers (chosen by a hash of the title, the same every
    run): services that have not indexed every award paper yet.
    """
    import hashlib

    from tests.harvest.replay import KnownPaper

    known: dict[str, KnownPaper] = {}
    for name, doc in truth(fixtures).items():
        anthology = venue(fixtures, name).split()[0] in ANTHOLOGY_VENUES
        for item in doc["awards"]:
            title = item.get("title_clean") or item["title"]
            digest = int(hashlib.sha256(title.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
            if digest < coverage:
                known[title] = KnownPaper(title, tuple(item.get("authors") or ()), anthology)
    return list(known.values())


@dataclass
class Score:
    found: int = 0
    missed: int = 0
    extra: int = 0
    review: int = 0
    kinds: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("found", "missed", "extra", "review", "kinds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def recall(self) -> float:
        return self.found / max(1, self.found + self.missed)

    @property
    def precision(self) -> float:
        return self.found / max(1, self.found + self.extra)

    @property
    def f1(self) -> float:
        r, p = self.recall, self.precision
        return 2 * r * p / (r + p) if r + p else 0.0


def _near(a: str, b: str) -> bool:
    return a == b or SequenceMatcher(None, a, b).ratio() >= 0.92


def score(fixtures: Path, name: str, papers: list[FoundPaper]) -> Score:
    """Entries against truth: normalised titles equal or near-equal (difflib ratio >= 0.92), one-to-one,
    the same award kind first; candidates left to review are counted apart, never as found."""
    want = [
        (normalise_title(a.get("title_clean") or a["title"]), award_kind(a["award"]), a)
        for a in truth(fixtures)[name]["awards"]
    ]
    have = [(normalise_title(p.title), p.award, p) for p in papers if not p.needs_review]
    used: set[int] = set()
    s = Score(review=sum(p.needs_review for p in papers))
    matched: dict[int, int] = {}
    for near, same_kind in ((False, True), (False, False), (True, True), (True, False)):
        for i, (title, kind, _) in enumerate(want):
            if i in matched:
                continue
            j = next(
                (
                    j
                    for j, (t, k, _) in enumerate(have)
                    if j not in used
                    and (t == title or (near and _near(t, title)))
                    and (k == kind or not same_kind)
                ),
                None,
            )
            if j is not None:
                used.add(j)
                matched[i] = j
    s.found = len(matched)
    s.missed = len(want) - s.found
    s.kinds = sum(have[j][1] == want[i][1] for i, j in matched.items())
    s.misses = [want[i][2]["title"] for i in range(len(want)) if i not in matched]
    s.extra = len(have) - len(used)
    s.extras = [have[j][2].title for j in range(len(have)) if j not in used]
    return s


INVENTED_TITLE = "A Paper This Announcement Never Names"


def llm_reader(fixtures: Path) -> Callable[[str, str], dict[str, Any]]:
    """The replay LLM's answer for the AnnouncedAwards schema: the award list of the fixture
    announcement in the request, as truth.json records it (each with the line it was read from).

    Derived per page from truth, the way a model that reads the page well answers; it is no
    measure of a model's reading, only of what the reader does with an answer. Mode "invent" adds a
    title the announcement does not contain (a model's slip).
    """
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
