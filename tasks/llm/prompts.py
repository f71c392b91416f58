"""Versioned prompt files (config/prompts/<name>.<version>.yaml), loaded into ChatPromptTemplates.

Every caller of a chat model keeps its prompts here, one file per prompt and version: bump the version
(and add the new file) whenever a prompt's wording changes, since callers put it in their cache keys.
`feedback.v1.yaml` holds the follow-up turns of structured calls (JSON mode, repair, regenerate).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from config.settings import CONFIG_DIR
from tasks.safe_yaml import load_yaml

if TYPE_CHECKING:
    from langchain_core.prompts import ChatPromptTemplate

PROMPTS_DIR = CONFIG_DIR / "prompts"
FEEDBACK_VERSION = "v1"


@cache
def load_prompt(name: str, version: str) -> dict[str, Any]:
    """The prompt file's mapping; a file that is not one, or names another prompt, is an error."""
    path = PROMPTS_DIR / f"{name}.{version}.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(data, dict) or data.get("name") != name:
        raise ValueError(f"prompt file {path} must be a mapping with name: {name}")
    return data


def chat_prompt(name: str, version: str) -> ChatPromptTemplate:
    """The ChatPromptTemplate of one prompt file's messages (role + content)."""
    from langchain_core.prompts import ChatPromptTemplate  # only when a model is actually asked

    messages = load_prompt(name, version)["messages"]
    return ChatPromptTemplate.from_messages([(m["role"], m["content"]) for m in messages])


def feedback(kind: str, **values: str) -> str:
    """A follow-up turn (json_mode, repair, regenerate) with its values filled in."""
    template: str = load_prompt("feedback", FEEDBACK_VERSION)[kind]
    return template.format(**values)
