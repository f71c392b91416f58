"""Character and style presets, model catalogue, panel sizing and the renderer identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import ComicSettings
from tasks.comic.draw import renderer_identity
from tasks.comic.panels import sketch
from tasks.comic.panels.diffusion.catalogue import (
    DEFAULT_MODEL,
    GENERIC_PRESET,
    local_path,
    model_catalogue,
    preset_for,
)
from tasks.comic.panels.diffusion.pipeline import generation_size, panel_seed
from tasks.comic.panels.diffusion.presets import (
    NO_TEXT,
    PRESETS_DIR,
    PresetError,
    load_character,
    load_style,
    negative_prompt,
    panel_prompt,
)
from tasks.comic.script.story import MASCOT_LOOK
from tasks.models import ComicPanel


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def test_every_shipped_preset_loads() -> None:
    for path in (PRESETS_DIR / "characters").glob("*.yaml"):
        assert load_character(path.stem).prompt()
    styles = sorted(p.stem for p in (PRESETS_DIR / "styles").glob("*.yaml"))
    assert len(styles) >= 2 and "clean-line" in styles
    for name in styles:
        style = load_style(name)
        assert "speech bubbles" in style.negative_prompt and "text" in style.negative_prompt


def test_pip_matches_the_sketch_robot() -> None:
    pip = load_character("pip")
    assert pip.name == "Pip" and "teal robot" in pip.look
    assert pip.palette["body"] == _hex(sketch.PIP_BODY)
    assert pip.palette["belly"] == _hex(sketch.PIP_BELLY)
    assert pip.palette["bulb"] == _hex(sketch.BULB)


def test_panel_prompt_is_scene_character_style_no_text() -> None:
    pip, style = load_character("pip"), load_style("clean-line")
    panel = ComicPanel(scene=f"{MASCOT_LOOK} opens a paper in a library.", caption="c")
    prompt = panel_prompt(panel, pip, style)
    # The scene first: a 77-token CLIP encoder still reads what makes this panel this panel.
    assert prompt.startswith("Pip opens a paper in a library, ") and prompt.endswith(NO_TEXT)
    assert prompt.index("opens a paper") < prompt.index(pip.look) < prompt.index(style.prompt)
    assert MASCOT_LOOK not in prompt  # the sheet describes Pip once; the scene does not repeat it
    assert pip.negative in negative_prompt(pip, style)


@pytest.mark.parametrize("name", ["../secrets", "nope", "UPPER"])
def test_bad_preset_names_are_errors(name: str) -> None:
    with pytest.raises(PresetError, match=repr(name)):
        load_style(name)


def test_invalid_character_sheet_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: Bad\nlook: a robot drawn badly\npalette: {body: teal}\n")
    with pytest.raises(PresetError, match=r"(?s)bad.yaml is invalid.*#rrggbb"):
        load_character("bad", tmp_path)


def test_model_catalogue_and_presets() -> None:
    rows = {row["family"]: row for row in model_catalogue()}
    assert set(rows) == {"FLUX.1-schnell", "SDXL-Lightning", "Sana-Sprint", "SDXL-Turbo"}
    assert rows["FLUX.1-schnell"]["model_id"] == DEFAULT_MODEL
    assert (rows["FLUX.1-schnell"]["steps"], rows["FLUX.1-schnell"]["licence"]) == (4, "Apache-2.0")
    assert str(rows["SDXL-Turbo"]["commercial"]).startswith("no")
    assert preset_for("/models/FLUX.1-schnell").family == "FLUX.1-schnell"
    assert preset_for("stabilityai/sdxl-turbo").steps == 1
    assert preset_for("someone/other-model") is GENERIC_PRESET


def test_local_path_or_hub_id(tmp_path: Path) -> None:
    assert local_path("black-forest-labs/FLUX.1-schnell") is None
    assert local_path(str(tmp_path)) == tmp_path
    assert local_path("./models/x") is not None and local_path("a/b/c") is not None


@pytest.mark.parametrize(("panel", "side", "multiple"), [((950, 712), 1024, 16), ((600, 600), 512, 16)])
def test_generation_size_keeps_aspect_and_area(panel: tuple[int, int], side: int, multiple: int) -> None:
    w, h = generation_size(panel, side, multiple)
    assert w % multiple == 0 and h % multiple == 0
    assert abs(w / h - panel[0] / panel[1]) < 0.05
    assert abs(w * h - side * side) / (side * side) < 0.05


def test_panel_seed_depends_on_panel_and_attempt_only() -> None:
    assert panel_seed(1, 0) == panel_seed(1, 0)
    assert len({panel_seed(1, 0), panel_seed(1, 1), panel_seed(2, 0), panel_seed(1, 0, 1)}) == 4


def test_renderer_identity(tiny_model: str) -> None:
    sketchy = renderer_identity(ComicSettings(renderer="sketch"))
    assert sketchy[0] == "sketch"
    # auto with a hub model and no GPU draws sketches (torch stays out of the key).
    fallback = renderer_identity(ComicSettings(model="a/b"))
    assert fallback[0] == "sketch" and fallback != sketchy and len(fallback) == len(sketchy)
    drawn = renderer_identity(ComicSettings(renderer="diffusion", model=tiny_model))
    assert drawn[0] == "diffusion" and tiny_model in drawn
    assert renderer_identity(ComicSettings(renderer="diffusion", model=tiny_model, steps=3)) != drawn
    assert (
        renderer_identity(ComicSettings(renderer="diffusion", model=tiny_model, style="watercolor")) != drawn
    )


def test_fit_prompt_trims_from_the_end_and_keeps_the_no_text_clause() -> None:
    pip, style = load_character("pip"), load_style("clean-line")
    panel = ComicPanel(scene="Pip stacks bright wooden blocks into a tall, steady tower", caption="c")

    def words(text: str) -> int:  # a stand-in tokenizer: one token a word
        return len(text.split())

    full = panel_prompt(panel, pip, style)
    assert panel_prompt(panel, pip, style, count_tokens=words, max_tokens=1000) == full
    short = panel_prompt(panel, pip, style, count_tokens=words, max_tokens=20)
    assert words(short) <= 20 and short.endswith(NO_TEXT) and short.startswith(panel.scene)
    assert style.prompt not in short  # the style went first, from the end
    assert panel_prompt(panel, pip, style, count_tokens=words, max_tokens=3) == NO_TEXT
