"""The local PDF parser: pdfium text runs -> ParsedPaper, without a GROBID server."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from tasks.models import HiddenText, ParsedPaper, sha256_bytes
from tasks.parse.errors import (
    EncryptedPdfError,
    NoTextLayerError,
    ParseError,
    TooManyPagesError,
    TruncatedPdfError,
)
from tasks.parse.frontmatter import find_title, parse_authors
from tasks.parse.hidden_passages import hidden_notices, join_hidden
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
from tasks.parse.visibility import HiddenRun, TextRunWalker, hidden_runs
from tasks.pdfium import PDFIUM_LOCK

PARSER_NAME = "local"
# 1.1: hidden text kept out of every field, listed in hidden_text
# 1.2: real layouts: accents drawn apart, namesakes, names over lines and side by side, abstracts
# without a heading, sidebars and margins, tables of contents; URLs whole (link targets)
PARSER_VERSION = "1.2.0"

# pdfium is not thread-safe and Prefect may run parse tasks in threads: one document at a time.
_PDFIUM_LOCK = PDFIUM_LOCK  # shared with the comic stage's figure extraction
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
        pages, meta_title, hidden, links = _read_pages(data, source, max_pages)
    notices: list[str] = hidden_notices(hidden)
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
    title = join_lines([line.text for line in title_lines], vocab)
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
    abstract, body_start, notice, notes = split_abstract(blocks, layout, vocab)
    small += notes
    if notice:
        notices.append(notice)
    sections, captions, ref_lines = sections_and_references(blocks[body_start:], layout, vocab)
    references = split_references(ref_lines, vocab)
    if not sections:
        notices.append("no section headings found")
    if not references:
        notices.append("no reference list found")
    # 6. URLs from the front matter, prose, captions and footnotes (not from the reference list);
    # the PDF's link targets complete those its text shows cut short.
    front = [line.text for line in pages[0].lines[:flow_start] if not line.drop]
    texts = [join_lines(front, vocab), abstract, *(p for s in sections for p in s.paragraphs)]
    texts += [c.text for c in captions] + _small_print(small, vocab)
    return ParsedPaper(
        title=title,
        authors=authors,
        abstract=abstract,
        sections=sections,
        captions=captions,
        references=references,
        urls=find_urls(texts, links),
        page_count=len(pages),
        parser=PARSER_NAME,
        parser_version=PARSER_VERSION,
        pdf_sha256=sha256_bytes(data),
        notices=notices,
        hidden_text=join_hidden(hidden),
    )


def _open(data: bytes, source: str) -> pdfium.PdfDocument:
    """The pdfium document; errors name source and say whether it is encrypted or damaged."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise EncryptedPdfError(source, "the PDF is encrypted and needs a password to open") from exc
        if code == pdfium_c.FPDF_ERR_FORMAT:
            raise TruncatedPdfError(source, "the PDF is damaged or truncated: pdfium cannot read it") from exc
        raise ParseError(source, f"pdfium cannot open the PDF: {exc}") from exc


def _read_pages(
    data: bytes, source: str, max_pages: int
) -> tuple[list[Page], str, list[HiddenRun], list[str]]:
    """Every page's lines of visible text, the metadata title, the hidden runs and the link targets."""
    doc = _open(data, source)
    try:
        count = len(doc)
        if count == 0:
            raise ParseError(source, "the PDF has no pages")
        if count > max_pages:
            raise TooManyPagesError(source, f"the PDF has {count} pages, over the cap of {max_pages}")
        fonts = FontCache()
        walker = TextRunWalker()
        pages: list[Page] = []
        hidden: list[HiddenRun] = []
        links: list[str] = []
        for index in range(count):
            page = doc[index]
            text_page = page.get_textpage()
            try:
                links += _link_targets(doc, page)
                width, height = page.get_size()
                spans, page_hidden = page_spans(
                    page.raw, text_page.raw, fonts, walker, index + 1, split_gaps=index == 0
                )
                pages.append(Page(index + 1, width, height, group_lines(spans, index + 1)))
                hidden += page_hidden
            finally:
                text_page.close()
                page.close()
        return pages, doc.get_metadata_value("Title") or "", hidden, links
    except pdfium.PdfiumError as exc:
        raise ParseError(source, f"pdfium failed while reading the pages: {exc}") from exc
    finally:
        doc.close()


def _link_targets(doc: pdfium.PdfDocument, page: pdfium.PdfPage) -> list[str]:
    """The URIs the page's link annotations point to (hyperref's \\url links): whole, never line-broken."""
    out: list[str] = []
    position = ctypes.c_int(0)
    link = pdfium_c.FPDF_LINK()
    while pdfium_c.FPDFLink_Enumerate(page.raw, ctypes.byref(position), ctypes.byref(link)):
        action = pdfium_c.FPDFLink_GetAction(link)
        if not action or pdfium_c.FPDFAction_GetType(action) != pdfium_c.PDFACTION_URI:
            continue
        size = pdfium_c.FPDFAction_GetURIPath(doc.raw, action, None, 0)
        if size <= 1 or size > 4096:
            continue
        buffer = ctypes.create_string_buffer(size)
        pdfium_c.FPDFAction_GetURIPath(doc.raw, action, buffer, size)
        out.append(buffer.value.decode("latin-1").strip())
    return out


def find_hidden_text(data: bytes, source: str) -> tuple[list[HiddenText], list[str]]:
    """The PDF's hidden text, joined per page and reason, and the notice saying so (if any).

    For parsers that do not read the PDF here (GROBID extracts hidden text like any other).
    """
    with _PDFIUM_LOCK:
        doc = _open(data, source)
        try:
            runs = hidden_runs(doc)
        except pdfium.PdfiumError as exc:
            raise ParseError(source, f"pdfium failed while looking for hidden text: {exc}") from exc
        finally:
            doc.close()
    return join_hidden(runs), hidden_notices(runs)


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
            # An abstract with no heading (arXiv single-column) starts right after the affiliations.
            or (_body_like(line, layout) and _prose_like(line.text))
        ):
            break
        region.append(line)
    return region, end


def _body_like(line: Line, layout: Layout) -> bool:
    return not line.bold and line.size <= layout.body_size + 0.5


def _prose_like(text: str) -> bool:
    """A line of running text: eight words or more, most of them lower case (names and places are not)."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return len(words) >= 8 and sum(w[:1].islower() for w in words) >= 0.6 * len(words)


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
