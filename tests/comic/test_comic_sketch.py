"""render_sketch_panels: deterministic Pillow panels of the requested size, with every motif's props."""

from __future__ import annotations

import pytest

from tasks.comic.panels.sketch import render_sketch_panels
from tasks.comic.script.story import script_from_summary
from tasks.comic.script.tables import motif_table
from tasks.models import ComicPanel, ComicScript, PaperSummary

SIZE = (240, 180)


def _script(*scenes: str) -> ComicScript:
    return ComicScript(title="t", panels=[ComicPanel(scene=s, caption="c") for s in scenes])


def test_same_seed_same_pixels_other_seed_other_pixels(large_summary: PaperSummary) -> None:
    script = script_from_summary(large_summary, "A paper", panels=6)
    a = render_sketch_panels(script, seed=42, size=SIZE)
    b = render_sketch_panels(script, seed=42, size=SIZE)
    c = render_sketch_panels(script, seed=43, size=SIZE)
    assert len(a) == 6 and all(p.size == SIZE and p.mode == "RGB" for p in a)
    assert [p.tobytes() for p in a] == [p.tobytes() for p in b]
    assert [p.tobytes() for p in a] != [p.tobytes() for p in c]


def test_panels_differ_by_scene(large_summary: PaperSummary) -> None:
    script = script_from_summary(large_summary, "A paper", panels=4)
    panels = render_sketch_panels(script, seed=1, size=SIZE)
    assert len({p.tobytes() for p in panels}) == 4


def test_every_motif_scene_draws_its_own_picture() -> None:
    """Each scene of the motif table draws its props: no two scenes give the same panel."""
    scenes = [
        getattr(m, role).format(mascot="Pip") for m in motif_table().motifs for role in ("problem", "idea")
    ]
    panels = []
    for start in range(0, len(scenes), 3):  # a script holds 3-6 panels
        chunk = scenes[start : start + 3]
        padded = [*chunk, *["Pip waves"] * (3 - len(chunk))]
        panels += render_sketch_panels(_script(*padded), seed=7, size=(120, 90))[: len(chunk)]
    assert len(panels) == len(scenes) > 20
    assert len({p.tobytes() for p in panels}) == len(scenes), "two scenes drew the same picture"


def test_pip_stands_left_of_a_figure_board() -> None:
    """A panel that shows a figure or a callout keeps its right side free for the layout."""
    left, middle, _ = render_sketch_panels(
        _script("Pip stands on the left and points proudly at a big picture board", "Pip waves", "x"),
        seed=1,
        size=SIZE,
    )
    teal = (43, 179, 163)

    def teal_columns(image: object) -> list[int]:
        pixels = image.load()  # type: ignore[attr-defined]
        return [x for x in range(SIZE[0]) for y in range(SIZE[1]) if pixels[x, y] == teal]

    assert max(teal_columns(left)) < SIZE[0] * 0.45 < max(teal_columns(middle))


def test_unknown_scene_words_still_draw() -> None:
    script = ComicScript(title="t", panels=[ComicPanel(scene="ein leeres Zimmer", caption="c")] * 3)
    panels = render_sketch_panels(script, seed=0, size=(64, 64))
    assert len(panels) == 3 and panels[0].getcolors(64 * 64) is not None


def test_tiny_size_is_rejected(small_summary: PaperSummary) -> None:
    script = script_from_summary(small_summary, "A paper", panels=3)
    with pytest.raises(ValueError, match="32x32"):
        render_sketch_panels(script, seed=0, size=(10, 10))
