"""Which script writer writes: the LLM when llm.model is set, else the content-aware story writer."""

from __future__ import annotations

from dataclasses import dataclass, field

from config.settings import LLMSettings
from tasks.comic.script.llm import LLMScriptWriter
from tasks.comic.script.writers import ScriptWriter, StoryWriter


@dataclass
class WriterChoice:
    writer: ScriptWriter
    notices: list[str] = field(default_factory=list)


def choose_script_writer(settings: LLMSettings) -> WriterChoice:
    """The LLM writer when llm.model is set, else the story writer (no notice: it is a full writer)."""
    if settings.model:
        return WriterChoice(LLMScriptWriter(settings))
    return WriterChoice(StoryWriter())
