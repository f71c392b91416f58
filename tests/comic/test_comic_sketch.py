"""render_sketch_panels: deterministic Pillow panels of the requested size."""

from __future__ import annotations

import pytest

from tasks.comic.script import script_from_summary
from tasks.comic.sketch import render_sketch_panels
from tasks.models import ComicPanel, ComicScript, PaperSummary

SIZE = (240, 180)


def test_same_seed_same_pixels_other_seed_other_pixels(small_summary: PaperSummary) -> None:
    script = script_from_summary(small_summary, "A paper", panels=6)
    a = render_sketch_panels(script, seed=42, size=SIZE)
    b = render_sketch_panels(script, seed=42, size=SIZE)
    c = render_sketch_panels(script, seed=43, size=SIZE)
    assert len(a) == 6 and all(p.size == SIZE and p.mode == "RGB" for p in a)
    assert [p.tobytes() for p in a] == [p.tobytes() for p in b]
    assert [p.tobytes() for p in a] != [p.tobytes() for p in c]


def test_panels_differ_by_scene(small_summary: PaperSummary) -> None:
    script = script_from_summary(small_summary, "A paper", panels=4)
    panels = render_sketch_panels(script, seed=1, size=SIZE)
    assert len({p.tobytes() for p in panels}) == 4


def test_unknown_scene_words_still_draw() -> None:
    script = ComicScript(title="t", panels=[ComicPanel(scene="ein leeres Zimmer", caption="c")] * 3)
    panels = render_sketch_panels(script, seed=0, size=(64, 64))
    assert len(panels) == 3 and panels[0].getcolors(64 * 64) is not None


def test_tiny_size_is_rejected(small_summary: PaperSummary) -> None:
    script = script_from_summary(small_summary, "A paper", panels=3)
    with pytest.raises(ValueError, match="32x32"):
        render_sketch_panels(script, seed=0, size=(10, 10))
