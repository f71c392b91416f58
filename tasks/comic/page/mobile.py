"""The phone page (comic-mobile.webp): the same panels stacked in one column, lettered large.

A phone shows a page 390 CSS px wide; this one is MOBILE_WIDTH = 780 px (two device pixels per CSS
pixel), and no text on it is smaller than MIN_TEXT_PX = 28 px, so every letter is at least 14 CSS
px there. Captions are not shrunk to fit a fixed band: each band grows to hold its caption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PIL import Image, ImageDraw

from tasks.comic.page.fonts import FittedText, Rect, fit_text
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
    balloons,
    fit_art,
    insets,
    letter,
    panel_dialogue,
)
from tasks.models import ComicPanel, ComicScript

MOBILE_WIDTH = 780
CSS_WIDTH = 390  # the phone width the page is designed for
MIN_TEXT_PX = 28  # 14 CSS px at CSS_WIDTH
SIZES = {"title": 40, "caption": 30, "balloon": 30, "number": 28, "credit": 28, "label": 28}
MARGIN, GAP, PAD, BORDER = 24, 28, 14, 4
UNBOUNDED = 100_000  # a box height that never limits the text: the band grows instead


@dataclass(frozen=True)
class _Measures:
    """The phone page's measures at its width, in px."""

    width: int
    sizes: dict[str, int]
    margin: int
    gap: int
    pad: int
    border: int
    art_h: int
    badge: int
    cell_w: int
    scale: float  # balloons, figure boards and callouts reuse the wide page's drawing at this scale


def _measures(width: int, first_panel: Image.Image) -> _Measures:
    k = width / MOBILE_WIDTH
    sizes = {kind: max(MIN_TEXT_PX, round(size * k)) for kind, size in SIZES.items()}
    margin, gap, pad, border = (round(v * k) for v in (MARGIN, GAP, PAD, BORDER))
    cell_w = width - 2 * margin
    # The panels keep the shape they were drawn in (square for 5-6 panels): cropping them would cut
    # the mascot's feet or a prop.
    art_h = min(cell_w, round(cell_w * first_panel.height / max(1, first_panel.width)))
    badge = round(sizes["number"] * 1.5)
    return _Measures(width, sizes, margin, gap, pad, border, art_h, badge, cell_w, scale=cell_w / 950)


def _measure(text: str, width: int, size: int, *, bold: bool = False, balance: bool = False) -> FittedText:
    return fit_text(text, width, UNBOUNDED, max_size=size, min_size=size, bold=bold, balance=balance)


def _height(fitted: FittedText) -> int:
    return fitted.bbox[3] - fitted.bbox[1]


def _band_h(caption: FittedText, m: _Measures) -> int:
    return max(m.badge, _height(caption)) + 2 * m.pad


def compose_mobile(
    panels: list[Image.Image],
    script: ComicScript,
    *,
    credit: str,
    renderer_label: str | None = None,
    figures: Mapping[int, Image.Image] | None = None,
    width: int = MOBILE_WIDTH,
) -> tuple[Image.Image, LayoutReport]:
    """One column of lettered panels for narrow screens; return the page and what was drawn where."""
    # 1. Check inputs
    if len(panels) != len(script.panels):
        raise ValueError(f"got {len(panels)} panel images for a script of {len(script.panels)} panels")
    figures = figures or {}
    m = _measures(width, panels[0])
    pad, sizes = m.pad, m.sizes

    # 2. Measure: the banner, each caption band and the footer grow to hold their text
    title_fit = _measure(script.title, m.cell_w - 4 * pad, sizes["title"], bold=True, balance=True)
    banner_h = _height(title_fit) + 2 * pad
    caption_w = m.cell_w - 2 * pad - m.badge - pad
    captions = [_measure(p.caption, caption_w, sizes["caption"]) for p in script.panels]
    credit_fit = _measure(credit, m.cell_w, sizes["credit"])
    label_fit = (
        _measure(renderer_label, m.cell_w - 4 * pad, sizes["label"], bold=True) if renderer_label else None
    )
    footer_h = _height(credit_fit) + (_height(label_fit) + 3 * pad if label_fit else 0)
    bands_h = sum(_band_h(c, m) + m.art_h + m.gap for c in captions)
    height = m.margin + banner_h + m.gap + bands_h + footer_h + m.margin

    # 3. Canvas and title banner
    page = Image.new("RGB", (width, height), PAGE_BG)
    draw = ImageDraw.Draw(page)
    report = LayoutReport(width=width, height=height, grid=(len(panels), 1))
    banner = (m.margin, m.margin, width - m.margin, m.margin + banner_h)
    draw.rounded_rectangle(banner, radius=2 * pad, fill=BANNER_BG)
    title_box = (banner[0] + 2 * pad, banner[1] + pad, banner[2] - 2 * pad, banner[3] - pad)
    letter(draw, report, title_fit, title_box, kind="title", fill=BANNER_INK, align="center")

    # 4. Panels: caption band above its art, then balloons, figure boards and callouts on the art
    y = banner[3] + m.gap
    for number, (image, panel, caption) in enumerate(zip(panels, script.panels, captions, strict=True), 1):
        y = _panel(page, report, m, y, number, image, panel, caption, figures) + m.gap

    # 5. Footer: the renderer's label on its own line, then the credit
    if label_fit is not None:
        pill = (m.margin, y, m.margin + m.cell_w, y + _height(label_fit) + 2 * pad)
        draw.rounded_rectangle(pill, radius=(pill[3] - pill[1]) // 2, fill=LABEL_BG)
        inner_pill = (pill[0] + 2 * pad, pill[1] + pad, pill[2] - 2 * pad, pill[3] - pad)
        letter(draw, report, label_fit, inner_pill, kind="label", fill=LABEL_INK, align="center")
        y = pill[3] + pad
    credit_box = (m.margin, y, width - m.margin, y + _height(credit_fit))
    letter(draw, report, credit_fit, credit_box, kind="credit", fill=CREDIT_INK)
    return page, report


def _panel(
    page: Image.Image,
    report: LayoutReport,
    m: _Measures,
    y: int,
    number: int,
    image: Image.Image,
    panel: ComicPanel,
    caption: FittedText,
    figures: Mapping[int, Image.Image],
) -> int:
    """One panel from `y` down: caption band, art, border, number badge, figure board, callout and
    balloons; returns the bottom of its art."""
    draw = ImageDraw.Draw(page)
    pad, border, sizes = m.pad, m.border, m.sizes
    band = (m.margin, y, m.width - m.margin, y + _band_h(caption, m))
    art = (m.margin, band[3], m.width - m.margin, band[3] + m.art_h)
    draw.rectangle(band, fill=CAPTION_BG)
    page.paste(fit_art(image, (art[2] - art[0], art[3] - art[1])), art[:2])
    report.panel_rects.append(art)
    draw.rectangle((band[0], band[1], art[2] - 1, art[3] - 1), outline=INK, width=border)
    draw.line([(band[0], band[3]), (band[2] - 1, band[3])], fill=INK, width=border)
    disc = (band[0] + pad, band[1] + pad, band[0] + pad + m.badge, band[1] + pad + m.badge)
    draw.ellipse(disc, fill=INK)
    number_fit = fit_text(
        str(number), m.badge, m.badge, max_size=sizes["number"], min_size=sizes["number"], bold=True
    )
    letter(draw, report, number_fit, disc, kind="number", panel=number, fill=BANNER_INK, align="center")
    caption_box: Rect = (disc[2] + pad, band[1] + pad, band[2] - pad, band[3] - pad)
    letter(draw, report, caption, caption_box, kind="caption", panel=number)
    inner = (art[0] + border, art[1] + border, art[2] - border, art[3] - border)
    inset_sizes = {"callout": (sizes["caption"] * 2, MIN_TEXT_PX), "tag": (MIN_TEXT_PX, MIN_TEXT_PX)}
    narrow = insets(page, report, number, panel, inner, figures, m.scale, inset_sizes)
    if lines := panel_dialogue(panel):
        balloon_sizes = (sizes["balloon"], MIN_TEXT_PX)
        balloons(draw, report, number, lines, inner, m.scale, balloon_sizes, narrow=narrow)
    return art[3]
