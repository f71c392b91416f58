"""Tiny hand-built PDFs for parser tests: exact bytes, no fixture files."""

from __future__ import annotations

from collections.abc import Sequence


def build_pdf(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A minimal PDF from numbered object bodies (object 1 must be the catalog), with a valid xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer_extra + b">>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def text_pdf(lines: list[str], pages: int = 1) -> bytes:
    """A PDF with the given lines of Helvetica text on each page."""
    content = b"BT /F1 11 Tf 72 720 Td 14 TL " + b" ".join(b"(%s) '" % s.encode() for s in lines) + b" ET"
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    font = 4 + pages
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % font
    ] * pages
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return build_pdf(objects)


def positioned_pdf(runs: list[tuple[float, float, float, str, bool]], pages: int = 1) -> bytes:
    """A PDF with text runs (x, y, size, text, bold) at fixed positions, repeated on each page."""
    ops = []
    for x, y, size, text, bold in runs:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode()
        ops.append(
            b"BT /%s %.1f Tf %.1f %.1f Td (%s) Tj ET" % (b"F2" if bold else b"F1", size, x, y, escaped)
        )
    content = b"\n".join(ops)
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    fonts = 4 + pages
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>" % (fonts, fonts + 1)
    ] * pages
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Bold >>")
    return build_pdf(objects)


def escape(text: str) -> bytes:
    """Text as the body of a PDF literal string."""
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode()


PAPER_TITLE = "Sparse Attention for Long Documents"
PAPER_SENTENCES = [
    "We study sparse attention patterns for transformers that read long documents.",
    "Our method reduces memory use while keeping accuracy on three benchmarks.",
    "We evaluate on summarization and question answering tasks with long inputs.",
]


def paper_pdf(
    extra: bytes = b"",
    *,
    before: bytes = b"",
    pages: int = 1,
    resources: bytes = b"",
    objects: Sequence[bytes] = (),
    catalog: bytes = b"",
    page_entries: bytes = b"",
) -> bytes:
    """A paper-like page (bold title, "Abstract" heading, PAPER_SENTENCES) with extra content drawn last.

    extra and before are raw content-stream operators (fonts /F1 Times-Roman and /F2 Times-Bold):
    before is drawn first on every page, extra last on the last page. resources adds entries to
    the page resources (e.g. b"/ExtGState << ... >>"); objects are appended as objects 7, 8, ...
    (with one page); catalog adds entries to the catalog (e.g. b"/OCProperties << ... >>"),
    page_entries to the last page's dictionary (e.g. b"/Annots [8 0 R]").
    """
    ops = [
        b"BT /F2 16 Tf 72 720 Td (%s) Tj ET" % escape(PAPER_TITLE),
        b"BT /F2 11 Tf 72 690 Td (Abstract) Tj ET",
    ]
    y = 670
    for line in PAPER_SENTENCES:
        ops.append(b"BT /F1 11 Tf 72 %d Td (%s) Tj ET" % (y, escape(line)))
        y -= 14
    body = b"\n".join([before, *ops])
    contents = [body] * (pages - 1) + [body + b"\n" + extra]
    first_page = 3 + pages  # objects: catalog, pages, fonts (2), contents..., pages...
    kids = b" ".join(b"%d 0 R" % (first_page + 2 + i) for i in range(pages))
    out = [
        b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog,
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Bold >>",
    ]
    out += [b"<< /Length %d >>\nstream\n" % len(c) + c + b"\nendstream" for c in contents]
    out += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R %s"
        b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> %s >> >>"
        % (5 + i, page_entries if i == pages - 1 else b"", resources)
        for i in range(pages)
    ]
    return build_pdf(out + list(objects))


def winansi_pdf(pages: list[list[bytes]], annots: Sequence[tuple[int, bytes]] = ()) -> bytes:
    """A PDF whose pages draw the given content-stream operators with WinAnsi-encoded Times fonts.

    Fonts: /F1 Times-Roman, /F2 Times-Bold (WinAnsi: 0xB4 is the acute accent, 0x86 the dagger).
    annots: (page index, URI) link annotations, each a small box in the page's lower left corner.
    """
    n = len(pages)
    # objects: 1 catalog, 2 pages, 3 F1, 4 F2, then per page: contents, page; then annotations.
    first_annot = 5 + 2 * n
    kids = b" ".join(b"%d 0 R" % (6 + 2 * i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Bold /Encoding /WinAnsiEncoding >>",
    ]
    for i, ops in enumerate(pages):
        content = b"\n".join(ops)
        refs = b" ".join(b"%d 0 R" % (first_annot + k) for k, (page, _) in enumerate(annots) if page == i)
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Annots [%s] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % (5 + 2 * i, refs)
        )
    for _, uri in annots:
        objects.append(
            b"<< /Type /Annot /Subtype /Link /Rect [10 10 60 20] /Border [0 0 0] "
            b"/A << /S /URI /URI (%s) >> >>" % uri
        )
    return build_pdf(objects)


def text_lines(x: float, y: float, size: float, lines: list[str], *, font: bytes = b"F1") -> list[bytes]:
    """One BT block per line, top to bottom at 1.2 x size leading, starting at baseline y."""
    return [
        b"BT /%s %.1f Tf %.1f %.1f Td (%s) Tj ET" % (font, size, x, y - i * 1.2 * size, escape(line))
        for i, line in enumerate(lines)
    ]
