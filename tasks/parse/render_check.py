"""Does a text run show on the rendered page? pdfium draws the region with and without it.

The check behind every visibility decision the paint order cannot settle from boxes alone (text
under a shape or an image painted later, on a background that may be its own colour, in an
optional-content layer): pdfium renders the page as a viewer does (layers that are off, soft masks,
blend modes, annotations' appearances), once as it is and once with the runs in question switched
off (FPDFPageObj_SetIsActive). A run whose pixels do not change is one no reader can see.

Runs whose boxes overlap are switched off in separate rounds, so one run's ink is never taken for
another's. Cost: one render of the region holding the runs, plus one per round (most pages: one).
"""

from __future__ import annotations

import ctypes
import math
from typing import TYPE_CHECKING

import pypdfium2.raw as pdfium_c

if TYPE_CHECKING:
    import numpy as np

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF page space

_GLYPH_PX = 6.0  # runs are drawn at a scale that makes their glyphs this many pixels high ...
MAX_SCALE = 3.0  # ... up to this (216 dpi: a 2 pt glyph is 6 pixels high)
_CLUSTER_GAP_PT = 24.0  # runs this close share one render region
_MAX_PIXELS = 2_000_000  # a region larger than this is drawn at a smaller scale
_CHANNEL_DIFF = 20  # a pixel changed when a channel moved more than this (of 255)
_MIN_CHANGED_SHARE = 0.02  # a run shows when this share of its box changed (and at least 2 pixels)
MAX_ROUNDS = 32  # runs still left then (a pathological pile of overlapping runs) count as unseen


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def rounds(boxes: list[Box]) -> list[list[int]]:
    """Indexes of boxes in groups whose members do not overlap (greedy, in the given order)."""
    groups: list[list[int]] = []
    for i, box in enumerate(boxes):
        for group in groups:
            if not any(_overlaps(box, boxes[j]) for j in group):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


class _Device:
    """Page space -> pixels of a full-page render at `scale`, as FPDF_RenderPageBitmap draws it."""

    def __init__(self, page: pdfium_c.FPDF_PAGE, scale: float) -> None:
        self.page = page
        self.width = max(1, round(pdfium_c.FPDF_GetPageWidthF(page) * scale))
        self.height = max(1, round(pdfium_c.FPDF_GetPageHeightF(page) * scale))
        self._x, self._y = ctypes.c_int(), ctypes.c_int()
        self._refs = ctypes.byref(self._x), ctypes.byref(self._y)

    def rect(self, box: Box) -> tuple[int, int, int, int]:
        """The pixel rectangle (x0, y0, x1, y1), clamped to the page, that holds box."""
        xs, ys = [], []
        for px, py in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
            pdfium_c.FPDF_PageToDevice(
                self.page,
                0,
                0,
                self.width,
                self.height,
                0,
                px,
                py,
                ctypes.byref(self._x),
                ctypes.byref(self._y),
            )
            xs.append(self._x.value)
            ys.append(self._y.value)
        x0, x1 = max(0, min(xs)), min(self.width, max(xs) + 1)
        y0, y1 = max(0, min(ys)), min(self.height, max(ys) + 1)
        return x0, y0, max(x0, x1), max(y0, y1)


class _Bitmap:
    """A region of the page rendered into a pdfium bitmap, read in place (no copy) until closed."""

    def __init__(self, device: _Device, region: tuple[int, int, int, int]) -> None:
        x0, y0, x1, y1 = region
        self.width, self.height = x1 - x0, y1 - y0
        self.handle = pdfium_c.FPDFBitmap_Create(self.width, self.height, 0)
        if not self.handle:
            raise MemoryError(f"pdfium could not allocate a {self.width}x{self.height} bitmap")
        pdfium_c.FPDFBitmap_FillRect(self.handle, 0, 0, self.width, self.height, 0xFFFFFFFF)
        pdfium_c.FPDF_RenderPageBitmap(
            self.handle, device.page, -x0, -y0, device.width, device.height, 0, pdfium_c.FPDF_ANNOT
        )

    def pixels(self) -> np.ndarray:
        """The bitmap (BGRx rows, padded to the stride) as a height x width x 3 array over its buffer."""
        import numpy as np  # only pages with a run in doubt pay for it

        stride = pdfium_c.FPDFBitmap_GetStride(self.handle)
        buffer = ctypes.cast(pdfium_c.FPDFBitmap_GetBuffer(self.handle), ctypes.POINTER(ctypes.c_uint8))
        rows = np.ctypeslib.as_array(buffer, shape=(self.height, stride))
        return rows[:, : self.width * 4].reshape(self.height, self.width, 4)[:, :, :3]

    def close(self) -> None:
        pdfium_c.FPDFBitmap_Destroy(self.handle)


def clusters(boxes: list[Box], gap: float = _CLUSTER_GAP_PT) -> list[list[int]]:
    """Indexes of boxes in groups of neighbours (boxes within `gap` of each other, transitively)."""
    parent = list(range(len(boxes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    grown = [(b[0] - gap, b[1] - gap, b[2] + gap, b[3] + gap) for b in boxes]
    for i in range(len(boxes)):
        for j in range(i):
            if _overlaps(grown[i], grown[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(boxes)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def unseen(page: pdfium_c.FPDF_PAGE, runs: list[tuple[pdfium_c.FPDF_PAGEOBJECT, Box, float]]) -> list[bool]:
    """For each (text object, box, font size), True when switching it off changes nothing a reader
    could see. Neighbouring runs are rendered together, each group in its own small region.

    Every object is switched back on before this returns, whatever happens.
    """
    result = [True] * len(runs)
    for group in clusters([box for _, box, _ in runs]):
        verdicts = _unseen_region(page, [runs[i] for i in group])
        for i, verdict in zip(group, verdicts, strict=True):
            result[i] = verdict
    return result


def _unseen_region(
    page: pdfium_c.FPDF_PAGE, runs: list[tuple[pdfium_c.FPDF_PAGEOBJECT, Box, float]]
) -> list[bool]:
    boxes = [box for _, box, _ in runs]
    union: Box = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    # Glyphs at least _GLYPH_PX high; a region too large for _MAX_PIXELS is drawn smaller.
    smallest = min(size for _, _, size in runs)
    span = max(1.0, (union[2] - union[0]) * (union[3] - union[1]))
    scale = min(max(1.0, _GLYPH_PX / max(smallest, 0.1)), MAX_SCALE, math.sqrt(_MAX_PIXELS / span))
    device = _Device(page, scale)
    region = device.rect(union)
    width, height = region[2] - region[0], region[3] - region[1]
    result = [True] * len(runs)
    if width == 0 or height == 0:
        return result  # nothing of it lies on the page
    before = _Bitmap(device, region)
    try:
        for number, group in enumerate(rounds(boxes)):
            if number == MAX_ROUNDS:
                break
            try:
                for i in group:
                    pdfium_c.FPDFPageObj_SetIsActive(runs[i][0], False)
                after = _Bitmap(device, region)
            finally:
                for i in group:
                    pdfium_c.FPDFPageObj_SetIsActive(runs[i][0], True)
            try:
                for i in group:
                    result[i] = not _shows_ink(before.pixels(), after.pixels(), device.rect(boxes[i]), region)
            finally:
                after.close()
    finally:
        before.close()
    return result


def _shows_ink(
    before: np.ndarray, after: np.ndarray, rect: tuple[int, int, int, int], region: tuple[int, int, int, int]
) -> bool:
    """Whether enough pixels of the run's rectangle changed when it was switched off."""
    x0, y0, x1, y1 = rect[0] - region[0], rect[1] - region[1], rect[2] - region[0], rect[3] - region[1]
    old = before[y0:y1, x0:x1].astype("int16")
    if not old.size:
        return False
    hits = int((abs(old - after[y0:y1, x0:x1]).max(axis=2) > _CHANNEL_DIFF).sum())
    return hits >= 2 and hits >= _MIN_CHANGED_SHARE * (x1 - x0) * (y1 - y0)
