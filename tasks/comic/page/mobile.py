"""The phone page (comic-mobile.webp): the same panels stacked in one column, lettered large.

A phone shows a page 390 CSS px wide; this one is MOBILE_WIDTH = 780 px (two device pixels per CSS
pixel), and no text on it is smaller than MIN_TEXT_PX = 28 px, so every letter is at least 14 CSS
px there. Captions are not shrunk to fit a fixed band: each band grows to hold its caption.
"""

from __future__ import annotations

from collections.abc import Mapping

from PIL import Image, ImageDraw

from tasks.comic.page.fonts import FittedText, Rect, fit_text
from tasks.comic.page.layout import (
    BANNER_BG,
    BANNER_INK,
    CAPTION_BG,
    CREDIT_INK,
    INK,
    LABEL_BG,
    LABEL_INK,
    PAGE_BG,
    Geometry,
    LayoutReport,
    balloons,
    dialogue_texts,
    fit_art,
    has_inset,
    insets,
    letter,
)
from tasks.models import ComicScript

MOBILE_WIDTH = 780
CSS_WIDTH = 390  # the phone width the page is designed for
MIN_TEXT_PX = 28  # 14 CSS px at CSS_WIDTH
SIZES = {"title": 40, "caption": 30, "balloon": 30, "number": 28, "credit": 28, "label": 28}
MARGIN, GAP, PAD, BORDER = 24, 28, 14, 4
UNBOUNDED = 100_000  # a box height that never limits the text: the band grows instead


def _measure(
    text: str, width: int, size: int, *, bold: bool = False, balance: bool = False
) -> tuple[int, FittedText]:
    fitted = fit_text(text, width, UNBOUNDED, max_size=size, min_size=size, bold=bold, balance=balance)
    return fitted.bbox[3] - fitted.bbox[1], fitted


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
    k = width / MOBILE_WIDTH
    sizes = {kind: max(MIN_TEXT_PX, round(size * k)) for kind, size in SIZES.items()}
    margin, gap, pad, border = (round(v * k) for v in (MARGIN, GAP, PAD, BORDER))
    cell_w = width - 2 * margin
    # The panels keep the shape they were drawn in (square for 5-6 panels): cropping them would cut
    # the mascot's feet or a prop.
    art_h = min(cell_w, round(cell_w * panels[0].height / max(1, panels[0].width)))
    badge = round(sizes["number"] * 1.5)
    # Balloons, figure boards and callouts reuse the wide page's drawing at this page's scale.
    geo = Geometry(
        scale=cell_w / 950, margin=margin, gutter=gap, border=border, banner_h=0, cell_w=cell_w,
        caption_h=0, image_h=art_h, footer_h=0,
    )  # fmt: skip

    # 2. Measure: the banner, each caption band and the footer grow to hold their text
    title_w = cell_w - 4 * pad
    title_h, title_fit = _measure(script.title, title_w, sizes["title"], bold=True, balance=True)
    banner_h = title_h + 2 * pad
    caption_w = cell_w - 2 * pad - badge - pad
    bands = [_measure(p.caption, caption_w, sizes["caption"]) for p in script.panels]
    band_hs = [max(badge, h) + 2 * pad for h, _ in bands]
    credit_h, credit_fit = _measure(credit, cell_w, sizes["credit"])
    label_h, label_fit = (
        _measure(renderer_label, cell_w - 4 * pad, sizes["label"], bold=True) if renderer_label else (0, None)
    )
    footer_h = credit_h + (label_h + 2 * pad + pad if renderer_label else 0)
    height = margin + banner_h + gap + sum(h + art_h + gap for h in band_hs) + footer_h + margin

    # 3. Canvas and title banner
    page = Image.new("RGB", (width, height), PAGE_BG)
    draw = ImageDraw.Draw(page)
    report = LayoutReport(width=width, height=height, grid=(len(panels), 1))
    banner = (margin, margin, width - margin, margin + banner_h)
    draw.rounded_rectangle(banner, radius=2 * pad, fill=BANNER_BG)
    title_box = (banner[0] + 2 * pad, banner[1] + pad, banner[2] - 2 * pad, banner[3] - pad)
    letter(draw, report, title_fit, title_box, kind="title", fill=BANNER_INK, align="center")

    # 4. Panels: caption band above its art, then balloons, figure boards and callouts on the art
    dialogue = dialogue_texts(script)
    y = banner[3] + gap
    for index, panel in enumerate(script.panels):
        number = index + 1
        band = (margin, y, width - margin, y + band_hs[index])
        art = (margin, band[3], width - margin, band[3] + art_h)
        draw.rectangle(band, fill=CAPTION_BG)
        page.paste(fit_art(panels[index], (art[2] - art[0], art[3] - art[1])), art[:2])
        report.panel_rects.append(art)
        draw.rectangle((band[0], band[1], art[2] - 1, art[3] - 1), outline=INK, width=border)
        draw.line([(band[0], band[3]), (band[2] - 1, band[3])], fill=INK, width=border)
        disc = (band[0] + pad, band[1] + pad, band[0] + pad + badge, band[1] + pad + badge)
        draw.ellipse(disc, fill=INK)
        number_fit = fit_text(
            str(number), badge, badge, max_size=sizes["number"], min_size=sizes["number"], bold=True
        )
        letter(draw, report, number_fit, disc, kind="number", panel=number, fill=BANNER_INK, align="center")
        caption_box: Rect = (disc[2] + pad, band[1] + pad, band[2] - pad, band[3] - pad)
        letter(draw, report, bands[index][1], caption_box, kind="caption", panel=number)
        inner = (art[0] + border, art[1] + border, art[2] - border, art[3] - border)
        narrow = insets(
            page, report, number, panel, inner, figures, geo,
            {"callout": (sizes["caption"] * 2, MIN_TEXT_PX), "tag": (MIN_TEXT_PX, MIN_TEXT_PX)},
        )  # fmt: skip
        if dialogue[index]:
            balloons(
                draw, report, number, dialogue[index], inner, geo, (sizes["balloon"], MIN_TEXT_PX),
                narrow=narrow or has_inset(panel, figures),
            )  # fmt: skip
        y = art[3] + gap

    # 5. Footer: the renderer's label on its own line, then the credit
    if renderer_label and label_fit is not None:
        pill = (margin, y, margin + cell_w, y + label_h + 2 * pad)
        draw.rounded_rectangle(pill, radius=(pill[3] - pill[1]) // 2, fill=LABEL_BG)
        inner_pill = (pill[0] + 2 * pad, pill[1] + pad, pill[2] - 2 * pad, pill[3] - pad)
        letter(draw, report, label_fit, inner_pill, kind="label", fill=LABEL_INK, align="center")
        y = pill[3] + pad
    credit_box = (margin, y, width - margin, y + credit_h)
    letter(draw, report, credit_fit, credit_box, kind="credit", fill=CREDIT_INK)
    return page, report
