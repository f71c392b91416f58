"""The local PDF parser: pdfium text runs -> ParsedPaper, without a GROBID server."""

from __future__ import annotations

import threading
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tasks.models import ParsedPaper, sha256_bytes
from tasks.parse.errors import (
    EncryptedPdfError,
    NoTextLayerError,
    ParseError,
    TooManyPagesError,
    TruncatedPdfError,
)
from tasks.parse.frontmatter import find_title, parse_authors
from tasks.parse.layout import (
    FontCache,
    Line,
    Page,
    body_font_size,
    clean_text,
    group_lines,
    mark_running_lines,
    order_page,
    page_spans,
)
from tasks.parse.structure import (
    ABSTRACT_RUNIN_RE,
    Layout,
    build_blocks,
    is_named_heading,
    measure,
    sections_and_references,
    split_abstract,
    split_references,
)
from tasks.parse.text import Vocabulary, find_urls, join_lines

PARSER_NAME = "local"
PARSER_VERSION = "1.0.0"

# pdfium is not thread-safe and Prefect may run parse tasks in threads: one document at a time.
_PDFIUM_LOCK = threading.Lock()
# Pages with fewer characters than this count as having no text layer.
_MIN_PAGE_CHARS = 30


def parse_pdf_file(path: str | Path, *, max_pages: int = 200) -> ParsedPaper:
    """Parse a PDF file; errors name the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(str(path), f"cannot read the file: {exc.strerror or exc}") from exc
    return parse_pdf_bytes(data, str(path), max_pages=max_pages)


def parse_pdf_bytes(data: bytes, source: str, *, max_pages: int = 200) -> ParsedPaper:
    """Parse PDF bytes into a ParsedPaper; source (file name or URL) is named in every error."""
    from tasks.parse.validate import check_pdf_bytes

    # 1. Cheap checks on the bytes
    check_pdf_bytes(data, source)
    # 2. Text runs -> lines, page by page
    with _PDFIUM_LOCK:
        pages, meta_title = _read_pages(data, source, max_pages)
    notices: list[str] = []
    _check_text_layer(pages, source, notices)
    # 3. Page layout: running headers, body size, columns, reading order
    mark_running_lines(pages)
    body_size = body_font_size(pages)
    for page in pages:
        order_page(page, body_size)
    layout = measure(pages, body_size)
    vocab = Vocabulary(line.text for page in pages for line in page.lines)
    # 4. Front matter on page 1
    title_lines = find_title(pages[0])
    if title_lines and all(line.size < body_size + 0.5 and not line.bold for line in title_lines):
        # Nothing on page 1 stands out from the body text: a title guess would be a random line.
        title_lines = title_lines[:1]
        notices.append("no title-sized text on page 1: took its first line as the title")
    title = " ".join(line.text for line in title_lines)
    if not title:
        title = clean_text(meta_title).strip()
        notices.append("no title found on page 1" + (": used the PDF metadata title" if title else ""))
    author_lines, flow_start = _author_region(pages[0], title_lines, layout)
    authors = parse_authors(author_lines)
    if not authors:
        notices.append("no authors found on page 1")
    # 5. Body: blocks, abstract, sections, captions, references
    flow = pages[0].lines[flow_start:] + [line for page in pages[1:] for line in page.lines]
    blocks, small = build_blocks(flow, layout)
    abstract, body_start, notice = split_abstract(blocks, layout, vocab)
    if notice:
        notices.append(notice)
    sections, captions, ref_lines = sections_and_references(blocks[body_start:], layout, vocab)
    references = split_references(ref_lines, vocab)
    if not sections:
        notices.append("no section headings found")
    if not references:
        notices.append("no reference list found")
    # 6. URLs from the prose, captions and footnotes (not from the reference list)
    texts = [abstract, *(p for s in sections for p in s.paragraphs), *(c.text for c in captions)]
    texts += _small_print(small, vocab)
    return ParsedPaper(
        title=title,
        authors=authors,
        abstract=abstract,
        sections=sections,
        captions=captions,
        references=references,
        urls=find_urls(texts),
        page_count=len(pages),
        parser=PARSER_NAME,
        parser_version=PARSER_VERSION,
        pdf_sha256=sha256_bytes(data),
        notices=notices,
    )


def _read_pages(data: bytes, source: str, max_pages: int) -> tuple[list[Page], str]:
    """Open the document and read every page's lines; pdfium errors become ParseErrors."""
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise EncryptedPdfError(source, "the PDF is encrypted and needs a password to open") from exc
        if code == pdfium_c.FPDF_ERR_FORMAT:
            raise TruncatedPdfError(source, "the PDF is damaged or truncated: pdfium cannot read it") from exc
        raise ParseError(source, f"pdfium cannot open the PDF: {exc}") from exc
    try:
        count = len(doc)
        if count == 0:
            raise ParseError(source, "the PDF has no pages")
        if count > max_pages:
            raise TooManyPagesError(source, f"the PDF has {count} pages, over the cap of {max_pages}")
        fonts = FontCache()
        pages: list[Page] = []
        for index in range(count):
            page = doc[index]
            text_page = page.get_textpage()
            try:
                width, height = page.get_size()
                spans = page_spans(page.raw, text_page.raw, fonts)
                pages.append(Page(index + 1, width, height, group_lines(spans, index + 1)))
            finally:
                text_page.close()
                page.close()
        return pages, doc.get_metadata_value("Title") or ""
    except pdfium.PdfiumError as exc:
        raise ParseError(source, f"pdfium failed while reading the pages: {exc}") from exc
    finally:
        doc.close()


def _check_text_layer(pages: list[Page], source: str, notices: list[str]) -> None:
    """Raise NoTextLayerError for image-only PDFs; note pages without text in partial scans."""
    chars = [sum(len(line.text) for line in page.lines) for page in pages]
    empty = sum(1 for n in chars if n < _MIN_PAGE_CHARS)
    if sum(chars) < _MIN_PAGE_CHARS * 3 or empty > 0.8 * len(pages):
        raise NoTextLayerError(
            source,
            f"{empty} of {len(pages)} pages have no text layer (a scanned or image-only PDF); "
            "run OCR first, e.g. `ocrmypdf in.pdf out.pdf`",
        )
    if empty:
        notices.append(f"{empty} of {len(pages)} pages have no text layer (images only?)")


def _author_region(page: Page, title_lines: list[Line], layout: Layout) -> tuple[list[Line], int]:
    """Lines between the title and the abstract, and the index on page 1 where the body flow starts."""
    lines = page.lines
    if not title_lines:
        return [], 0
    start = max(lines.index(line) for line in title_lines) + 1
    region: list[Line] = []
    end = start
    for end in range(start, len(lines) + 1):
        if end == len(lines):
            break
        line = lines[end]
        if line.drop:
            continue
        if (
            # Side-by-side author blocks fall into columns too: body text is what ends the region.
            (page.two_column and line.column != 0 and _body_like(line, layout) and len(line.text) > 50)
            or is_named_heading(line, layout)
            or ABSTRACT_RUNIN_RE.match(line.text)
            or (len(line.text) > 100 and _body_like(line, layout))
        ):
            break
        region.append(line)
    return region, end


def _body_like(line: Line, layout: Layout) -> bool:
    return not line.bold and line.size <= layout.body_size + 0.5


def _small_print(lines: list[Line], vocab: Vocabulary) -> list[str]:
    """Footnotes and other small text, joined per page column so URLs cut at line ends rejoin."""
    groups: dict[tuple[int, int], list[str]] = {}
    for line in lines:
        groups.setdefault((line.page, line.column), []).append(line.text)
    return [join_lines(texts, vocab) for texts in groups.values()]


def count_pages(data: bytes, source: str) -> int:
    """The page count alone (no text extraction): cheap, for parsers that never open the PDF here."""
    with _PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise ParseError(source, f"pdfium cannot open the PDF: {exc}") from exc
        try:
            return len(doc)
        finally:
            doc.close()
