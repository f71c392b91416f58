"""Themes by a chat model, from the papers' verified claims only, each theme checked paper by paper.

The model sees every paper's id, title and verified claims (prompt config/prompts/themes.v1.yaml)
and answers in ThemesDraft through the one structured-call path (tasks/llm/structured.py: one
repair turn, throttled, tokens and cost recorded).
A theme paper whose id is unknown, or whose quote is not in that paper's claims, is dropped; a
theme left with fewer than two papers, or whose label states a number no quote has, is dropped;
every drop is a notice. LangChain is imported only when the model is asked (tests/test_layout.py).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from config.settings import LLMSettings
from tasks.llm import ask_once, model_identity
from tasks.llm.prompts import chat_prompt
from tasks.models import Theme, ThemePaper
from tasks.summarize.grounding import normalize_text
from tasks.summarize.themes import MAX_THEMES, QUOTE_CHARS, ThemesFound, ThemeSource

THEMES_PROMPT = "themes"
THEMES_PROMPT_VERSION = "v1"
LABEL_CHARS = 80
MAX_CLAIMS_PER_PAPER = 6


class ThemePaperDraft(BaseModel):
    paper: str = Field(description="The paper's id from the list, e.g. 'p2'")
    quote: str = Field(description="Words copied exactly from that paper's claims that show the theme")


class ThemeDraft(BaseModel):
    label: str = Field(description="2-6 words naming what the papers share")
    papers: list[ThemePaperDraft] = Field(description="At least two papers, each with a quote")


class ThemesDraft(BaseModel):
    """Themes that several papers of the award list share."""

    themes: list[ThemeDraft] = Field(default_factory=list, description=f"At most {MAX_THEMES} themes")


def papers_block(sources: list[ThemeSource]) -> tuple[str, dict[str, ThemeSource]]:
    """The papers as the model reads them ("[p1] Title" and "- claim" lines), and id -> source."""
    ids = {f"p{i}": source for i, source in enumerate(sources, 1)}
    lines = []
    for pid, source in ids.items():
        lines.append(f"[{pid}] {' '.join(source.title.split())}")
        lines += [f"- {claim.text}" for claim in source.claims[:MAX_CLAIMS_PER_PAPER]]
    return "\n".join(lines), ids


def _quoted(quote: str, source: ThemeSource) -> ThemePaper | None:
    """The paper with the claim the quote comes from, or None when no claim of it holds the quote."""
    wanted = normalize_text(quote).strip(" .\"'“”")
    if len(wanted) < 3:
        return None
    for claim in source.claims:
        if wanted in normalize_text(claim.text):
            text = claim.text if len(claim.text) <= QUOTE_CHARS else quote.strip()
            return ThemePaper(paper_id=source.paper_id, title=source.title, quote=text, where=claim.where)
    return None


def checked_themes(draft: ThemesDraft, ids: dict[str, ThemeSource]) -> ThemesFound:
    """The draft's themes whose papers and quotes hold, and a notice for everything dropped."""
    themes: list[Theme] = []
    notices: list[str] = []
    for theme in draft.themes[:MAX_THEMES]:
        label = " ".join(theme.label.split())[:LABEL_CHARS]
        papers: dict[str, ThemePaper] = {}
        for item in theme.papers:
            source = ids.get(item.paper.strip().strip("[]").lower())
            found = _quoted(item.quote, source) if source else None
            if found is None:
                notices.append(
                    f"theme {label!r}: {item.paper!r} dropped (unknown paper or quote not in its claims)"
                )
                continue
            papers.setdefault(found.paper_id, found)
        quotes = " ".join(p.quote for p in papers.values())
        invented = [n for n in re.findall(r"\d+(?:\.\d+)?", label) if n not in quotes]
        if not label or invented:
            notices.append(f"theme {label!r} dropped: its label states a number no quote has")
            continue
        if len(papers) < 2:
            notices.append(f"theme {label!r} dropped: fewer than two papers hold it")
            continue
        themes.append(Theme(label=label, papers=list(papers.values())))
    return ThemesFound(themes, notices)


class LLMThemes:
    """The chat model names the themes; every theme is checked against the claims it quotes."""

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self.identity = f"{model_identity(settings)}+{THEMES_PROMPT}.{THEMES_PROMPT_VERSION}"

    def find(self, sources: list[ThemeSource], *, conference: str = "") -> ThemesFound:
        if len(sources) < 2:
            return ThemesFound([])
        block, ids = papers_block(sources)
        messages = chat_prompt(THEMES_PROMPT, THEMES_PROMPT_VERSION).format_messages(
            language=self.settings.language, conference=conference or "(unnamed)", papers=block
        )
        draft, usage = ask_once(
            self.settings, messages, ThemesDraft, purpose="themes", subject=f"themes of {conference}"
        )
        found = checked_themes(draft, ids)
        found.usage = usage
        return found
