"""Shared helpers for the LLM tests: the replay server fixture factory, settings, fixture papers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import LLMSettings, Settings
from tasks.models import ParsedPaper
from tasks.parse.local import parse_pdf_file
from tests.summarize.openai_server import API_KEY, ReplayServer

MODEL = "openai:replay-model"


def prices_file(tmp_path: Path, model: str = MODEL) -> Path:
    """A price table with the replay model at $1 / $2 per 1M tokens."""
    path = tmp_path / "prices.toml"
    path.write_text(f'[models."{model}"]\ninput = 1.0\noutput = 2.0\n', encoding="utf-8")
    return path


def settings_for(server: ReplayServer, tmp_path: Path, **overrides: object) -> LLMSettings:
    """LLM settings pointing the real OpenAI client at the replay server."""
    fields: dict[str, object] = {
        "model": MODEL,
        "base_url": server.url,
        "api_key": API_KEY,
        "max_retries": 2,
        "timeout_s": 10.0,
        "prices_file": prices_file(tmp_path),
        # One call in flight: a paper's calls (summary, then review) meet the server's scripted modes
        # in order. Tests of calls at once ask for more.
        "concurrency": 1,
    }
    fields.update(overrides)
    return LLMSettings.model_validate(fields)


def serve() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    try:
        yield server
    finally:
        server.stop()


_PARSED: dict[Path, ParsedPaper] = {}


def parsed_fixture(path: Path) -> ParsedPaper:
    """A fixture PDF parsed once per session by the local parser."""
    if path not in _PARSED:
        if not path.is_file():
            pytest.skip(f"fixture PDF {path} not found")
        _PARSED[path] = parse_pdf_file(path)
    return _PARSED[path]


def with_replay_llm(settings: Settings, server: ReplayServer, tmp_path: Path) -> Settings:
    """A run's settings with the real OpenAI client pointed at the replay server."""
    return settings.with_values(
        **{
            "llm.model": MODEL,
            "llm.base_url": server.url,
            "llm.api_key": API_KEY,
            "llm.prices_file": prices_file(tmp_path),
        }
    )
