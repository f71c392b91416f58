"""The first pass over a PDF page: every text object and every painted object, in paint order.

tasks/parse/visibility.py decides each text run's visibility from what this pass records: the run
(its matrix, box, size, whether it sits in a form XObject or an optional-content layer) and what is
painted around it (tasks/parse/paint.py: fills, images, shadings, wide strokes and annotations,
with their colours where known). Forms (embedded figures) are walked into, up to a depth.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field
from typing import Literal

import pypdfium2.raw as pdfium_c

from tasks.parse.paint import AFTER_EVERYTHING, Box, Paint, PaintIndex

HiddenReason = Literal[
    "invisible", "white", "tiny", "off-page", "clipped", "covered", "background", "layer-off"
]
Matrix = tuple[float, float, float, float, float, float]

TRANSPARENT = 8  # alpha at or below this (of 255) paints nothing visible
_MIN_SHOWN_PT = 1.0  # a window onto a run narrower than this shows no readable glyph
_COVERING_STROKE_PT = 1.0  # a stroke at least this wide may cover text: counted as a cover
_MAX_FORM_DEPTH = 4
TEXT_BUF_CHARS = 2048

# Annotations that never cover text (a link is a clickable rectangle, a popup a closed note), and
# the flags that keep an annotation off the screen.
_NEVER_COVERS = frozenset({pdfium_c.FPDF_ANNOT_LINK, pdfium_c.FPDF_ANNOT_POPUP})
_ANNOT_NOT_SHOWN = pdfium_c.FPDF_ANNOT_FLAG_HIDDEN | pdfium_c.FPDF_ANNOT_FLAG_NOVIEW
_OC_MARK = "OC".encode("utf-16-le")  # the marked-content tag of optional content (/OC ... BDC)


@dataclass(slots=True)
class TextRun:
    """One text object as placed on the page, and why it is hidden (None: a reader sees it)."""

    obj: pdfium_c.FPDF_PAGEOBJECT
    matrix: Matrix  # text space -> page space
    box: Box  # page space
    size: float  # effective font size in points
    in_form: bool
    hidden: HiddenReason | None
    in_figure: bool = False  # in a form XObject (an embedded figure) or on an image


@dataclass(slots=True)
class SeenRun:
    """A text run found on the first pass, where it falls in the paint order, whether it is marked
    as optional content, and the form it is drawn in (the form's paint order; 0: the page)."""

    run: TextRun
    order: int
    in_layer: bool
    form: int = 0
    window: Box | None = None  # page space: what its clip and its forms' clips leave shown; None: all


@dataclass(slots=True)
class Scene:
    """One page as the first pass found it: text runs, painted objects, figure boxes."""

    paint: PaintIndex
    texts: list[SeenRun] = field(default_factory=list)
    figures: list[tuple[Box, int, bool]] = field(default_factory=list)  # (box, paint order, is a form)


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


def multiply(m: Matrix, n: Matrix) -> Matrix:
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


def transform_box(m: Matrix, box: Box) -> Box:
    a, b, c, d, e, f = m
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return min(xs), min(ys), max(xs), max(ys)


def intersect(a: Box, b: Box) -> Box:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def shows(box: Box, window: Box) -> bool:
    """Whether enough of box lies inside window for a glyph to be read there."""
    if window[0] <= box[0] and box[2] <= window[2] and window[1] <= box[1] and box[3] <= window[3]:
        return True  # the common case, decided without building the intersection
    x0, y0, x1, y1 = intersect(box, window)
    # A hyphen or a period has a box under a point high: half of it showing is enough.
    need_w = max(0.0, min(_MIN_SHOWN_PT, 0.5 * (box[2] - box[0])))
    need_h = max(0.0, min(_MIN_SHOWN_PT, 0.5 * (box[3] - box[1])))
    return x1 - x0 >= need_w and y1 - y0 >= need_h


def centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def covers(box: Box, x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


class SceneReader:
    """Reads pages into Scenes. It keeps the ctypes out-parameters, so a run allocates none."""

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
        self._fill_mode_ref = ctypes.byref(self._fill_mode)
        self._stroke = pdfium_c.FPDF_BOOL()
        self._stroke_ref = ctypes.byref(self._stroke)
        self._width = ctypes.c_float()
        self._width_ref = ctypes.byref(self._width)
        self._name = (ctypes.c_ushort * 8)()
        self._name_len = ctypes.c_ulong()
        self._name_len_ref = ctypes.byref(self._name_len)
        self._buf = (ctypes.c_ushort * TEXT_BUF_CHARS)()
        self._page_box: Box = (0.0, 0.0, 0.0, 0.0)  # of the page being walked
        self._order = self._form = 0
        self._clip_window: Box | None = None  # page space: what the forms being walked leave shown

    def read(self, page: pdfium_c.FPDF_PAGE, page_area: Box) -> Scene:
        """The page's text runs (undecided) and painted objects, in paint order."""
        self._order = self._form = 0
        self._clip_window = None
        scene = Scene(PaintIndex(page_area))
        self._walk(page, None, 0, False, scene)
        self._annotations(page, scene.paint)
        return scene

    def _walk(
        self,
        holder: pdfium_c.FPDF_PAGE | pdfium_c.FPDF_PAGEOBJECT,
        form_matrix: Matrix | None,
        depth: int,
        in_layer: bool,
        scene: Scene,
    ) -> None:
        if form_matrix is None:
            count, get = pdfium_c.FPDFPage_CountObjects(holder), pdfium_c.FPDFPage_GetObject
        else:
            count, get = pdfium_c.FPDFFormObj_CountObjects(holder), pdfium_c.FPDFFormObj_GetObject
        for index in range(count):
            obj = get(holder, index)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            self._order += 1
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                run = self._run(obj, form_matrix)
                if run is not None:
                    layer = in_layer or self._in_layer(obj)
                    window = self._window(obj, form_matrix)
                    scene.texts.append(SeenRun(run, self._order, layer, self._form, window))
                continue
            if (
                kind == pdfium_c.FPDF_PAGEOBJ_FORM
                and depth < _MAX_FORM_DEPTH
                and pdfium_c.FPDFPageObj_GetMatrix(obj, self._matrix_ref)
            ):
                mx = self._matrix
                inner: Matrix = (mx.a, mx.b, mx.c, mx.d, mx.e, mx.f)
                if form_matrix is None:
                    scene.figures.append((self._box(obj, None), self._order, True))
                outer, self._form = self._form, self._order
                outer_window = self._clip_window
                self._clip_window = self._window(obj, form_matrix)
                self._walk(
                    obj,
                    inner if form_matrix is None else multiply(inner, form_matrix),
                    depth + 1,
                    in_layer or self._in_layer(obj),
                    scene,
                )
                self._form, self._clip_window = outer, outer_window
                continue
            paint = self._paint(obj, kind, form_matrix, in_layer)
            if paint is not None:
                scene.paint.add(paint)
                if paint.image:
                    scene.figures.append((paint.box, paint.order, False))

    def _window(self, obj: pdfium_c.FPDF_PAGEOBJECT, form_matrix: Matrix | None) -> Box | None:
        """What the object's own clip and the clips of the forms around it leave shown (page space).

        A clip inside a form is in the form's space: the form's matrix takes it to the page.
        """
        own = self.clip_box(obj)
        if own is not None and form_matrix is not None:
            own = transform_box(form_matrix, own)
        outer = self._clip_window
        if own is None or outer is None:
            return own if outer is None else outer
        return intersect(own, outer)

    def _box(self, obj: pdfium_c.FPDF_PAGEOBJECT, form_matrix: Matrix | None) -> Box:
        pdfium_c.FPDFPageObj_GetBounds(obj, *self._bound_refs)
        left, bottom, right, top = self._bounds
        box: Box = (left.value, bottom.value, right.value, top.value)
        return box if form_matrix is None else transform_box(form_matrix, box)

    def _paint(
        self, obj: pdfium_c.FPDF_PAGEOBJECT, kind: int, form_matrix: Matrix | None, in_layer: bool
    ) -> Paint | None:
        """What a non-text object paints (None: nothing that can hide or back a run)."""
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            pdfium_c.FPDFPath_GetDrawMode(obj, self._fill_mode_ref, self._stroke_ref)
            fills = bool(self._fill_mode.value)
            # A stroked outline is no background, but a wide enough stroke can cover a line of text.
            if not fills and not (
                self._stroke.value
                and pdfium_c.FPDFPageObj_GetStrokeWidth(obj, self._width_ref)
                and self._width.value >= _COVERING_STROKE_PT
            ):
                return None
        box = self._box(obj, form_matrix)
        if form_matrix is None and (window := self.clip_box(obj)) is not None:
            box = intersect(box, window)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return Paint(self._order, box, None, image=True)
        if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
            return Paint(self._order, box, None)  # a shading, or a form nested too deep to walk
        if not fills:
            return Paint(self._order, box, None, stroke=True)
        # Transparency, soft masks, blend modes and layers make the colour a render question.
        r, g, b, a = self._rgba
        known = (
            not in_layer
            and not self._in_layer(obj)
            and not pdfium_c.FPDFPageObj_HasTransparency(obj)
            and pdfium_c.FPDFPageObj_GetFillColor(obj, *self._rgba_refs)
        )
        if known and a.value <= TRANSPARENT:
            return None  # paints nothing
        return Paint(self._order, box, (r.value, g.value, b.value) if known else None)

    def _in_layer(self, obj: pdfium_c.FPDF_PAGEOBJECT) -> bool:
        """Whether the object is marked as optional content (/OC BDC): a layer a viewer may hide."""
        for index in range(pdfium_c.FPDFPageObj_CountMarks(obj)):
            mark = pdfium_c.FPDFPageObj_GetMark(obj, index)
            size = ctypes.sizeof(self._name)
            if not mark or not pdfium_c.FPDFPageObjMark_GetName(mark, self._name, size, self._name_len_ref):
                continue
            if bytes(self._name)[: max(0, self._name_len.value - 2)] == _OC_MARK:
                return True
        return False

    def _annotations(self, page: pdfium_c.FPDF_PAGE, paint: PaintIndex) -> None:
        """Annotations a viewer draws over the page (links and hidden ones aside) can cover text."""
        rect = pdfium_c.FS_RECTF()
        for index in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
            annot = pdfium_c.FPDFPage_GetAnnot(page, index)
            if not annot:
                continue
            try:
                if pdfium_c.FPDFAnnot_GetSubtype(annot) in _NEVER_COVERS or (
                    pdfium_c.FPDFAnnot_GetFlags(annot) & _ANNOT_NOT_SHOWN
                ):
                    continue
                if pdfium_c.FPDFAnnot_GetRect(annot, ctypes.byref(rect)):
                    box: Box = (
                        min(rect.left, rect.right),
                        min(rect.bottom, rect.top),
                        max(rect.left, rect.right),
                        max(rect.bottom, rect.top),
                    )
                    paint.add(Paint(AFTER_EVERYTHING + index, box, None))
            finally:
                pdfium_c.FPDFPage_CloseAnnot(annot)

    def _run(self, obj: pdfium_c.FPDF_PAGEOBJECT, form_matrix: Matrix | None) -> TextRun | None:
        if not pdfium_c.FPDFPageObj_GetMatrix(obj, self._matrix_ref):
            return None
        mx = self._matrix
        m: Matrix = (mx.a, mx.b, mx.c, mx.d, mx.e, mx.f)
        box = self._box(obj, form_matrix)
        if form_matrix is not None:
            m = multiply(m, form_matrix)
        pdfium_c.FPDFTextObj_GetFontSize(obj, self._size_ref)
        size = self._size.value * math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))
        return TextRun(obj, m, box, size, form_matrix is not None, None)

    def clip_box(self, obj: pdfium_c.FPDF_PAGEOBJECT) -> Box | None:
        """Bounding box of an object's clip region in the space it is drawn in; None: unclipped.

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
            window = box if window is None else intersect(window, box)
        return window
