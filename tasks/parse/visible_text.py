"""A page's plain text as a reader sees it: pdfium's text page less the characters of hidden runs.

For readers of raw page text outside the parser (the reproducibility card quotes the page lines
that print a repository's URL or an artifact badge): a hidden run on such a line must not ride
into a published quote. The caller holds pdfium's lock.
"""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tasks.parse.visibility import TextRunWalker


def visible_page_texts(doc: pdfium.PdfDocument) -> list[str]:
    """Every page's text (pdfium's reading order and line breaks), hidden runs left out."""
    walker = TextRunWalker()
    out: list[str] = []
    for index in range(len(doc)):
        page = doc[index]
        text_page = page.get_textpage()
        try:
            hidden = {_address(run.obj) for run in walker.runs(page.raw) if run.hidden is not None}
            out.append(_without(text_page, hidden) if hidden else text_page.get_text_range())
        finally:
            text_page.close()
            page.close()
    return out


def _address(obj: pdfium_c.FPDF_PAGEOBJECT) -> int | None:
    return ctypes.cast(obj, ctypes.c_void_p).value


def _without(text_page: pdfium.PdfTextPage, hidden: set[int | None]) -> str:
    """The text page's characters, those drawn by a hidden run left out (generated ones kept)."""
    raw = text_page.raw
    chars = []
    for i in range(pdfium_c.FPDFText_CountChars(raw)):
        obj = pdfium_c.FPDFText_GetTextObject(raw, i)
        if obj and _address(obj) in hidden:
            continue
        chars.append(chr(pdfium_c.FPDFText_GetUnicode(raw, i)))
    return "".join(chars)
