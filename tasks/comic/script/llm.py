"""The LLM comic script: structured output into ComicScriptDraft, checked, repaired once, or replaced.

The model sees only the brief (verified claims with ids, figure captions, title, award). Its
script must pass tasks/comic/script/checks.py: a caption that cites no verified claim, a number that the
cited claims do not state, an award the paper did not win or text in a scene is sent back once
with the list of problems. A second rejection or a refusal falls back to the content-aware story
writer, said in a notice; a provider error (auth, unreachable, rate limit) is a ComicError.
LangChain is imported inside the functions that call the model (see tests/test_layout.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from config.settings import LLMSettings, Settings
from tasks.backend_base import RunsOn
from tasks.comic.errors import ComicError
from tasks.comic.script.brief import MASCOT, ComicBrief, award_phrase
from tasks.comic.script.captions import CAPTION_CHARS
from tasks.comic.script.checks import ALT_CHARS, DIALOGUE_CHARS, SCENE_CHARS, script_problems
from tasks.comic.script.writers import ScriptOutcome, ScriptWriter, StoryWriter
from tasks.llm import LLMCallError, StructuredCaller, llm_identity, model_identity
from tasks.llm.prompts import chat_prompt, load_prompt
from tasks.models import ComicPanel, ComicScript, DialogueLine

SCRIPT_SCHEMA = "1"  # bump when ComicScriptDraft or the checks change what an LLM script may hold
PROMPT_NAME = "comic_script"
PROMPT_VERSION = "v1"  # bump with a new config/prompts/comic_script.<version>.yaml: it is in the cache key
MASCOT_WORDS = "a small round teal robot with big eyes, pink cheeks and one antenna with a yellow bulb"


class PanelDraft(BaseModel):
    """One panel as the model writes it."""

    role: Literal["setup", "problem", "idea", "detail", "result", "matters", "award"] = Field(
        description="What the panel does in the story"
    )
    scene: str = Field(description="What the picture shows: a visual metaphor with Pip, no text in it")
    caption: str = Field(description="Whole sentences, only what the cited claims say")
    claims: list[str] = Field(
        default_factory=list, description="Ids of the verified claims the caption rests on, e.g. ['c2']"
    )
    dialogue: list[str] = Field(default_factory=list, description="Pip's one or two short lines")
    figure: int | None = Field(None, description="Number of a paper figure to show in this panel, or null")
    callout: str | None = Field(None, description="A number with its unit copied from the caption, or null")


class ComicScriptDraft(BaseModel):
    """A comic script of 3-6 panels that explains one paper."""

    panels: list[PanelDraft] = Field(min_length=3, max_length=6)
    alt_text: str = Field(description="A short description of the comic for readers who cannot see it")


def prompt_values(brief: ComicBrief, panels: int | None) -> dict[str, str]:
    """The prompt's variables: the brief as numbered lines, the limits, the award."""
    claims = "\n".join(f"[{cid}] {text}" for cid, text in brief.claims.items()) or "(none)"
    figures = "\n".join(f"[{f.number}] {f.caption}" for f in brief.figures) or "(none)"  # "Figure N: ..."
    return {
        "language": brief.language,
        "mascot": MASCOT_WORDS,
        "panels": str(panels) if panels else "4 or 5",
        "title": brief.title,
        "award": award_phrase(brief.award),
        "claims": claims,
        "figures": figures,
        "caption_chars": str(CAPTION_CHARS),
        "dialogue_chars": str(DIALOGUE_CHARS),
        "scene_chars": str(SCENE_CHARS),
        "alt_chars": str(ALT_CHARS),
    }


def to_script(draft: ComicScriptDraft, brief: ComicBrief, writer: str) -> ComicScript:
    """The draft as a ComicScript; a panel that shows something on its right has Pip on the left."""
    panels = []
    for p in draft.panels:
        scene = " ".join(p.scene.split())
        if (p.figure is not None or p.callout) and "on the left" not in scene:
            scene = f"{scene.rstrip('.')}; {MASCOT} stands on the left"
        panels.append(
            ComicPanel(
                scene=scene or f"{MASCOT} reads a paper",
                caption=" ".join(p.caption.split()) or "…",
                dialogue=[
                    DialogueLine(speaker=MASCOT, text=" ".join(t.split())) for t in p.dialogue if t.strip()
                ],
                role=p.role,
                claims=list(dict.fromkeys(p.claims)),
                figure=p.figure,
                callout=p.callout.strip() if p.callout and p.callout.strip() else None,
            )
        )
    return ComicScript(
        title=brief.title, panels=panels, alt_text=" ".join(draft.alt_text.split()), writer=writer
    )


def write_with_llm(
    brief: ComicBrief,
    settings: LLMSettings,
    *,
    panels: int | None,
    paper_id: str,
    identity: tuple[str, ...],
    fallback: ScriptWriter,
) -> ScriptOutcome:
    """The LLM's checked script, repaired once if needed; the fallback writer's script otherwise."""
    from langchain_core.messages import HumanMessage

    # 1. Prompt
    messages: list[Any] = list(
        chat_prompt(PROMPT_NAME, PROMPT_VERSION).format_messages(**prompt_values(brief, panels))
    )
    try:
        call = StructuredCaller(settings, f"comic script for paper {paper_id!r}")
    except LLMCallError as exc:
        raise ComicError(str(exc)) from exc
    writer = f"llm:{model_identity(settings)}"

    # 2. Ask, check, and ask once more with the problems (a script that does not parse is one too)
    problems: list[str] = []
    for attempt in ("comic script", "comic script (repair)"):
        script, problems, previous = _attempt(call, messages, attempt, brief, panels, writer)
        if script is not None:
            return ScriptOutcome(script=script, identity=identity, usage=call.usage())
        if problems and problems[0].startswith("the model refused"):
            break
        repair = load_prompt(PROMPT_NAME, PROMPT_VERSION)["repair"].format(
            problems="\n".join(f"- {p}" for p in problems), schema_name="ComicScriptDraft"
        )
        messages = [
            *messages,
            *([HumanMessage(f"Your previous answer:\n{previous}")] if previous else []),
            HumanMessage(repair),
        ]

    # 3. Rejected twice, or refused: the story writer's script, and the reader is told why
    story = fallback.write(brief, panels=panels, paper_id=paper_id)
    why = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
    notice = (
        f"LLM comic script ({model_identity(settings)}) not used: {why}. "
        "Drew the content-aware script instead."
    )
    return ScriptOutcome(script=story.script, identity=story.identity, notices=[notice], usage=call.usage())


def _attempt(
    call: StructuredCaller,
    messages: list[Any],
    purpose: str,
    brief: ComicBrief,
    panels: int | None,
    writer: str,
) -> tuple[ComicScript | None, list[str], str]:
    """One ask: (the script, []) when it passes every check, else (None, its problems, its text)."""
    try:
        draft = call.ask(messages, ComicScriptDraft, purpose, repair=False)
    except LLMCallError as exc:
        if exc.kind == "refused":
            return None, [f"the model refused: {exc.reason}"], ""
        if exc.kind != "invalid_output":  # auth, unreachable, rate limited: the run must say so
            raise ComicError(str(exc)) from exc
        return None, [f"the answer is not a valid ComicScriptDraft: {exc.reason[:300]}"], exc.answer
    previous = draft.model_dump_json()[:1500]
    try:
        script = to_script(draft, brief, writer)
    except ValidationError as exc:
        return None, [f"the script is not a valid comic: {' '.join(str(exc).split())[:300]}"], previous
    if panels is not None and len(script.panels) != panels:
        return None, [f"{len(script.panels)} panels were written; {panels} were asked for"], previous
    problems = script_problems(script, brief)
    return (None if problems else script), problems, previous


@dataclass(frozen=True)
class LLMScriptWriter:
    """A chat model (provider:model) writes the script as structured output; it is checked like any other."""

    settings: LLMSettings
    name: str = "llm"
    runs_on: RunsOn = "io"

    @property
    def identity(self) -> tuple[str, ...]:
        return (
            "llm-script",
            f"schema={SCRIPT_SCHEMA}",
            *llm_identity(self.settings),
            f"prompt=comic_script.{PROMPT_VERSION}",
            # The story writer stands in when a script is rejected: its tables shape the fallback.
            *StoryWriter().identity,
        )

    def write(self, brief: ComicBrief, *, panels: int | None, paper_id: str) -> ScriptOutcome:
        return write_with_llm(
            brief,
            self.settings,
            panels=panels,
            paper_id=paper_id,
            identity=self.identity,
            fallback=StoryWriter(),
        )


def build(settings: Settings) -> LLMScriptWriter:
    return LLMScriptWriter(settings.llm)
