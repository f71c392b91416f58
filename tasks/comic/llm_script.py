"""The LLM comic script: structured output into ComicScriptDraft, checked, repaired once, or replaced.

The model sees only the brief (verified claims with ids, figure captions, title, award). Its
script must pass tasks/comic/checks.py: a caption that cites no verified claim, a number that the
cited claims do not state, an award the paper did not win or text in a scene is sent back once
with the list of problems. A second rejection or a refusal falls back to the content-aware story
writer, said in a notice; a provider error (auth, unreachable, rate limit) is a ComicError.
LangChain is imported inside the functions that call the model (see tests/test_layout.py).
"""

from __future__ import annotations

import json
import re
import time
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, ValidationError

from config.settings import CONFIG_DIR, LLMSettings
from tasks.comic.brief import MASCOT, ComicBrief, award_phrase
from tasks.comic.captions import CAPTION_CHARS
from tasks.comic.checks import ALT_CHARS, DIALOGUE_CHARS, SCENE_CHARS, script_problems
from tasks.comic.errors import ComicError
from tasks.llm import as_llm_error, chat_model, llm_slot, model_identity, provider_and_model
from tasks.models import CallUsage, ComicPanel, ComicScript, DialogueLine, UsageTotals
from tasks.safe_yaml import load_yaml

if TYPE_CHECKING:
    from tasks.comic.writers import ScriptOutcome, ScriptWriter

PROMPT_NAME = "comic_script"
PROMPT_VERSION = "v1"  # bump with a new config/prompts/comic_script.<version>.yaml: it is in the cache key
PROMPT_FILE = CONFIG_DIR / "prompts" / f"{PROMPT_NAME}.{PROMPT_VERSION}.yaml"
MASCOT_WORDS = "a small round teal robot with big eyes, pink cheeks and one antenna with a yellow bulb"
PREVIOUS_CHARS = 1500
_FENCE_RE = re.compile(r"^```(?:json)?\s*|\s*```$")


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


@cache
def _prompt_file() -> dict[str, Any]:
    data = load_yaml(PROMPT_FILE.read_text(encoding="utf-8"), str(PROMPT_FILE))
    if not isinstance(data, dict) or data.get("name") != PROMPT_NAME or "repair" not in data:
        raise ComicError(f"prompt file {PROMPT_FILE} must be a mapping with name: {PROMPT_NAME} and repair")
    return data


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


def _text_of(raw: Any) -> str:
    if raw is None:
        return ""
    if getattr(raw, "tool_calls", None):
        return json.dumps(raw.tool_calls[0].get("args", {}))
    return raw.text if isinstance(getattr(raw, "text", None), str) else str(getattr(raw, "content", ""))


def _refusal(raw: Any, error: object) -> str | None:
    if error is not None and any(c.__name__.endswith("RefusalError") for c in type(error).__mro__):
        return str(error) or "refusal"
    if raw is not None and (text := getattr(raw, "additional_kwargs", {}).get("refusal")):
        return str(text)
    return None


class _Call:
    """Structured calls for one paper's script, throttled and accounted."""

    def __init__(self, settings: LLMSettings, paper_id: str) -> None:
        self.settings = settings
        self.paper_id = paper_id
        self.provider, _ = provider_and_model(settings)
        self.model = chat_model(settings)
        self.usage = UsageTotals()
        # OpenAI's json_schema is its most reliable mode; elsewhere tool calling is the common ground.
        self.method = "json_schema" if self.provider == "openai" else "function_calling"

    def ask(self, messages: list[Any], purpose: str) -> tuple[Any, ComicScriptDraft | None, object]:
        runnable = self.model.with_structured_output(ComicScriptDraft, method=self.method, include_raw=True)
        started = time.perf_counter()
        with llm_slot(self.settings):
            try:
                out: dict[str, Any] = runnable.invoke(messages)  # type: ignore[assignment]
                raw, parsed, error = out["raw"], out["parsed"], out["parsing_error"]
            except (ValidationError, json.JSONDecodeError) as exc:
                # The OpenAI client validates json_schema answers itself and raises instead of returning.
                raw, parsed, error = None, None, exc
            except Exception as exc:
                err = as_llm_error(exc, self.settings)
                if err is None:
                    raise
                raise ComicError(f"comic script for paper {self.paper_id!r}: {err}") from exc
        self._record(raw, purpose, time.perf_counter() - started)
        if parsed is not None and not isinstance(parsed, ComicScriptDraft):
            parsed, error = None, f"expected ComicScriptDraft, got {type(parsed).__name__}"
        return raw, parsed, error

    def _record(self, raw: Any, purpose: str, latency: float) -> None:
        meta = getattr(raw, "usage_metadata", None) or {}
        call = CallUsage(
            purpose=purpose,
            model=model_identity(self.settings),
            input_tokens=int(meta.get("input_tokens", 0)),
            output_tokens=int(meta.get("output_tokens", 0)),
            latency_s=round(latency, 3),
        )
        u = self.usage
        u.calls.append(call)
        u.input_tokens += call.input_tokens
        u.output_tokens += call.output_tokens
        u.latency_s = round(u.latency_s + call.latency_s, 3)


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
    from langchain_core.prompts import ChatPromptTemplate

    from tasks.comic.writers import ScriptOutcome

    # 1. Prompt
    data = _prompt_file()
    template = ChatPromptTemplate.from_messages([(m["role"], m["content"]) for m in data["messages"]])
    messages = list(template.format_messages(**prompt_values(brief, panels)))
    call = _Call(settings, paper_id)
    writer = f"llm:{model_identity(settings)}"

    # 2. Ask, check, and ask once more with the problems
    problems: list[str] = []
    for attempt in ("comic script", "comic script (repair)"):
        raw, draft, error = call.ask(messages, attempt)
        if (refused := _refusal(raw, error)) is not None:
            problems = [f"the model refused: {refused}"]
            break
        if draft is None:
            problems = [f"the answer is not a valid ComicScriptDraft: {' '.join(str(error).split())[:300]}"]
        else:
            try:
                script = to_script(draft, brief, writer)
            except ValidationError as exc:
                problems = [f"the script is not a valid comic: {' '.join(str(exc).split())[:300]}"]
            else:
                if panels is not None and len(script.panels) != panels:
                    problems = [f"{len(script.panels)} panels were written; {panels} were asked for"]
                else:
                    problems = script_problems(script, brief)
                if not problems:
                    return ScriptOutcome(script=script, identity=identity, usage=call.usage)
        previous = _text_of(raw)[:PREVIOUS_CHARS]
        repair = data["repair"].format(
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
    return ScriptOutcome(script=story.script, identity=story.identity, notices=[notice], usage=call.usage)
