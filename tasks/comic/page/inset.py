"""What the layout draws over a panel's art: the paper's real figure on a board, and a number callout.

Both are drawn by the layout, not by the panel renderer: a diffusion model cannot copy a figure or
spell a number, and the sketch renderer should not have to. The mascot stands on the left of such
panels (their scenes say so); the board fills the right, the callout sits over its corner.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw

from tasks.comic.page.fonts import FittedText, Rect, fit_text

INK = "#1b1b1b"
BOARD_BG = "#ffffff"
BOARD_EDGE = "#8a5a2b"
TAG_BG = "#22313f"
TAG_INK = "#ffffff"
STAR_BG = "#ffd43b"
BALLOON_SHARE = 0.42  # the share of the art's width balloons keep to, left of the board


@dataclass(frozen=True)
class Inset:
    """Where the board and the callout went, so the layout can keep balloons clear of them."""

    board: Rect | None
    star: Rect | None


def board_rect(art: Rect, aspect: float | None = None) -> Rect:
    """The board's place in the art: the right 60%, as tall as the figure's aspect asks, on the floor line."""
    x0, y0, x1, y1 = art
    w, h = x1 - x0, y1 - y0
    left, right = x0 + round(w * 0.37), x1 - round(w * 0.03)
    top, bottom = y0 + round(h * 0.06), y1 - round(h * 0.12)
    if aspect:
        # A wide figure gets a wide, low board: the figure fills it instead of floating in white.
        wanted = round((right - left) / aspect) + round(w * 0.04)
        wanted = max(round(h * 0.4), min(wanted, bottom - top))
        middle = (top + bottom) // 2 - round(h * 0.04)
        top = max(top, middle - wanted // 2)
        bottom = top + wanted
    return (left, top, right, bottom)


def present_figure(page: Image.Image, art: Rect, figure: Image.Image, line_w: int) -> Rect:
    """Paste the figure, contained, on a white board with a wooden frame and easel legs; return the board."""
    draw = ImageDraw.Draw(page)
    bx0, by0, bx1, by1 = board_rect(art, figure.width / max(1, figure.height))
    leg = max(2, line_w * 2)
    for lx in (bx0 + (bx1 - bx0) // 5, bx1 - (bx1 - bx0) // 5):  # easel legs, down to the floor
        draw.line(
            [(lx, by1), (lx + (leg if lx > (bx0 + bx1) // 2 else -leg), art[3] - 2)],
            fill=BOARD_EDGE,
            width=leg,
        )
    draw.rectangle((bx0, by0, bx1, by1), fill=BOARD_BG, outline=BOARD_EDGE, width=max(2, line_w * 2))
    pad = max(4, line_w * 3)
    inner = (bx1 - bx0 - 2 * pad, by1 - by0 - 2 * pad)
    # Figures carry small print: LANCZOS keeps it legible; the pre-shrink by whole factors keeps it fast.
    shown = figure.copy()
    shown.thumbnail(inner, Image.Resampling.LANCZOS, reducing_gap=2.0)
    page.paste(shown, (bx0 + pad + (inner[0] - shown.width) // 2, by0 + pad + (inner[1] - shown.height) // 2))
    return (bx0, by0, bx1, by1)


def tag_box(board: Rect, font_px: int) -> Rect:
    """The "Figure N of the paper" tag: one line of `font_px` text at the board's bottom-right corner."""
    x0, _, x1, y1 = board
    height = round(font_px * 1.7)
    return (max(x0, x1 - font_px * 14), y1 - height // 2, x1, y1 + height - height // 2)


def star_points(cx: float, cy: float, r: float, spikes: int = 12) -> list[tuple[float, float]]:
    pts = []
    for k in range(spikes * 2):
        radius = r if k % 2 == 0 else r * 0.78
        angle = math.pi * k / spikes - math.pi / 2
        pts.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return pts


def callout_rect(art: Rect, board: Rect | None) -> Rect:
    """Where the starburst goes: over the board's top-right corner, else right of the mascot."""
    x0, y0, x1, y1 = art
    w, h = x1 - x0, y1 - y0
    r = round(min(w, h) * (0.2 if board else 0.27))
    if board is not None:
        cx, cy = board[2] - r * 0.6, board[1] + r * 0.75
    else:
        cx, cy = x0 + w * 0.68, y0 + h * 0.58
    return (round(cx - r), round(cy - r), round(cx + r), round(cy + r))


def draw_callout(
    page: Image.Image,
    star: Rect,
    text: str,
    *,
    line_w: int,
    sizes: tuple[int, int],
    letter: Callable[[FittedText, Rect], None],
) -> None:
    """A yellow starburst with the number lettered large inside it (letter() records the text box)."""
    draw = ImageDraw.Draw(page)
    x0, y0, x1, y1 = star
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
    draw.polygon(star_points(cx, cy, r), fill=STAR_BG, outline=INK, width=max(2, line_w))
    side = round(r * 1.05)  # the square inside the starburst's inner circle
    box = (round(cx - side / 2), round(cy - side / 2), round(cx + side / 2), round(cy + side / 2))
    letter(fit_text(text, side, side, max_size=sizes[0], min_size=sizes[1], bold=True, balance=True), box)
