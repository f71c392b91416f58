"""The comic as text, from a real paper's comic: every panel, who says what, what it shows, the figure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.comic.draw import comic_json
from tasks.comic.script.text_version import comic_text
from tasks.models import ComicMeta, ComicScript, FigureRef
from tests.comic.real_comic import RealComic, real_comic


@pytest.fixture(scope="module")
def specter(fixture_pdfs: dict[str, Path]) -> RealComic:
    return real_comic(fixture_pdfs["specter"], "2004.07180")


def _figures(made: RealComic) -> list[FigureRef]:
    return [f.ref for f in made.comic.figures.figures]


def test_every_panel_says_its_caption_its_lines_and_what_it_shows(specter: RealComic) -> None:
    script = specter.comic.meta.script
    text = comic_text(script, _figures(specter))
    assert text.title == script.title
    assert len(text.panels) == len(script.panels) >= 3
    for panel, drawn in zip(text.panels, script.panels, strict=True):
        assert panel.caption == drawn.caption
        assert [(d.speaker, d.text) for d in panel.dialogue] == [(d.speaker, d.text) for d in drawn.dialogue]
        assert panel.dialogue and panel.shows == drawn.scene


def test_a_figure_panel_gives_that_figures_own_caption(specter: RealComic) -> None:
    script, figures = specter.comic.meta.script, {f.number: f for f in _figures(specter)}
    shown = [(i, p.figure) for i, p in enumerate(script.panels) if p.figure is not None]
    assert shown, "the fixture paper's comic presents one of its figures"
    text = comic_text(script, list(figures.values()))
    for index, number in shown:
        figure, ref = text.panels[index].figure, figures[number]
        assert figure is not None and figure.label == ref.label == f"Figure {number}"
        # The caption as printed, its "Figure N:" head left to the label.
        assert figure.caption and ref.caption.endswith(figure.caption) and figure.label not in figure.caption
    assert all(text.panels[i].figure is None for i, p in enumerate(script.panels) if p.figure is None)


def test_a_figure_not_among_the_papers_figures_is_not_described(specter: RealComic) -> None:
    text = comic_text(specter.comic.meta.script, figures=())
    assert all(panel.figure is None for panel in text.panels)
    assert [p.caption for p in text.panels] == [p.caption for p in specter.comic.meta.script.panels]


@pytest.mark.parametrize(
    ("printed", "own"),
    [
        ("Fig. 12. Attention maps of the gated model.", "Attention maps of the gated model."),
        ("FIGURE 12: Attention maps", "Attention maps"),
        ("Attention maps, as in Figure 12.", "Attention maps, as in Figure 12."),  # no head: as printed
    ],
)
def test_the_caption_loses_only_its_label_head(specter: RealComic, printed: str, own: str) -> None:
    ref = FigureRef(
        number=12, label="Figure 12", caption=printed, page=3, bbox=(0, 0, 1, 1), file="figures/fig-12.png",
        width=10, height=10, source="pdfium",
    )  # fmt: skip
    script = specter.comic.meta.script
    panels = [script.panels[0].model_copy(update={"figure": 12}), *script.panels[1:]]
    text = comic_text(ComicScript(title=script.title, panels=panels), [ref])
    assert text.panels[0].figure is not None and text.panels[0].figure.caption == own


def test_comic_json_stores_the_text_version(specter: RealComic) -> None:
    stored = ComicMeta.model_validate_json(comic_json(specter.comic.meta))
    assert stored.text is not None
    assert stored.text == comic_text(stored.script, _figures(specter))
    # The figures drawn into panels are the ones the text presents.
    presented = [p.figure.label for p in stored.text.panels if p.figure is not None]
    assert presented == [f"Figure {n}" for n in stored.figures]
    assert len(stored.script.alt_text) <= 400  # the alt text stays short; the text version is long
    assert sum(len(p.caption) + len(p.shows) for p in stored.text.panels) > len(stored.script.alt_text)
