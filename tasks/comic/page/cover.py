"""cover.png: one panel from each paper's comic in a grid under the conference title.

The digest's social-card image (1200 x 630, the size link previews show) and the picture at the top
of its overview. Each paper gives the panel that carries its idea (else its result, else what
matters), cut from its comic.png where the page layout put it (tasks/comic/page/layout.py), with the
paper's short name under it. Papers without a comic give nothing; a digest without any comic still
gets a cover with its title. Deterministic: the same comics give the same bytes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw

from tasks.comic.page.fonts import draw_fitted, fit_text
from tasks.comic.page.layout import panel_cells
from tasks.comic.page.lettering import BANNER_BG, BANNER_INK, INK, PAGE_BG
from tasks.models import ComicMeta

COVER_SIZE = (1200, 630)
COVER_FILE = "cover.png"
MAX_PANELS = 12
PANEL_ROLES = ("idea", "result", "matters", "detail", "problem")
BAND_H = 118
MARGIN = 24
GAP = 14
LABEL_H = 24
WEBP_QUALITY = 82


@dataclass(frozen=True)
class CoverPanel:
    """One paper's contribution to the cover: its short name and the panel cut from its comic."""

    label: str
    image: Image.Image


def short_name(title: str, limit: int = 48) -> str:
    """ "SPECTER: Document-level ..." -> "SPECTER"; a long title without a colon is cut at a word."""
    head = title.split(":", 1)[0].strip()
    if ":" in title and len(head) <= limit:
        return head
    words = " ".join(title.split())
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"


def panel_index(meta: ComicMeta) -> int:
    """The panel that says most about the paper: its idea, else its result, else what matters."""
    roles = [p.role for p in meta.script.panels]
    for role in PANEL_ROLES:
        if role in roles:
            return roles.index(role)
    return 1 if len(roles) > 1 else 0


def cut_panel(png: bytes, meta: ComicMeta) -> Image.Image:
    """The chosen panel (caption band and art) cut from the comic page, as RGB."""
    with Image.open(io.BytesIO(png)) as opened:
        page = opened.convert("RGB")
    cells = panel_cells(len(meta.script.panels), meta.width)
    x0, y0, x1, y1 = cells[panel_index(meta)]
    scale = page.width / meta.width  # comic.png is drawn at meta.width; scale anyway if it was not
    box = (round(x0 * scale), round(y0 * scale), round(x1 * scale), round(y1 * scale))
    return page.crop(box)


def _grid(n: int, aspect: float, width: int, height: int) -> tuple[int, int]:
    """(columns, rows) that draw n tiles of this aspect (w / h) largest in the area."""
    best, best_scale = (n, 1), 0.0
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        tile_w = (width - (cols - 1) * GAP) / cols
        tile_h = (height - (rows - 1) * GAP) / rows - LABEL_H
        scale = min(tile_w, tile_h * aspect)
        if scale > best_scale:
            best, best_scale = (cols, rows), scale
    return best


def _contain(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    ratio = min(size[0] / image.width, size[1] / image.height)
    shape = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    return image.resize(shape, Image.Resampling.LANCZOS, reducing_gap=2.0)


def compose_cover(title: str, subtitle: str, panels: list[CoverPanel], *, more: int = 0) -> Image.Image:
    """The cover: title band, then the panels in the grid that shows them largest."""
    width, height = COVER_SIZE
    cover = Image.new("RGB", COVER_SIZE, PAGE_BG)
    draw = ImageDraw.Draw(cover)
    # 1. Title band
    draw.rectangle((0, 0, width, BAND_H), fill=BANNER_BG)
    title_box = (MARGIN, 12, width - MARGIN, 70)
    draw_fitted(
        draw,
        fit_text(title, width - 2 * MARGIN, 58, max_size=44, min_size=18, bold=True),
        title_box,
        fill=BANNER_INK,
    )
    line = subtitle + (f" · {more} more papers not shown" if more else "")
    sub_box = (MARGIN, 74, width - MARGIN, BAND_H - 10)
    draw_fitted(
        draw,
        fit_text(line, width - 2 * MARGIN, BAND_H - 84, max_size=24, min_size=12),
        sub_box,
        fill=BANNER_INK,
    )
    # 2. Grid of panels
    top, area_w, area_h = BAND_H + GAP, width - 2 * MARGIN, height - BAND_H - GAP - MARGIN // 2
    if not panels:
        empty = fit_text("No comics in this release", area_w, area_h, max_size=36, min_size=14)
        draw_fitted(draw, empty, (MARGIN, top, width - MARGIN, height - MARGIN), fill=INK, align="center")
        return cover
    aspect = sum(p.image.width / p.image.height for p in panels) / len(panels)
    cols, rows = _grid(len(panels), aspect, area_w, area_h)
    tile_w = (area_w - (cols - 1) * GAP) // cols
    tile_h = (area_h - (rows - 1) * GAP) // rows
    for index, panel in enumerate(panels):
        row, col = divmod(index, cols)
        in_row = min(cols, len(panels) - row * cols)
        x = MARGIN + (cols - in_row) * (tile_w + GAP) // 2 + col * (tile_w + GAP)
        y = top + row * (tile_h + GAP)
        art = _contain(panel.image, (tile_w, tile_h - LABEL_H))
        # The panel and its name under it, as one block centred in the tile.
        ax, ay = x + (tile_w - art.width) // 2, y + (tile_h - LABEL_H - art.height) // 2
        cover.paste(art, (ax, ay))
        draw.rectangle((ax - 1, ay - 1, ax + art.width, ay + art.height), outline=INK, width=1)
        label = fit_text(panel.label, tile_w, LABEL_H - 2, max_size=16, min_size=10, bold=True)
        label_box = (x, ay + art.height + 2, x + tile_w, ay + art.height + LABEL_H)
        draw_fitted(draw, label, label_box, fill=INK, align="center")
    return cover


def encode(cover: Image.Image) -> tuple[bytes, bytes]:
    """(cover.png bytes, a WebP of it for inlining in digest.html)."""
    png, webp = io.BytesIO(), io.BytesIO()
    cover.save(png, format="PNG", optimize=False, compress_level=6)
    cover.save(webp, format="WEBP", quality=WEBP_QUALITY, method=4)
    return png.getvalue(), webp.getvalue()


def cover_alt(conference: str, labels: list[str], more: int = 0) -> str:
    """What the cover shows, for readers who cannot see it."""
    if not labels:
        return f"Cover of the {conference} award digest: its title; no comic in this release."
    names = "; ".join(labels) + (f"; and {more} more" if more else "")
    return (
        f"Cover of the {conference} award digest: one comic panel from each of {len(labels)} "
        f"papers, in a grid under the title ({names})."
    )
