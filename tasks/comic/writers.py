"""The comic script writer interface: an LLM through the shared chat-model factory, or the story writer.

`choose_script_writer` decides once (the LLM when llm.model is set, else the content-aware story
writer); the comic task and its cache key use that one choice. Both writers get only the brief
(verified claims, figures, title, award) and both scripts pass the same checks. An LLM script that
is still rejected after one repair, or a refusal, is replaced by the story writer's script with a
notice, and the outcome then carries the story writer's identity: the cache records what ran, and
the next run asks the LLM again. Computing an identity imports nothing of LangChain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tasks.comic.brief import ComicBrief
from tasks.models import ComicScript, UsageTotals

if TYPE_CHECKING:
    from config.settings import LLMSettings

SCRIPT_SCHEMA = "1"  # bump when ComicScriptDraft or the checks change what an LLM script may hold


@dataclass
class ScriptOutcome:
    """The script drawn, the identity of the writer that made it, what to tell the reader, the LLM's bill."""

    script: ComicScript
    identity: tuple[str, ...]
    notices: list[str] = field(default_factory=list)
    usage: UsageTotals | None = None


class ScriptWriter(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def identity(self) -> tuple[str, ...]: ...

    def write(self, brief: ComicBrief, *, panels: int | None, paper_id: str) -> ScriptOutcome: ...


@dataclass(frozen=True)
class StoryWriter:
    """The content-aware script from the paper's claims, figures and the motif table: no LLM."""

    name: str = "story"

    @property
    def identity(self) -> tuple[str, ...]:
        from tasks.comic.script import STORY_VERSION
        from tasks.comic.tables import tables_digest

        return ("story", STORY_VERSION, f"tables={tables_digest()}")

    def write(self, brief: ComicBrief, *, panels: int | None, paper_id: str) -> ScriptOutcome:
        from tasks.comic.script import write_story

        return ScriptOutcome(script=write_story(brief, panels=panels), identity=self.identity)


@dataclass(frozen=True)
class LLMScriptWriter:
    """A chat model (provider:model) writes the script as structured output; it is checked like any other."""

    settings: LLMSettings
    name: str = "llm"

    @property
    def identity(self) -> tuple[str, ...]:
        from tasks.comic.llm_script import PROMPT_VERSION
        from tasks.llm import model_identity

        s = self.settings
        return (
            "llm-script",
            f"schema={SCRIPT_SCHEMA}",
            model_identity(s),
            f"base_url={(s.base_url or '').rstrip('/')}",
            f"prompt=comic_script.{PROMPT_VERSION}",
            f"language={s.language}",
            f"temperature={s.temperature}",
            f"max_tokens={s.max_tokens}",
            # The story writer stands in when a script is rejected: its tables shape the fallback.
            *StoryWriter().identity,
        )

    def write(self, brief: ComicBrief, *, panels: int | None, paper_id: str) -> ScriptOutcome:
        from tasks.comic.llm_script import write_with_llm  # LangChain, only now

        return write_with_llm(
            brief,
            self.settings,
            panels=panels,
            paper_id=paper_id,
            identity=self.identity,
            fallback=StoryWriter(),
        )


@dataclass
class WriterChoice:
    writer: ScriptWriter
    notices: list[str] = field(default_factory=list)


def choose_script_writer(settings: LLMSettings) -> WriterChoice:
    """The LLM writer when llm.model is set, else the story writer (no notice: it is a full writer)."""
    if settings.model:
        return WriterChoice(LLMScriptWriter(settings))
    return WriterChoice(StoryWriter())
