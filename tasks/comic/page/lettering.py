"""Lettering shared by the wide page (layout.py) and the phone page (mobile.py).

The report of every text box drawn, the page's colours, and what is drawn over a panel's art:
speech balloons, the paper's figure on a board and the number callout (tasks/comic/page/inset.py).
Sizes scale with `scale`, the page's width over the 2048 px the wide page is designed at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageOps

from tasks.comic.page.fonts import FittedText, Rect, draw_fitted, fit_text
from tasks.comic.page.inset import (
    BALLOON_SHARE,
    INK,
    TAG_BG,
    TAG_INK,
    callout_rect,
    draw_callout,
    present_figure,
    tag_box,
)
from tasks.models import ComicPanel

PAGE_BG = "#fdfaf3"
BANNER_BG = "#22313f"
BANNER_INK = "#ffffff"
CAPTION_BG = "#fff1b8"
BALLOON_BG = "#ffffff"
CREDIT_INK = "#4a4a4a"
LABEL_BG = "#d9480f"
LABEL_INK = "#ffffff"


@dataclass(frozen=True)
class TextBox:
    """One lettered text: the box it must stay in and the bounding box of what was drawn."""

    kind: str  # "title", "number", "caption", "balloon", "credit", "label", "callout" or "tag"
    panel: int | None
    box: Rect
    text_bbox: Rect
    text: str
    font_size: int
    truncated: bool

    @property
    def contained(self) -> bool:
        bx0, by0, bx1, by1 = self.box
        tx0, ty0, tx1, ty1 = self.text_bbox
        return bx0 <= tx0 and by0 <= ty0 and tx1 <= bx1 and ty1 <= by1


@dataclass
class LayoutReport:
    """Geometry of a composed page and every text box drawn on it."""

    width: int
    height: int
    grid: tuple[int, int]
    panel_rects: list[Rect] = field(default_factory=list)
    boxes: list[TextBox] = field(default_factory=list)

    def uncontained(self) -> list[TextBox]:
        return [b for b in self.boxes if not b.contained]


def fit_box(text: str, box: Rect, sizes: tuple[int, int], **kwargs: bool) -> FittedText:
    return fit_text(text, box[2] - box[0], box[3] - box[1], max_size=sizes[0], min_size=sizes[1], **kwargs)


def letter(
    draw: ImageDraw.ImageDraw,
    report: LayoutReport,
    fitted: FittedText,
    box: Rect,
    *,
    kind: str,
    panel: int | None = None,
    fill: str = INK,
    align: str = "left",
) -> None:
    drawn = draw_fitted(draw, fitted, box, fill=fill, align=align)
    report.boxes.append(
        TextBox(kind, panel, box, drawn, "\n".join(fitted.lines), fitted.size, fitted.truncated)
    )


def panel_dialogue(panel: ComicPanel) -> list[str]:
    """The panel's balloon texts; the speaker is named only when a panel has several."""
    several = len({d.speaker for d in panel.dialogue}) > 1
    return [f"{d.speaker}: {d.text}" if several else d.text for d in panel.dialogue]


def fit_art(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The panel image cover-cropped to `size`; drawn at that size already, it is used as it is."""
    image = image.convert("RGB")
    if image.size == size:
        return image
    # BILINEAR is antialiased when shrinking in Pillow and costs a third of LANCZOS on a full panel.
    return ImageOps.fit(image, size, Image.Resampling.BILINEAR)


# --------------------------------------------------------------------------- balloons


def balloon_max(n_lines: int, art: Rect, scale: float, *, narrow: bool = False) -> Rect:
    """The largest text box one of `n_lines` stacked balloons may use, at the art's top-left.

    `narrow`: the panel shows a figure or a callout on its right, so balloons keep to the left.
    """
    art_w, art_h = art[2] - art[0], art[3] - art[1]
    inset, gap, pad = round(18 * scale), round(12 * scale), round(16 * scale)
    # Balloons keep to the top of the art (about 44%): the characters stand below.
    area_h = round(art_h * 0.44) - inset
    share = BALLOON_SHARE if narrow else 0.86 if n_lines == 1 else 0.74
    max_w = round(art_w * share) - (inset if narrow else 0)
    max_h = (area_h - gap * (n_lines - 1)) // n_lines
    return (0, 0, max_w - 2 * pad, max_h - 2 * pad)


def balloons(
    draw: ImageDraw.ImageDraw,
    report: LayoutReport,
    panel_no: int,
    lines: list[str],
    art: Rect,
    scale: float,
    sizes: tuple[int, int],
    *,
    narrow: bool = False,
) -> None:
    """Speech balloons stacked in the top of the art, alternating sides, tails pointing down.

    In a `narrow` panel the mascot stands on the left: every balloon is there, tail to the left.
    """
    s = scale
    ax0, ay0, ax1, ay1 = art
    art_w, art_h = ax1 - ax0, ay1 - ay0
    inset, gap, pad = round(18 * s), round(12 * s), round(16 * s)
    line_w, half = max(2, round(4 * s)), max(4, round(14 * s))
    max_box = balloon_max(len(lines), art, scale, narrow=narrow)
    y = ay0 + inset
    for i, text in enumerate(lines):
        left = narrow or i % 2 == 0
        fitted = fit_box(text, max_box, sizes, balance=True)
        text_w, text_h = fitted.bbox[2] - fitted.bbox[0], fitted.bbox[3] - fitted.bbox[1]
        bw, bh = max(text_w + 2 * pad, round(art_w * (0.16 if narrow else 0.22))), text_h + 2 * pad
        bx0 = ax0 + inset if left else ax1 - inset - bw
        body = (bx0, y, bx0 + bw, y + bh)
        draw.rounded_rectangle(
            body, radius=min(bh // 2, round(36 * s)), fill=BALLOON_BG, outline=INK, width=line_w
        )
        # The tail points toward the characters (the middle of the art, or the mascot on the left);
        # its base overwrites the balloon outline so the seam stays clean.
        base_x = bx0 + bw // 2 + (bw // 6 if left and not narrow else -bw // 6)
        tip_x = ax0 + art_w // 5 if narrow else ax0 + art_w // 2 + (-art_w // 10 if left else art_w // 10)
        tip = (tip_x, body[3] + round(art_h * 0.09))
        seam = body[3] - line_w - 1
        draw.polygon([(base_x - half, seam), (base_x + half, seam), tip], fill=BALLOON_BG)
        draw.line([(base_x - half, body[3] - 1), tip], fill=INK, width=line_w)
        draw.line([(base_x + half, body[3] - 1), tip], fill=INK, width=line_w)
        inner = (body[0] + pad, body[1] + pad, body[2] - pad, body[3] - pad)
        letter(draw, report, fitted, inner, kind="balloon", panel=panel_no, align="center")
        y = body[3] + gap


# --------------------------------------------------------------------------- figure board and callout


def has_inset(panel: ComicPanel, figures: Mapping[int, Image.Image]) -> bool:
    """The panel shows the paper's figure or a callout on the right of its art."""
    return (panel.figure is not None and panel.figure in figures) or bool(panel.callout)


def insets(
    page: Image.Image,
    report: LayoutReport,
    panel_no: int,
    panel: ComicPanel,
    art: Rect,
    figures: Mapping[int, Image.Image],
    scale: float,
    sizes: Mapping[str, tuple[int, int]],
) -> bool:
    """The paper's figure on a board and the number callout over the art; True when either was drawn."""
    draw = ImageDraw.Draw(page)
    line_w = max(2, round(4 * scale))
    board = None
    if panel.figure is not None and panel.figure in figures:
        board = present_figure(page, art, figures[panel.figure], line_w)
        tag = tag_box(board, sizes["tag"][0])
        draw.rectangle(tag, fill=TAG_BG)
        inner = (tag[0] + line_w * 2, tag[1] + line_w, tag[2] - line_w * 2, tag[3] - line_w)
        fitted = fit_box(f"Figure {panel.figure} of the paper", inner, sizes["tag"], bold=True)
        letter(draw, report, fitted, inner, kind="tag", panel=panel_no, fill=TAG_INK)
    if panel.callout:
        star = callout_rect(art, board)

        def lettered(fitted: FittedText, box: Rect) -> None:
            letter(draw, report, fitted, box, kind="callout", panel=panel_no, align="center")

        draw_callout(page, star, panel.callout, line_w=line_w, sizes=sizes["callout"], letter=lettered)
    return board is not None or bool(panel.callout)
