"""`paperpanels comic`: from a PDF (parsed and summarized first) or a summary.json, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from flows.cli import EXIT_BAD_INPUT, app

runner = CliRunner()


def test_comic_from_a_pdf_says_which_backends_ran(fixture_pdfs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out" / "specter.png"
    args = ["comic", str(fixture_pdfs["specter"]), "-o", str(out), "--renderer", "sketch", "--width", "768"]
    result = runner.invoke(app, [*args, "--award", "runner-up", "--panels", "4"])
    assert result.exit_code == 0, result.output
    for line in ("parser: local", "summarizer: extractive", "figures: Figure 1 (p. 2), Figure 2 (p. 8)"):
        assert line in result.stderr
    assert "script writer: story" in result.stderr and "renderer: sketch" in result.stderr
    assert Image.open(out).width == 768
    phone = Image.open(out.with_name("specter-mobile.webp"))
    assert phone.format == "WEBP" and phone.width == 780
    meta = json.loads(out.with_suffix(".json").read_text())
    assert len(meta["script"]["panels"]) == 4 and meta["figures"] == [1]
    assert "runner-up" in meta["script"]["panels"][0]["caption"]
    assert result.stdout.split() == [
        str(out),
        str(out.with_name("specter-mobile.webp")),
        str(out.with_suffix(".json")),
    ]


def test_comic_from_a_summary_uses_the_paper_folder_beside_it(tmp_path: Path) -> None:
    from tests.comic.conftest import make_summary

    folder = tmp_path / "papers" / "p1"
    folder.mkdir(parents=True)
    summary = make_summary(["We propose a gate after attention."], ["Long-context models waste attention."])
    (folder / "summary.json").write_text(summary.model_dump_json())
    result = runner.invoke(
        app,
        ["comic", str(folder / "summary.json"), "--title", "Gated Attention", "-o", str(tmp_path / "c.png")],
    )
    assert result.exit_code == 0, result.output
    assert "summary: extractive (read from summary.json)" in result.stderr
    assert "figures: none (no PDF given or beside the summary)" in result.stderr
    assert json.loads((tmp_path / "c.json").read_text())["script"]["title"] == "Gated Attention"


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for args, message in (
        (["comic", str(tmp_path / "missing.pdf")], "no such file"),
        (["comic", __file__, "--renderer", "magic"], "--renderer 'magic'"),
        (["comic", __file__, "-o", str(tmp_path / "c.jpg")], "written as a .png"),
        (["comic", __file__, "--award", "gold medal"], "--award 'gold medal'"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_BAD_INPUT and message in result.stderr, result.output
