"""Where a figure is on its PDF page: its caption's lines, the graphics next to them, GROBID's coords.

Plain geometry over pypdfium2 objects, in PDF points with the origin at the bottom-left. The caller
holds tasks.pdfium.PDFIUM_LOCK: nothing here is thread-safe. See tasks/comic/page/figures.py for how
the regions are found and rendered.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tasks.models import Caption

GAP_PT = 26.0  # a larger vertical gap between graphics ends a figure
PAD_PT = 8.0  # stroke widths and glyph extents are not in object bounds
CAPTION_CHARS = 600  # how far a caption is read before its lines are checked
_START_RE = re.compile(r"^(Figure|Fig\.)[ \t]*(\d{1,3})[ \t]*[:.](?=\s)")
_GRAPHICS = (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_SHADING)


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points, origin bottom-left: left, bottom, right, top."""

    l: float  # noqa: E741 - the PDF names
    b: float
    r: float
    t: float

    @property
    def w(self) -> float:
        return self.r - self.l

    @property
    def h(self) -> float:
        return self.t - self.b

    def union(self, other: Box) -> Box:
        return Box(min(self.l, other.l), min(self.b, other.b), max(self.r, other.r), max(self.t, other.t))

    def x_overlap(self, other: Box) -> float:
        return max(0.0, min(self.r, other.r) - max(self.l, other.l))

    def padded(self, pad: float, page: Box) -> Box:
        return Box(
            max(page.l, self.l - pad),
            max(page.b, self.b - pad),
            min(page.r, self.r + pad),
            min(page.t, self.t + pad),
        )


@dataclass(frozen=True)
class CaptionBox:
    number: int
    label: str
    text: str
    box: Box  # the caption's lines
    page: int


# --------------------------------------------------------------------------- captions


def _caption_starts(textpage: pdfium.PdfTextPage) -> Iterator[tuple[int, re.Match[str]]]:
    """(char index, match) of every "Figure N:" that starts a line."""
    for word in ("Figure", "Fig."):
        searcher = textpage.search(word, match_case=True)
        while (found := searcher.get_next()) is not None:
            index = found[0]
            before = textpage.get_text_range(index - 1, 1) if index > 0 else "\n"
            if before not in ("\n", "\r"):
                continue  # "as Figure 3 shows": a reference in the text, not a caption
            head = textpage.get_text_range(index, 16)
            if match := _START_RE.match(head):
                yield index, match


def _caption_lines(textpage: pdfium.PdfTextPage, index: int) -> list[Box]:
    """The line boxes of the caption paragraph that starts at `index`."""
    count = min(CAPTION_CHARS, textpage.count_chars() - index)
    rects = [Box(*textpage.get_rect(i)) for i in range(textpage.count_rects(index, count))]
    if not rects:
        return []
    lines = [rects[0]]
    for rect in rects[1:]:
        last = lines[-1]
        if abs(rect.t - last.t) < last.h * 0.5:  # another run of the same line
            lines[-1] = last.union(rect)
            continue
        below = last.b - rect.t  # the paragraph goes down the column, line after line
        if below < -last.h * 0.5 or below > last.h * 0.9 or rect.x_overlap(lines[0]) < rect.w * 0.5:
            break
        lines.append(rect)
    return lines


def find_captions(textpage: pdfium.PdfTextPage, page_no: int) -> list[CaptionBox]:
    """Every figure caption of the page: its number, its text and the box of its lines."""
    found = []
    for index, match in _caption_starts(textpage):
        lines = _caption_lines(textpage, index)
        if not lines:
            continue
        box = lines[0]
        for line in lines[1:]:
            box = box.union(line)
        text = textpage.get_text_bounded(box.l - 1, box.b - 1, box.r + 1, box.t + 1)
        text = " ".join(text.replace("\ufffe", "").split())
        start = text.find(match.group(0).split()[0])
        found.append(
            CaptionBox(
                number=int(match.group(2)),
                label=f"Figure {int(match.group(2))}",
                text=text[max(start, 0) :],
                box=box,
                page=page_no,
            )
        )
    return found


# --------------------------------------------------------------------------- graphics


def _clip_box(obj: pdfium.PdfObject) -> tuple[float, float, float, float] | None:
    """The bounding box of the object's clip path, in the object's space; None: not clipped."""
    clip = pdfium_c.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    xs, ys = [], []
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(pdfium_c.FPDFClipPath_CountPaths(clip)):
        for j in range(pdfium_c.FPDFClipPath_CountPathSegments(clip, i)):
            segment = pdfium_c.FPDFClipPath_GetPathSegment(clip, i, j)
            if segment and pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
                xs.append(x.value)
                ys.append(y.value)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _bounds(obj: pdfium.PdfObject, matrices: list[pdfium.PdfMatrix]) -> Box:
    x0, y0, x1, y1 = obj.get_bounds()
    # A plot's lines run past its axes and are clipped there: what is drawn is the intersection.
    if (clip := _clip_box(obj)) is not None:
        x0, y0, x1, y1 = max(x0, clip[0]), max(y0, clip[1]), min(x1, clip[2]), min(y1, clip[3])
        x1, y1 = max(x0, x1), max(y0, y1)
    for matrix in reversed(matrices):  # a form's children are in its own space
        x0, y0, x1, y1 = matrix.on_rect(x0, y0, x1, y1)
    return Box(x0, y0, x1, y1)


def _blank(obj: pdfium.PdfObject) -> bool:
    """A path filled white and not stroked: a plot's paper, invisible on the page."""
    if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
        return False
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke) or stroke.value:
        return False
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetFillColor(obj, r, g, b, a):
        return False
    return min(r.value, g.value, b.value) >= 250 or a.value == 0


def graphic_boxes(page: pdfium.PdfPage, area: Box) -> list[Box]:
    """Boxes of what figures are drawn with: images, paths, shadings, and what forms hold.

    A form XObject (an embedded PDF figure, or a page template) is opened: its own box includes
    white margins that often reach over the text beside a figure, while what it draws does not.
    Text inside a form is part of the figure (axis labels); text on the page is not.
    """
    found: list[Box] = []
    page_area = area.w * area.h

    def walk(
        form: pdfium.PdfObject | None, matrices: list[pdfium.PdfMatrix], level: int, figure: bool
    ) -> int:
        kept = 0
        for obj in page.get_objects(form=form, max_depth=0, level=level):
            kind = obj.type
            box = _bounds(obj, matrices)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                small = box.w * box.h <= page_area * 0.45  # a figure, not a wrapper of the page
                inner = (
                    walk(obj, [*matrices, obj.get_matrix()], level + 1, figure or small) if level < 6 else 0
                )
                if inner == 0 and small:
                    found.append(box)  # nothing we can read inside: the form's box stands for it
                kept += inner or 1
                continue
            if kind not in _GRAPHICS and not (kind == pdfium_c.FPDF_PAGEOBJ_TEXT and figure):
                continue
            if box.w * box.h > page_area * 0.45 or (box.w < 0.5 and box.h < 0.5) or _blank(obj):
                continue  # page backgrounds, dots, white paper under a plot
            found.append(box)
            kept += 1
        return kept

    walk(None, [], 0, False)
    return found


def text_lines(textpage: pdfium.PdfTextPage) -> list[tuple[Box, int]]:
    """Every line of text on the page, with its number of characters."""
    out = []
    for i in range(textpage.count_rects(0, -1)):
        box = Box(*textpage.get_rect(i))
        chars = len(textpage.get_text_bounded(box.l, box.b, box.r, box.t).strip())
        out.append((box, chars))
    return out


def column_of(caption: CaptionBox, page: Box) -> Box:
    """The horizontal span a figure of this caption may use: the page, or the caption's half.

    A caption that crosses the middle of the page belongs to a figure as wide as the text (one
    column, or across both); one that keeps to one side sits in that side's column, which may be
    wider than a short caption.
    """
    middle = (page.l + page.r) / 2
    if caption.box.l < middle - 20 and caption.box.r > middle + 20:
        return Box(page.l, caption.box.b, page.r, caption.box.t)
    if caption.box.r <= middle + 20:
        return Box(page.l, caption.box.b, middle, caption.box.t)
    return Box(middle, caption.box.b, page.r, caption.box.t)


def grow_region(
    caption: CaptionBox, graphics: list[Box], texts: list[tuple[Box, int]], column: Box, *, above: bool
) -> Box | None:
    """The union of graphics next to the caption, going up (or down) until a gap or body text.

    Short text lines in the column (axis labels, sub-figure captions) bridge gaps without making
    a figure on their own; a line as wide as the column is body text and ends the figure.
    """

    def beyond(box: Box) -> bool:  # on the figure's side of the caption, by its middle
        middle = (box.b + box.t) / 2
        return middle > caption.box.t if above else middle < caption.box.b

    def in_column(box: Box) -> bool:
        return box.x_overlap(column) >= box.w * 0.5

    lines = [box for box, _ in texts]
    parts = [(g, True) for g in graphics if in_column(g) and beyond(g)]
    parts += [(ln, False) for ln in lines if in_column(ln) and beyond(ln) and ln.w < column.w * 0.55]
    body = [ln for ln in lines if in_column(ln) and beyond(ln) and ln.w >= column.w * 0.55]
    parts.sort(key=lambda item: item[0].b if above else -item[0].t)
    edge = caption.box.t if above else caption.box.b
    region: Box | None = None
    pending: list[Box] = []  # text lines that join the figure only if a graphic follows them
    for box, graphic in parts:
        near = box.b if above else box.t
        if (near - edge if above else edge - near) > GAP_PT:
            break
        lo, hi = (edge, near) if above else (near, edge)
        if any(ln.b >= lo - 1 and ln.t <= hi + 1 for ln in body):
            break  # a line of body text between the caption and this box: another block
        if graphic:
            for part in (box, *pending):
                region = part if region is None else region.union(part)
            pending = []
        elif box.x_overlap(region or caption.box) >= box.w * 0.8:
            pending.append(box)  # a label or sub-caption under the graphics, or a heading above them
        else:
            continue  # text beside the figure (a wrapped column) neither joins nor bridges
        edge = max(edge, box.t) if above else min(edge, box.b)
    if region is None:
        return None
    region = region.padded(PAD_PT, Box(-1e9, -1e9, 1e9, 1e9))
    # Graphics often carry white margins over their caption: the caption is not part of the figure.
    if above:
        region = Box(region.l, max(region.b, caption.box.t + 1), region.r, region.t)
    else:
        region = Box(region.l, region.b, region.r, min(region.t, caption.box.b - 1))
    region = _clear_of_text(region, texts)
    return region if region.w >= 40 and region.h >= 30 else None


def _clear_of_text(region: Box, lines: list[tuple[Box, int]]) -> Box:
    """The region shrunk so that text reaching into it stays out; labels inside the figure stay.

    Text beside a wrapped figure, or the line above it caught by the margin, lies mostly outside
    the region: cutting the nearest edge past it loses a sliver. A label inside the figure lies
    inside it, and a cut that would take a large part of the region is not made.
    """
    x0, y0, x1, y1 = region.l, region.b, region.r, region.t
    budget = region.w * region.h * 0.45  # more than this: it was the figure, not an intruder
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    outermost = sorted(lines, key=lambda item: -abs(item[0].l + item[0].r - 2 * centre[0]))
    for ln, chars in outermost:
        if ln.r <= x0 or ln.l >= x1 or ln.t <= y0 or ln.b >= y1:
            continue
        w, h = x1 - x0, y1 - y0
        outside = max(
            (max(0.0, x0 - ln.l) + max(0.0, ln.r - x1)) / max(ln.w, 1.0),
            (max(0.0, y0 - ln.b) + max(0.0, ln.t - y1)) / max(ln.h, 1.0) - 0.2,
        )
        if outside < 0.3 or chars < 3:
            continue  # inside the figure, or a stray glyph of a label
        cuts = {"l": (ln.r - x0) * h, "r": (x1 - ln.l) * h, "t": (y1 - ln.b) * w, "b": (ln.t - y0) * w}
        side = min(cuts, key=lambda k: cuts[k])
        if cuts[side] > w * h * 0.2 or cuts[side] > budget:
            continue  # cutting there would take a large part of the figure
        budget -= cuts[side]
        if side == "l":
            x0 = ln.r + 0.5
        elif side == "r":
            x1 = ln.l - 0.5
        elif side == "t":
            y1 = ln.b - 0.5
        else:
            y0 = ln.t + 0.5
    return Box(x0, y0, x1, y1)


def grobid_regions(captions: Sequence[Caption]) -> dict[int, tuple[int, list[tuple[float, ...]]]]:
    """Figure number -> (page, [x, y, w, h] boxes, top-left origin) from GROBID's teiCoordinates."""
    regions: dict[int, tuple[int, list[tuple[float, ...]]]] = {}
    for caption in captions:
        if caption.kind != "figure" or not caption.coords:
            continue
        number = re.search(r"\d+", caption.label or "")
        if number is None:
            continue
        boxes = []
        for part in caption.coords.split(";"):
            fields = part.split(",")
            if len(fields) != 5:
                continue
            try:
                page, x, y, w, h = int(fields[0]), *(float(v) for v in fields[1:])
            except ValueError:
                continue
            if h >= 20:  # caption lines are ~10 pt tall; the graphic is the big box
                boxes.append((page, x, y, w, h))
        if boxes:
            page = boxes[0][0]
            regions.setdefault(int(number.group()), (page, [b[1:] for b in boxes if b[0] == page]))
    return regions


def grobid_box(boxes: list[tuple[float, ...]], page_height: float) -> Box:
    """GROBID's top-left-origin boxes as one bottom-left-origin Box."""
    out: Box | None = None
    for x, y, w, h in boxes:
        box = Box(x, page_height - y - h, x + w, page_height - y)
        out = box if out is None else out.union(box)
    assert out is not None
    return out
