"""Page layout: grid, borders, title banner, captions and credits of the wide page (comic.png).

The layout only sees finished panel images, so it serves any panel renderer (sketch or diffusion).
Every piece of text is fitted to its box (wrap, shrink, then truncate with an ellipsis), and the
`LayoutReport` records each box with the measured bounding box of the text actually drawn. What is
drawn over the art (balloons, the paper's own figure on a board, a number callout) is
tasks/comic/page/lettering.py, shared with the phone page (tasks/comic/page/mobile.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PIL import Image, ImageDraw

from tasks.comic.page.fonts import Rect
from tasks.comic.page.lettering import (
    BANNER_BG,
    BANNER_INK,
    CAPTION_BG,
    CREDIT_INK,
    INK,
    LABEL_BG,
    LABEL_INK,
    PAGE_BG,
    LayoutReport,
    balloon_max,
    balloons,
    fit_art,
    fit_box,
    has_inset,
    insets,
    letter,
    panel_dialogue,
)
from tasks.models import MAX_PANELS, MIN_PANELS, ComicPanel, ComicScript

MIN_WIDTH = 480
# Font sizes (largest, smallest) in px on a 2048 px page; they scale with the page width.
FONT_SIZES = {
    "title": (60, 22),
    "number": (24, 8),
    "caption": (34, 13),
    "balloon": (30, 13),
    "credit": (24, 11),
    "label": (24, 12),
    "callout": (64, 18),
    "tag": (20, 10),
}
# rows, columns per panel count; 3 panels read best as one row on a wide page.
GRIDS = {3: (1, 3), 4: (2, 2), 5: (2, 3), 6: (2, 3)}


@dataclass(frozen=True)
class Geometry:
    scale: float
    margin: int
    gutter: int
    border: int
    banner_h: int
    cell_w: int
    caption_h: int
    image_h: int
    footer_h: int

    @property
    def cell_h(self) -> int:
        return self.caption_h + self.image_h


def _geometry(n_panels: int, width: int) -> Geometry:
    if n_panels not in GRIDS:
        raise ValueError(f"a page has {MIN_PANELS}-{MAX_PANELS} panels, got {n_panels}")
    if width < MIN_WIDTH:
        raise ValueError(f"page width must be at least {MIN_WIDTH} px, got {width}")
    _, cols = GRIDS[n_panels]
    scale = width / 2048
    margin, gutter = round(56 * scale), round(36 * scale)
    cell_w = (width - 2 * margin - (cols - 1) * gutter) // cols
    # Three columns get square art and a taller caption band; two columns get 4:3 art.
    image_h = cell_w if cols == 3 else round(cell_w * 0.75)
    caption_h = round(cell_w * (0.34 if cols == 3 else 0.22))
    return Geometry(
        scale=scale,
        margin=margin,
        gutter=gutter,
        border=max(2, round(6 * scale)),
        banner_h=round(128 * scale),
        cell_w=cell_w,
        caption_h=caption_h,
        image_h=image_h,
        footer_h=round(96 * scale),
    )


def panel_size(n_panels: int, width: int = 2048) -> tuple[int, int]:
    """Pixel size of the art area of one panel, so renderers can draw at the final size."""
    geo = _geometry(n_panels, width)
    return geo.cell_w, geo.image_h


def panel_cells(n_panels: int, width: int = 2048) -> list[Rect]:
    """Where each panel (caption band and art, inside its border) sits on a composed page."""
    geo = _geometry(n_panels, width)
    return [cell.frame for cell in _cells(n_panels, geo, geo.margin + geo.banner_h + geo.gutter)]


def _sizes(kind: str, geo: Geometry) -> tuple[int, int]:
    hi, lo = FONT_SIZES[kind]
    return max(6, round(hi * geo.scale)), max(5, round(lo * geo.scale))


def _common_size(texts: list[tuple[str, Rect]], sizes: tuple[int, int]) -> tuple[int, int]:
    """One largest size for a family of boxes so neighbouring panels match; outliers may go smaller."""
    if not texts:
        return sizes
    fitted = sorted(fit_box(text, box, sizes).size for text, box in texts)
    # An extreme outlier (a 2,000-character caption) shrinks alone instead of dragging everyone down.
    return max(fitted[0], round(fitted[len(fitted) // 2] * 0.8)), sizes[1]


def footer(
    draw: ImageDraw.ImageDraw,
    report: LayoutReport,
    footer: Rect,
    credit: str,
    label: str | None,
    geo: Geometry,
) -> None:
    s = geo.scale
    credit_right = footer[2]
    if label:
        pad, pill_h = round(14 * s), round(geo.footer_h * 0.56)
        max_box = (0, 0, round((footer[2] - footer[0]) * 0.4) - 2 * pad, pill_h - pad)
        fitted = fit_box(label, max_box, _sizes("label", geo), bold=True)
        pill_w = fitted.bbox[2] - fitted.bbox[0] + 2 * pad
        pill_y = footer[1] + (geo.footer_h - pill_h) // 2
        pill = (footer[2] - pill_w, pill_y, footer[2], pill_y + pill_h)
        draw.rounded_rectangle(pill, radius=pill_h // 2, fill=LABEL_BG)
        inner = (pill[0] + pad, pill[1] + pad // 2, pill[2] - pad, pill[3] - pad // 2)
        letter(draw, report, fitted, inner, kind="label", fill=LABEL_INK, align="center")
        credit_right = pill[0] - round(24 * s)
    credit_box = (footer[0], footer[1], credit_right, footer[3])
    letter(
        draw,
        report,
        fit_box(credit, credit_box, _sizes("credit", geo)),
        credit_box,
        kind="credit",
        fill=CREDIT_INK,
    )


# --------------------------------------------------------------------------- page


@dataclass(frozen=True)
class _Cell:
    """One panel's place on the page: the whole cell, its caption band, its art area, and inside
    those the art within the border, the number badge and the caption's box."""

    frame: Rect
    band: Rect
    art: Rect
    inner_art: Rect
    badge: Rect
    caption: Rect


def _cells(n_panels: int, geo: Geometry, top: int) -> list[_Cell]:
    _, cols = GRIDS[n_panels]
    s, b = geo.scale, geo.border
    pad, badge_d = b + round(12 * s), round(40 * s)
    cells: list[_Cell] = []
    for index in range(n_panels):
        row, col = divmod(index, cols)
        in_row = min(cols, n_panels - row * cols)
        # A short last row (5 panels) is centred, leaving equal gaps on both sides.
        x = geo.margin + (cols - in_row) * (geo.cell_w + geo.gutter) // 2 + col * (geo.cell_w + geo.gutter)
        y = top + row * (geo.cell_h + geo.gutter)
        frame = (x, y, x + geo.cell_w, y + geo.cell_h)
        art = (x, y + geo.caption_h, frame[2], frame[3])
        badge = (x + pad, y + pad, x + pad + badge_d, y + pad + badge_d)
        cells.append(
            _Cell(
                frame=frame,
                band=(x, y, frame[2], y + geo.caption_h),
                art=art,
                inner_art=(art[0] + b, art[1] + b, art[2] - b, art[3] - b),
                badge=badge,
                caption=(badge[2] + round(12 * s), y + pad, frame[2] - pad, y + geo.caption_h - pad),
            )
        )
    return cells


def _font_sizes(
    script: ComicScript, cells: list[_Cell], geo: Geometry, figures: Mapping[int, Image.Image]
) -> dict[str, tuple[int, int]]:
    """Font sizes per kind of text; captions and balloons share one size from panel to panel."""
    sizes = {kind: _sizes(kind, geo) for kind in FONT_SIZES}
    sizes["caption"] = _common_size(
        [(p.caption, cell.caption) for p, cell in zip(script.panels, cells, strict=True)], sizes["caption"]
    )
    sizes["balloon"] = _common_size(
        [
            (t, balloon_max(len(panel.dialogue), cell.inner_art, geo.scale, narrow=has_inset(panel, figures)))
            for cell, panel in zip(cells, script.panels, strict=True)
            for t in panel_dialogue(panel)
        ],
        sizes["balloon"],
    )
    return sizes


def _banner(draw: ImageDraw.ImageDraw, report: LayoutReport, title: str, geo: Geometry) -> None:
    banner = (geo.margin, geo.margin, report.width - geo.margin, geo.margin + geo.banner_h)
    draw.rounded_rectangle(banner, radius=round(18 * geo.scale), fill=BANNER_BG)
    pad = round(20 * geo.scale)
    title_box = (banner[0] + 2 * pad, banner[1] + pad, banner[2] - 2 * pad, banner[3] - pad)
    fitted = fit_box(title, title_box, _sizes("title", geo), bold=True, balance=True)
    letter(draw, report, fitted, title_box, kind="title", fill=BANNER_INK, align="center")


def _panel(
    page: Image.Image,
    report: LayoutReport,
    number: int,
    image: Image.Image,
    panel: ComicPanel,
    cell: _Cell,
    geo: Geometry,
    sizes: dict[str, tuple[int, int]],
    figures: Mapping[int, Image.Image],
) -> None:
    """One panel: art, figure board and callout, caption band, border, number badge, caption, balloons."""
    draw = ImageDraw.Draw(page)
    art, band = cell.art, cell.band
    page.paste(fit_art(image, (art[2] - art[0], art[3] - art[1])), art[:2])
    report.panel_rects.append(art)
    narrow = insets(page, report, number, panel, cell.inner_art, figures, geo.scale, sizes)
    draw.rectangle((band[0], band[1], band[2] - 1, band[3]), fill=CAPTION_BG)
    draw.rectangle(
        (cell.frame[0], cell.frame[1], cell.frame[2] - 1, cell.frame[3] - 1), outline=INK, width=geo.border
    )
    draw.line([(band[0], band[3]), (band[2] - 1, band[3])], fill=INK, width=geo.border)
    draw.ellipse(cell.badge, fill=INK)
    inset = (cell.badge[2] - cell.badge[0]) // 6
    badge_box = (cell.badge[0] + inset, cell.badge[1] + inset, cell.badge[2] - inset, cell.badge[3] - inset)
    badge_text = fit_box(str(number), badge_box, sizes["number"], bold=True)
    letter(draw, report, badge_text, badge_box, kind="number", panel=number, fill=BANNER_INK, align="center")
    caption = fit_box(panel.caption, cell.caption, sizes["caption"])
    letter(draw, report, caption, cell.caption, kind="caption", panel=number)
    if lines := panel_dialogue(panel):
        balloons(draw, report, number, lines, cell.inner_art, geo.scale, sizes["balloon"], narrow=narrow)


def compose_page(
    panels: list[Image.Image],
    script: ComicScript,
    *,
    credit: str,
    width: int = 2048,
    renderer_label: str | None = None,
    figures: Mapping[int, Image.Image] | None = None,
) -> tuple[Image.Image, LayoutReport]:
    """Lay panel images out on one lettered page; return the page and what was drawn where.

    `figures` maps figure numbers to the paper's figure images: a panel that names one shows it
    on a board, with the mascot on the left and the balloons kept clear of it.
    """
    figures = figures or {}
    # 1. Check inputs
    if len(panels) != len(script.panels):
        raise ValueError(f"got {len(panels)} panel images for a script of {len(script.panels)} panels")
    geo = _geometry(len(panels), width)
    rows, cols = GRIDS[len(panels)]

    # 2. Page size and canvas
    grid_top = geo.margin + geo.banner_h + geo.gutter
    footer_top = grid_top + rows * geo.cell_h + (rows - 1) * geo.gutter + round(geo.gutter * 0.6)
    height = footer_top + geo.footer_h + geo.margin // 2
    page = Image.new("RGB", (width, height), PAGE_BG)
    draw = ImageDraw.Draw(page)
    report = LayoutReport(width=width, height=height, grid=(rows, cols))

    # 3. Title banner
    _banner(draw, report, script.title, geo)

    # 4. Font sizes, shared so captions and balloons match from panel to panel
    cells = _cells(len(panels), geo, grid_top)
    sizes = _font_sizes(script, cells, geo, figures)

    # 5. Panels
    for number, (image, panel, cell) in enumerate(zip(panels, script.panels, cells, strict=True), start=1):
        _panel(page, report, number, image, panel, cell, geo, sizes, figures)

    # 6. Footer: credit line and, for fallback art, a visible renderer label
    footer_box = (geo.margin, footer_top, width - geo.margin, footer_top + geo.footer_h)
    footer(draw, report, footer_box, credit, renderer_label, geo)
    return page, report
