"""Every swappable part's backends, by name: the one list that the settings, the CLI and the UI form read.

A backend is named here once, by the factory that builds it from a run's settings
(`module:function`, called as `function(settings) -> backend`). Adding a backend is its module and
one line here: the setting that picks it (`PAPERPANELS_PARSE__PARSER=...`), the CLI's `--parser` /
`--renderer` choices and the Prefect UI form's enum all come from this table. Where a kind has an
"auto" choice, its chooser (named in AUTO) decides between the backends listed here, once per run.
Kept as data: nothing is imported until a backend is built.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from config.settings import Settings

AUTO = "auto"

REGISTRY: dict[str, dict[str, str]] = {
    "parser": {
        "grobid": "tasks.parse.grobid_backend:build",
        "local": "tasks.parse.local_backend:build",
    },
    "summarizer": {
        "llm": "tasks.summarize.backends:build_llm",
        "extractive": "tasks.summarize.backends:build_extractive",
    },
    "script_writer": {
        "llm": "tasks.comic.script.llm:build",
        "story": "tasks.comic.script.writers:build_story",
    },
    "renderer": {
        "diffusion": "tasks.comic.panels.diffusion.renderer:build",
        "sketch": "tasks.comic.panels.sketch:build",
    },
}


def names(kind: str) -> tuple[str, ...]:
    """The backends of a kind, as the settings and the CLI spell them."""
    return tuple(REGISTRY[kind])


def choices(kind: str) -> tuple[str, ...]:
    """What a setting of this kind accepts: "auto" and every backend."""
    return (AUTO, *names(kind))


def register(kind: str, name: str, factory: str) -> None:
    """One more backend of a kind ("module:function"), e.g. from a plugin or a test."""
    REGISTRY[kind][name] = factory


def build(kind: str, name: str, settings: Settings) -> Any:
    """The backend `name` of `kind`, built from the run's settings; an unknown name says what is known."""
    try:
        path = REGISTRY[kind][name]
    except KeyError:
        raise ValueError(f"unknown {kind} {name!r}; expected one of {', '.join(choices(kind))}") from None
    module, _, function = path.partition(":")
    return getattr(import_module(module), function)(settings)
