"""Character sheets and art styles for diffusion panels: YAML data in config/comic, checked here.

The same character description and style go into every panel prompt, so the mascot looks the same
from panel to panel; the scene is the only part that changes. Text is never asked of the model:
captions and balloons are lettered by the layout.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.settings import CONFIG_DIR
from tasks.comic.script.story import MASCOT, MASCOT_LOOK
from tasks.models import ComicPanel
from tasks.safe_yaml import load_yaml

PRESETS_DIR = CONFIG_DIR / "comic"
NO_TEXT = "no text, no letters, no speech bubbles"
PRESET_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
HEX_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class PresetError(ValueError):
    """A character or style preset that is missing or malformed."""


class _Preset(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CharacterSheet(_Preset):
    """How the mascot looks: the same words in every panel prompt."""

    name: str = Field(min_length=1, description="The name scenes use, e.g. 'Pip'")
    look: str = Field(min_length=10, description="Body, face, colours, in plain words")
    clothing: str = ""
    palette: dict[str, str] = Field(default_factory=dict, description="Named colours as #rrggbb")
    negative: str = Field("", description="Kept out of every panel (other characters, extra limbs)")

    @field_validator("palette")
    @classmethod
    def _hex(cls, v: dict[str, str]) -> dict[str, str]:
        bad = {k: c for k, c in v.items() if not HEX_RE.match(c)}
        if bad:
            raise ValueError(f"palette colours must be #rrggbb, got {bad}")
        return v

    def prompt(self) -> str:
        """The character fragment of a panel prompt."""
        parts = [f"{self.name}, {self.look}"]
        if self.clothing:
            parts.append(self.clothing)
        return ", ".join(parts)


class StylePreset(_Preset):
    """An art style: a prompt fragment and what to keep out."""

    name: str = Field(min_length=1)
    prompt: str = Field(min_length=10)
    negative_prompt: str = ""


def _load(kind: str, name: str, directory: Path | None) -> tuple[dict[str, object], Path]:
    if not PRESET_NAME_RE.match(name):
        raise PresetError(f"{kind} preset name {name!r} is not a plain name (a-z, 0-9, '-', '_')")
    path = (directory or PRESETS_DIR / f"{kind}s") / f"{name}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise PresetError(f"no {kind} preset {name!r} ({path}); available: {available}")
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(data, dict):
        raise PresetError(f"{kind} preset {path} must be a YAML mapping")
    return data, path


@lru_cache(maxsize=32)
def load_character(name: str, directory: Path | None = None) -> CharacterSheet:
    """The character sheet config/comic/characters/<name>.yaml, validated."""
    data, path = _load("character", name, directory)
    try:
        return CharacterSheet.model_validate(data)
    except ValidationError as exc:
        raise PresetError(f"character preset {path} is invalid: {exc}") from exc


@lru_cache(maxsize=32)
def load_style(name: str, directory: Path | None = None) -> StylePreset:
    """The style preset config/comic/styles/<name>.yaml, validated."""
    data, path = _load("style", name, directory)
    try:
        return StylePreset.model_validate(data)
    except ValidationError as exc:
        raise PresetError(f"style preset {path} is invalid: {exc}") from exc


def panel_prompt(
    panel: ComicPanel,
    character: CharacterSheet,
    style: StylePreset,
    *,
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int | None = None,
) -> str:
    """Scene, then character, then style, then the no-text clause; trimmed from the end to max_tokens.

    The scene comes first because it is what differs from panel to panel: a text encoder that
    reads only its first 77 tokens (CLIP) must still see it. With `count_tokens` (the pipeline's
    own tokenizer) the prompt is cut word by word from the end of the style, then the character,
    until it fits; the no-text clause is kept.
    """
    # The script spells the mascot's look out in the first scene; the sheet already says it.
    scene = panel.scene.replace(MASCOT_LOOK, MASCOT).strip().rstrip(".")
    body = f"{scene}, {character.prompt()}, {style.prompt.strip()}"
    if count_tokens is None or max_tokens is None:
        return f"{body}, {NO_TEXT}"
    return fit_prompt(body, NO_TEXT, count_tokens, max_tokens)


def fit_prompt(body: str, tail: str, count_tokens: Callable[[str], int], max_tokens: int) -> str:
    """`body, tail` with as many of body's leading words as fit in max_tokens (tail always kept)."""
    words = body.split()
    full = f"{body}, {tail}"
    if count_tokens(full) <= max_tokens:
        return full
    lo, hi = 0, len(words)  # the longest prefix that fits: fitting is monotone in the word count
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_tokens(f"{' '.join(words[:mid]).rstrip(',')}, {tail}") <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    # Rather end at a phrase ("…on a corkboard,") than mid-phrase, unless that loses too much.
    phrase_ends = [n for n in range(1, lo + 1) if words[n - 1].endswith(",") and n >= lo * 0.6]
    keep = phrase_ends[-1] if phrase_ends else lo
    return f"{' '.join(words[:keep]).rstrip(',')}, {tail}" if keep else tail


def negative_prompt(character: CharacterSheet, style: StylePreset) -> str:
    """What every panel keeps out: the style's negatives and the character's."""
    return ", ".join(p.strip() for p in (style.negative_prompt, character.negative) if p.strip())


def presets_digest(character: CharacterSheet, style: StylePreset) -> str:
    """A short hash of both presets, for cache keys: editing a YAML file redraws the comics."""
    blob = character.model_dump_json() + style.model_dump_json()
    return hashlib.sha256(blob.encode()).hexdigest()[:12]
