"""The paper's own figures, cut from its PDF pages: caption "Figure N:" plus the graphics beside it.

For each caption that starts a line ("Figure 3:" / "Fig. 3." - not "as Figure 3 shows"), the
region is grown from the caption over the image, vector-path and form objects of the caption's
column, stopping at a gap or at a line of body text; figures are usually above their caption,
else below it. Where GROBID gave the figure's coordinates (teiCoordinates), they are used instead.
Each region is rendered with pypdfium2 at a resolution that makes it about TARGET_PX wide. The page
geometry is in tasks/comic/page/regions.py.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from PIL import Image, ImageOps

from tasks.comic.errors import ComicError
from tasks.comic.page.regions import (
    PAD_PT,
    Box,
    column_of,
    find_captions,
    graphic_boxes,
    grobid_box,
    grobid_regions,
    grow_region,
    text_lines,
)
from tasks.models import Caption, FigureIndex, FigureRef
from tasks.pdfium import PDFIUM_LOCK

_CAPTION_HEAD_RE = re.compile(r"^\S+\s*\d+\s*[:.|]?\s*")  # "Figure 3:", "Fig. 3.", as printed

EXTRACTOR_VERSION = "figures-2"  # bump when regions or rendering change: it is part of cache keys
# 2: PNG level 3 (as the comic's pages): level 6 took ~40% longer for files ~20% smaller
PNG_LEVEL = 3
MAX_FIGURES = 12
TARGET_PX = 1400  # rendered width of a figure; a panel shows it at 300-900 px
MIN_SCALE, MAX_SCALE = 2.0, 4.0  # 144-288 dpi
MAX_PIXELS = 4_000_000


@dataclass(frozen=True)
class ExtractedFigure:
    """One figure: what figures.json says about it and its PNG."""

    ref: FigureRef
    png: bytes

    def image(self) -> Image.Image:
        return Image.open(io.BytesIO(self.png)).convert("RGB")


@dataclass
class FigureSet:
    """The figures of one paper, in figure-number order, and what went wrong finding them."""

    figures: list[ExtractedFigure]
    notices: list[str]

    def index(self) -> FigureIndex:
        return FigureIndex(
            extractor=EXTRACTOR_VERSION, figures=[f.ref for f in self.figures], notices=self.notices
        )

    def by_number(self, number: int | None) -> ExtractedFigure | None:
        return next((f for f in self.figures if f.ref.number == number), None)


# --------------------------------------------------------------------------- public


def _render(page: pdfium.PdfPage, region: Box, area: Box) -> Image.Image:
    scale = min(MAX_SCALE, max(MIN_SCALE, TARGET_PX / max(region.w, 1.0)))
    scale = min(scale, (MAX_PIXELS / max(region.w * region.h, 1.0)) ** 0.5)
    crop = (region.l - area.l, region.b - area.b, area.r - region.r, area.t - region.t)
    image = page.render(scale=scale, crop=crop).to_pil().convert("RGB")
    # White margins inside the region (a form's padding) are trimmed, keeping a thin border.
    ink = ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 12 else 0).getbbox()
    if ink is None:
        return image
    border = round(PAD_PT * scale)
    return image.crop(
        (
            max(0, ink[0] - border),
            max(0, ink[1] - border),
            min(image.width, ink[2] + border),
            min(image.height, ink[3] + border),
        )
    )


def _first_sentences(text: str, limit: int = 300) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(". ", 0, limit)
    return text[: cut + 1] if cut > 40 else text[:limit].rsplit(" ", 1)[0] + "…"


def _parsed_captions(captions: Sequence[Caption]) -> dict[int, str]:
    """Figure number -> the parser's caption text: what a reader sees (hidden text left out)."""
    out: dict[int, str] = {}
    for caption in captions:
        number = re.search(r"\d+", caption.label or "") if caption.kind == "figure" else None
        if number is not None and caption.text:
            out.setdefault(int(number.group(0)), caption.text)
    return out


def _visible_caption(printed: str, parsed: str | None) -> str:
    """The caption as printed ("Figure 3: ..."), its words the parser's where it has them.

    The page's raw text holds any hidden run in the caption's box; the parse never does.
    """
    if parsed is None:
        return printed
    head = _CAPTION_HEAD_RE.match(printed)
    return f"{head.group(0).rstrip()} {parsed}" if head else parsed


def extract_figures(
    pdf: bytes, *, source: str, captions: Sequence[Caption] = (), max_figures: int = MAX_FIGURES
) -> FigureSet:
    """Every captioned figure of the PDF (at most max_figures), rendered; `source` names it in errors."""
    cut = _Cutter(source, grobid_regions(captions), _parsed_captions(captions), max_figures)
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise ComicError(f"cannot open {source} to find its figures: {exc}") from exc
        try:
            for page_no in range(1, len(doc) + 1):
                if len(cut.found) >= max_figures:
                    cut.notices.append(f"only the first {max_figures} figures of {source} were kept")
                    break
                page = doc[page_no - 1]
                try:
                    cut.page(page, page_no)
                finally:  # here, under the lock: not later, by the garbage collector, in any thread
                    page.close()
        finally:
            doc.close()
    figures = []
    for number in sorted(cut.found):
        ref, image = cut.found[number]
        png = io.BytesIO()
        image.save(png, format="PNG", compress_level=PNG_LEVEL)
        figures.append(ExtractedFigure(ref=ref, png=png.getvalue()))
    return FigureSet(figures=figures, notices=cut.notices)


@dataclass
class _Cutter:
    """The figures of one PDF as its pages are read: what was found, and what went wrong."""

    source: str
    grobid: dict[int, tuple[int, list[tuple[float, ...]]]]
    visible: dict[int, str]
    max_figures: int
    found: dict[int, tuple[FigureRef, Image.Image]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def page(self, page: pdfium.PdfPage, page_no: int) -> None:
        """The figures whose captions start a line on this page; the page's graphics are read only
        when one of them has no GROBID box."""
        area = Box(*page.get_cropbox())
        textpage = page.get_textpage()
        graphics: list[Box] | None = None
        lines: list[tuple[Box, int]] = []
        for caption in find_captions(textpage, page_no):
            if caption.number in self.found or len(self.found) >= self.max_figures:
                continue
            region, how = None, "pdfium"
            if caption.number in self.grobid and self.grobid[caption.number][0] == page_no:
                region = grobid_box(self.grobid[caption.number][1], area.t - area.b).padded(PAD_PT, area)
                how = "grobid"
            else:
                if graphics is None:
                    graphics, lines = graphic_boxes(page, area), text_lines(textpage)
                column = column_of(caption, area)
                region = grow_region(caption, graphics, lines, column, above=True) or grow_region(
                    caption, graphics, lines, column, above=False
                )
            if region is None:
                self.notices.append(f"{caption.label} of {self.source} (page {page_no}): no graphics found")
                continue
            region = Box(
                max(region.l, area.l), max(region.b, area.b), min(region.r, area.r), min(region.t, area.t)
            )
            image = _render(page, region, area)
            ref = FigureRef(
                number=caption.number,
                label=caption.label,
                caption=_first_sentences(_visible_caption(caption.text, self.visible.get(caption.number))),
                page=page_no,
                bbox=(round(region.l, 1), round(region.b, 1), round(region.r, 1), round(region.t, 1)),
                file=f"figures/fig-{caption.number}.png",
                width=image.width,
                height=image.height,
                source=how,
            )
            self.found[caption.number] = (ref, image)
