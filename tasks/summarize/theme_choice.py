"""Which theme finder a run uses: the chat model when one is configured, else key phrases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasks.summarize.themes import KeyPhraseThemes, ThemeFinder
from tasks.summarize.themes_llm import LLMThemes

if TYPE_CHECKING:
    from config.settings import Settings


def choose_theme_finder(settings: Settings | None) -> ThemeFinder:
    """The finder in force: the chat model when one is configured, else key phrases."""
    if settings is not None and settings.llm.model:
        return LLMThemes(settings.llm)
    return KeyPhraseThemes()
