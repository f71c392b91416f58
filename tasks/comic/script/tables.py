"""The comic's editable tables: motifs (what a paper is about -> scenes) and Pip's lines.

Both are YAML data in config/comic (motifs.yaml, dialogue.yaml), validated here; their versions
and contents are part of the comic's cache key, so editing them redraws the comics.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.settings import CONFIG_DIR
from tasks.safe_yaml import load_yaml

TABLES_DIR = CONFIG_DIR / "comic"
ROLES = ("setup", "problem", "idea", "detail", "result", "matters", "award", "note")
AWARD_FAMILIES = ("best", "runner_up", "honorable", "test_of_time", "other")
# A scene is a picture: asking the image model for words or digits gets garbled text in the panel.
TEXT_IN_SCENE = re.compile(
    r"\d|[\"“”]|\b(?:text|words?|letters?|captions?|labell?ed|labels?|signs?|banners?|writing|written|reads|"
    r"saying|says|titled|logo)\b",
    re.I,
)


class TableError(ValueError):
    """A motif or dialogue table that is missing or malformed."""


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Motif(_Table):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    keywords: tuple[str, ...] = ()
    setting: str = "plain"
    problem: str
    idea: str
    matters: str

    @field_validator("problem", "idea", "matters")
    @classmethod
    def _picture_only(cls, v: str) -> str:
        if "{mascot}" not in v:
            raise ValueError(f"scene {v!r} must name {{mascot}}")
        if TEXT_IN_SCENE.search(v.replace("{mascot}", "")):
            raise ValueError(f"scene {v!r} asks for text, digits or quotes: scenes are pictures only")
        return v


class MotifTable(_Table):
    version: int
    motifs: tuple[Motif, ...]
    fallbacks: tuple[Motif, ...] = Field(min_length=1)


class DialogueTable(_Table):
    version: int
    lines: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]]

    @field_validator("lines")
    @classmethod
    def _complete(
        cls, v: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]]
    ) -> dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]]:
        for role in ROLES:
            if role not in v:
                raise ValueError(f"no lines for the {role!r} panel")
        for role in ("setup", "award"):
            entry = v[role]
            missing = [f for f in AWARD_FAMILIES if not isinstance(entry, dict) or not entry.get(f)]
            if missing:
                raise ValueError(f"{role!r} lines need every award family; missing {missing}")
        for role, entry in v.items():
            options = [x for xs in entry.values() for x in xs] if isinstance(entry, dict) else list(entry)
            if not options:
                raise ValueError(f"no lines for {role!r}")
            long = [x for x in options if len(x) > 70]
            if long:
                raise ValueError(f"lines longer than 70 characters for {role!r}: {long}")
        return v

    def options(self, role: str, family: str | None = None) -> tuple[str, ...]:
        entry = self.lines.get(role, ())
        if isinstance(entry, dict):
            return entry.get(family or "other") or entry["other"]
        return entry


def _load(path: Path) -> object:
    if not path.is_file():
        raise TableError(f"comic table {path} not found")
    return load_yaml(path.read_text(encoding="utf-8"), str(path))


@cache
def motif_table(path: Path = TABLES_DIR / "motifs.yaml") -> MotifTable:
    """config/comic/motifs.yaml, validated."""
    try:
        return MotifTable.model_validate(_load(path))
    except ValidationError as exc:
        raise TableError(f"motif table {path} is invalid: {exc}") from exc


@cache
def dialogue_table(path: Path = TABLES_DIR / "dialogue.yaml") -> DialogueTable:
    """config/comic/dialogue.yaml, validated."""
    try:
        return DialogueTable.model_validate(_load(path))
    except ValidationError as exc:
        raise TableError(f"dialogue table {path} is invalid: {exc}") from exc


def tables_digest() -> str:
    """A short hash of both tables, for cache keys: an edit redraws the comics."""
    blob = motif_table().model_dump_json() + dialogue_table().model_dump_json()
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def rank_motifs(
    weighted_texts: list[tuple[str, float]], table: MotifTable | None = None
) -> list[tuple[Motif, float]]:
    """Motifs whose keywords occur in the texts, best first, with their scores (ties: table order)."""
    table = table or motif_table()
    lowered = [(text.lower(), weight) for text, weight in weighted_texts]
    scored = []
    for index, motif in enumerate(table.motifs):
        score = 0.0
        for keyword in motif.keywords:
            # A keyword matches at a word start: "graph" in "graphs", never in "paragraph".
            pattern = re.compile(r"(?<![a-z])" + re.escape(keyword.lower()))
            score += sum(weight * len(pattern.findall(text)) for text, weight in lowered)
        if score > 0:
            scored.append((score, -index, motif))
    scored.sort(reverse=True, key=lambda item: (item[0], item[1]))
    return [(motif, score) for score, _, motif in scored]
