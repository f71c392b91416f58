"""Which script writer writes: the LLM when llm.model is set, else the content-aware story writer."""

from __future__ import annotations

from dataclasses import dataclass, field

from config.backends import build
from config.settings import Settings
from tasks.comic.script.writers import ScriptWriter


@dataclass
class WriterChoice:
    writer: ScriptWriter
    notices: list[str] = field(default_factory=list)


def choose_script_writer(settings: Settings) -> WriterChoice:
    """The LLM writer when llm.model is set, else the story writer (no notice: it is a full writer)."""
    return WriterChoice(build("script_writer", "llm" if settings.llm.model else "story", settings))
