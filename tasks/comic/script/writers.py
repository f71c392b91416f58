"""The comic script writer interface, and the content-aware story writer (no LLM).

Every writer gets only the brief (verified claims, figures, title, award) and every script passes
the same checks (checks.py). The LLM writer is tasks/comic/script/llm.py; the choice between them,
script/choice.py. A writer's outcome carries the identity of the writer that actually wrote the
script: the cache records what ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tasks.backend_base import Backend, RunsOn
from tasks.comic.script.brief import ComicBrief
from tasks.comic.script.story import STORY_VERSION, write_story
from tasks.comic.script.tables import tables_digest
from tasks.models import ComicScript, UsageTotals

if TYPE_CHECKING:
    from config.settings import Settings


@dataclass
class ScriptOutcome:
    """The script drawn, the identity of the writer that made it, what to tell the reader, the LLM's bill."""

    script: ComicScript
    identity: tuple[str, ...]
    notices: list[str] = field(default_factory=list)
    usage: UsageTotals | None = None


class ScriptWriter(Backend, Protocol):
    def write(self, brief: ComicBrief, *, panels: int | None, paper_id: str) -> ScriptOutcome: ...


@dataclass(frozen=True)
class StoryWriter:
    """The content-aware script from the paper's claims, figures and the motif table: no LLM."""

    name: str = "story"
    runs_on: RunsOn = "cpu"

    @property
    def identity(self) -> tuple[str, ...]:
        return ("story", STORY_VERSION, f"tables={tables_digest()}")

    def write(self, brief: ComicBrief, *, panels: int | None, paper_id: str) -> ScriptOutcome:
        return ScriptOutcome(script=write_story(brief, panels=panels), identity=self.identity)


def build_story(settings: Settings) -> StoryWriter:
    return StoryWriter()
