"""What a page paints besides text, in paint order: what lies under a text run and what covers it.

A reader sees a text run only if nothing opaque is painted over it later and its colour stands out
from what was painted under it. tasks/parse/visibility.py asks this index both questions; the
answers are cheap and conservative (bounding boxes), and only runs whose answer is not plainly
"visible" are rendered (tasks/parse/render_check.py).

Objects are kept in horizontal bands of the page so a run only looks at what shares its height.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF page space
RGB = tuple[int, int, int]

BAND_PT = 12.0
_WHITE = 245  # every RGB channel at or above this reads as white
# Colours this close (largest channel difference, of 255) may not be told apart by a reader: the
# run is rendered to find out. Wider than the render check's own bound so it errs on rendering.
NEAR_COLOUR = 48
AFTER_EVERYTHING = 1 << 40  # the paint order of annotations: drawn over the page's content


@dataclass(slots=True)
class Paint:
    """One painted object: its place in the paint order, its box (page space) and its colour.

    colour is the uniform colour it paints (an opaque filled path), None when that is unknown (an
    image, a shading, a pattern, anything with transparency or in an optional-content layer).
    """

    order: int
    box: Box
    colour: RGB | None
    image: bool = False
    stroke: bool = False  # a wide stroke: it may cover text but is no background

    @property
    def white(self) -> bool:
        return self.colour is not None and min(self.colour) >= _WHITE


def area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def intersect(a: Box, b: Box) -> Box:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def covers(box: Box, x: float, y: float) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def near(a: RGB, b: RGB) -> bool:
    """Whether two colours are close enough that text in one may vanish on the other."""
    return (
        abs(a[0] - b[0]) <= NEAR_COLOUR
        and abs(a[1] - b[1]) <= NEAR_COLOUR
        and abs(a[2] - b[2]) <= NEAR_COLOUR
    )


class PaintIndex:
    """The painted objects of one page, banded by height, each band in paint order."""

    def __init__(self, page: Box) -> None:
        self.page = page
        self.items: list[Paint] = []
        # Per band, the objects and their orders, both in paint order (ascending): a run finds
        # where it falls among them by bisection, never by walking the whole band.
        self._bands: dict[int, tuple[list[Paint], list[int]]] = {}

    def add(self, paint: Paint) -> None:
        """Record a painted object (in paint order); one wholly off the page paints nothing seen."""
        shown = intersect(paint.box, self.page)
        if shown[2] < shown[0] or shown[3] < shown[1]:
            return
        paint.box = shown
        self.items.append(paint)
        for band in range(int(shown[1] // BAND_PT), int(shown[3] // BAND_PT) + 1):
            paints, orders = self._bands.setdefault(band, ([], []))
            paints.append(paint)
            orders.append(paint.order)

    def underneath(self, x: float, y: float, order: int) -> Paint | None:
        """The last object painted before `order` whose box holds the point; None: the bare page."""
        band = self._bands.get(int(y // BAND_PT))
        if band is None:
            return None
        paints, orders = band
        for index in range(bisect_left(orders, order) - 1, -1, -1):
            paint = paints[index]
            if not paint.stroke and covers(paint.box, x, y):
                return paint
        return None

    def covered_share(self, box: Box, order: int, ignore: frozenset[int] = frozenset()) -> float:
        """How much of box (0..1, an upper bound) objects painted after `order` lie over.

        Summed box overlaps, so overlapping covers count twice: an overestimate that only costs a
        render. Objects whose order is in `ignore` (scanned page images) are left out.
        """
        if not self.items or self.items[-1].order <= order:
            return 0.0  # nothing at all is painted after the run
        whole = area(box)
        if whole <= 0:
            return 0.0
        seen: set[int] = set()
        total = 0.0
        for number in range(int(box[1] // BAND_PT), int(box[3] // BAND_PT) + 1):
            band = self._bands.get(number)
            if band is None or band[1][-1] <= order:
                continue  # nothing in this band is painted after the run
            paints, orders = band
            for paint in paints[bisect_right(orders, order) :]:
                if paint.order in seen or paint.order in ignore:
                    continue
                seen.add(paint.order)
                total += area(intersect(paint.box, box))
                if total >= whole:
                    return 1.0
        return total / whole

    def scans(self, centres: list[tuple[float, float]], share: float, most: float) -> frozenset[int]:
        """Orders of images that are scanned pages: at least `share` of the page, holding at least
        `most` of the page's text runs (the text layer of a scan lies under or over its image)."""
        page_area = area(self.page)
        if not centres or page_area <= 0:
            return frozenset()
        found = set()
        for paint in self.items:
            if not paint.image or area(paint.box) < share * page_area:
                continue
            inside = sum(1 for x, y in centres if covers(paint.box, x, y))
            if inside >= most * len(centres):
                found.add(paint.order)
        return frozenset(found)
