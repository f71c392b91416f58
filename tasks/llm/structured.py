"""One way to ask a chat model for structured output, for every caller (summary, review, comic
script, themes, award announcements).

A `StructuredCaller` answers `ask(messages, Schema, purpose)` with a validated `Schema`:
- the call takes one of the process's `llm.concurrency` slots and, inside a flow run, one slot of the
  server-side `llm` rate limit (`paperpanels bootstrap` makes it), so every call counts once;
- OpenAI gets json_schema, other providers tool calling; a model without either (or a server that
  refuses them) is asked for JSON in plain text (json mode) from then on;
- an answer that does not parse gets one repair turn (unless the caller does its own repairs);
- a refusal, an answer invalid twice or a provider error raise `LLMCallError`, naming the subject
  (the paper or the conference) and the provider, never the key;
- every call's tokens, latency and cost go into the caller's ledger: `usage()` is what the caller
  records, and what the digest totals.
LangChain is imported when the first call is made, not before.
"""

from __future__ import annotations

import contextvars
import copy
import json
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from config.settings import LLMSettings
from tasks.llm.accounting import Ledger
from tasks.llm.client import LLMError, as_llm_error, chat_model, llm_slot, model_identity, provider_and_model
from tasks.llm.prompts import feedback
from tasks.models import UsageTotals

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage

Method = Literal["auto", "json_schema", "function_calling", "json_mode"]
S = TypeVar("S", bound=BaseModel)
A = TypeVar("A")
B = TypeVar("B")

PREVIOUS_CHARS = 1500  # how much of an unparseable answer the repair turn shows the model
_FENCE_RE = re.compile(r"^```(?:json)?\s*|\s*```$")
_UNSUPPORTED_RE = re.compile(r"response_format|json_schema|tool|function", re.I)


class LLMCallError(Exception):
    """A structured call that gave no usable answer: provider error, refusal or invalid output."""

    def __init__(self, subject: str, reason: str, *, provider: str, kind: str, answer: str = "") -> None:
        super().__init__(f"{subject}: {reason}")
        self.subject = subject
        self.reason = reason
        self.provider = provider
        self.kind = kind  # LLMError kinds ("auth", "unavailable", ...), "refused" or "invalid_output"
        self.answer = answer  # the unusable answer's text (truncated), for a caller's own repair turn


def llm_identity(settings: LLMSettings) -> tuple[str, ...]:
    """What every caller's cache key takes from the model settings: everything that changes an answer
    (model, server, language, temperature, length), nothing that does not (the key, concurrency)."""
    provider, _, model = (settings.model or "").partition(":")  # as written: a bad one fails when asked
    return (
        f"{provider.strip().lower()}:{model.strip()}",
        f"base_url={(settings.base_url or '').rstrip('/')}",
        f"language={settings.language}",
        f"temperature={settings.temperature}",
        f"max_tokens={settings.max_tokens}",
    )


class StructuredCaller:
    """Structured calls about one subject (a paper, a conference): throttled, accounted, repaired."""

    def __init__(
        self,
        settings: LLMSettings,
        subject: str,
        *,
        model: BaseChatModel | None = None,
        method: Method = "auto",
    ) -> None:
        self.settings = settings
        self.subject = subject
        self.provider = provider_and_model(settings)[0]
        self.method: Method = method
        self.ledger = Ledger(model_identity(settings), settings.prices_file)
        try:
            self.model = model or chat_model(settings)
        except LLMError as exc:
            raise LLMCallError(subject, str(exc), provider=exc.provider, kind=exc.kind) from exc

    def usage(self) -> UsageTotals:
        return self.ledger.totals()

    def beside(self) -> StructuredCaller:
        """A caller for questions asked beside this one's (in another thread): the same model and
        subject, a ledger of its own. `absorb` it when it is done: the calls are then recorded in a
        fixed order, whichever answer came first."""
        other = copy.copy(self)
        other.ledger = Ledger(self.ledger.model, self.settings.prices_file)
        return other

    def absorb(self, other: StructuredCaller) -> None:
        self.ledger.calls.extend(other.ledger.calls)

    def ask(self, messages: list[BaseMessage], schema: type[S], purpose: str, *, repair: bool = True) -> S:
        """The parsed answer. Invalid output gets one repair turn (repair=False: the caller repairs,
        from LLMCallError.answer); twice invalid, or a refusal, raise LLMCallError."""
        from langchain_core.messages import HumanMessage

        raw, parsed, error = self._once(messages, schema, purpose)
        if parsed is None and repair:
            self._raise_on_refusal(raw, error, purpose)
            turn = feedback(
                "repair",
                error=_short(error),
                schema_name=schema.__name__,
                previous=text_of(raw)[:PREVIOUS_CHARS],
            )
            raw, parsed, error = self._once([*messages, HumanMessage(turn)], schema, f"{purpose} (repair)")
        if parsed is None:
            self._raise_on_refusal(raw, error, purpose)
            twice = " twice" if repair else ""
            why = f"invalid output for {schema.__name__}{twice} ({purpose}): {_short(error)}"
            raise LLMCallError(
                self.subject,
                f"{self.provider} returned {why}",
                provider=self.provider,
                kind="invalid_output",
                answer=text_of(raw)[:PREVIOUS_CHARS],
            )
        return parsed

    def _raise_on_refusal(self, raw: AIMessage | None, error: object, purpose: str) -> None:
        if (refused := refusal(raw, error)) is not None:
            raise LLMCallError(
                self.subject,
                f"{self.provider} refused ({purpose}): {refused}",
                provider=self.provider,
                kind="refused",
            )

    def _once(
        self, messages: list[BaseMessage], schema: type[S], purpose: str
    ) -> tuple[Any, S | None, object]:
        method = self._method()
        _rate_limit()
        with llm_slot(self.settings):
            started = time.perf_counter()
            try:
                raw, parsed, error = self._invoke(messages, schema, method)
            except _SwitchToJsonMode:
                self.method = "json_mode"
                raw, parsed, error = None, None, None
            elapsed = time.perf_counter() - started
        if raw is None and self.method == "json_mode" and method != "json_mode":
            return self._once(messages, schema, purpose)
        self.ledger.record(purpose, raw, elapsed)
        if parsed is not None and not isinstance(parsed, schema):
            parsed, error = None, f"expected {schema.__name__}, got {type(parsed).__name__}"
        return raw, parsed, error

    def _invoke(
        self, messages: list[BaseMessage], schema: type[S], method: Method
    ) -> tuple[Any, Any, object]:
        try:
            if method == "json_mode":
                return self._json_mode(messages, schema)
            runnable = self.model.with_structured_output(schema, method=method, include_raw=True)
            out: dict[str, Any] = runnable.invoke(messages)  # type: ignore[assignment]
            return out["raw"], out["parsed"], out["parsing_error"]
        except NotImplementedError as exc:
            # The model has no tool calling / structured output: JSON in plain text is all it does.
            raise _SwitchToJsonMode from exc
        except (ValidationError, json.JSONDecodeError) as exc:
            # The OpenAI client validates json_schema answers itself and raises instead of returning.
            return None, None, exc
        except Exception as exc:
            err = as_llm_error(exc, self.settings)
            if err is None:
                raise
            if err.kind == "bad_request" and method != "json_mode" and _UNSUPPORTED_RE.search(str(exc)):
                raise _SwitchToJsonMode from exc
            raise LLMCallError(self.subject, str(err), provider=err.provider, kind=err.kind) from exc

    def _method(self) -> Method:
        if self.method != "auto":
            return self.method
        # OpenAI's json_schema is its most reliable mode; elsewhere tool calling is the common ground.
        return "json_schema" if self.provider == "openai" else "function_calling"

    def _json_mode(self, messages: list[BaseMessage], schema: type[S]) -> tuple[AIMessage, S | None, object]:
        from langchain_core.exceptions import OutputParserException
        from langchain_core.messages import AIMessage, HumanMessage
        from langchain_core.output_parsers import PydanticOutputParser

        parser: PydanticOutputParser[S] = PydanticOutputParser(pydantic_object=schema)
        ask = feedback(
            "json_mode", schema_name=schema.__name__, format_instructions=parser.get_format_instructions()
        )
        model: Any = self.model
        if self.provider == "openai":
            model = self.model.bind(response_format={"type": "json_object"})
        raw = model.invoke([*messages, HumanMessage(ask)])
        if not isinstance(raw, AIMessage):
            return AIMessage(content=str(raw)), None, "not a chat message"
        try:
            return raw, parser.parse(_FENCE_RE.sub("", text_of(raw).strip())), None
        except OutputParserException as exc:
            return raw, None, exc


class _SwitchToJsonMode(Exception):
    """The model or its server cannot do structured output: ask for JSON in plain text instead."""


def ask_once(
    settings: LLMSettings, messages: list[BaseMessage], schema: type[S], *, purpose: str, subject: str
) -> tuple[S, UsageTotals]:
    """One structured answer and what it cost (a caller with a single question: themes, announcements)."""
    caller = StructuredCaller(settings, subject)
    return caller.ask(messages, schema, purpose), caller.usage()


def side_by_side(first: Callable[[], A], second: Callable[[], B], *, wide: bool) -> tuple[A, B]:
    """Two independent questions at once: second() in a thread with this thread's context (inside a
    run, the `llm` rate limit and the run's logger apply to it too), first() here; one after the other
    when only one call may be in flight (wide=False). Each call still takes its own `llm.concurrency`
    slot. An error of either is raised once both have ended (first()'s when both failed)."""
    if not wide:
        return first(), second()
    with ThreadPoolExecutor(1, thread_name_prefix="llm-beside") as pool:
        later = pool.submit(contextvars.copy_context().run, second)
        answer = first()
        return answer, later.result()


def _rate_limit() -> None:
    """Inside a flow run, one slot of the server's `llm` rate limit per call (a no-op where it was
    never created); outside one (a CLI command without Prefect) the process's slots alone apply."""
    context = sys.modules.get("prefect.context")  # not imported: certainly not in a run
    if context is None or (context.FlowRunContext.get() is None and context.TaskRunContext.get() is None):
        return
    from prefect.concurrency.sync import rate_limit

    rate_limit("llm", strict=False)


def text_of(raw: Any) -> str:
    """An answer's text: its first tool call's arguments as JSON, else its content."""
    if raw is None:
        return ""
    if getattr(raw, "tool_calls", None):
        return json.dumps(raw.tool_calls[0].get("args", {}))
    return raw.text if isinstance(getattr(raw, "text", None), str) else str(getattr(raw, "content", ""))


def refusal(raw: Any, error: object) -> str | None:
    """The model's refusal, when it refused (a provider's RefusalError, or a refusal field)."""
    if error is not None and any(c.__name__.endswith("RefusalError") for c in type(error).__mro__):
        return str(error) or "refusal"
    if raw is not None and (text := getattr(raw, "additional_kwargs", {}).get("refusal")):
        return str(text)
    return None


def _short(error: object) -> str:
    text = " ".join(str(error or "no structured answer").split())
    return text[:300]
