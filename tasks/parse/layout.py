"""Text runs and lines of a PDF page, read from pdfium's page objects, in reading order.

pdfium's text objects are runs (a TJ/Tj operation: usually a word group or a whole line in one font),
so we make a few C calls per run rather than per character and still get font size, weight and the
baseline. Coordinates are converted to points from the top-left corner of the page.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2.raw as pdfium_c

from tasks.parse.glyphs import accent_for, compose_accents, glyph_pieces, is_accent, name_like

# Re-exported: the parser's modules and tests know them from here.
from tasks.parse.visibility import SOFT_HYPHEN as SOFT_HYPHEN
from tasks.parse.visibility import HiddenRun, TextRunWalker, hidden_run, page_box
from tasks.parse.visibility import clean_text as clean_text

# "Medi" is URW's bold (NimbusRomNo9L-Medi); "Medium" is a text weight in most families, bold only
# where the font's declared weight says so.
_BOLD_NAME_RE = re.compile(r"bold|black|heavy|semibold|demi|medi(?!um)|-b$|,b$|cmbx|cmb\d|bx\d", re.I)
_MONO_NAME_RE = re.compile(r"mono|courier|cmtt|tt\d|inconsolata|consol|txtt|t1xtt|menlo", re.I)


@dataclass(slots=True)
class Span:
    """One text run: a piece of a line in one font."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    base: float  # baseline, from the top of the page
    size: float
    bold: bool
    mono: bool
    sup: bool = False  # raised and smaller than the line: footnote and affiliation marks


@dataclass(slots=True)
class Line:
    """Runs sharing a baseline, left to right."""

    page: int
    spans: list[Span]
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    base: float = 0.0
    size: float = 0.0  # of the longest run
    max_size: float = 0.0  # of the largest run that is not a mark (small caps headings)
    bold: bool = False
    text: str = ""  # without superscript marks
    column: int = 0  # 0: full width or single column, 1: left, 2: right
    drop: bool = False  # running header/footer or page number


@dataclass(slots=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    two_column: bool = False
    col_left: dict[int, float] = field(default_factory=dict)  # column -> left text edge
    col_right: dict[int, float] = field(default_factory=dict)


class FontCache:
    """Bold/mono flags per pdfium font handle: a paper uses a dozen fonts over thousands of runs."""

    def __init__(self) -> None:
        self._flags: dict[int | None, tuple[bool, bool]] = {}

    def flags(self, font: pdfium_c.FPDF_FONT) -> tuple[bool, bool]:
        key = ctypes.cast(font, ctypes.c_void_p).value
        hit = self._flags.get(key)
        if hit is None:
            n = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
            buf = ctypes.create_string_buffer(max(n, 1))
            pdfium_c.FPDFFont_GetBaseFontName(font, buf, n)
            name = buf.value.decode("latin-1").split("+")[-1]
            weight = pdfium_c.FPDFFont_GetWeight(font)
            hit = (weight >= 600 or bool(_BOLD_NAME_RE.search(name)), bool(_MONO_NAME_RE.search(name)))
            self._flags[key] = hit
        return hit


def page_spans(
    page: pdfium_c.FPDF_PAGE,
    text_page: pdfium_c.FPDF_TEXTPAGE,
    fonts: FontCache,
    walker: TextRunWalker,
    page_number: int,
    *,
    split_gaps: bool = False,
) -> tuple[list[Span], list[HiddenRun]]:
    """The page's visible horizontal text runs in content-stream order, and its hidden runs.

    Hidden runs (see tasks.parse.visibility) never become spans, wherever they are drawn. Visible
    runs inside form XObjects (how LaTeX embeds PDF figures) are left out unless most of the page's
    text sits in forms (some tools wrap the whole page in one): figure labels are not body text.
    With split_gaps (page 1), a run in the upper half of the page is cut where its glyphs leave a
    wide gap: names set side by side in one run ("Avijit Thawani      Jay Pujara") are two runs.
    """
    origin_x, page_bottom, _, page_top = page_box(page)
    upper_half = 0.5 * (page_top - page_bottom)
    top_level: list[Span] = []
    in_forms: list[Span] = []
    hidden: list[HiddenRun] = []
    for run in walker.runs(page):
        if run.hidden is not None:
            text = walker.text(run.obj, text_page)
            if text.strip():
                hidden.append(hidden_run(run, text, page_number))
            continue
        m = run.matrix
        # Rotated or mirrored runs (the arXiv side stamp, rotated table headers) are not body text.
        if m[0] <= 0 or abs(m[1]) > 0.05 * m[0] or abs(m[2]) > 0.05 * abs(m[3]) or m[3] <= 0:
            continue
        text = walker.text(run.obj, text_page)
        if not text.strip():
            continue
        bold, mono = fonts.flags(pdfium_c.FPDFTextObj_GetFont(run.obj))
        x0, y0, x1, y1 = run.box
        span = Span(
            text=text,
            x0=x0 - origin_x,
            x1=x1 - origin_x,
            top=page_top - y1,
            bottom=page_top - y0,
            base=page_top - m[5],
            size=run.size,
            bold=bold,
            mono=mono,
        )
        # Only short runs of capitalised words: a line of prose is never two names side by side.
        if split_gaps and 0 < text.count(" ") <= 8 and span.top < upper_half and name_like(text):
            pieces = _split_at_gaps(span, run.obj, text_page, origin_x, page_top)
        else:
            pieces = [span]
        (in_forms if run.in_form else top_level).extend(pieces)
    form_chars = sum(len(s.text) for s in in_forms)
    if form_chars > sum(len(s.text) for s in top_level):
        return top_level + in_forms, hidden
    return top_level, hidden


def _split_at_gaps(
    span: Span,
    obj: pdfium_c.FPDF_PAGEOBJECT,
    text_page: pdfium_c.FPDF_TEXTPAGE,
    origin_x: float,
    page_top: float,
) -> list[Span]:
    """The span cut where its glyphs leave a gap wider than its font size; else [span]."""
    y = page_top - (span.top + span.bottom) / 2
    pieces = glyph_pieces(obj, text_page, span.text, x=span.x0 + origin_x, y=y, size=span.size)
    if pieces is None:
        return [span]
    return [
        Span(
            text=text,
            x0=x0 - origin_x,
            x1=x1 - origin_x,
            top=span.top,
            bottom=span.bottom,
            base=span.base,
            size=span.size,
            bold=span.bold,
            mono=span.mono,
        )
        for text, x0, x1 in pieces
    ]


def _finish(line: Line) -> Line:
    """Set a line's box, size, weight and text from its runs."""
    spans = line.spans
    main = max(spans, key=lambda s: len(s.text))
    size, base = main.size, main.base
    for s in spans:
        # A mark is raised above the baseline and smaller; small caps share the baseline and are not.
        s.sup = s.size < 0.85 * size and s.base < base - 0.18 * size and len(s.text.strip()) <= 8
    body = [s for s in spans if not s.sup] or spans
    line.x0 = min(s.x0 for s in spans)
    line.x1 = max(s.x1 for s in spans)
    line.top = min(s.top for s in body)
    line.bottom = max(s.bottom for s in body)
    line.base, line.size = base, size
    line.max_size = max(s.size for s in body)
    chars = sum(len(s.text) for s in body)
    line.bold = sum(len(s.text) for s in body if s.bold) >= 0.6 * chars
    line.text = join_spans(body).strip()
    return line


def join_spans(spans: list[Span]) -> str:
    """Concatenate runs, adding a space where pdfium did not and the gap is a word gap; accents merged."""
    parts: list[str] = []
    prev: Span | None = None
    for i, s in enumerate(spans):
        if prev is not None and is_accent(s.text):
            # Its own glyph: it belongs to the letter it is drawn over, the one before or the one after.
            after = spans[i + 1] if i + 1 < len(spans) else None
            centre = (s.x0 + s.x1) / 2
            before = after is None or (centre < prev.x1 and abs(centre - prev.x1) < abs(centre - after.x0))
            if not before and parts and after is not None and after.x0 - prev.x1 < 0.1 * s.size:
                # pdfium ends the run before an overlapping accent with a space: the word goes on.
                parts[-1] = parts[-1].rstrip()
            accent = s.text.strip()
            if not before or (parts and parts[-1][-1:].isalpha()):
                accent = accent_for(accent, before=before)
            parts.append(accent)
            prev = s
            continue
        if (
            prev is not None
            and s.x0 - prev.x1 > 0.2 * min(s.size, prev.size)
            and not prev.text.endswith(" ")
            and not s.text.startswith(" ")
            and not is_accent(prev.text)
            # Where a footnote mark was lifted out ("QWEN¹, the"), the comma still follows the word.
            and not s.text.startswith((",", ".", ";", ":", ")"))
        ):
            parts.append(" ")
        parts.append(s.text)
        prev = s
    return compose_accents("".join(parts))


def group_lines(spans: list[Span], page_number: int) -> list[Line]:
    """Group runs into lines: consecutive runs on one baseline that continue to the right."""
    lines: list[Line] = []
    cur: list[Span] = []
    for s in spans:
        if cur:
            last = cur[-1]
            ref = max(cur, key=lambda x: x.size)
            if (
                abs(s.base - ref.base) <= 0.55 * max(s.size, ref.size)
                and s.x0 - last.x1 <= 1.6 * ref.size
                and (
                    s.x0 >= last.x1 - 0.3 * s.size
                    # An accent drawn as its own glyph overlaps the letter it sits on, before or after.
                    or (s.x0 >= last.x1 - 1.2 * s.size and (is_accent(last.text) or is_accent(s.text)))
                )
            ):
                cur.append(s)
                continue
            lines.append(_finish(Line(page=page_number, spans=cur)))
        cur = [s]
    if cur:
        lines.append(_finish(Line(page=page_number, spans=cur)))
    return [line for line in lines if line.text]


def body_font_size(pages: list[Page]) -> float:
    """The font size most characters are set in."""
    weights: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            weights[round(line.size * 2) / 2] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def mark_running_lines(pages: list[Page]) -> None:
    """Mark page numbers and headers/footers that repeat (digits aside) across pages as dropped."""
    seen: Counter[tuple[str, str]] = Counter()
    keyed: list[tuple[Line, tuple[str, str]]] = []
    for page in pages:
        for line in page.lines:
            zone = (
                "top" if line.bottom < 0.1 * page.height else "bottom" if line.top > 0.9 * page.height else ""
            )
            if not zone:
                continue
            if re.fullmatch(r"[\divxlc]{1,5}|page \d+( of \d+)?|-? ?\d+ ?-?", line.text.lower()):
                line.drop = True
                continue
            key = (zone, re.sub(r"\d+", "#", line.text.lower()))
            seen[key] += 1
            keyed.append((line, key))
    if len(pages) < 3:
        return
    for line, key in keyed:
        if seen[key] >= max(2, len(pages) // 3):
            line.drop = True
