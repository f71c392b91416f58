"""Versioned prompt files (config/prompts/<name>.<version>.yaml) loaded into ChatPromptTemplates."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.safe_yaml import load_yaml

if TYPE_CHECKING:
    from langchain_core.prompts import ChatPromptTemplate

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "config" / "prompts"
# Bump a version (and add the new file) whenever a prompt's wording changes: it is part of the cache key.
PROMPT_VERSIONS = {"summary": "v1", "review": "v1", "section_notes": "v1", "feedback": "v1"}


def prompt_version() -> str:
    """One string naming every prompt version in force, recorded on each LLM summary."""
    return "+".join(f"{name}.{version}" for name, version in sorted(PROMPT_VERSIONS.items()))


@cache
def _load(name: str) -> dict[str, Any]:
    path = PROMPTS_DIR / f"{name}.{PROMPT_VERSIONS[name]}.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(data, dict) or data.get("name") != name:
        raise ValueError(f"prompt file {path} must be a mapping with name: {name}")
    return data


def chat_prompt(name: str) -> ChatPromptTemplate:
    """The ChatPromptTemplate of one prompt file's messages (role + content)."""
    from langchain_core.prompts import ChatPromptTemplate  # only when an LLM actually runs

    messages = _load(name)["messages"]
    return ChatPromptTemplate.from_messages([(m["role"], m["content"]) for m in messages])


def feedback(kind: str, **values: str) -> str:
    """A follow-up message (json_mode, repair, regenerate) with its values filled in."""
    template: str = _load("feedback")[kind]
    return template.format(**values)
