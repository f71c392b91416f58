"""Which text runs of a PDF a reader can see, decided from pdfium's page objects.

Text that no reader sees (render mode 3, white on the white page, under 2 pt, off the page, clipped
away) is how prompt injections ride in papers: every extractor reads it. The same walk and checks
serve the local parser (which never turns hidden runs into lines) and the GROBID path (which scrubs
them from GROBID's output), so what counts as hidden is decided here once.

Cost: a handful of C calls per run; the text of a run is only read by callers that need it, and
what lies under a run is only looked for when the run is white or invisible.
"""

from __future__ import annotations

import ctypes
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

HiddenReason = Literal["invisible", "white", "tiny", "off-page", "clipped"]
Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF page space
Matrix = tuple[float, float, float, float, float, float]

TINY_PT = 2.0  # below this effective size no one reads the text, on screen or in print
_WHITE = 245  # every RGB channel at or above this reads as white
_TRANSPARENT = 8  # alpha at or below this (of 255) paints nothing visible
_MIN_SHOWN_PT = 1.0  # a window onto a run narrower than this shows no readable glyph
_LOOKBACK = 2000  # drawn objects searched for what lies under a run: bounds one run's cost
_SCAN_SHARE = 0.25  # an image covering this share of the page under invisible text is a scan
_MAX_FORM_DEPTH = 4
_TEXT_BUF_CHARS = 2048

_INVISIBLE_MODES = frozenset({pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP})
_STROKE_MODES = frozenset(
    {
        pdfium_c.FPDF_TEXTRENDERMODE_STROKE,
        pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE,
        pdfium_c.FPDF_TEXTRENDERMODE_STROKE_CLIP,
        pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE_CLIP,
    }
)
_FILL_MODES = frozenset(
    {
        pdfium_c.FPDF_TEXTRENDERMODE_FILL,
        pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE,
        pdfium_c.FPDF_TEXTRENDERMODE_FILL_CLIP,
        pdfium_c.FPDF_TEXTRENDERMODE_FILL_STROKE_CLIP,
        pdfium_c.FPDF_TEXTRENDERMODE_UNKNOWN,  # pdfium's default is fill
    }
)
_BACKDROP_KINDS = frozenset(
    {
        pdfium_c.FPDF_PAGEOBJ_PATH,
        pdfium_c.FPDF_PAGEOBJ_IMAGE,
        pdfium_c.FPDF_PAGEOBJ_SHADING,
        pdfium_c.FPDF_PAGEOBJ_FORM,
    }
)
# What lies under a run (TextRunWalker._underneath).
_PAPER, _INK, _SCAN = 0, 1, 2

_CONTROL_RE = re.compile(r"[\x00-\x01\x03-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_SPACE_RE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st", "\u00ad": ""}
)
# pdfium marks a hyphen it thinks ends a line with U+0002.
SOFT_HYPHEN = "\x02"


def clean_text(text: str) -> str:
    """Ligatures expanded, control characters dropped, whitespace collapsed (soft hyphens kept)."""
    return _SPACE_RE.sub(" ", _CONTROL_RE.sub("", text.translate(_LIGATURES)))


@dataclass(slots=True)
class TextRun:
    """One text object as placed on the page, and why it is hidden (None: a reader sees it)."""

    obj: pdfium_c.FPDF_PAGEOBJECT
    matrix: Matrix  # text space -> page space
    box: Box  # page space
    size: float  # effective font size in points
    in_form: bool
    hidden: HiddenReason | None


@dataclass(slots=True)
class HiddenRun:
    """The text of a hidden run, where it sits (PDF page space) and why it is hidden."""

    page: int  # 1-based
    reason: HiddenReason
    text: str
    x0: float
    x1: float
    base: float  # baseline y, from the bottom of the page
    size: float


def page_box(page: pdfium_c.FPDF_PAGE) -> Box:
    """The page's crop box, else its media box: what a viewer shows."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    pdfium_c.FPDFPage_GetCropBox(page, *(ctypes.byref(v) for v in (left, bottom, right, top)))
    if right.value <= left.value or top.value <= bottom.value:
        pdfium_c.FPDFPage_GetMediaBox(page, *(ctypes.byref(v) for v in (left, bottom, right, top)))
    if right.value <= left.value or top.value <= bottom.value:
        width, height = pdfium_c.FPDF_GetPageWidthF(page), pdfium_c.FPDF_GetPageHeightF(page)
        return 0.0, 0.0, width, height
    return left.value, bottom.value, right.value, top.value


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """Compose affine matrices: m applied first, then n."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _transform_box(m: Matrix, box: Box) -> Box:
    a, b, c, d, e, f = m
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return min(xs), min(ys), max(xs), max(ys)


def _intersect(a: Box, b: Box) -> Box:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def _shows(box: Box, window: Box) -> bool:
    """Whether enough of box lies inside window for a glyph to be read there."""
    if window[0] <= box[0] and box[2] <= window[2] and window[1] <= box[1] and box[3] <= window[3]:
        return True  # the common case, decided without building the intersection
    x0, y0, x1, y1 = _intersect(box, window)
    # A hyphen or a period has a box under a point high: half of it showing is enough.
    need_w = max(0.0, min(_MIN_SHOWN_PT, 0.5 * (box[2] - box[0])))
    need_h = max(0.0, min(_MIN_SHOWN_PT, 0.5 * (box[3] - box[1])))
    return x1 - x0 >= need_w and y1 - y0 >= need_h


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _covers(box: Box, x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


class TextRunWalker:
    """Walks a page's text objects (forms included) and decides each one's visibility.

    One walker serves a whole document: it keeps the ctypes out-parameters, so a run allocates
    none of them.
    """

    def __init__(self) -> None:
        self._matrix = pdfium_c.FS_MATRIX()
        self._matrix_ref = ctypes.byref(self._matrix)
        self._size = ctypes.c_float()
        self._size_ref = ctypes.byref(self._size)
        self._bounds = tuple(ctypes.c_float() for _ in range(4))
        self._bound_refs = tuple(ctypes.byref(v) for v in self._bounds)
        self._rgba = tuple(ctypes.c_uint() for _ in range(4))
        self._rgba_refs = tuple(ctypes.byref(v) for v in self._rgba)
        self._point = (ctypes.c_float(), ctypes.c_float())
        self._fill_mode = ctypes.c_int()
        self._stroke = pdfium_c.FPDF_BOOL()
        self._buf = (ctypes.c_ushort * _TEXT_BUF_CHARS)()
        self._page_box: Box = (0.0, 0.0, 0.0, 0.0)  # of the page being walked
        # Everything but text drawn so far on the page, in order, with its form's matrix (None on
        # the page): what may lie under a run, found without asking pdfium about every text object.
        self._drawn: list[tuple[pdfium_c.FPDF_PAGEOBJECT, int, Matrix | None]] = []

    def runs(self, page: pdfium_c.FPDF_PAGE) -> Iterator[TextRun]:
        """Every text object of the page in content-stream order, with its visibility."""
        self._page_box = page_box(page)
        self._drawn = []
        yield from self._walk(page, None, 0)

    def _walk(
        self, holder: pdfium_c.FPDF_PAGE | pdfium_c.FPDF_PAGEOBJECT, form_matrix: Matrix | None, depth: int
    ) -> Iterator[TextRun]:
        if form_matrix is None:
            count, get = pdfium_c.FPDFPage_CountObjects(holder), pdfium_c.FPDFPage_GetObject
        else:
            count, get = pdfium_c.FPDFFormObj_CountObjects(holder), pdfium_c.FPDFFormObj_GetObject
        for index in range(count):
            obj = get(holder, index)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                run = self._run(obj, form_matrix)
                if run is not None:
                    yield run
                continue
            if (
                kind == pdfium_c.FPDF_PAGEOBJ_FORM
                and depth < _MAX_FORM_DEPTH
                and pdfium_c.FPDFPageObj_GetMatrix(obj, self._matrix_ref)
            ):
                mx = self._matrix
                inner: Matrix = (mx.a, mx.b, mx.c, mx.d, mx.e, mx.f)
                yield from self._walk(
                    obj, inner if form_matrix is None else _multiply(inner, form_matrix), depth + 1
                )
            # Recorded after its contents: a figure lies under what is drawn after it, not in it.
            self._drawn.append((obj, kind, form_matrix))

    def _run(self, obj: pdfium_c.FPDF_PAGEOBJECT, form_matrix: Matrix | None) -> TextRun | None:
        if not pdfium_c.FPDFPageObj_GetMatrix(obj, self._matrix_ref):
            return None
        mx = self._matrix
        m: Matrix = (mx.a, mx.b, mx.c, mx.d, mx.e, mx.f)
        pdfium_c.FPDFPageObj_GetBounds(obj, *self._bound_refs)
        left, bottom, right, top = self._bounds
        box: Box = (left.value, bottom.value, right.value, top.value)
        if form_matrix is not None:
            m = _multiply(m, form_matrix)
            box = _transform_box(form_matrix, box)
        pdfium_c.FPDFTextObj_GetFontSize(obj, self._size_ref)
        size = self._size.value * math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))
        in_form = form_matrix is not None
        return TextRun(obj, m, box, size, in_form, self._hidden(obj, box, size, in_form))

    def _hidden(
        self, obj: pdfium_c.FPDF_PAGEOBJECT, box: Box, size: float, in_form: bool
    ) -> HiddenReason | None:
        # Cheapest and most certain first; the search for what lies under the run comes last.
        mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj)
        # OCR'd scans draw their text layer invisibly over the page image: a reader sees that very
        # text in the image. Invisible text over a page-sized image is a text layer, not hidden.
        if mode in _INVISIBLE_MODES and (
            mode != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE or self._underneath(box) != _SCAN
        ):
            return "invisible"
        if size < TINY_PT:
            return "tiny"
        if not _shows(box, self._page_box):
            return "off-page"
        # Inside a form XObject (an embedded figure) clipping is routine: plots clip to their axes,
        # \includegraphics[trim, clip] cuts labels off (futoma2017's Figure 2), and a reader sees a
        # whole figure, not missing text. Flagging it would cry wolf on real papers, so only page
        # content is checked. The gap: a tool that wraps the whole page in one form escapes this check.
        if not in_form and (window := self._clip_box(obj)) is not None and not _shows(box, window):
            return "clipped"
        if self._paints_white(obj, mode) and self._underneath(box) == _PAPER:
            return "white"
        return None

    def _clip_box(self, obj: pdfium_c.FPDF_PAGEOBJECT) -> Box | None:
        """Bounding box of a page object's clip region (page space); None: unclipped.

        pdfium drops a clip rectangle that contains the object, so most runs have none and this is
        one call. The region is the intersection of the clip's paths, so the intersection of their
        bounding boxes bounds it; text clips (render mode 7) are not exposed and count as no clip.
        """
        clip_path = pdfium_c.FPDFPageObj_GetClipPath(obj)
        if not clip_path:
            return None
        window: Box | None = None
        x, y = self._point
        for path in range(pdfium_c.FPDFClipPath_CountPaths(clip_path)):
            xs, ys = [], []
            for segment in range(pdfium_c.FPDFClipPath_CountPathSegments(clip_path, path)):
                seg = pdfium_c.FPDFClipPath_GetPathSegment(clip_path, path, segment)
                if pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y)):
                    xs.append(x.value)
                    ys.append(y.value)
            # A clip path with no points clips everything away.
            box = (min(xs), min(ys), max(xs), max(ys)) if xs else (0.0, 0.0, 0.0, 0.0)
            window = box if window is None else _intersect(window, box)
        return window

    def _paints_white(self, obj: pdfium_c.FPDF_PAGEOBJECT, mode: int) -> bool:
        """Whether every colour the run paints with is white or fully transparent."""
        fills, strokes = mode in _FILL_MODES, mode in _STROKE_MODES
        if fills and not self._faint(pdfium_c.FPDFPageObj_GetFillColor, obj):
            return False
        if strokes and not self._faint(pdfium_c.FPDFPageObj_GetStrokeColor, obj):
            return False
        return fills or strokes

    def _faint(self, get_color: Callable[..., int], obj: pdfium_c.FPDF_PAGEOBJECT) -> bool:
        # No RGB (a pattern, an odd colour space): assume it shows.
        if not get_color(obj, *self._rgba_refs):
            return False
        r, g, b, a = self._rgba
        return a.value <= _TRANSPARENT or min(r.value, g.value, b.value) >= _WHITE

    def _underneath(self, box: Box) -> int:
        """What lies under the run's centre: _PAPER (white), _INK (something drawn) or _SCAN.

        White text is only hidden on a white background. We model the background cheaply: the
        last filled path, image, shading or form (an embedded figure) drawn before the run whose
        bounds cover its centre. A non-white fill, a shading or a figure there is _INK (white
        labels on coloured boxes are visible); an image covering much of the page is _SCAN (a
        scanned page); a white fill, or nothing within _LOOKBACK objects, is _PAPER. Figures are
        not looked into, transparency and soft masks are ignored, text under text is no background,
        and text covered by a later image is not found hidden.
        """
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        r, g, b, a = self._rgba
        for obj, kind, form_matrix in reversed(self._drawn[-_LOOKBACK:]):
            if kind not in _BACKDROP_KINDS:
                continue
            pdfium_c.FPDFPageObj_GetBounds(obj, *self._bound_refs)
            left, bottom, right, top = self._bounds
            bounds: Box = (left.value, bottom.value, right.value, top.value)
            if form_matrix is not None:
                bounds = _transform_box(form_matrix, bounds)
            if not _covers(bounds, cx, cy):
                continue
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                return _SCAN if _area(bounds) >= _SCAN_SHARE * _area(self._page_box) else _INK
            if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
                return _INK
            pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(self._fill_mode), ctypes.byref(self._stroke))
            if not self._fill_mode.value:
                continue  # a stroked outline is no background
            if not pdfium_c.FPDFPageObj_GetFillColor(obj, *self._rgba_refs) or a.value <= _TRANSPARENT:
                continue
            return _INK if min(r.value, g.value, b.value) < _WHITE else _PAPER
        return _PAPER

    def text(self, obj: pdfium_c.FPDF_PAGEOBJECT, text_page: pdfium_c.FPDF_TEXTPAGE) -> str:
        """The run's text, cleaned (soft hyphens kept); "" for an empty run."""
        buf = self._buf
        n = pdfium_c.FPDFTextObj_GetText(obj, text_page, buf, _TEXT_BUF_CHARS * 2)
        if n <= 2:
            return ""
        if n > _TEXT_BUF_CHARS * 2:
            big = (ctypes.c_ushort * (n // 2 + 1))()
            pdfium_c.FPDFTextObj_GetText(obj, text_page, big, n)
            raw = bytes(big)[: n - 2]
        else:
            raw = bytes(buf)[: n - 2]
        return clean_text(raw.decode("utf-16-le", "replace"))


def hidden_run(run: TextRun, text: str, page_number: int) -> HiddenRun:
    """A hidden TextRun with its text, detached from pdfium."""
    if run.hidden is None:
        raise ValueError(f"the run {text[:40]!r} on page {page_number} is visible, not hidden")
    return HiddenRun(
        page=page_number,
        reason=run.hidden,
        text=text,
        x0=run.box[0],
        x1=run.box[2],
        base=run.matrix[5],
        size=run.size,
    )


def hidden_runs(doc: pdfium.PdfDocument) -> list[HiddenRun]:
    """Every hidden text run of an open document; the caller holds pdfium's lock.

    A text page (the expensive part of text extraction) is only built for pages with hidden runs.
    """
    walker = TextRunWalker()
    out: list[HiddenRun] = []
    for index in range(len(doc)):
        page = doc[index]
        text_page: pdfium.PdfTextPage | None = None
        try:
            for run in walker.runs(page.raw):
                if run.hidden is None:
                    continue
                if text_page is None:
                    text_page = page.get_textpage()
                text = walker.text(run.obj, text_page.raw)
                if text.strip():
                    out.append(hidden_run(run, text, index + 1))
        finally:
            if text_page is not None:
                text_page.close()
            page.close()
    return out
