"""The summarizer's prompts and their versions (files in config/prompts, loaded by tasks/llm/prompts.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasks.llm.prompts import FEEDBACK_VERSION
from tasks.llm.prompts import chat_prompt as _chat_prompt

if TYPE_CHECKING:
    from langchain_core.prompts import ChatPromptTemplate

# Bump a version (and add the new file) whenever a prompt's wording changes: it is part of the cache key.
PROMPT_VERSIONS = {"summary": "v1", "review": "v1", "section_notes": "v1", "feedback": FEEDBACK_VERSION}


def prompt_version() -> str:
    """One string naming every prompt version in force, recorded on each LLM summary."""
    return "+".join(f"{name}.{version}" for name, version in sorted(PROMPT_VERSIONS.items()))


def chat_prompt(name: str) -> ChatPromptTemplate:
    """The ChatPromptTemplate of one of the summarizer's prompts, at its version in force."""
    return _chat_prompt(name, PROMPT_VERSIONS[name])
