"""The summarizer interface: a chat model through LangChain, or the extractive summarizer.

`choose_summarizer` decides once per run (tasks/backends.py holds the choice): the LLM when a model is
configured, else the extractive summarizer, both named in config/backends.py. The
identity is everything that changes a summary (model, server, prompt versions, language, budget,
temperature) and nothing that does not (the API key, the award entry): editing a manifest never
costs an LLM call. Computing it imports nothing of LangChain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from config.backends import build
from tasks.backend_base import Backend, RunsOn
from tasks.llm import llm_identity
from tasks.models import FullReview, PaperSummary, ParsedPaper, UsageTotals
from tasks.summarize import extractive
from tasks.summarize.extractive import EXTRACTIVE_VERSION
from tasks.summarize.extractive_review import extractive_review
from tasks.summarize.prompts import prompt_version

if TYPE_CHECKING:
    from config.settings import LLMSettings, Settings

# Bump when what a summary records changes shape or meaning: it is part of every summarizer's identity.
SUMMARY_SCHEMA = "3"  # 3: the extractive summarizer stores its review (results, limitations) too
# 2: claims carry the issues (numbers not in the paper) that make them unverified


@dataclass
class SummaryOutcome:
    """summary.json, the LLM's full review (review.json) when there is one, and the accounting."""

    summary: PaperSummary
    review: FullReview | None = None
    usage: UsageTotals | None = None


class Summarizer(Backend, Protocol):
    def summarize(self, parsed: ParsedPaper, paper_id: str) -> SummaryOutcome: ...


@dataclass(frozen=True)
class ExtractiveSummarizer:
    """The paper's own sentences, verified quotes; always announced as a fallback."""

    name: str = "extractive"
    runs_on: RunsOn = "cpu"

    @property
    def identity(self) -> tuple[str, ...]:
        return ("extractive", EXTRACTIVE_VERSION, f"schema={SUMMARY_SCHEMA}")

    def summarize(self, parsed: ParsedPaper, paper_id: str) -> SummaryOutcome:
        return SummaryOutcome(
            summary=extractive.summarize_extractive(parsed), review=extractive_review(parsed)
        )


@dataclass(frozen=True)
class LLMSummarizer:
    """A chat model (provider:model) with structured output, grounded claims, injection defence."""

    settings: LLMSettings
    name: str = "llm"
    runs_on: RunsOn = "io"

    @property
    def identity(self) -> tuple[str, ...]:
        return (
            "llm",
            f"schema={SUMMARY_SCHEMA}",
            *llm_identity(self.settings),
            f"prompts={prompt_version()}",
            f"budget={self.settings.context_tokens}",
        )

    def summarize(self, parsed: ParsedPaper, paper_id: str) -> SummaryOutcome:
        from tasks.summarize.llm import summarize_with_llm  # LangChain, only now

        result = summarize_with_llm(parsed, settings=self.settings, paper_id=paper_id)
        return SummaryOutcome(summary=result.summary, review=result.review, usage=result.usage)


@dataclass
class SummarizerChoice:
    summarizer: Summarizer
    notices: list[str] = field(default_factory=list)


def build_llm(settings: Settings) -> LLMSummarizer:
    return LLMSummarizer(settings.llm)


def build_extractive(settings: Settings) -> ExtractiveSummarizer:
    return ExtractiveSummarizer()


def choose_summarizer(settings: Settings) -> SummarizerChoice:
    """The LLM when a model is configured (a failing one is an error, never a silent fallback)."""
    if settings.llm.model:
        return SummarizerChoice(build("summarizer", "llm", settings))
    return SummarizerChoice(
        build("summarizer", "extractive", settings),
        notices=["no LLM configured: EXTRACTIVE summary (sentences quoted from the paper)"],
    )
