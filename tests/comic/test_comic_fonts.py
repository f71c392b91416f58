"""load_font: a user font, else system DejaVu Sans, else Pillow's embedded font; always cached."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from tasks.comic.page import fonts
from tasks.comic.page.layout import compose_page
from tasks.models import ComicPanel, ComicScript, DialogueLine


@pytest.fixture(autouse=True)
def fresh_font_cache() -> Iterator[None]:
    fonts.clear_font_cache()
    yield
    fonts.clear_font_cache()


def test_load_font_is_cached_freetype() -> None:
    font = fonts.load_font(20)
    assert isinstance(font, ImageFont.FreeTypeFont) and font.size == 20
    assert fonts.load_font(20) is font
    assert fonts.load_font(20, bold=True) is not font
    with pytest.raises(ValueError):
        fonts.load_font(0)


def test_user_font_in_config_fonts_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = fonts.font_source(bold=False).path
    if system is None:
        pytest.skip("no font file on this system to play the user's font")
    fonts.clear_font_cache()
    (tmp_path / "MyComic.ttf").write_bytes(system.read_bytes())
    monkeypatch.setattr(fonts.settings, "FONTS_DIR", tmp_path)
    assert fonts.font_in_use() == "MyComic (config/fonts)"
    # One user file serves both weights rather than mixing fonts on a page.
    assert fonts.font_source(bold=True).path == tmp_path / "MyComic.ttf"
    shutil.copy(system, tmp_path / "MyComic-Bold.ttf")
    fonts.clear_font_cache()
    assert fonts.font_source(bold=True).path == tmp_path / "MyComic-Bold.ttf"
    assert fonts.load_font(18).path == str(tmp_path / "MyComic.ttf")


def test_pillow_embedded_font_is_the_last_resort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts.settings, "FONTS_DIR", tmp_path / "missing")
    monkeypatch.setattr(fonts, "SYSTEM_DEJAVU_DIRS", ())
    assert fonts.font_in_use() == "Aileron (Pillow embedded)"
    assert isinstance(fonts.load_font(30), ImageFont.FreeTypeFont)
    script = ComicScript(
        title="Тест 注意力 🎉",
        panels=[
            ComicPanel(
                scene="Pip",
                caption="Ünïcödé — long " * 30,
                dialogue=[DialogueLine(speaker="Pip", text="Hi ✅")],
            )
        ]
        * 3,
    )
    _, report = compose_page([Image.new("RGB", (10, 10))] * 3, script, credit="c", width=800)
    assert not report.uncontained()


def test_system_dejavu_is_used_when_present() -> None:
    if not any((d / "DejaVuSans.ttf").is_file() for d in fonts.SYSTEM_DEJAVU_DIRS):
        pytest.skip("DejaVu Sans is not installed here")
    if fonts.settings.FONTS_DIR.is_dir() and any(fonts.settings.FONTS_DIR.glob("*.[ot]tf")):
        pytest.skip("a user font in config/fonts/ takes precedence")
    assert fonts.font_in_use() == "DejaVuSans (system)"
    assert fonts.font_source(bold=True).name == "DejaVuSans-Bold (system)"
