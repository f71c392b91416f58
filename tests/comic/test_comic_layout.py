"""compose_page: grids by panel count, and text that never leaves its box, whatever the text."""

from __future__ import annotations

import pytest
from PIL import Image

from tasks.comic.page.fonts import ELLIPSIS, fit_text
from tasks.comic.page.layout import compose_page, panel_size
from tasks.comic.page.lettering import LayoutReport
from tasks.models import ComicPanel, ComicScript, DialogueLine

WIDTH = 1024  # half size keeps the suite fast; geometry scales with the width

CJK = "注意力机制中的门控可以消除注意力汇聚现象，并提高长上下文的外推能力。" * 3
CYRILLIC = "Механизм внимания с гейтом устраняет «сток внимания» и улучшает экстраполяцию контекста."
EMOJI = "It works! 🎉🚀😀 Gating helps 👍 and the sink is gone ✅"


def _panels(n: int, size: tuple[int, int] = (300, 240)) -> list[Image.Image]:
    return [Image.new("RGB", size, (40 * i, 120, 200)) for i in range(n)]


def _script(n: int, caption: str = "A short caption.", dialogue: list[str] | None = None) -> ComicScript:
    lines = dialogue if dialogue is not None else ["Hello!"]
    return ComicScript(
        title="A Test Comic",
        panels=[
            ComicPanel(
                scene="Pip waves",
                caption=caption,
                dialogue=[DialogueLine(speaker="Pip", text=t) for t in lines],
            )
            for _ in range(n)
        ],
    )


def _assert_contained(report: LayoutReport) -> None:
    bad = report.uncontained()
    assert not bad, f"text outside its box: {bad}"
    for box in report.boxes:
        x0, y0, x1, y1 = box.box
        assert 0 <= x0 <= x1 <= report.width and 0 <= y0 <= y1 <= report.height


@pytest.mark.parametrize(("n", "grid"), [(3, (1, 3)), (4, (2, 2)), (5, (2, 3)), (6, (2, 3))])
def test_grid_by_panel_count(n: int, grid: tuple[int, int]) -> None:
    page, report = compose_page(
        _panels(n), _script(n), credit="“A Test” · 2505.06708 · art: test", width=WIDTH
    )
    assert page.width == WIDTH and report.grid == grid
    assert len(report.panel_rects) == n
    assert {b.kind for b in report.boxes} == {"title", "number", "caption", "balloon", "credit"}
    _assert_contained(report)
    # Panels never overlap one another.
    rects = report.panel_rects
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_five_panels_centre_the_short_row() -> None:
    _, report = compose_page(_panels(5), _script(5), credit="c", width=WIDTH)
    bottom = report.panel_rects[3:]
    left_gap, right_gap = bottom[0][0], report.width - bottom[-1][2]
    assert abs(left_gap - right_gap) <= 2
    assert bottom[0][1] == bottom[1][1] > report.panel_rects[0][1]


def test_panel_size_matches_the_art_area() -> None:
    for n in (3, 4, 5, 6):
        _, report = compose_page(_panels(n, panel_size(n, WIDTH)), _script(n), credit="c", width=WIDTH)
        x0, y0, x1, y1 = report.panel_rects[0]
        assert (x1 - x0, y1 - y0) == panel_size(n, WIDTH)


def test_2000_character_caption_is_truncated_inside_its_box() -> None:
    caption = ("Gated attention removes the attention sink and improves stability. " * 40)[:2000]
    script = _script(4, caption=caption)
    _, report = compose_page(_panels(4), script, credit="c", width=WIDTH)
    _assert_contained(report)
    captions = [b for b in report.boxes if b.kind == "caption"]
    assert all(b.truncated and b.text.endswith(ELLIPSIS) for b in captions)


@pytest.mark.parametrize("text", [CJK, CYRILLIC, EMOJI, "x" * 400, "Supercalifragilistic" * 20])
def test_non_latin_emoji_and_unbreakable_text_stay_inside(text: str) -> None:
    script = ComicScript(
        title=text,
        panels=[
            ComicPanel(scene="Pip", caption=text, dialogue=[DialogueLine(speaker="Pip", text=text)])
            for _ in range(3)
        ],
    )
    _, report = compose_page(_panels(3), script, credit=text, width=WIDTH, renderer_label=text)
    _assert_contained(report)
    assert {b.kind for b in report.boxes} >= {"title", "caption", "balloon", "credit", "label"}


def test_long_dialogue_and_several_speakers() -> None:
    long_line = "Well, you see, the softmax has to put its probability mass somewhere, " * 8
    panel = ComicPanel(
        scene="Pip and Ada talk",
        caption="Two voices.",
        dialogue=[
            DialogueLine(speaker="Pip", text=long_line),
            DialogueLine(speaker="Ada", text="Why?"),
            DialogueLine(speaker="Pip", text=long_line),
        ],
    )
    script = ComicScript(title="Dialogue", panels=[panel] * 4)
    _, report = compose_page(_panels(4), script, credit="c", width=WIDTH)
    _assert_contained(report)
    balloons = [b for b in report.boxes if b.kind == "balloon"]
    assert len(balloons) == 12
    assert any(b.text.startswith("Ada:") for b in balloons), "several speakers: each balloon is named"
    # Balloons stay in the top part of the art, where no character stands.
    for b in balloons:
        art = report.panel_rects[b.panel - 1]  # type: ignore[operator]
        assert art[1] <= b.box[1] and b.box[3] <= art[1] + (art[3] - art[1]) * 0.5


def test_renderer_label_is_drawn_only_when_given() -> None:
    _, with_label = compose_page(_panels(3), _script(3), credit="c", width=WIDTH, renderer_label="sketch")
    _, without = compose_page(_panels(3), _script(3), credit="c", width=WIDTH)
    assert [b.text for b in with_label.boxes if b.kind == "label"] == ["sketch"]
    assert not [b for b in without.boxes if b.kind == "label"]


def test_panel_images_of_any_size_are_fitted() -> None:
    panels = [
        Image.new("RGBA", (120, 900), (255, 0, 0, 128)),
        Image.new("L", (900, 90)),
        Image.new("RGB", (5, 5)),
    ]
    page, report = compose_page(panels, _script(3), credit="c", width=WIDTH)
    assert page.mode == "RGB" and len(report.panel_rects) == 3


def test_input_errors() -> None:
    with pytest.raises(ValueError, match="panel images"):
        compose_page(_panels(3), _script(4), credit="c")
    with pytest.raises(ValueError, match="width"):
        compose_page(_panels(3), _script(3), credit="c", width=100)


@pytest.mark.parametrize(("w", "h"), [(200, 40), (60, 20), (10, 10), (3, 3)])
def test_fit_text_never_overflows_tiny_boxes(w: int, h: int) -> None:
    fitted = fit_text(CYRILLIC + " " + CJK, w, h, max_size=40, min_size=8)
    x0, y0, x1, y1 = fitted.bbox
    assert x1 - x0 <= w and y1 - y0 <= h
    assert fitted.truncated


def test_fit_text_uses_the_largest_size_that_fits() -> None:
    fitted = fit_text("Hi", 400, 200, max_size=48, min_size=8)
    assert fitted.size == 48 and fitted.lines == ["Hi"] and not fitted.truncated
