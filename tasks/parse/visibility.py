"""Which text runs of a PDF a reader can see, decided from pdfium's page objects.

Text that no reader sees is how prompt injections ride in papers: every extractor reads it. Hidden
means invisible by any means: render mode 3 or 7, white on the white page, under 2 pt, off the
page, clipped away (decided from the run itself), and, decided from the paint order of the whole
page (tasks/parse/paint.py), under a shape, an image or an annotation painted after it, on a
background of its own colour, or in an optional-content layer a viewer does not show. The same walk
serves the local parser (which never turns hidden runs into lines) and the GROBID path (which scrubs
them from GROBID's output), so what counts as hidden is decided here once.

Cost: a handful of C calls per object; a run's text is only read by callers that need it; only a
run whose boxes leave its visibility in doubt is rendered (tasks/parse/render_check.py), a page's
doubtful runs together.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tasks.parse.paint import RGB, PaintIndex, near
from tasks.parse.render_check import unseen
from tasks.parse.scene import (
    TEXT_BUF_CHARS,
    TRANSPARENT,
    HiddenReason,
    Scene,
    SceneReader,
    SeenRun,
    TextRun,
    centre,
    covers,
    page_box,
    shows,
)

__all__ = ["HiddenReason", "TextRun", "TextRunWalker", "page_box"]

# Bumped whenever what counts as hidden changes: parser identities carry it (cached parses redo).
VISIBILITY_VERSION = "2"  # 2: covered, own-colour background, layers that are off; renders

TINY_PT = 2.0  # below this effective size no one reads the text, on screen or in print
_WHITE = 245  # every RGB channel at or above this reads as white
_SCAN_SHARE = 0.25  # an image this share of the page or more that holds ...
_SCAN_MOST = 0.8  # ... this share of the page's text runs is a scanned page; its text is a text layer
_COVERED_SHARE = 0.5  # runs this much under things painted later are rendered to see what shows
_PAPER: RGB = (255, 255, 255)  # the bare page
_SAME_PLACE_PT = 0.5  # two runs whose boxes differ by less than this are drawn in the same place

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
class HiddenRun:
    """The text of a hidden run, where it sits (PDF page space) and why it is hidden."""

    page: int  # 1-based
    reason: HiddenReason
    text: str
    x0: float
    x1: float
    base: float  # baseline y, from the bottom of the page
    size: float
    in_figure: bool = False


class TextRunWalker(SceneReader):
    """Walks a page's text objects (forms included) and decides each one's visibility.

    Two passes per page: the first (tasks/parse/scene.py) records every text object and everything
    else painted, in paint order; the second decides each run with the whole page known, since
    what hides a run may be painted after it. Runs the boxes cannot settle are rendered
    (tasks/parse/render_check.py). One walker serves a whole document.
    """

    def __init__(self) -> None:
        super().__init__()
        self._page_box = (0.0, 0.0, 0.0, 0.0)  # of the page being walked
        self.rendered = 0  # runs decided by rendering, over the walker's life (benches print it)

    def runs(self, page: pdfium_c.FPDF_PAGE) -> Iterator[TextRun]:
        """Every text object of the page in content-stream order, with its visibility."""
        self._page_box = page_box(page)
        scene = self.read(page, self._page_box)
        self._decide(page, scene)
        for seen in scene.texts:
            yield seen.run

    def _decide(self, page: pdfium_c.FPDF_PAGE, scene: Scene) -> None:
        """Every run's visibility: the sure cases from the boxes, the doubtful ones rendered."""
        centres = [centre(seen.run.box) for seen in scene.texts]
        scans = scene.paint.scans(centres, _SCAN_SHARE, _SCAN_MOST)
        # Some tools wrap a whole page in one form: then a form is no figure, only its images are.
        wrapped = sum(seen.run.in_form for seen in scene.texts) > 0.5 * len(scene.texts)
        figures = [box for box, order, form in scene.figures if order not in scans and not (wrapped and form)]
        doubtful: list[tuple[SeenRun, HiddenReason]] = []
        for seen, (cx, cy) in zip(scene.texts, centres, strict=True):
            run = seen.run
            run.in_figure = (run.in_form and not wrapped) or bool(
                figures and any(covers(box, cx, cy) for box in figures)
            )
            run.hidden, doubt = self._hidden(seen, (cx, cy), scene.paint, scans)
            if run.hidden is None and doubt is not None:
                doubtful.append((seen, doubt))
        hidden = self._check(page, doubtful)
        hidden += self._forms_shown(page, scene, {seen.order for seen, _ in doubtful})
        self._restamped(page, scene, hidden)

    def _check(self, page: pdfium_c.FPDF_PAGE, doubtful: list[tuple[SeenRun, HiddenReason]]) -> list[SeenRun]:
        """Render the doubtful runs; those no reader sees get their reason. Returns them."""
        if not doubtful:
            return []
        self.rendered += len(doubtful)
        verdicts = unseen(page, [(seen.run.obj, seen.run.box, seen.run.size) for seen, _ in doubtful])
        out = []
        for (seen, reason), hidden in zip(doubtful, verdicts, strict=True):
            if hidden:
                seen.run.hidden = reason
                out.append(seen)
        return out

    def _forms_shown(self, page: pdfium_c.FPDF_PAGE, scene: Scene, checked: set[int]) -> list[SeenRun]:
        """Runs of forms a viewer does not draw at all; returns them, hidden.

        A form can be optional content through its own dictionary (/OC), which no page object
        shows and only pdfium's renderer applies. So one run of each form (with a box) is rendered;
        a form whose sample does not show has all its runs rendered.
        """
        samples: dict[int, SeenRun] = {}
        for seen in scene.texts:
            box, undecided = seen.run.box, seen.run.hidden is None and seen.order not in checked
            if seen.form and seen.form not in samples and undecided and box[2] > box[0] and box[3] > box[1]:
                samples[seen.form] = seen
        if not samples:
            return []
        hidden = self._check(page, [(seen, "layer-off") for seen in samples.values()])
        dark = {seen.form for seen in hidden}
        rest = [
            (seen, cast(HiddenReason, "layer-off"))
            for seen in scene.texts
            if seen.form in dark and seen.run.hidden is None and seen.order not in checked
        ]
        return hidden + self._check(page, rest)

    def _restamped(self, page: pdfium_c.FPDF_PAGE, scene: Scene, hidden: list[SeenRun]) -> None:
        """Runs covered and then drawn again, glyph for glyph, on top are visible after all.

        Stamping tools cover a line and print it again in the same place; pdfium's text page keeps
        the first of two identical glyphs in one place and drops the second, so the covered copy
        holds the text the reader sees on top. A later visible run in the same place, in the same
        font, that puts ink on the page and whose own text comes out empty is that repeat
        (different glyphs would not be dropped).
        """
        if not hidden:
            return
        text_page = None
        try:
            for seen in hidden:
                for later in scene.texts:
                    if later.order <= seen.order or later.run.hidden is not None:
                        continue
                    if (
                        max(abs(p - q) for p, q in zip(later.run.box, seen.run.box, strict=True))
                        > _SAME_PLACE_PT
                    ):
                        continue
                    if _font(later.run.obj) != _font(seen.run.obj):
                        continue
                    text_page = text_page or pdfium_c.FPDFText_LoadPage(page)
                    repeat = (
                        text_page
                        and not self.text(later.run.obj, text_page)
                        and self.text(seen.run.obj, text_page)
                    )
                    # The repeat must put ink on the page: blank glyphs in the same box show nothing.
                    if repeat and not unseen(page, [(later.run.obj, later.run.box, later.run.size)])[0]:
                        seen.run.hidden = None
                        break
        finally:
            if text_page:
                pdfium_c.FPDFText_ClosePage(text_page)

    def _hidden(
        self, seen: SeenRun, middle: tuple[float, float], paint: PaintIndex, scans: frozenset[int]
    ) -> tuple[HiddenReason | None, HiddenReason | None]:
        """(why the run is hidden for sure, else why it may be: to render), None for either."""
        # Cheapest and most certain first.
        obj, box, size, order = seen.run.obj, seen.run.box, seen.run.size, seen.order
        mode = pdfium_c.FPDFTextObj_GetTextRenderMode(obj)
        cx, cy = middle
        # OCR'd scans draw their text layer invisibly over the page image: a reader sees that very
        # text in the image. Invisible text over a scanned page's image is a text layer, not hidden.
        if mode in _INVISIBLE_MODES:
            on_scan = any(covers(p.box, cx, cy) for p in paint.items if p.order in scans)
            scan_layer = mode == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE and on_scan
            return (None, None) if scan_layer else ("invisible", None)
        if size < TINY_PT:
            return "tiny", None
        if not shows(box, self._page_box):
            return "off-page", None
        # Clipped away: by its own clip or by the clips of the forms (figures) it is drawn in.
        if seen.window is not None and not shows(box, seen.window):
            return "clipped", None
        # What lies under the run: at its centre, and where something does, at its quarters too
        # (a run whose centre is on the bare page shows there, unless it is the page's colour).
        belows = [paint.underneath(cx, cy, order)]
        if belows[0] is not None:
            quarter = 0.25 * (box[2] - box[0])
            belows += [
                paint.underneath(box[0] + quarter, cy, order),
                paint.underneath(box[2] - quarter, cy, order),
            ]
        colour, faint = self._ink(obj, mode)
        if faint and all(b is None or b.white for b in belows):
            return "white", None
        if seen.in_layer:
            return None, "layer-off"
        if paint.covered_share(box, order, scans) >= _COVERED_SHARE:
            return None, "covered"
        # A colour near its own under it may hide it.
        if colour is None:  # a pattern or an odd colour space: only a render tells
            return None, "white" if all(b is None or b.white for b in belows) else "background"
        for below in belows:
            if below is None:
                if near(colour, _PAPER):
                    return None, "white"
            elif below.order not in scans and (below.colour is None or near(colour, below.colour)):
                return None, "white" if below.white else "background"
        return None, None

    def _ink(self, obj: pdfium_c.FPDF_PAGEOBJECT, mode: int) -> tuple[RGB | None, bool]:
        """The colour the run's glyphs are painted with (fill, else stroke; None: no RGB, such as a
        pattern) and whether every colour it paints with is white or fully transparent."""
        if mode == pdfium_c.FPDF_TEXTRENDERMODE_FILL:  # nearly every run: one colour to read
            fill = self._rgb(pdfium_c.FPDFPageObj_GetFillColor, obj)
            return (None, False) if fill is None else fill
        colours: list[tuple[RGB, bool] | None] = []
        if mode in _FILL_MODES:
            colours.append(self._rgb(pdfium_c.FPDFPageObj_GetFillColor, obj))
        if mode in _STROKE_MODES:
            colours.append(self._rgb(pdfium_c.FPDFPageObj_GetStrokeColor, obj))
        # No RGB (a pattern, an odd colour space): assume it shows.
        faint = bool(colours) and all(c is not None and c[1] for c in colours)
        return next((c[0] for c in colours if c is not None), None), faint

    def _rgb(self, get: Callable[..., int], obj: pdfium_c.FPDF_PAGEOBJECT) -> tuple[RGB, bool] | None:
        """(colour, whether it is white or fully transparent), or None when it has no RGB."""
        if not get(obj, *self._rgba_refs):
            return None
        r, g, b, a = self._rgba
        rgb = (r.value, g.value, b.value)
        return rgb, a.value <= TRANSPARENT or min(rgb) >= _WHITE

    def text(self, obj: pdfium_c.FPDF_PAGEOBJECT, text_page: pdfium_c.FPDF_TEXTPAGE) -> str:
        """The run's text, cleaned (soft hyphens kept); "" for an empty run."""
        buf = self._buf
        n = pdfium_c.FPDFTextObj_GetText(obj, text_page, buf, TEXT_BUF_CHARS * 2)
        if n <= 2:
            return ""
        if n > TEXT_BUF_CHARS * 2:
            big = (ctypes.c_ushort * (n // 2 + 1))()
            pdfium_c.FPDFTextObj_GetText(obj, text_page, big, n)
            raw = bytes(big)[: n - 2]
        else:
            raw = bytes(buf)[: n - 2]
        return clean_text(raw.decode("utf-16-le", "replace"))


def _font(obj: pdfium_c.FPDF_PAGEOBJECT) -> int | None:
    """The address of the run's font: runs in one font share it."""
    return ctypes.cast(pdfium_c.FPDFTextObj_GetFont(obj), ctypes.c_void_p).value


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
        in_figure=run.in_figure,
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
