"""Glyph-level repairs of pdfium's text: accents drawn as glyphs of their own, names set side by side.

TeX with OT1 fonts draws "ń" as an acute accent glyph and an "n" (pdfium reads "Trzci´nski"); a
two-column author block can put two names in one text run with a wide gap between them ("Avijit
Thawani      Jay Pujara"). Both break names; both are repaired here, before lines are built.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata

import pypdfium2.raw as pdfium_c

from tasks.parse.visibility import clean_text

# Accents that TeX (and some other producers) draw as a glyph of their own beside the letter, with
# the combining mark each stands for: "Trzci´nski" is "Trzciński" on the page.
_SPACING_ACCENTS = {
    "\u00b4": "\u0301",  # acute
    "\u02ca": "\u0301",
    "\u02cb": "\u0300",  # grave
    "\u00a8": "\u0308",  # diaeresis
    "\u02c6": "\u0302",  # circumflex
    "\u02dc": "\u0303",  # tilde
    "\u00b8": "\u0327",  # cedilla
    "\u02c7": "\u030c",  # caron
    "\u02d8": "\u0306",  # breve
    "\u02da": "\u030a",  # ring
    "\u02dd": "\u030b",  # double acute
    "\u00af": "\u0304",  # macron
    "\u02c9": "\u0304",
    "\u02d9": "\u0307",  # dot above
    "\u02db": "\u0328",  # ogonek
}
# What follows "´" used as an apostrophe: "Alzheimer´s", "don´t", "we´ll".
_APOSTROPHE_RE = re.compile(r"(?:s|t|d|m|ll|re|ve)\b")
_COMBINING_TO_SPACING = {mark: accent for accent, mark in reversed(_SPACING_ACCENTS.items())}


def is_accent(text: str) -> bool:
    """A run that is one accent glyph, drawn on its own over a letter."""
    if len(text) > 3 or text.isascii():  # the common case, decided without stripping
        return False
    text = text.strip()
    return len(text) == 1 and (text in _SPACING_ACCENTS or unicodedata.combining(text) > 0)


def compose_accents(text: str) -> str:
    """Accents drawn as separate glyphs merged into their letter, then NFC ("Trzci´nski" -> "Trzciński").

    A spacing accent belongs to the letter after it (TeX draws the accent first), else to the letter
    before it; it is merged only where Unicode has the accented letter, and "´" typed for an
    apostrophe ("Alzheimer´s", "don´t") stays. Combining marks follow their letter (Unicode order),
    which NFC merges.
    """
    if text.isascii():
        return text
    if any(ch in _SPACING_ACCENTS for ch in text):
        out: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            mark = _SPACING_ACCENTS.get(ch)
            if mark is not None and not (i and text[i - 1].isalpha() and _APOSTROPHE_RE.match(text, i + 1)):
                after = text[i + 1 : i + 2]
                if after.isalpha() and len(merged := unicodedata.normalize("NFC", after + mark)) == 1:
                    out.append(merged)
                    i += 2
                    continue
                before = out[-1] if out else ""
                if before.isalpha() and len(merged := unicodedata.normalize("NFC", before + mark)) == 1:
                    out[-1] = merged
                    i += 1
                    continue
            out.append(ch)
            i += 1
        text = "".join(out)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def accent_for(accent: str, *, before: bool) -> str:
    """An accent glyph as text: a combining mark when it sits on the letter before it (which NFC then
    merges), else its spacing form, which compose_accents gives to the letter after it."""
    if before:
        return _SPACING_ACCENTS.get(accent, accent)
    return _COMBINING_TO_SPACING.get(accent, accent)


def name_like(text: str) -> bool:
    """Capitalised words, at most one in lower case: what two names side by side look like."""
    words = text.split()
    return sum(w[:1].isupper() for w in words) >= 2 and sum(w[:1].islower() for w in words) <= 1


def glyph_pieces(
    obj: pdfium_c.FPDF_PAGEOBJECT,
    text_page: pdfium_c.FPDF_TEXTPAGE,
    text: str,
    *,
    x: float,
    y: float,
    size: float,
) -> list[tuple[str, float, float]] | None:
    """(text, x0, x1) in page space of the pieces of a run between gaps wider than its font size, or
    None: no such gap, or its glyphs do not read back as its text (never lose or invent a character).

    x, y: a point inside the run's first glyph, in page space.
    """
    pieces: list[list[tuple[str, float, float]]] = [[]]
    prev_x1: float | None = None
    for ch, x0, x1 in _run_chars(obj, text_page, len(text), x=x + 0.25 * size, y=y, size=size):
        if ch.isspace():
            continue
        if prev_x1 is not None and x0 - prev_x1 > size:
            pieces.append([])
        elif pieces[-1] and prev_x1 is not None and x0 - prev_x1 > 0.15 * size:
            pieces[-1].append((" ", prev_x1, x0))
        pieces[-1].append((ch, x0, x1))
        prev_x1 = x1
    if len(pieces) < 2:
        return None
    out = [(clean_text("".join(ch for ch, _, _ in piece)), piece[0][1], piece[-1][2]) for piece in pieces]
    if "".join(t for t, _, _ in out).replace(" ", "") != text.replace(" ", ""):
        return None
    return out


def _run_chars(
    obj: pdfium_c.FPDF_PAGEOBJECT,
    text_page: pdfium_c.FPDF_TEXTPAGE,
    length: int,
    *,
    x: float,
    y: float,
    size: float,
) -> list[tuple[str, float, float]]:
    """(character, x0, x1) of a text object's glyphs in order (generated spaces as " "), found on the
    text page from a point in its first glyph."""
    index = pdfium_c.FPDFText_GetCharIndexAtPos(text_page, x, y, 0.25 * size, 0.25 * size)
    if index < 0:
        return []
    key = ctypes.cast(obj, ctypes.c_void_p).value

    def owner(i: int) -> int | None:
        return ctypes.cast(pdfium_c.FPDFText_GetTextObject(text_page, i), ctypes.c_void_p).value

    while index > 0 and owner(index - 1) == key:
        index -= 1
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top))
    count = pdfium_c.FPDFText_CountChars(text_page)
    out: list[tuple[str, float, float]] = []
    for i in range(index, min(count, index + 4 * length + 8)):
        generated = pdfium_c.FPDFText_IsGenerated(text_page, i) == 1
        if not generated and owner(i) != key:
            break
        ch = chr(pdfium_c.FPDFText_GetUnicode(text_page, i))
        if ch in "\r\n":
            break
        pdfium_c.FPDFText_GetCharBox(text_page, i, *refs)
        out.append((" " if generated else ch, left.value, right.value))
    return out
