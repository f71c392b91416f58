"""Real figures from the fixture PDFs: the known figures, on their pages, cut to their regions."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tasks.comic.page.figures import extract_figures
from tasks.comic.page.regions import Box, grobid_box
from tasks.models import Caption
from tasks.store import paper_key

# Read off the rendered pages: figure number -> page, for every "Figure N:" caption in each PDF.
KNOWN = {
    "specter": {1: 2, 2: 8},
    "literature_graph": {1: 1},
    "papermage": {1: 1, 2: 3, 3: 4},
    "futoma2017": {1: 2, 2: 4, 3: 8, 4: 9, 5: 10},
}


@pytest.fixture(scope="module")
def extracted(fixture_pdfs: dict[str, Path]) -> dict[str, object]:
    return {name: extract_figures(fixture_pdfs[name].read_bytes(), source=name) for name in KNOWN}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_fixture_pdfs_give_their_figures_on_their_pages(name: str, extracted: dict[str, object]) -> None:
    found = extracted[name]
    assert {f.ref.number: f.ref.page for f in found.figures} == KNOWN[name]  # type: ignore[attr-defined]
    assert not found.notices  # type: ignore[attr-defined]
    for figure in found.figures:  # type: ignore[attr-defined]
        ref = figure.ref
        assert ref.caption.startswith(f"Figure {ref.number}") and ref.file == f"figures/fig-{ref.number}.png"
        image = Image.open(io.BytesIO(figure.png))
        assert image.format == "PNG" and (image.width, image.height) == (ref.width, ref.height)
        assert 300 <= image.width <= 1400 and image.height >= 150  # rendered at a readable resolution
        x0, y0, x1, y1 = ref.bbox
        assert 0 <= x0 < x1 <= 612 and 0 <= y0 < y1 <= 842


def test_figure_regions_hold_the_graphics_not_the_text_around_them(extracted: dict[str, object]) -> None:
    # SPECTER's overview sits at the top of the right column, above its one-line caption.
    (overview,) = [f for f in extracted["specter"].figures if f.ref.number == 1]  # type: ignore[attr-defined]
    x0, y0, x1, y1 = overview.ref.bbox
    assert 300 < x0 < x1 < 530 and 670 < y0 < y1 < 800
    # Futoma's Figure 4 stands beside a wrapped text column: the text stays out of the picture.
    (alarms,) = [f for f in extracted["futoma2017"].figures if f.ref.number == 4]  # type: ignore[attr-defined]
    assert alarms.ref.bbox[0] > 330 and alarms.ref.bbox[3] < 640


def test_grobid_coordinates_are_used_when_present(fixture_pdfs: dict[str, Path]) -> None:
    # GROBID's figure coords: caption lines (~9 pt) and the graphic box, top-left origin.
    coords = "2,333.0,69.0,170.0,79.0;2,346.0,152.0,120.0,9.0"
    caption = Caption(kind="figure", label="1", text="Overview of SPECTER.", page=2, coords=coords)
    found = extract_figures(fixture_pdfs["specter"].read_bytes(), source="specter", captions=[caption])
    (first,) = [f for f in found.figures if f.ref.number == 1]
    assert first.ref.source == "grobid"
    top = 841.89 - 69.0  # the page is 841.89 pt tall; the region gets the usual 8 pt of margin
    assert first.ref.bbox == pytest.approx((333.0 - 8, top - 79.0 - 8, 503.0 + 8, top + 8), abs=0.2)


def test_grobid_box_converts_to_pdf_coordinates() -> None:
    assert grobid_box([(10.0, 20.0, 100.0, 50.0)], 800.0) == Box(10.0, 730.0, 110.0, 780.0)


def test_a_broken_pdf_is_an_error_naming_it() -> None:
    from tasks.comic.errors import ComicError

    with pytest.raises(ComicError, match="broken.pdf"):
        extract_figures(b"%PDF-1.4 not really", source="broken.pdf")


def test_figure_names_are_valid_artifact_keys() -> None:
    assert (
        paper_key("acl-2025", "2004.07180", "figures/fig-12.png")
        == "acl-2025/papers/2004.07180/figures/fig-12.png"
    )
    assert paper_key("acl-2025", "2004.07180", "comic-mobile.webp").endswith("/comic-mobile.webp")
    for bad in ("figures/../x.png", "figures/fig-0.png", "figures/fig-1.png/x", "fig-1.png", "figures/a.png"):
        with pytest.raises(ValueError, match="unknown paper artifact"):
            paper_key("acl-2025", "2004.07180", bad)
