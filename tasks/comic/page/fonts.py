"""Lettering: the font (user, DejaVu Sans or Pillow's embedded) and fitting text into a box.

Every font choice is open-licence and present on a fresh install, so a page always gets lettered.
Fitting wraps, shrinks down to a minimum size, then truncates with an ellipsis: text never leaves
its box, and the bounding box of what was drawn is measured with `ImageDraw.textbbox`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from PIL import ImageDraw, ImageFont

from config import settings

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 (x1, y1 exclusive, as in ImageDraw.textbbox)

ELLIPSIS = "…"
FONT_SUFFIXES = (".ttf", ".otf")
# Debian/Ubuntu (fonts-dejavu-core), Fedora and Arch put DejaVu in different places.
SYSTEM_DEJAVU_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu"),
)


@dataclass(frozen=True)
class FontSource:
    """Where the lettering font comes from: a file, or Pillow's embedded font when path is None."""

    name: str
    path: Path | None


def _user_font(bold: bool) -> Path | None:
    fonts_dir = settings.FONTS_DIR
    if not fonts_dir.is_dir():
        return None
    files = sorted(p for p in fonts_dir.iterdir() if p.suffix.lower() in FONT_SUFFIXES and p.is_file())
    if not files:
        return None
    bold_files = [p for p in files if "bold" in p.stem.lower()]
    regular_files = [p for p in files if "bold" not in p.stem.lower()]
    # A user who supplies one file gets it for both weights rather than a mixed-font page.
    if bold:
        return (bold_files or regular_files)[0]
    return (regular_files or bold_files)[0]


def _system_dejavu(bold: bool) -> Path | None:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for directory in SYSTEM_DEJAVU_DIRS:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=4)
def font_source(*, bold: bool = False) -> FontSource:
    """The font used for lettering: user font, else system DejaVu Sans, else Pillow's Aileron."""
    user = _user_font(bold)
    if user is not None:
        return FontSource(f"{user.stem} (config/fonts)", user)
    dejavu = _system_dejavu(bold)
    if dejavu is not None:
        return FontSource(f"{dejavu.stem} (system)", dejavu)
    return FontSource("Aileron (Pillow embedded)", None)


def font_in_use() -> str:
    """Human-readable name of the regular lettering font, for comic.json and logs."""
    return font_source(bold=False).name


@lru_cache(maxsize=256)
def load_font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A cached FreeType font of `size` pixels from the first available source."""
    if size < 1:
        raise ValueError(f"font size must be positive, got {size}")
    source = font_source(bold=bold)
    if source.path is not None:
        return ImageFont.truetype(str(source.path), size)
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        # Only a Pillow built without FreeType returns the bitmap font; it cannot be sized.
        raise RuntimeError("Pillow was built without FreeType; install a Pillow wheel with FreeType")
    return font


def clear_font_cache() -> None:
    """Forget resolved and loaded fonts (after adding a font to config/fonts/, or in tests)."""
    font_source.cache_clear()
    load_font.cache_clear()
    _advance.cache_clear()
    _ink.cache_clear()


# --------------------------------------------------------------------------- fitting text


@dataclass(frozen=True)
class FittedText:
    """Lines wrapped and sized to fit a box, ready to draw."""

    lines: list[str]
    font: ImageFont.FreeTypeFont
    size: int
    pitch: int
    truncated: bool
    bbox: Rect  # union of the line boxes with the first line's anchor at (0, 0)


@lru_cache(maxsize=65536)
def _advance(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


@lru_cache(maxsize=65536)
def _ink(font: ImageFont.FreeTypeFont, line: str) -> tuple[float, float, float, float]:
    return font.getbbox(line, anchor="la")


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_w: int) -> list[str]:
    # A line's width is the sum of its words' advances and spaces: measuring each candidate line
    # anew made lettering the costliest step of a page. Kerning across a space is ignored here;
    # fit_text measures the lines it keeps, so text still never leaves its box.
    space = _advance(font, " ")
    lines: list[str] = []
    for paragraph in text.splitlines():
        line, width = "", 0.0
        for word in paragraph.split():
            word_w = _advance(font, word)
            if line and width + space + word_w <= max_w:
                line, width = f"{line} {word}", width + space + word_w
                continue
            if not line and word_w <= max_w:
                line, width = word, word_w
                continue
            if line:
                lines.append(line)
                line, width = "", 0.0
            if word_w <= max_w:
                line, width = word, word_w
                continue
            # A token wider than the box (a CJK run, a URL) may only be broken between characters.
            for ch in word:
                if not line or _advance(font, line + ch) <= max_w:
                    line += ch
                else:
                    lines.append(line)
                    line = ch
            width = _advance(font, line)
        if line:
            lines.append(line)
    return lines


def _block_bbox(lines: list[str], font: ImageFont.FreeTypeFont, pitch: int) -> Rect:
    boxes = [(i, _ink(font, line)) for i, line in enumerate(lines) if line]
    if not boxes:
        return (0, 0, 0, 0)
    return (
        min(int(b[0]) for _, b in boxes),
        min(int(b[1]) + i * pitch for i, b in boxes),
        max(int(b[2]) for _, b in boxes),
        max(int(b[3]) + i * pitch for i, b in boxes),
    )


def _fits(bbox: Rect, max_w: int, max_h: int) -> bool:
    return bbox[2] - bbox[0] <= max_w and bbox[3] - bbox[1] <= max_h


def _clip_line(line: str, font: ImageFont.FreeTypeFont, max_w: int) -> str:
    """Trim characters off the end until the line plus an ellipsis fits max_w."""
    text = line.rstrip()
    while text:
        candidate = text.rstrip(" ,;:.-") + ELLIPSIS
        bbox = font.getbbox(candidate, anchor="la")
        if bbox[2] - bbox[0] <= max_w:
            return candidate
        # Drop whole words first; only a single over-long word loses characters.
        text = text.rsplit(" ", 1)[0] if " " in text else text[:-1]
    bbox = font.getbbox(ELLIPSIS, anchor="la")
    return ELLIPSIS if bbox[2] - bbox[0] <= max_w else ""


def _layout_at(text: str, size: int, bold: bool, max_w: int) -> tuple[ImageFont.FreeTypeFont, int, list[str]]:
    font = load_font(size, bold=bold)
    ascent, descent = font.getmetrics()
    return font, round((ascent + descent) * 1.06), _wrap(text, font, max_w)


def _balanced(text: str, fitted: FittedText, max_w: int, max_h: int) -> FittedText:
    """Narrow the wrap width as far as the line count allows, so lines end up of similar length."""
    count, lo, hi = len(fitted.lines), max_w // 3, max_w
    while lo < hi:
        mid = (lo + hi) // 2
        if len(_wrap(text, fitted.font, mid)) <= count:
            hi = mid
        else:
            lo = mid + 1
    lines = _wrap(text, fitted.font, hi)
    bbox = _block_bbox(lines, fitted.font, fitted.pitch)
    if len(lines) != count or not _fits(bbox, max_w, max_h):
        return fitted
    return replace(fitted, lines=lines, bbox=bbox)


def fit_text(
    text: str,
    max_w: int,
    max_h: int,
    *,
    max_size: int,
    min_size: int,
    bold: bool = False,
    balance: bool = False,
) -> FittedText:
    """Wrap text at the largest size in [min_size, max_size] that fits, else truncate at min_size.

    With `balance`, lines are evened out (for centred text: titles, balloons) without adding a line.
    """
    min_size = max(1, min(min_size, max_size))
    best: FittedText | None = None
    lo, hi = min_size, max_size
    # Binary search: fitting is monotone in the font size for all practical purposes.
    while lo <= hi:
        size = (lo + hi) // 2
        font, pitch, lines = _layout_at(text, size, bold, max_w)
        bbox = _block_bbox(lines, font, pitch)
        if _fits(bbox, max_w, max_h):
            best = FittedText(lines, font, size, pitch, False, bbox)
            lo = size + 1
        else:
            hi = size - 1
    if best is not None:
        return _balanced(text, best, max_w, max_h) if balance and len(best.lines) > 1 else best
    # Last resort: as many lines as fit at the minimum size, the last one ending in an ellipsis.
    font, pitch, lines = _layout_at(text, min_size, bold, max_w)
    kept: list[str] = []
    for line in lines:
        bbox = _block_bbox([*kept, line], font, pitch)
        if bbox[3] - bbox[1] > max_h:
            break
        kept.append(line)
    if kept and len(kept) < len(lines):
        kept[-1] = _clip_line(kept[-1], font, max_w)
    # Glyph overhang can make a line's ink a pixel wider than its advance width.
    kept = [
        line if _fits(_block_bbox([line], font, pitch), max_w, max_h) else _clip_line(line, font, max_w)
        for line in kept
    ]
    kept = [line for line in kept if line]
    return FittedText(kept, font, min_size, pitch, True, _block_bbox(kept, font, pitch))


def draw_fitted(
    draw: ImageDraw.ImageDraw, fitted: FittedText, box: Rect, *, fill: str, align: str = "left"
) -> Rect:
    """Draw fitted lines inside box (vertically centred); return the union of the measured bboxes."""
    x0, y0, x1, y1 = box
    block = fitted.bbox
    oy = y0 + ((y1 - y0) - (block[3] - block[1])) // 2 - block[1]
    measured: list[tuple[float, float, float, float]] = []
    for i, line in enumerate(fitted.lines):
        if not line:
            continue
        lx0, _, lx1, _ = fitted.font.getbbox(line, anchor="la")
        centred = x0 + ((x1 - x0) - int(lx1 - lx0)) // 2 - int(lx0)
        ox = centred if align == "center" else x0 - block[0]
        xy = (ox, oy + i * fitted.pitch)
        draw.text(xy, line, font=fitted.font, fill=fill, anchor="la")
        measured.append(draw.textbbox(xy, line, font=fitted.font, anchor="la"))
    if not measured:
        return (x0, y0, x0, y0)
    return (
        int(min(m[0] for m in measured)),
        int(min(m[1] for m in measured)),
        int(max(m[2] for m in measured)),
        int(max(m[3] for m in measured)),
    )
