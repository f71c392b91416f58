"""`paperpanels summarize`: every real PDF, a parsed JSON, the LLM path, and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import EXIT_BAD_INPUT, app
from tasks.parse.local import PARSER_VERSION
from tasks.summarize.backends import SUMMARY_SCHEMA
from tasks.summarize.extractive import EXTRACTIVE_VERSION
from tests.fixture_truth import parse_real, real_papers
from tests.summarize.openai_server import API_KEY, ReplayServer
from tests.summarize.replay import MODEL, serve

runner = CliRunner()
PAPERS = sorted(real_papers()) or [
    pytest.param("-", marks=pytest.mark.skip(reason="../shared/fixtures not found"))
]


@pytest.mark.parametrize("name", PAPERS)
def test_summarize_each_real_pdf(name: str) -> None:
    result = runner.invoke(app, ["summarize", str(real_papers()[name].path), "--parser", "local"])
    assert result.exit_code == 0, result.output
    # Which parser and which summarizer ran, on stderr; the summary with its marks on stdout.
    assert f"parser: local {PARSER_VERSION}" in result.stderr
    assert f"summarizer: extractive ({EXTRACTIVE_VERSION}," in result.stderr
    out = result.stdout
    assert out.startswith("# ") and "**TL;DR** “" in out
    assert "## What was done?" in out and "## Why it matters?" in out
    claims = [line for line in out.splitlines() if line.startswith("- “")]
    assert claims and all(line.endswith("✓") for line in claims), claims
    assert "Extractive summary" in out


def test_summarize_a_parsed_json_as_json(tmp_path: Path, fixtures_dir: Path) -> None:
    parsed = parse_real("specter")
    path = tmp_path / "specter.json"
    path.write_text(parsed.model_dump_json(), encoding="utf-8")
    result = runner.invoke(app, ["summarize", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["parser"] == f"local {PARSER_VERSION} (read from specter.json)"
    assert document["summarizer"][0] == "extractive"
    summary = document["summary"]
    assert summary["generator"] == "extractive" and summary["tldr"].startswith("We show that SPECTER")
    assert all(c["quoted"] and c["evidence"][0]["verified"] for c in summary["what_was_done"])


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    yield from serve()


def test_summarize_with_a_model_says_so_and_marks_claims(
    replay: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixtures_dir: Path
) -> None:
    monkeypatch.setenv("PAPERPANELS_LLM__BASE_URL", replay.url)
    monkeypatch.setenv("PAPERPANELS_LLM__API_KEY", API_KEY)
    path = tmp_path / "specter.json"
    path.write_text(parse_real("specter").model_dump_json(), encoding="utf-8")
    result = runner.invoke(app, ["summarize", str(path), "--model", MODEL, "--language", "German"])
    assert result.exit_code == 0, result.output
    assert (
        f"summarizer: llm (schema={SUMMARY_SCHEMA}, {MODEL}," in result.stderr
        and "language=German" in result.stderr
    )
    assert API_KEY not in result.output
    out = result.stdout
    assert "**TL;DR** “" not in out  # the model's TL;DR is its prose, not a quote
    assert "✓" in out and "*LLM: " in out
    assert replay.requests  # the model was asked


@pytest.mark.parametrize(
    ("args", "content", "expected"),
    [
        (["--format", "html"], b"%PDF-1.4", "--format 'html'"),
        ([], b'{"title": 3}', "not a parsed paper"),
        ([], b"<html>not a pdf</html>", "paper.bin"),
    ],
)
def test_bad_input_exits_2_naming_it(tmp_path: Path, args: list[str], content: bytes, expected: str) -> None:
    path = tmp_path / "paper.bin"
    path.write_bytes(content)
    result = runner.invoke(app, ["summarize", str(path), *args])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert expected in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["summarize", str(tmp_path / "nope.pdf")])
    assert result.exit_code == EXIT_BAD_INPUT and "no such file" in result.stderr
