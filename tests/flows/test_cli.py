"""The `paperpanels` CLI: output, errors and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import EXIT_BAD_INPUT, app
from tests.fixture_truth import TRUTH

runner = CliRunner()


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).replace("’", "'").split())


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_parse_prints_title_and_authors(name: str, fixture_pdfs: dict[str, Path]) -> None:
    result = runner.invoke(app, ["parse", str(fixture_pdfs[name])])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    title, authors = TRUTH[name]["title"], TRUTH[name]["authors"]
    assert _norm(parsed["title"]) == _norm(title)
    got = [_norm(a["name"]) for a in parsed["authors"]]
    want = [_norm(a) for a in authors]
    hits = len(set(got) & set(want))
    precision, recall = hits / max(len(set(got)), 1), hits / len(set(want))
    assert 2 * precision * recall / max(precision + recall, 1e-9) >= 0.95, (got, want)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML"),
    ],
)
def test_parse_bad_files_exit_2_naming_the_file(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "paper.pdf"
    path.write_bytes(content)
    result = runner.invoke(app, ["parse", str(path)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "paper.pdf" in result.stderr and expected.lower() in result.stderr.lower()


def test_parse_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["parse", str(tmp_path / "nope.pdf")])
    assert result.exit_code == EXIT_BAD_INPUT and "no such file" in result.stderr


def test_digest_unknown_conference_fails_fast() -> None:
    result = runner.invoke(app, ["digest", "neurips-1999"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "unknown conference 'neurips-1999'" in result.stderr


def test_digest_bad_paper_id_and_papers_dir(tmp_path: Path) -> None:
    result = runner.invoke(app, ["digest", "neurips-2025", "--paper", "arxiv:0000.00000"])
    assert result.exit_code == EXIT_BAD_INPUT and "0000.00000" in result.stderr
    result = runner.invoke(app, ["digest", "neurips-2025", "--papers-dir", str(tmp_path / "none")])
    assert result.exit_code == EXIT_BAD_INPUT and "not a directory" in result.stderr


def test_conferences_lists_neurips_2025() -> None:
    result = runner.invoke(app, ["conferences"], terminal_width=200)
    assert result.exit_code == 0
    assert "neurips-2025" in result.stdout and "best paper (4)" in result.stdout


def test_config_prints_masked_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERPANELS_LLM__API_KEY", "sk-live-abcdef")
    monkeypatch.setenv("PAPERPANELS_GROBID__URL", "http://grobid:8070")
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["grobid"]["url"] == "http://grobid:8070"
    assert data["llm"]["api_key"] == "**********"
    assert "sk-live" not in result.stdout


def test_console_script_is_installed(fixture_pdfs: dict[str, Path]) -> None:
    exe = Path(sys.executable).parent / "paperpanels"
    assert exe.exists(), "run `make install`: the paperpanels console script is missing"
    proc = subprocess.run(
        [str(exe), "parse", str(fixture_pdfs["futoma2017"])],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["title"].startswith("An Improved Multi-Output")


def test_conferences_lists_the_catalogue_with_counts() -> None:
    from config.settings import CONFERENCES_DIR
    from tasks.harvest.manifest import known_slugs, load_conference

    result = runner.invoke(app, ["conferences"], terminal_width=250)
    assert result.exit_code == 0
    for slug in known_slugs(CONFERENCES_DIR):
        row = next(line for line in result.stdout.splitlines() if f" {slug} " in line)
        assert f" {len(load_conference(slug, CONFERENCES_DIR).entries)} " in row


def test_show_prints_entries_and_review_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from flows.cli import papers

    monkeypatch.setattr(papers, "out", Console(width=250))  # a wide terminal: no wrapped cells
    result = runner.invoke(app, ["show", "neurips-2025"])
    assert result.exit_code == 0
    assert "EoebmBe9fG" in result.stdout and "1506.01497" in result.stdout
    assert "needs review" in result.stdout
    bad = runner.invoke(app, ["show", "neurips-1999"])
    assert bad.exit_code == EXIT_BAD_INPUT and "neurips-1999" in bad.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [(["neurips:2019-2025"], "no manifest for neurips-2019"), ([], "no conferences given")],
)
def test_backfill_bad_specs_fail_before_running(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["backfill", *args])
    assert result.exit_code == EXIT_BAD_INPUT and message in result.stderr


def test_parse_markdown_and_parser_choice(fixture_pdfs: dict[str, Path]) -> None:
    result = runner.invoke(
        app, ["parse", str(fixture_pdfs["specter"]), "--parser", "local", "--format", "markdown"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# SPECTER") and "parser: local" in result.stderr


def test_parse_with_grobid_required_but_down_is_an_error(fixture_pdfs: dict[str, Path]) -> None:
    result = runner.invoke(
        app,
        ["parse", str(fixture_pdfs["specter"]), "--parser", "grobid", "--grobid-url", "http://127.0.0.1:9"],
    )
    assert result.exit_code == EXIT_BAD_INPUT and "127.0.0.1:9" in result.stderr


def test_parse_rejects_unknown_options(fixture_pdfs: dict[str, Path]) -> None:
    assert (
        runner.invoke(app, ["parse", str(fixture_pdfs["specter"]), "--parser", "ocr"]).exit_code
        == EXIT_BAD_INPUT
    )
    assert (
        runner.invoke(app, ["parse", str(fixture_pdfs["specter"]), "--format", "xml"]).exit_code
        == EXIT_BAD_INPUT
    )


def test_titles_that_look_like_markup_are_printed_as_text(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from config.settings import get_settings
    from flows.cli import digest as digest_cli
    from flows.cli import papers

    title = "Attention [/] is [bold red]all[/] you [link=javascript:x]need[/link]"
    (tmp_path / "markup-2025.yaml").write_text(
        f'slug: markup-2025\nname: "Markup [/] 2025"\nyear: 2025\n'
        f'entries:\n  - title: "{title}"\n    award: best paper\n    authors: ["[bold]Eve[/bold]"]\n'
    )
    monkeypatch.setenv("PAPERPANELS_CONFERENCES_DIR", str(tmp_path))
    get_settings.cache_clear()
    for module in (papers, digest_cli):
        monkeypatch.setattr(module, "out", Console(width=400))
    shown = runner.invoke(app, ["show", "markup-2025"])
    assert shown.exit_code == 0, shown.output
    assert title in shown.stdout and "[bold]Eve[/bold]" in shown.stdout
    ran = runner.invoke(app, ["digest", "markup-2025"])  # the table printed after publishing
    assert ran.exit_code == 0, ran.output
    assert "markup-2025" in ran.stdout and "Markup [/] 2025" in ran.stdout


def test_a_command_uses_the_local_server_when_one_is_up_and_says_so(
    prefect_api: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without PREFECT_API_URL, a command finds `paperpanels server` on ops.server_port and uses it
    (no temporary server started: the session is open in well under the ~10 s one takes); on a
    port where nothing answers, it finds none at once."""
    import socket
    import time

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from config.settings import get_settings
    from flows.cli.runtime import local_server, prefect_session

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    port = int(prefect_api.split(":")[-1].split("/")[0])
    settings = get_settings().with_values(**{"ops.server_port": port})
    started = time.monotonic()
    with temporary_settings(restore_defaults={PREFECT_API_URL}), prefect_session(settings):
        assert PREFECT_API_URL.value() == prefect_api
        opened = time.monotonic() - started
    assert opened < 5, f"{opened:.1f} s to open the session: a server was started"
    assert f"the local server at {prefect_api}" in capsys.readouterr().err

    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        closed = free.getsockname()[1]
    assert local_server(settings.with_values(**{"ops.server_port": closed})) is None
